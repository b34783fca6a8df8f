"""Serve the app and a bare Flask-SQLAlchemy page with gunicorn and load both the same way.

    .venv/bin/python bench/run.py                 # what `make bench` runs
    .venv/bin/python bench/run.py --duration 6 --no-admin --check

Both servers run at once on free loopback ports with the same gunicorn settings (2 workers),
against the same database (generated first when it is missing or empty). The pages: the
signed-in empty page, the agreements list and a search, an agreement's overview and its
milestones and drives pages; a page that does not answer 200 (not built in the checkout
measured) is reported as not available and skipped. Each page gets a
warm-up, then a fixed, bounded load: CONNECTIONS keep-alive connections (16), each sending
its next request as soon as the previous answer arrived, for DURATION seconds in ROUNDS
slices, each slice paired with a slice of the bare page, so that a page and its baseline see
the same machine. The table gives throughput, latency p50/p99, the time of one request on an
idle server, the server's CPU per request, and the ratio of the page's throughput to the bare
page's measured in turn with it.

Targets (from the issue): throughput >= 0.7 x the bare page's, p99 <= 150 ms at 16 connections.
Results also go to bench/out/results-<time>.json and bench/out/latest.json.
The servers are stopped at the end, on error, on Ctrl-C and on SIGTERM.
"""
from __future__ import annotations

import argparse
import atexit
import http.client
import json
import math
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import generate  # noqa: E402  (bench/generate.py: the data set and the bench accounts)

HOST = "127.0.0.1"
PAGE_CACHE = "redis://127.0.0.1:6379/12"  # the tests use 13, the jobs 15, the rate limits 14
TARGET_RATIO = 0.7
TARGET_P99_MS = 150.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---- the database -----------------------------------------------------------------------------

def dataset_counts(url: str) -> dict | None:
    """Row counts of the bench database, or None when it is missing, empty or not a bench database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(generate.sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            counts = {
                table: conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
                for table in ("organisation", "agreement", "party", "goal", "milestone", "card_drive", "drive_count", "user")
            }
            bench_users = conn.execute(
                text('SELECT count(*) FROM "user" WHERE email IN (:a, :b)'),
                {"a": generate.BENCH_USER, "b": generate.BENCH_ADMIN},
            ).scalar_one()
    except Exception:  # no server, no database, no tables: generate it
        return None
    finally:
        engine.dispose()
    if counts["agreement"] == 0 or counts["milestone"] == 0 or bench_users != 2:  # empty, or made before milestones
        return None
    return counts


# ---- servers ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """One gunicorn master we started; stop() ends it (and so its workers) by its pid."""

    def __init__(self, name: str, app: str, chdir: Path, env: dict, args, log: Path, port: int | None = None):
        self.name, self.port, self.log = name, port or free_port(), log
        gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
        if not gunicorn.exists():
            gunicorn = Path(sys.executable).with_name("gunicorn")
        cmd = [
            str(gunicorn), "--bind", f"{HOST}:{self.port}", "--workers", str(args.workers),
            "--worker-class", args.worker_class, "--chdir", str(chdir), "--timeout", "60",
            "--error-logfile", str(log), "--log-level", "warning", "--keep-alive", "30",
        ]
        if args.worker_class == "gthread":
            cmd += ["--threads", str(args.threads)]
        cmd.append(app)
        self.command = cmd
        self._log_file = open(log, "ab")
        env = {"PUBLIC_BASE_URL": f"http://{HOST}:{self.port}", **env}  # production refuses to start without it
        self.process = subprocess.Popen(cmd, env={**os.environ, **env}, stdin=subprocess.DEVNULL,
                                        stdout=self._log_file, stderr=subprocess.STDOUT)

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} server did not answer on port {self.port} within {timeout:.0f}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def pids(self) -> list[int]:
        """The master and its workers."""
        master = self.process.pid
        found = [master]
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                stat = _proc_stat(int(entry))
                if stat and int(stat[1]) == master:
                    found.append(int(entry))
        return found

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.pids():
            stat = _proc_stat(pid)
            if stat:
                total += int(stat[11]) + int(stat[12])  # utime + stime
        return total / CLK_TCK

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: gunicorn stops its workers, then itself
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log_file.close()


def forget_pages(url: str) -> str:
    """Empty the Redis database the app keeps its pages in: a data set generated again reuses the same ids."""
    from redis import Redis

    Redis.from_url(url).flushdb()
    return url


def app_environment(database: str) -> dict:
    """The app's settings under gunicorn: production, a random key, the cookie over plain http."""
    return {"DATABASE_URL": database, "TRACKER_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
            "SESSION_COOKIE_SECURE": "0", "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(BENCH)}


@contextmanager
def serving():
    """A list to put started Servers in: every one is stopped at the end, on error, on Ctrl-C and on SIGTERM."""
    servers: list[Server] = []

    def stop_all() -> None:
        while servers:
            servers.pop().stop()

    atexit.register(stop_all)
    previous_term = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        yield servers
    finally:
        stop_all()
        signal.signal(signal.SIGTERM, previous_term)
        atexit.unregister(stop_all)


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name: [state, ppid, ..., utime (11), stime (12), ...]."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    return data[data.rindex(")") + 2:].split()


