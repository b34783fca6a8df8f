"""Soak: does the app keep its memory and its answers under a long mixed load?

    .venv/bin/python bench/soak.py                    # 5 minutes on PostgreSQL tracker_soak (dropped and rebuilt)
    .venv/bin/python bench/soak.py --duration 30      # a quick run
    .venv/bin/python bench/soak.py --check            # exit 1 when a target is missed

The database is built through the app itself (`flask db upgrade`, `flask seed-demo`), then served by gunicorn
(2 workers, production settings, 127.0.0.1 only) as in bench/run.py. Six demo users sign in like a browser and
find their URLs on the pages: agreements from the list, the sealed MOU PDF and the card drive from an agreement's
page, count rows from the drive's school pages, a calendar feed made on /profile.

1. Capacity: a closed loop of the mix at CONNECTIONS (16) keep-alive connections, each sending its next request
   as soon as the previous answer arrived: operations (and requests) per second.
2. Soak: an open loop at LOAD (80 %) of that capacity: operations arrive at a fixed pace whatever the answers do,
   so latency includes any queueing, for DURATION seconds after a warm-up; then it stops, whatever happened.

The mix: the agreements list, an agreement's page, the dashboard, the sealed PDF, the ICS feed (no cookies, as a
calendar app) and an inline count edit (the htmx GET of a row's form, then its POST with one more card issued).
Reported per kind and overall: requests, errors (anything but the expected answer, transport errors included;
target 0), p50 and p99; and each gunicorn worker's RSS at the start of the soak and at its end (target: growth
< 10 %), sampled along the way. Results also go to bench/out/soak-<time>.json and bench/out/soak-latest.json.
The servers are stopped at the end, on error, on Ctrl-C and on SIGTERM.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import queue
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import generate  # noqa: E402  (bench/generate.py: dropping and creating the database)
import run  # noqa: E402  (bench/run.py: gunicorn servers, signed-in sessions, percentiles)

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/tracker_soak"
USERS = ("director@demo.test", "staff@demo.test", "superintendent@demo.test", "librarian@demo.test",
         "admin@demo.test", "viewer@demo.test")
KINDS = ("list", "agreement", "dashboard", "pdf", "ics", "count")
DEFAULT_MIX = "list=3,agreement=3,dashboard=3,pdf=1,ics=2,count=2"
TARGET_GROWTH_PCT = 10.0
DROPPED = "dropped: "  # an operation the client never sent because the server had fallen behind
HX = {"HX-Request": "true"}
# What each kind of answer must contain (a signed-out user gets the login page, which has none of them).
MARKERS = {
    "list": b"agreement-results",
    "agreement": b'id="section-parties"',
    "dashboard": b'id="panel-counts"',
    "count form": b'name="read_issued"',
    "count save": b'id="count-',
}
PREFIXES = {"pdf": b"%PDF-", "ics": b"BEGIN:VCALENDAR"}


# ---- the data, through the app --------------------------------------------------------------

def build(env: dict, password: str) -> None:
    """Drop and create the database, migrate it and load the demo, with the app's own commands."""
    generate.recreate_database(env["DATABASE_URL"])
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["seed-demo", "--password", password]):
        done = subprocess.run(flask + command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"flask {' '.join(command[:2])} failed:\n{done.stdout}{done.stderr}")


def table_rows(url: str) -> dict[str, int]:
    """Rows per table, to see what the load leaves behind (sessions, audit events, ...)."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(generate.sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()
                    for t in inspect(conn).get_table_names()}
    finally:
        engine.dispose()


# ---- reading pages --------------------------------------------------------------------------

class Forms(HTMLParser):
    """The forms of a page or fragment: where they post and the values a browser would send."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "hx-post": a.get("hx-post", ""), "fields": {}, "chosen": set()}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        fields, name = self._form["fields"], a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields[name] = a.get("value") or "on"
            elif kind not in ("submit", "button", "image", "file", "reset"):
                fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if self._select not in fields or ("selected" in a and self._select not in self._form["chosen"]):
                fields[self._select] = a.get("value", "")
                if "selected" in a:
                    self._form["chosen"].add(self._select)
        elif tag == "textarea" and name:
            self._textarea, fields[name] = name, ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def header_token(page: str) -> str:
    """The CSRF token htmx sends: `hx-headers` on <body>."""
    match = re.search(r"<body[^>]*hx-headers='([^']*)'", page) or re.search(r'<body[^>]*hx-headers="([^"]*)"', page)
    if not match:
        raise RuntimeError("the page has no hx-headers on <body>")
    return json.loads(match.group(1).replace("&#34;", '"').replace("&quot;", '"'))["X-CSRFToken"]


