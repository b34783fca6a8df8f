"""Long work (bulk PDFs, large imports, exports) as jobs whose progress lives in the database.

A job runs in a thread of the app's own process by default; with REDIS_URL set it goes to RQ
workers (`flask --app wsgi jobs worker`). Either way the page polls `/jobs/<id>` for progress.
"""
