"""MOU documents: two figures, each a ratio against a baseline measured in the same run.

    .venv/bin/python bench/documents.py [--rounds 5] [--seconds 4] [--connections 8]

1. Rendering the demo's signed MOU (letterhead, clauses, a signature block per party, the card programme's
   exhibit, the audit certificate with its QR code) through the app's code (template + tracker.printing.render_pdf,
   with its own-data-only URL fetcher, process lock and PDF/UA metadata) vs WeasyPrint alone on the same HTML,
   both as tagged PDF/A-3a. Target: <= 1.3x the time.
2. Downloading the sealed PDF (GET /agreements/<id>/versions/<id>/pdf, signed in, stored bytes) from the
   app under gunicorn vs a bare Flask "hello" route under the same gunicorn settings. Target: >= 0.5x the
   requests per second. Each server's CPU ms per request (from /proc) is printed too: on a shared, loaded
   machine it says more than the ratio.

`--no-render` measures the download alone.

The data is the demo, loaded into a fresh SQLite database in a temporary folder; the servers are stopped
at the end. Results also go to bench/out/documents-latest.json.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import run  # noqa: E402  (bench/run.py: gunicorn servers, a logged-in session, the load generator)

RENDER_TARGET, DOWNLOAD_TARGET = 1.3, 0.5
PASSWORD = "bench-" + secrets.token_urlsafe(8)


def prepare(folder: Path) -> dict:
    env = {**os.environ, "TRACKER_INSTANCE": str(folder), "DATABASE_URL": f"sqlite:///{folder / 'tracker.db'}",
           "TRACKER_ENV": "development", "MAIL_BACKEND": "console", "DEMO_PASSWORD": PASSWORD}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["clauses", "seed"], ["seed-demo"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def render_ratio(env: dict, rounds: int) -> dict:
    os.environ.update({k: env[k] for k in ("TRACKER_INSTANCE", "DATABASE_URL", "MAIL_BACKEND")})
    from sqlalchemy import select
    from weasyprint import HTML

    from tracker import create_app
    from tracker.documents import pdf
    from tracker.documents.models import DocumentVersion
    from tracker.extensions import db
    from tracker.weasy import ARCHIVAL

    app = create_app("development")
    with app.app_context(), app.test_request_context():
        version = db.session.execute(select(DocumentVersion).where(DocumentVersion.pdf_sha256.is_not(None))).scalar()
        html = pdf.html(version, final=True, text_sha256=version.text_sha256)
        static = (ROOT / "static").as_uri() + "/"
        bare_html = html.replace('href="/static/', f'href="{static}')
        pages = len(HTML(string=bare_html).render(pdf_variant=ARCHIVAL).pages)
        app_times, bare_times = [], []
        pdf.final_pdf(version, version.text_sha256)  # warm-up: fonts, caches
        HTML(string=bare_html).write_pdf(pdf_variant=ARCHIVAL)
        for _ in range(rounds):
            t0 = time.perf_counter()
            pdf.final_pdf(version, version.text_sha256)
            t1 = time.perf_counter()
            HTML(string=bare_html).write_pdf(pdf_variant=ARCHIVAL)
            t2 = time.perf_counter()
            app_times.append(t1 - t0)
            bare_times.append(t2 - t1)
    app_ms, bare_ms = statistics.median(app_times) * 1000, statistics.median(bare_times) * 1000
    return {"pages": pages, "app_ms": app_ms, "weasyprint_ms": bare_ms, "ratio": app_ms / bare_ms}


def download_ratio(env: dict, args) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as conn:
        agreement_id, version_id, size = conn.execute(text(
            "SELECT d.agreement_id, v.id, length(v.pdf) FROM document_version v JOIN document d ON d.id = v.document_id "
            "WHERE v.pdf_sha256 IS NOT NULL")).one()
    engine.dispose()
    path = f"/agreements/{agreement_id}/versions/{version_id}/pdf"
    settings = SimpleNamespace(workers=2, worker_class="sync", threads=1)
    logs = Path(tempfile.mkdtemp(prefix="bench-documents-logs-"))
    server_env = {**env, "TRACKER_ENV": "production", "SECRET_KEY": secrets.token_hex(32), "SESSION_COOKIE_SECURE": "0"}
    app = run.Server("app", "wsgi:app", ROOT, server_env, settings, logs / "app.log")
    hello = run.Server("hello", "hello_app:app", BENCH, {}, settings, logs / "hello.log")
    try:
        app.wait_ready("/healthz")
        hello.wait_ready("/")
        session = run.Session(app.port)
        session.login("director@demo.test", PASSWORD)
        status, headers, _body = session.request("GET", path)
        if status != 200 or headers.get("Content-Type") != "application/pdf":
            raise RuntimeError(f"GET {path} gave {status} {headers.get('Content-Type')}")
        cookie = session.cookie_header()
        app_rps, hello_rps = [], []
        cpu = {app.port: [0.0, 0], hello.port: [0.0, 0]}  # port -> [server CPU seconds, requests]
        run.load(app.port, [path], cookie, args.connections, 1.0, 10**9)  # warm-up
        run.load(hello.port, ["/"], "", args.connections, 1.0, 10**9)
        for _ in range(args.rounds):
            for server, paths, cookie_, out in ((app, [path], cookie, app_rps), (hello, ["/"], "", hello_rps)):
                cpu0 = server.cpu_seconds()
                raw = run.load(server.port, paths, cookie_, args.connections, args.seconds / args.rounds * 2, 10**9)
                cpu[server.port][0] += server.cpu_seconds() - cpu0
                cpu[server.port][1] += len(raw["latencies"])
                if raw["errors"]:
                    raise RuntimeError(f"errors under load: {raw['errors'][:3]}")
                out.append(raw["in_window"] / raw["window"])
    finally:
        app.stop()
        hello.stop()
    app_total, hello_total = statistics.median(app_rps), statistics.median(hello_rps)
    app_cpu, hello_cpu = (cpu[s.port][0] * 1000 / max(cpu[s.port][1], 1) for s in (app, hello))
    return {"pdf_bytes": size, "app_rps": app_total, "hello_rps": hello_total, "ratio": app_total / hello_total,
            "app_cpu_ms": app_cpu, "hello_cpu_ms": hello_cpu}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0, help="load per server, split into rounds")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--no-render", action="store_true", help="measure the download alone")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as folder:
        env = prepare(Path(folder))
        render = None if args.no_render else render_ratio(env, args.rounds)
        download = download_ratio(env, args)
    ok_render, ok_download = render is None or render["ratio"] <= RENDER_TARGET, download["ratio"] >= DOWNLOAD_TARGET
    if render is not None:
        print(f"Render a {render['pages']}-page MOU: app {render['app_ms']:.0f} ms vs WeasyPrint alone "
              f"{render['weasyprint_ms']:.0f} ms -> {render['ratio']:.2f}x (target <= {RENDER_TARGET}x) "
              f"{'OK' if ok_render else 'MISSED'}")
    print(f"Download the sealed PDF ({download['pdf_bytes']} bytes): {download['app_rps']:.0f} req/s vs bare hello "
          f"{download['hello_rps']:.0f} req/s -> {download['ratio']:.2f}x (target >= {DOWNLOAD_TARGET}x) "
          f"{'OK' if ok_download else 'MISSED'}; CPU {download['app_cpu_ms']:.2f} ms/request vs "
          f"{download['hello_cpu_ms']:.2f}")
    out = BENCH / "out"
    out.mkdir(exist_ok=True)
    (out / "documents-latest.json").write_text(json.dumps({"render": render, "download": download}, indent=2))
    return 0 if ok_render and ok_download else 1


if __name__ == "__main__":
    sys.exit(main())