# ---- a client ---------------------------------------------------------------------------------

class Session:
    """Cookies and requests, for logging in and looking around before the load.

    Each request opens a connection of its own unless `keep_alive`; `clone()` is another connection
    sharing the cookie jar, like a second connection of the same browser."""

    def __init__(self, port: int, keep_alive: bool = False, timeout: float = 30):
        self.port, self.keep_alive, self.timeout = port, keep_alive, timeout
        self.cookies: dict[str, str] = {}
        self._conn: http.client.HTTPConnection | None = None

    def clone(self, keep_alive: bool = True, timeout: float | None = None) -> "Session":
        other = Session(self.port, keep_alive, self.timeout if timeout is None else timeout)
        other.cookies = self.cookies
        return other

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def fetch(self, method: str, path: str, body: dict | None = None,
              headers: dict | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
        """One request with the jar's cookies; keeps every cookie the server sets (drops those it expires).
        A kept-alive connection the server has closed meanwhile is reopened once, as browsers do."""
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = self.cookie_header()
        data = None
        if body is not None:
            data = urlencode(body)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        reused, conn, self._conn = self._conn is not None, self._conn, None
        while True:
            conn = conn or http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                conn.request(method, path, body=data, headers=sent)
                response = conn.getresponse()
                raw = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                if not reused:
                    raise
                reused, conn = False, None
            except BaseException:
                conn.close()
                raise
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for key, morsel in jar.items():
                if morsel["max-age"] in ("0", "-1"):
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
        if self.keep_alive and not response.will_close:
            self._conn = conn
        else:
            conn.close()
        return response.status, response.headers, raw

    def request(self, method: str, path: str, body: dict | None = None,
                headers: dict | None = None) -> tuple[int, dict, str]:
        status, response_headers, raw = self.fetch(method, path, body, headers)
        return status, dict(response_headers), raw.decode("utf-8", "replace")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def login(self, email: str, password: str) -> None:
        status, _headers, page = self.request("GET", "/login")
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page)
        if status != 200 or not match:
            raise RuntimeError(f"GET /login gave {status} without a csrf_token")
        status, headers, _page = self.request("POST", "/login", {
            "email": email, "password": password, "csrf_token": match.group(1)})
        if status not in (302, 303) or "/login" in headers.get("Location", ""):
            raise RuntimeError(f"logging in as {email} failed: {status}")
        status, _headers, page = self.request("GET", "/agreements")
        if status != 200 or "agreement-results" not in page:
            raise RuntimeError(f"after logging in as {email}, /agreements gave {status}")


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def load(port: int, paths: list[str], cookie: str, connections: int, seconds: float, max_requests: int) -> dict:
    """`connections` threads, each with its own keep-alive connection, sending requests back to back
    for `seconds` (and at most `max_requests` requests). Raw figures; `summarise` makes the table's."""
    headers = {"Cookie": cookie} if cookie else {}
    latencies: list[list[float]] = [[] for _ in range(connections)]
    finished: list[list[float]] = [[] for _ in range(connections)]
    errors: list[list[str]] = [[] for _ in range(connections)]
    sizes = [0] * connections
    issued = [0]
    lock = threading.Lock()
    start_gate = threading.Barrier(connections + 1)
    deadline = [0.0]

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        mine, ends, k = latencies[i], finished[i], i
        start_gate.wait()
        while time.perf_counter() < deadline[0]:
            with lock:
                if issued[0] >= max_requests:
                    break
                issued[0] += 1
            path = paths[k % len(paths)]
            k += 1
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors[i].append(f"{type(exc).__name__}: {exc}")
                conn.close()  # the next request reconnects
                continue
            t1 = time.perf_counter()
            mine.append(t1 - t0)
            ends.append(t1)
            sizes[i] += len(body)
            if response.status != 200:
                errors[i].append(f"HTTP {response.status} {path}")
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for t in threads:
        t.start()
    cpu0 = time.process_time()
    started = time.perf_counter()
    deadline[0] = started + seconds
    start_gate.wait()
    for t in threads:
        t.join()
    drained = time.perf_counter()
    return {
        "latencies": [x for per in latencies for x in per],
        # Throughput counts what finished within the window; latencies also count the requests
        # still in flight when it closed.
        "in_window": sum(1 for per in finished for t in per if t <= deadline[0]),
        "window": min(seconds, drained - started),
        "errors": [e for per in errors for e in per],
        "bytes": sum(sizes),
        "client_cpu": time.process_time() - cpu0,
    }


