"""The daily reminder digests for every user of the statewide data set: how long `flask --app wsgi reminders send`
takes, and (with --compare) whether another checkout sends exactly the same mails.

    .venv/bin/python bench/reminders.py                          # PostgreSQL tracker_bench_reminders (recreated)
    .venv/bin/python bench/reminders.py --compare /tmp/old-checkout
    .venv/bin/python bench/reminders.py --database-url /tmp/reminders.db

The data set is bench/generate.py's (5,650 organisations, 10,000 agreements, 302 users, milestones due and
overdue), built fresh for each checkout run, so both see the same rows. The command runs as an operator's cron would,
in a process of its own from the checkout's directory, and mails a local SMTP server (aiosmtpd) that keeps every
message. It runs twice: the first run sends each user their digest, the second finds nothing new (nothing is
sent twice).

Printed: wall and CPU seconds of each run, the digests and items sent, and of the app's start alone (the command's
`--help`: every run pays it); with --compare, the same for the other
checkout and whether the two sent the same mails (recipient, subject and text; Date and Message-ID aside).
Target: the first run in seconds (under 10 s) for 300 users over 10,000 agreements.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import socket
import subprocess
import sys
import time
from datetime import date
from email import message_from_bytes, policy
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/tracker_bench_reminders"
TARGET_SECONDS = 10.0


class Inbox:
    """An SMTP server on a free loopback port that keeps every message it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[dict] = []
        inbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message = message_from_bytes(envelope.content, policy=policy.default)
                inbox.messages.append({"to": message["To"], "subject": message["Subject"],
                                       "text": message.get_content()})
                return "250 OK"

        with socket.socket() as probe:  # a free port
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()


def send(checkout: Path, url: str, on: date, port: int, only_start: bool = False) -> dict:
    """Run the command once from `checkout`; its wall and CPU seconds and what it printed. `only_start`: its
    `--help` instead, which loads the app and stops: the floor of every run."""
    env = {**os.environ, "DATABASE_URL": generate.sqlalchemy_url(url), "TRACKER_ENV": "production",
           "SECRET_KEY": secrets.token_urlsafe(48), "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(port), "MAIL_USE_TLS": "0", "PUBLIC_BASE_URL": "https://tracker.example.org"}
    env.pop("MAIL_USERNAME", None)
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "reminders", "send",
                           *(["--help"] if only_start else ["--date", on.isoformat()])],
                          cwd=checkout, env=env, capture_output=True, text=True)
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"reminders send failed in {checkout}:\n{done.stdout}\n{done.stderr[-3000:]}")
    return {"wall_s": wall, "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "said": done.stdout.strip()}


def measure(checkout: Path, url: str, on: date) -> dict:
    generate.generate(url, quiet=True)  # the schema of this checkout's migrations: the same rows for both
    inbox = Inbox()
    try:
        start = send(checkout, url, on, inbox.port, only_start=True)
        start["said"] = "(the app's start: --help)"
        first = send(checkout, url, on, inbox.port)
        sent = list(inbox.messages)
        second = send(checkout, url, on, inbox.port)
        again = inbox.messages[len(sent):]
    finally:
        inbox.stop()
    return {"checkout": str(checkout), "start": start, "first": first, "second": second, "mails": len(sent),
            "mails_again": len(again),
            "messages": sorted(sent, key=lambda m: (m["to"], m["subject"], m["text"]))}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_REMINDERS_DATABASE_URL", DEFAULT_DATABASE_URL),
                        help="PostgreSQL URL or SQLite path; DROPPED and recreated (default: %(default)s)")
    parser.add_argument("--date", type=date.fromisoformat, default=date.today(), help="the day the digests are for")
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout whose command is measured")
    parser.add_argument("--compare", type=Path, help="another checkout: run it on the same data, compare the mails")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target or the comparison misses")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    runs = [measure(args.app_dir.resolve(), args.database_url, args.date)]
    if args.compare:
        runs.append(measure(args.compare.resolve(), args.database_url, args.date))
    print(f"{'checkout':<40} {'run':<7} {'wall s':>7} {'cpu s':>7} {'mails':>6}  said")
    for r in runs:
        for name in ("start", "first", "second"):
            run = r[name]
            mails = {"start": "", "first": r["mails"], "second": r["mails_again"]}[name]
            print(f"{r['checkout'][-40:]:<40} {name:<7} {run['wall_s']:7.2f} {run['cpu_s']:7.2f} {mails:>6}  {run['said']}")
    missed = runs[0]["first"]["wall_s"] > TARGET_SECONDS or runs[0]["mails_again"]
    if args.compare:
        same = runs[0]["messages"] == runs[1]["messages"]
        print(f"the same mails from both checkouts: {'yes' if same else 'NO'} ({runs[0]['mails']} and {runs[1]['mails']})")
        if not same:
            theirs = {json.dumps(m, sort_keys=True) for m in runs[1]["messages"]}
            ours = {json.dumps(m, sort_keys=True) for m in runs[0]["messages"]}
            for m in sorted(ours ^ theirs)[:5]:
                print(("  only here: " if m in ours else "  only there: ") + m[:400])
        missed = missed or not same
    print(f"target: the first run under {TARGET_SECONDS:.0f} s, nothing sent twice")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    (args.out / f"reminders-{stamp}.json").write_text(json.dumps(runs, indent=1, default=str))
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