def links(page: str, pattern: str) -> list[str]:
    return list(dict.fromkeys(re.findall(pattern, page)))


# ---- the users and what they can do ---------------------------------------------------------

@dataclass
class Client:
    email: str
    session: run.Session
    csrf: str = ""
    targets: dict[str, list[str]] = field(default_factory=dict)


def discover(port: int, email: str, password: str) -> Client:
    """Sign in like a browser and collect, from the pages, the URLs of each kind this user can load."""
    session = run.Session(port)
    session.login(email, password)
    client = Client(email, session)

    def page(path: str, marker: bytes | None = None, headers: dict | None = None) -> str:
        status, _headers, raw = session.fetch("GET", path, headers=headers)
        if status != 200 or (marker and marker not in raw):
            raise RuntimeError(f"{email}: GET {path} gave {status} without {marker!r}")
        return raw.decode("utf-8", "replace")

    listing = page("/agreements", MARKERS["list"])
    client.csrf = header_token(listing)
    agreements = links(listing, r'href="(/agreements/\d+)"')
    page("/", MARKERS["dashboard"])
    client.targets = {"list": ["/agreements"], "dashboard": ["/"], "agreement": agreements, "pdf": [], "count": []}
    drives: list[str] = []
    for path in agreements:
        overview = page(path, MARKERS["agreement"])
        for pdf in links(overview, r'href="(/agreements/\d+/versions/\d+/pdf)">\s*Signed PDF'):
            status, headers, raw = session.fetch("GET", pdf)
            if status == 200 and raw.startswith(PREFIXES["pdf"]) and headers.get("ETag"):  # stored, sealed bytes
                client.targets["pdf"].append(pdf)
        drives += links(overview, r'href="(/drives/\d+)"')
    for drive in dict.fromkeys(drives):
        for school in links(page(drive), r'href="(/drives/\d+/schools/\d+)"'):
            client.targets["count"] += links(page(school), r'hx-get="(/drives/\d+/counts/\d+/edit)"')

    profile = page("/profile")
    feed = re.search(r'id="feed-link"[^>]*value="([^"]+)"', profile)
    if feed is None:
        form = next(f for f in Forms(profile).forms if f["action"] == "/profile/calendar")
        status, _headers, _raw = session.fetch("POST", "/profile/calendar", body=form["fields"])
        if status not in (302, 303):
            raise RuntimeError(f"{email}: making a calendar feed gave {status}")
        feed = re.search(r'id="feed-link"[^>]*value="([^"]+)"', page("/profile"))
    url = urlsplit(feed.group(1).replace("&amp;", "&"))
    if url.hostname != run.HOST or url.port != port:
        raise RuntimeError(f"{email}: the feed address {feed.group(1)} is not this server (PUBLIC_BASE_URL?)")
    client.targets["ics"] = [url.path]
    return client


class Mix:
    """The sequence of operations: kinds by weight (smoothly interleaved), each spread over the users who can."""

    def __init__(self, weights: dict[str, int], clients: list[Client]):
        self.weights = {k: w for k, w in weights.items() if w > 0}
        total = sum(self.weights.values())
        current = dict.fromkeys(self.weights, 0)
        self.kinds: list[str] = []
        for _ in range(total):  # smooth weighted round robin
            for kind, weight in self.weights.items():
                current[kind] += weight
            best = max(current, key=current.get)
            current[best] -= total
            self.kinds.append(best)
        self.pairs: dict[str, list[tuple[Client, str]]] = {}
        for kind in self.weights:
            lists = [(c, c.targets.get(kind, [])) for c in clients]
            longest = max((len(t) for _c, t in lists), default=0)
            self.pairs[kind] = [(c, t[i]) for i in range(longest) for c, t in lists if i < len(t)]
            if not self.pairs[kind]:
                raise SystemExit(f"no demo user can load {kind!r}: the pages did not offer it")
        self.users = {kind: sorted({c.email for c, _t in pairs}) for kind, pairs in self.pairs.items()}
        self._n = 0
        self._next = dict.fromkeys(self.weights, 0)
        self._lock = threading.Lock()

    def next(self) -> tuple[str, Client, str]:
        with self._lock:
            kind = self.kinds[self._n % len(self.kinds)]
            self._n += 1
            pairs = self.pairs[kind]
            client, target = pairs[self._next[kind] % len(pairs)]
            self._next[kind] += 1
        return kind, client, target