def measure(server: "Server", paths: list[str], cookie: str, args, seconds: float) -> dict:
    cpu0 = server.cpu_seconds()
    raw = load(server.port, paths, cookie, args.connections, seconds, args.max_requests)
    raw["server_cpu"] = server.cpu_seconds() - cpu0
    return raw


def summarise(slices: list[dict]) -> dict:
    ordered = sorted(x for s in slices for x in s["latencies"])
    errors = [e for s in slices for e in s["errors"]]
    done, window = len(ordered), sum(s["window"] for s in slices)
    server_cpu = sum(s["server_cpu"] for s in slices)
    return {
        "requests": done,
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "seconds": round(window, 3),
        "rps": sum(s["in_window"] for s in slices) / window if window else 0.0,
        "p50_ms": percentile(ordered, 50) * 1000,
        "p90_ms": percentile(ordered, 90) * 1000,
        "p99_ms": percentile(ordered, 99) * 1000,
        "max_ms": (ordered[-1] * 1000) if ordered else float("nan"),
        "mean_bytes": round(sum(s["bytes"] for s in slices) / done) if done else 0,
        "server_cpu_ms_per_request": (server_cpu * 1000 / done) if done else None,
        "client_cpu_s": round(sum(s["client_cpu"] for s in slices), 2),
    }


def serial_ms(port: int, paths: list[str], cookie: str, count: int = 30, seconds: float = 3.0) -> float:
    """Median time of up to `count` requests one after another (at least 5, at most about `seconds`):
    the time to serve one page on an otherwise idle server."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    times: list[float] = []
    stop = time.perf_counter() + seconds
    for k in range(count):
        if k >= 5 and time.perf_counter() > stop:
            break
        t0 = time.perf_counter()
        conn.request("GET", paths[k % len(paths)], headers=headers)
        conn.getresponse().read()
        times.append(time.perf_counter() - t0)
    conn.close()
    return percentile(sorted(times), 50) * 1000


# ---- the run ----------------------------------------------------------------------------------

def agreement_ids(session: Session, count: int, database_url: str) -> list[int]:
    """Agreements the user can see, from the first page of their agreements list: first those with
    milestones and card drives (so the part pages have something to show), in the list's order."""
    from sqlalchemy import create_engine, text

    _status, _headers, page = session.request("GET", "/agreements")
    ids = [int(i) for i in dict.fromkeys(re.findall(r'href="/agreements/(\d+)"', page))]
    if not ids:
        raise RuntimeError("the agreements list shows no agreement to open")
    engine = create_engine(generate.sqlalchemy_url(database_url))
    try:
        with engine.connect() as conn:
            full = set(conn.execute(text(
                "SELECT agreement_id FROM milestone INTERSECT SELECT agreement_id FROM card_drive")).scalars())
    finally:
        engine.dispose()
    return sorted(ids, key=lambda i: i not in full)[:count]


