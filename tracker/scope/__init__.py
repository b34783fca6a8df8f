"""Who sees what: the organisations a user acts for, the agreements they see and how, and the one
mechanism that loads an agreement (or anything inside one) for a request and checks that relation.

- `users.py`: a user's Scope (their organisations, those below and those above), worked out once per
  user and access version and kept by each worker;
- `agreements.py`: the one function that says which agreements a scope sees, and how;
- `loading.py`: what `@requires(..., scope=...)` runs: the URL's ids become objects, or 404;
- `sql.py`: `among`, the "IN these ids" that stays cheap on PostgreSQL when the ids are many.
"""