def parse_mix(text: str) -> dict[str, int]:
    weights = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, weight = part.partition("=")
        if kind not in KINDS or not weight.isdigit():
            raise SystemExit(f"--mix: {part!r}; use KIND=WEIGHT with KIND one of {', '.join(KINDS)}")
        weights[kind] = int(weight)
    if not any(weights.values()):
        raise SystemExit("--mix gives no weight to any kind")
    return weights


# ---- doing one operation ----------------------------------------------------------------------

@dataclass
class Sample:
    kind: str
    due: float  # when it should have started (open loop: its slot; closed loop: when it was sent)
    sent: float
    done: float
    status: int
    error: str | None
    size: int
    slot: float = 0.0  # the operation's slot (a count save belongs to its edit's): what the soak window selects


class Context:
    """One load thread's connections: one per user it acts for, one without cookies for calendar feeds."""

    def __init__(self, port: int, timeout: float, into: list[Sample], notes: Counter):
        self.sessions: dict[str, run.Session] = {}
        self.calendar = run.Session(port, keep_alive=True, timeout=timeout)
        self.timeout, self.into, self.notes = timeout, into, notes

    def close(self) -> None:
        for session in [*self.sessions.values(), self.calendar]:
            session.close()

    def perform(self, kind: str, client: Client, target: str, due: float | None = None) -> None:
        if kind == "ics":
            self.calendar.cookies.clear()  # a calendar app keeps no cookies
            self.call(self.calendar, "ics", "GET", target, due)
            if self.calendar.cookies:
                self.notes["calendar feed answers that set a cookie"] += 1
            return
        session = self.sessions.get(client.email)
        if session is None:
            session = self.sessions[client.email] = client.session.clone(keep_alive=True, timeout=self.timeout)
        if kind != "count":
            self.call(session, kind, "GET", target, due)
            return
        slot = due or time.perf_counter()
        raw = self.call(session, "count form", "GET", target, slot, headers=HX)
        if raw is None:
            return
        forms = Forms(raw.decode("utf-8", "replace")).forms
        form = forms[0] if forms else None
        if form is None or "issued" not in form["fields"]:
            now = time.perf_counter()
            self.into.append(Sample("count save", now, now, now, 0, "no count form in the edit answer", 0, slot))
            return
        fields = dict(form["fields"])
        issued, enrolment = int(fields["issued"] or 0), int(fields.get("enrolment") or 0)
        fields["issued"] = str(issued + 1 if not enrolment or issued < enrolment else issued - 1)
        self.call(session, "count save", "POST", form["hx-post"] or form["action"], None, body=fields,
                  headers={**HX, "X-CSRFToken": client.csrf}, slot=slot)

    def call(self, session: run.Session, kind: str, method: str, path: str, due: float | None,
             body: dict | None = None, headers: dict | None = None, slot: float | None = None) -> bytes | None:
        """One timed request; records a Sample and gives the body when the answer is the expected one."""
        sent = time.perf_counter()
        due = due or sent
        try:
            status, answer, raw = session.fetch(method, path, body=body, headers=headers)
        except (OSError, http.client.HTTPException) as exc:
            now = time.perf_counter()
            self.into.append(Sample(kind, due, sent, now, 0, type(exc).__name__, 0, slot or due))
            return None
        done = time.perf_counter()
        error = None
        if status != 200:
            location = answer.get("Location", "")
            error = f"HTTP {status}" + (" to the sign-in page" if "/login" in location else "")
        elif kind in PREFIXES and not raw.startswith(PREFIXES[kind]):
            error = f"not a {kind} file"
        elif kind in MARKERS and MARKERS[kind] not in raw:
            error = "the sign-in page" if b'name="password"' in raw else "not the expected page"
        elif kind == "count save" and b'class="editing"' in raw:
            error = "the form again (refused)"
        self.into.append(Sample(kind, due, sent, done, status, error, len(raw), slot or due))
        return raw if error is None else None


# ---- the loads --------------------------------------------------------------------------------