def not_available(port: int, path: str, cookie: str, marker: str) -> str | None:
    """Why the path is not a page to measure in the checkout served (it answers something other than 200,
    or a fragment rather than a whole page), or None when it is. A whole page without the marker is an
    error: the run would measure the wrong page."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    conn.close()
    if response.status != 200:
        return f"answers {response.status}"
    if "<html" not in body:
        return "answers a fragment, not a whole page"
    if marker not in body:
        raise RuntimeError(f"GET {path} gave 200 without {marker!r}: not the page to measure")
    return None


def check_page(port: int, path: str, cookie: str, marker: str) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    conn.close()
    if response.status != 200 or marker not in body:
        raise RuntimeError(f"GET {path} gave {response.status} without {marker!r}: not the page to measure")


def code_version(checkout: Path = ROOT) -> dict:
    """The commit measured (of the checkout served), and which tracked files differed from it (read-only git)."""
    def git(*cmd) -> str:
        try:
            return subprocess.run(["git", *cmd], cwd=checkout, capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return ""
    status = git("status", "--porcelain", "--untracked-files=no").splitlines()
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "changed_files": [line[3:] for line in status if line.strip()]}


def version_line(version: dict) -> str:
    changed = version["changed_files"]
    return f"code: commit {version['commit'] or '?'}" + (f" with uncommitted changes to {', '.join(changed)}" if changed else "")


def write_report(report: dict, path: Path, latest: Path) -> None:
    text = json.dumps(report, indent=2, default=str)
    path.write_text(text)
    latest.write_text(text)
    print(f"written: {path}")


def add_server_arguments(parser: argparse.ArgumentParser, app: str = "wsgi:app",
                         app_help: str = "the app's WSGI entry (MODULE:VARIABLE), e.g. to try a fix") -> None:
    """How gunicorn serves the app (2 workers, gthread with 1 thread by default) and which WSGI entry."""
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per worker (gthread; 1: one request at a time per worker, with keep-alive)")
    parser.add_argument("--app", default=app, help=app_help)
    parser.add_argument("--app-dir", type=Path, default=ROOT,
                        help="the checkout whose `tracker` is measured (default: the repo); bench/ is on its path")


def fmt(value: float, digits: int = 1) -> str:
    return "-" if value != value else f"{value:,.{digits}f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", generate.DEFAULT_DATABASE_URL),
                        help="the bench database (default: BENCH_DATABASE_URL, else %(default)s); "
                             "generated first when missing or empty")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the data set even if it is there")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds of measured load per page (and as much again of the bare page)")
    parser.add_argument("--rounds", type=int, default=5, help="slices the duration is cut into, in turn with the bare page")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load per page first")
    parser.add_argument("--max-requests", type=int, default=100_000, help="bound on requests per measurement")
    add_server_arguments(parser, app="signed_in_app:app",
                         app_help="the app's WSGI entry (MODULE:VARIABLE; default: wsgi's app plus the signed-in empty "
                                  "page, bench/signed_in_app.py), e.g. to try a fix")
    parser.add_argument("--search", default="summer", help="the search term for /agreements?q=")
    parser.add_argument("--detail-ids", type=int, default=5,
                        help="how many agreements the overview, milestones and drives loads cycle over")
    parser.add_argument("--no-admin", action="store_true", help="skip the pages as the admin (all agreements)")
    parser.add_argument("--only", default="", help="comma-separated page names to measure "
                                                    "(signed-in, dashboard, list, search, overview, milestones, drives)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a page misses a target")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument("--page-cache", default=os.environ.get("BENCH_PAGE_CACHE", PAGE_CACHE),
                        help="the Redis the app keeps rendered pages in (emptied first); '' serves without one")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    counts = None if args.regenerate else dataset_counts(args.database_url)
    generated = None
    if counts is None:
        print(f"Generating the data set in {args.database_url} ...", flush=True)
        generated = generate.generate(args.database_url)
        counts = dataset_counts(args.database_url)
        if counts is None:
            raise SystemExit("the data set is still missing after generating it")
    print("data set: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()), flush=True)
    version = code_version(args.app_dir)
    print(version_line(version), flush=True)
    busy = float(Path("/proc/loadavg").read_text().split()[0])
    if busy > 1.0:
        print(f"note: load average {busy:.1f} on {os.cpu_count()} CPUs before the run: other work competes "
              "for the CPU, so req/s and latencies will be lower and noisier than on a quiet machine", flush=True)

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    database = generate.sqlalchemy_url(args.database_url)
    with serving() as servers:
        print(f"page cache: {forget_pages(args.page_cache) if args.page_cache else 'off'}", flush=True)
        servers.append(Server("app", args.app, args.app_dir, {**app_environment(database), "PAGE_CACHE_URL": args.page_cache}, args,
                              args.out / f"app-{stamp}.log"))
        servers.append(Server("bare", "bare_app:app", BENCH, {"DATABASE_URL": database}, args,
                              args.out / f"bare-{stamp}.log"))
        app, bare = servers
        app.wait_ready("/login")
        bare.wait_ready("/")
        print(f"servers: app on {HOST}:{app.port}, bare on {HOST}:{bare.port} "
              f"(gunicorn {args.workers} workers, {args.worker_class}"
              f"{f' x {args.threads} threads' if args.worker_class == 'gthread' else ''})", flush=True)

        user = Session(app.port)
        user.login(generate.BENCH_USER, generate.BENCH_PASSWORD)
        q = quote(args.search)
        def agreement_pages(session: Session, suffix: str = "") -> list[tuple]:
            """The agreement's overview and its part pages, cycling over a few of the user's agreements."""
            ids = agreement_ids(session, args.detail_ids, args.database_url)
            cookie = session.cookie_header()
            return [("overview" + suffix, [f"/agreements/{i}" for i in ids], cookie, "agreement-head"),
                    ("milestones" + suffix, [f"/agreements/{i}/milestones" for i in ids], cookie, "milestone"),
                    ("drives" + suffix, [f"/agreements/{i}/drives" for i in ids], cookie, "drive")]

        pages = [
            ("signed-in empty", ["/bench/signed-in-empty"], user.cookie_header(), "bench-empty"),
            ("dashboard", ["/"], user.cookie_header(), "dashboard-links"),
            ("list", ["/agreements"], user.cookie_header(), "agreement-results"),
            (f"search q={args.search}", [f"/agreements?q={q}"], user.cookie_header(), "agreement-results"),
            *agreement_pages(user),
        ]
        if not args.no_admin:
            admin = Session(app.port)
            admin.login(generate.BENCH_ADMIN, generate.BENCH_PASSWORD)
            pages += [
                ("dashboard (admin)", ["/"], admin.cookie_header(), "dashboard-links"),
                ("list (admin)", ["/agreements"], admin.cookie_header(), "agreement-results"),
                (f"search q={args.search} (admin)", [f"/agreements?q={q}"], admin.cookie_header(), "agreement-results"),
                *agreement_pages(admin, " (admin)"),
            ]

        if args.only:
            wanted = {w.strip() for w in args.only.replace("detail", "overview").split(",") if w.strip()}
            pages = [p for p in pages if p[0].split(" ")[0] in wanted]
            if not pages:
                raise SystemExit(f"--only {args.only!r} names no page; "
                                 "use signed-in, dashboard, list, search, overview, milestones or drives")

        # Every page is looked at before any load: one that answers anything but a whole page with 200 is not
        # available in the checkout measured (e.g. a page not built yet) and is skipped; one that is not the
        # expected page stops the run.
        unavailable = {}
        for name, paths, cookie, marker in pages:
            reasons = {not_available(app.port, path, cookie, marker) for path in paths} - {None}
            if reasons:
                unavailable[name] = "; ".join(sorted(reasons))

        check_page(bare.port, "/", "", "<table")
        bare_serial = serial_ms(bare.port, ["/"], "")
        load(bare.port, ["/"], "", args.connections, args.warmup, args.max_requests)
        slice_seconds = args.duration / args.rounds
        results, all_bare = [], []
        for name, paths, cookie, marker in pages:
            if name in unavailable:
                results.append({"page": name, "paths": paths, "available": False, "why": unavailable[name]})
                print(f"  {name:<32} not available ({unavailable[name]}): not measured", flush=True)
                continue
            one = serial_ms(app.port, paths, cookie)
            load(app.port, paths, cookie, args.connections, args.warmup, args.max_requests)
            page_slices, bare_slices = [], []
            for r in range(args.rounds):  # bare and page in turn, so both see the same machine
                order = [(bare, ["/"], "", bare_slices), (app, paths, cookie, page_slices)]
                for server, server_paths, server_cookie, into in (order if r % 2 == 0 else order[::-1]):
                    into.append(measure(server, server_paths, server_cookie, args, slice_seconds))
            all_bare += bare_slices
            result = summarise(page_slices)
            paired = summarise(bare_slices)
            result.update(page=name, paths=paths, available=True, serial_ms=one, bare=paired)
            result["ratio"] = result["rps"] / paired["rps"] if paired["rps"] else 0.0
            result["meets_ratio"] = result["ratio"] >= TARGET_RATIO
            result["meets_p99"] = result["p99_ms"] <= TARGET_P99_MS
            result["meets_targets"] = result["meets_ratio"] and result["meets_p99"] and result["errors"] == 0
            results.append(result)
            errors = f"  errors {result['errors']}" if result["errors"] else ""
            print(f"  {name:<32} {result['rps']:8.1f} req/s  p50 {fmt(result['p50_ms'])} ms  "
                  f"p99 {fmt(result['p99_ms'])} ms  cpu {fmt(result['server_cpu_ms_per_request'] or float('nan'), 2)} "
                  f"ms/req  (bare {paired['rps']:.1f} req/s)  ratio {result['ratio']:.2f}{errors}", flush=True)

    bare_all = summarise(all_bare)
    bare_all.update(page="bare (50 rows), all slices", paths=["/"], serial_ms=bare_serial)
    measured = [r for r in results if r["available"]]
    missed = [r["page"] for r in measured if not r["meets_targets"]]
    skipped = [r["page"] for r in results if not r["available"]]

    print()
    print(f"load: {args.connections} concurrent connections (one client thread each, keep-alive, each sending its next "
          f"request as soon as the answer arrived); per page {args.duration:g} s in {args.rounds} slices, each paired "
          f"with a slice of the bare page; both served by gunicorn, {args.workers} workers ({args.worker_class}"
          f"{f', {args.threads} threads' if args.worker_class == 'gthread' else ''})")
    header = (f"{'page':<32} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'1 req ms':>9} {'cpu ms/req':>10} "
              f"{'KB':>6} {'bare req/s':>10} {'ratio':>6} {'targets':>8}")
    print(header)
    print("-" * len(header))
    for r in [bare_all] + results:
        if not r.get("available", True):
            print(f"{r['page']:<32} not available ({r['why']}): not measured")
            continue
        is_bare = "bare" not in r
        verdict = "" if is_bare else ("ok" if r["meets_targets"] else "MISSED")
        print(f"{r['page']:<32} {r['rps']:8.1f} {fmt(r['p50_ms']):>8} {fmt(r['p99_ms']):>8} {fmt(r['serial_ms']):>9} "
              f"{fmt(r['server_cpu_ms_per_request'] or float('nan'), 2):>10} {r['mean_bytes'] / 1024:6.1f} "
              f"{'' if is_bare else format(r['bare']['rps'], '10.1f'):>10} "
              f"{'' if is_bare else format(r['ratio'], '6.2f'):>6} {verdict:>8}")
        if r["errors"]:
            print(f"    {r['errors']} errors, e.g. {r['error_samples']}")
    print()
    print(f"targets: req/s >= {TARGET_RATIO} x the bare page's (measured in turn with it), "
          f"p99 <= {TARGET_P99_MS:.0f} ms, at {args.connections} connections, no errors")
    print("result: " + ("every page measured meets the targets" if not missed else "missed on: " + ", ".join(missed)))
    if skipped:
        print("not available, not measured: " + ", ".join(skipped))

    report = {
        "time": stamp,
        "database": args.database_url,
        "code": version,
        "dataset": counts,
        "generated": generated,
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "loadavg_before": busy, "loadavg_after": Path("/proc/loadavg").read_text().split()[:3]},
        "targets": {"ratio": TARGET_RATIO, "p99_ms": TARGET_P99_MS, "connections": args.connections},
        "bare": bare_all,
        "results": results,
        "missed": missed,
        "not_available": skipped,
    }
    write_report(report, args.out / f"results-{stamp}.json", args.out / "latest.json")
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