def closed_loop(mix: Mix, contexts: list[Context], seconds: float) -> float:
    """Each context sends its next operation as soon as the previous one is answered, for `seconds`."""
    deadline = time.perf_counter() + seconds

    def loop(context: Context) -> None:
        while time.perf_counter() < deadline:
            context.perform(*mix.next())

    threads = [threading.Thread(target=loop, args=(c,), daemon=True) for c in contexts]
    for t in threads:
        t.start()
    for t in threads:
        while t.is_alive():
            t.join(timeout=0.5)
    return deadline


def first_request(kind: str) -> str:
    return "count form" if kind == "count" else kind


class OpenLoop:
    """Operations arrive at `rate` per second on a fixed pace, each queued for its user's threads (calendar
    feeds have threads of their own); latency counts from the operation's slot, so queueing is included.
    An operation that could not be sent within `max_wait` of its slot is dropped and counted."""

    def __init__(self, mix: Mix, clients: list[Client], port: int, threads_per_queue: int, timeout: float,
                 max_wait: float, into: list[Sample], notes: Counter):
        self.mix, self.into, self.max_wait = mix, into, max_wait
        self.queues = {key: queue.Queue() for key in [c.email for c in clients] + ["calendar"]}
        self.closed = threading.Event()
        self.queued = 0
        self.started = 0  # sent or dropped
        self._lock = threading.Lock()
        self.contexts: list[Context] = []
        self.threads: list[threading.Thread] = []
        for q in self.queues.values():
            for _ in range(threads_per_queue):
                context = Context(port, timeout, into, notes)
                self.contexts.append(context)
                self.threads.append(threading.Thread(target=self._serve, args=(q, context), daemon=True))
        for t in self.threads:
            t.start()

    def _serve(self, q: queue.Queue, context: Context) -> None:
        while (item := q.get()) is not None:
            if self.closed.is_set():
                continue
            with self._lock:
                self.started += 1
            kind, _client, _target, due = item
            if time.perf_counter() - due > self.max_wait:
                self.into.append(Sample(first_request(kind), due, due, due, 0,
                                        f"{DROPPED}not sent within {self.max_wait:g}s of its slot", 0, due))
                continue
            context.perform(*item)

    def run(self, rate: float, seconds: float, every: float, tick) -> tuple[float, float]:
        """Send for `seconds`; call tick(elapsed) every `every` seconds. Returns (start, end) of the arrivals."""
        start = time.perf_counter()
        end, next_tick = start + seconds, start
        while (due := start + self.queued / rate) < end:
            now = time.perf_counter()
            if now >= next_tick:
                tick(now - start)
                next_tick += every
            elif due > now:
                time.sleep(min(due, next_tick) - now)
            else:
                kind, client, target = self.mix.next()
                self.queues["calendar" if kind == "ics" else client.email].put((kind, client, target, due))
                self.queued += 1
        return start, end

    def stop(self, drain: float) -> int:
        """Let what is queued finish, for at most `drain` seconds; returns how many operations were never done."""
        for q in self.queues.values():
            for _ in range(len(self.threads)):
                q.put(None)
        deadline = time.perf_counter() + drain
        for t in self.threads:
            while t.is_alive() and time.perf_counter() < deadline:
                t.join(timeout=0.5)
        self.closed.set()  # from here on nothing is sent, and what is still in flight is not counted as done
        with self._lock:
            left = self.queued - self.started + sum(t.is_alive() for t in self.threads)
        for context in self.contexts:
            context.close()
        return left


# ---- memory -----------------------------------------------------------------------------------

def memory(pid: int) -> dict[str, int] | None:
    """VmRSS and RssAnon of a process, in KiB (None when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    found = {}
    for line in lines:
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon"):
            found[key] = int(value.split()[0])
    return found


def workers_rss(server: run.Server) -> dict[int, dict[str, int]]:
    """Each gunicorn worker's VmRSS and RssAnon (KiB), by pid."""
    return {pid: m for pid in server.pids()[1:] if (m := memory(pid))}


def rss_kib(server: run.Server) -> dict[int, int]:
    return {pid: m["VmRSS"] for pid, m in workers_rss(server).items()}


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MiB) points, in MiB per minute."""
    if len(points) < 2:
        return float("nan")
    n = len(points)
    mx, my = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return 60 * sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else float("nan")


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


class Monitor:
    """During the soak, every `every` seconds: each worker's RSS, the server's CPU, the load average, and a line."""

    def __init__(self, server: run.Server, samples: list[Sample], warmup: float, every: float):
        self.server, self.samples, self.warmup, self.every = server, samples, warmup, every
        self.start: float | None = None
        self.points: list[dict] = []
        self._count, self._last = 0, time.perf_counter()

    def take(self, t: float) -> dict:
        rss, cpu = workers_rss(self.server), self.server.cpu_seconds()
        point = {"t": round(t, 1), "rss_kib": {p: m["VmRSS"] for p, m in rss.items()},
                 "anon_kib": {p: m.get("RssAnon") for p, m in rss.items()}, "server_cpu_s": cpu, "load": loadavg()[0]}
        self.points.append(point)
        return point

    def __call__(self, elapsed: float) -> None:
        t = elapsed - self.warmup
        if t < 0 or (self.points and t < self.points[-1]["t"] + self.every - 0.5):
            return
        now = time.perf_counter()
        if self.start is None:
            self.start, t = now, 0.0
        cpu_before = self.points[-1]["server_cpu_s"] if self.points else None
        point = self.take(t)
        count = len(self.samples)
        done = [s for s in self.samples[self._count:count] if not dropped(s)]
        cpu = "     -      -"
        if done and cpu_before is not None:
            used = point["server_cpu_s"] - cpu_before
            cpu = f"{used * 1000 / len(done):6.1f} {used / (now - self._last) * 100:5.0f}%"
        window = summary(done, now - self._last)  # the first window is the warm-up
        self._count, self._last = count, now
        errors = sum(1 for s in self.samples if s.error and s.slot >= self.start)
        print(f"  {t:5.0f}s {window['rps']:6.1f} req/s  p99 {run.fmt(window['p99_ms']):>8} ms  server cpu ms/req, "
              f"% of a core {cpu}  errors+dropped {errors}  RSS MiB "
              + " ".join(f"{v / 1024:.1f}" for v in point["rss_kib"].values()) + f"  load {point['load']:.2f}", flush=True)


# ---- figures ----------------------------------------------------------------------------------

def dropped(sample: Sample) -> bool:
    return bool(sample.error) and sample.error.startswith(DROPPED)


def summary(samples: list[Sample], seconds: float) -> dict:
    sent = [s for s in samples if not dropped(s)]
    ordered = sorted(s.done - s.due for s in sent)
    service = sorted(s.done - s.sent for s in sent)
    errors = Counter(s.error for s in sent if s.error)
    return {
        "requests": len(sent),
        "rps": len(sent) / seconds if seconds else 0.0,
        "errors": sum(errors.values()),
        "dropped": len(samples) - len(sent),
        "error_kinds": dict(errors.most_common()) | dict(Counter(s.error for s in samples if dropped(s))),
        "p50_ms": run.percentile(ordered, 50) * 1000,
        "p90_ms": run.percentile(ordered, 90) * 1000,
        "p99_ms": run.percentile(ordered, 99) * 1000,
        "max_ms": ordered[-1] * 1000 if ordered else float("nan"),
        "service_p50_ms": run.percentile(service, 50) * 1000,
        "service_p99_ms": run.percentile(service, 99) * 1000,
        "mean_kb": sum(s.size for s in sent) / len(sent) / 1024 if sent else 0.0,
    }


def by_kind(samples: list[Sample], seconds: float) -> dict[str, dict]:
    groups: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        groups[s.kind].append(s)
    order = ["list", "agreement", "dashboard", "pdf", "ics", "count form", "count save"]
    table = {k: summary(groups[k], seconds) for k in order + sorted(set(groups) - set(order)) if groups.get(k)}
    table["all"] = summary(samples, seconds)
    return table


def print_table(table: dict[str, dict]) -> None:
    header = (f"{'kind':<12} {'requests':>8} {'req/s':>7} {'errors':>6} {'dropped':>7} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'max ms':>8} {'KB':>6}")
    print(header)
    print("-" * len(header))
    for kind, r in table.items():
        print(f"{kind:<12} {r['requests']:8d} {r['rps']:7.1f} {r['errors']:6d} {r['dropped']:7d} "
              f"{run.fmt(r['p50_ms']):>8} {run.fmt(r['p99_ms']):>8} {run.fmt(r['max_ms']):>8} {r['mean_kb']:6.1f}")
    for kind, r in table.items():
        if r["error_kinds"] and kind != "all":
            print(f"    {kind}: " + ", ".join(f"{n} x {e}" for e, n in r["error_kinds"].items()))


def worker_growth(points: list[dict]) -> list[dict]:
    first, last = points[0], points[-1]
    workers = []
    for pid, start_kib in first["rss_kib"].items():
        end_kib = last["rss_kib"].get(pid)
        series = [(p["t"], p["rss_kib"][pid] / 1024) for p in points if pid in p["rss_kib"]]
        growth = (end_kib - start_kib) / start_kib * 100 if end_kib else float("nan")
        workers.append({"pid": pid, "start_mib": start_kib / 1024, "end_mib": (end_kib or 0) / 1024,
                        "max_mib": max(y for _, y in series), "growth_pct": growth,
                        "anon_start_mib": (first["anon_kib"].get(pid) or 0) / 1024,
                        "anon_end_mib": (last["anon_kib"].get(pid) or 0) / 1024,
                        "slope_mib_per_min": slope(series),
                        "meets_target": end_kib is not None and growth < TARGET_GROWTH_PCT})
    return workers


# ---- the run ----------------------------------------------------------------------------------

def arguments(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("SOAK_DATABASE_URL", DEFAULT_DATABASE_URL),
                        help="dropped and rebuilt (default: SOAK_DATABASE_URL, else %(default)s)")
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of soak (default 300)")
    parser.add_argument("--soak-warmup", type=float, default=20.0,
                        help="seconds of the soak's load before its figures and the start RSS are taken (20)")
    parser.add_argument("--load", type=float, default=0.8, help="soak rate as a fraction of the capacity (0.8)")
    parser.add_argument("--rate", type=float, help="soak at this many operations per second; skips the capacity phase")
    parser.add_argument("--connections", type=int, default=16, help="closed-loop connections of the capacity phase (16)")
    parser.add_argument("--capacity-seconds", type=float, default=30.0)
    parser.add_argument("--capacity-warmup", type=float, default=10.0)
    parser.add_argument("--mix", default=DEFAULT_MIX, help="KIND=WEIGHT,... of " + ", ".join(KINDS) + " (%(default)s)")
    parser.add_argument("--client-threads", type=int, default=6,
                        help="soak threads (connections) per user, and for calendar feeds (6)")
    parser.add_argument("--max-wait", type=float, default=10.0,
                        help="an operation not sent within this many seconds of its slot is dropped (10)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds a request may take before it is an error")
    parser.add_argument("--sample-every", type=float, default=10.0, help="seconds between RSS samples (10)")
    run.add_server_arguments(parser)
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="an extra setting for the server, e.g. SESSION_IDLE_HOURS=1 (repeatable)")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 on any error or dropped operation, or a worker that grew 10 %% or more")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    args = parser.parse_args(argv)
    args.mix = parse_mix(args.mix)
    args.server_env = dict(item.split("=", 1) for item in args.server_env)
    return args


def measure_capacity(mix: Mix, port: int, args, notes: Counter, server: run.Server) -> dict:
    warm: list[Sample] = []
    contexts = [Context(port, args.timeout, warm, notes) for _ in range(args.connections)]
    closed_loop(mix, contexts, args.capacity_warmup)
    measured: list[Sample] = []
    for context in contexts:
        context.into = measured
    t0, cpu0 = time.perf_counter(), server.cpu_seconds()
    deadline = closed_loop(mix, contexts, args.capacity_seconds)
    cpu = server.cpu_seconds() - cpu0
    for context in contexts:
        context.close()
    within = [s for s in measured if s.done <= deadline]
    capacity = summary(within, deadline - t0)
    capacity.update(operations_per_s=sum(1 for s in within if s.kind != "count form") / (deadline - t0),  # an edit: 2 requests
                    server_cpu_ms_per_request=cpu * 1000 / len(measured) if measured else None,
                    connections=args.connections, seconds=args.capacity_seconds, warmup=args.capacity_warmup,
                    loadavg=loadavg()[0],
                    kinds=by_kind(within, deadline - t0))
    return capacity


def main(argv=None) -> int:
    args = arguments(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    version = run.code_version(args.app_dir)
    load_before = loadavg()
    print(f"{run.version_line(version)}; load average {load_before[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    password = "soak-" + secrets.token_urlsafe(12)
    port = run.free_port()
    notes: Counter = Counter()
    phases: dict[str, dict] = {}
    client_cpu0 = time.process_time()
    with tempfile.TemporaryDirectory(prefix="tracker-soak-") as instance, run.serving() as servers:
        env = {**run.app_environment(generate.sqlalchemy_url(args.database_url)), "TRACKER_INSTANCE": instance,
               "PUBLIC_BASE_URL": f"http://{run.HOST}:{port}", "MAIL_BACKEND": "console", **args.server_env}
        started = time.perf_counter()
        build(env, password)
        print(f"database {args.database_url}: migrated and demo loaded in {time.perf_counter() - started:.1f}s", flush=True)
        server = run.Server("app", args.app, args.app_dir, env, args, args.out / f"soak-app-{stamp}.log", port=port)
        servers.append(server)
        server.wait_ready("/login", timeout=180)  # booting slows down a lot when the machine is busy
        phases["ready"] = rss_kib(server)
        print(f"server: {run.HOST}:{port}, gunicorn {args.workers} workers ({args.worker_class}"
              f"{f', {args.threads} threads' if args.worker_class == 'gthread' else ''})", flush=True)

        clients = [discover(port, email, password) for email in USERS]
        mix = Mix(args.mix, clients)
        for kind in mix.weights:
            print(f"  {kind:<10} weight {mix.weights[kind]}, {len(mix.pairs[kind])} URLs, users: "
                  + ", ".join(e.split("@")[0] for e in mix.users[kind]), flush=True)
        rows_before = table_rows(args.database_url)
        phases["signed in"] = rss_kib(server)

        capacity = None
        if args.rate is None:
            capacity = measure_capacity(mix, port, args, notes, server)
            phases["after capacity"] = rss_kib(server)
            print(f"capacity: {capacity['rps']:.1f} req/s, {capacity['operations_per_s']:.1f} operations/s at "
                  f"{args.connections} connections (p50 {run.fmt(capacity['p50_ms'])} ms, p99 "
                  f"{run.fmt(capacity['p99_ms'])} ms, errors {capacity['errors']}; load average {capacity['loadavg']:.2f})",
                  flush=True)
        rate = args.rate or args.load * capacity["operations_per_s"]
        share = "a fixed rate" if args.rate else f"{args.load:.0%} of capacity"

        samples: list[Sample] = []
        monitor = Monitor(server, samples, args.soak_warmup, args.sample_every)
        print(f"soak: {rate:.2f} operations/s ({share}) for {args.duration:g}s after {args.soak_warmup:g}s of warm-up",
              flush=True)
        loop = OpenLoop(mix, clients, port, args.client_threads, args.timeout, args.max_wait, samples, notes)
        _loop_start, loop_end = loop.run(rate, args.soak_warmup + args.duration, 1.0, monitor)
        monitor.take(loop_end - monitor.start)
        unfinished = loop.stop(drain=args.timeout + 5)
        soaked = [s for s in samples if s.slot >= monitor.start]  # a copy: what lands after stop() is not counted
        phases["soak start"] = monitor.points[0]["rss_kib"]
        phases["soak end"] = monitor.points[-1]["rss_kib"]
        log_errors = sum(1 for line in server.log.read_text(errors="replace").splitlines()
                         if "Traceback" in line or "[ERROR]" in line or " ERROR " in line)
        rows_after = table_rows(args.database_url)
    client_cpu = time.process_time() - client_cpu0

    soaked += [Sample("unfinished", loop_end, loop_end, loop_end, 0, f"{DROPPED}still queued or in flight at the end",
                      0, loop_end)] * unfinished
    seconds = loop_end - monitor.start
    kinds = by_kind(soaked, seconds)
    points = monitor.points
    workers = worker_growth(points)
    replaced = sorted(set(points[-1]["rss_kib"]) ^ set(points[0]["rss_kib"]))
    server_cpu = points[-1]["server_cpu_s"] - points[0]["server_cpu_s"]
    grown = {t: (rows_before.get(t, 0), n) for t, n in rows_after.items() if n != rows_before.get(t, 0)}
    busiest = max(p["load"] for p in points)
    load_after = loadavg()

    print()
    if capacity:
        print(f"capacity (closed loop, {args.connections} connections, {args.capacity_seconds:g}s after "
              f"{args.capacity_warmup:g}s warm-up): {capacity['rps']:.1f} req/s = {capacity['operations_per_s']:.2f} "
              f"operations/s; p50 {run.fmt(capacity['p50_ms'])} ms, p99 {run.fmt(capacity['p99_ms'])} ms, "
              f"errors {capacity['errors']}, server cpu {run.fmt(capacity['server_cpu_ms_per_request'] or float('nan'))} "
              f"ms/request, load average {capacity['loadavg']:.2f} at its end")
    print(f"soak (open loop, {rate:.2f} operations/s = {share}, {seconds:.0f}s after {args.soak_warmup:g}s warm-up; "
          f"latency from each operation's slot, queueing included):")
    print_table(kinds)
    print()
    header = (f"{'worker':>8} {'start MiB':>9} {'end MiB':>8} {'growth %':>8} {'max MiB':>8} {'MiB/min':>8} "
              f"{'anon start':>10} {'anon end':>9} {'target':>7}")
    print(header)
    print("-" * len(header))
    for w in workers:
        print(f"{w['pid']:>8} {w['start_mib']:9.1f} {w['end_mib']:8.1f} {w['growth_pct']:8.1f} {w['max_mib']:8.1f} "
              f"{run.fmt(w['slope_mib_per_min'], 2):>8} {w['anon_start_mib']:10.1f} {w['anon_end_mib']:9.1f} "
              f"{'ok' if w['meets_target'] else 'MISSED':>7}")
    if replaced:
        print(f"workers replaced during the soak (restarted or killed): {replaced}")
    print("RSS by phase, MiB per worker: " + "; ".join(
        f"{name} " + "/".join(f"{kib / 1024:.1f}" for kib in values.values()) for name, values in phases.items()))
    print("RSS over the soak, MiB per worker: " + "; ".join(
        f"{p['t']:.0f}s " + "/".join(f"{v / 1024:.1f}" for v in p["rss_kib"].values()) for p in points))
    done = kinds["all"]["requests"]
    print(f"server CPU {server_cpu / seconds * 100:.0f} % of one core over the soak"
          f"{f', {server_cpu * 1000 / done:.1f} ms per request' if done else ''}; this client {client_cpu:.0f} s of CPU "
          f"in all; server log: {log_errors} error lines")
    print(f"load average: {load_before[0]:.2f} before, up to {busiest:.2f} during the soak, "
          f"{' '.join(f'{x:.2f}' for x in load_after)} after, on {os.cpu_count()} CPUs")
    if busiest > (os.cpu_count() or 1):
        print("note: other work kept the machine busier than it has CPUs during the soak: the server competed for the CPU, "
              "so throughput, latency and dropped operations moved with that work; cpu ms/request and RSS hardly do")
    if grown:
        print("rows added by the load (capacity and soak): "
              + ", ".join(f"{t} {a:,} -> {b:,}" for t, (a, b) in sorted(grown.items())))
    for note, n in notes.items():
        print(f"note: {n} {note}")

    missed = []
    if kinds["all"]["errors"]:
        missed.append(f"{kinds['all']['errors']} errors")
    if kinds["all"]["dropped"]:
        missed.append(f"{kinds['all']['dropped']} operations dropped (the server fell behind the arrival rate)")
    missed += [f"worker {w['pid']} grew {w['growth_pct']:.1f} %" for w in workers if not w["meets_target"]]
    if replaced:
        missed.append("workers replaced")
    print(f"targets: 0 errors, none dropped, RSS growth < {TARGET_GROWTH_PCT:.0f} % per worker")
    print("result: " + ("every target met" if not missed else "missed: " + "; ".join(missed)))

    report = {
        "time": stamp,
        "database": args.database_url,
        "code": version,
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "loadavg_before": load_before, "loadavg_max_during_soak": busiest, "loadavg_after": load_after},
        "mix": {"weights": mix.weights, "urls": {k: len(v) for k, v in mix.pairs.items()}, "users": mix.users},
        "capacity": capacity,
        "soak": {"operations_per_s": rate, "seconds": seconds, "kinds": kinds, "server_cpu_s": server_cpu,
                 "unfinished": unfinished, "server_log_error_lines": log_errors},
        "client_cpu_s": client_cpu,
        "workers": workers,
        "workers_replaced": replaced,
        "rss_by_phase_kib": phases,
        "rss_samples": points,
        "rows": {"before": rows_before, "after": rows_after},
        "notes": dict(notes),
        "targets": {"errors": 0, "dropped": 0, "rss_growth_pct": TARGET_GROWTH_PCT},
        "missed": missed,
    }
    run.write_report(report, args.out / f"soak-{stamp}.json", args.out / "soak-latest.json")
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
