"""Where rendered pages are kept: Redis (PAGE_CACHE_URL, by default REDIS_URL), shared by every worker.

A page is kept under a key made of what it was rendered for: the reader (their account and its access version), their
language, time zone and day, and the request (path, query, htmx's headers). It holds the stamps it was rendered under
(tracker/pagecache/stamps.py) and is served only while they are the stamps now: a change moves a stamp, and the next
request renders afresh and keeps the new page in its place. Nothing is ever deleted to be correct; kept pages expire
after PAGE_CACHE_SECONDS.

`forget_all` (the `flask cache clear` command) moves the generation every key starts with: after restoring the
database from a backup, stamps may repeat values they had before.
"""
import hashlib
import logging
from pathlib import Path

from flask import Flask, current_app

log = logging.getLogger(__name__)
GENERATION = "generation"


class Store:
    def __init__(self, url: str, seconds: int, prefix: str):
        from redis import Redis  # only imported where a page cache is configured

        self.redis = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.seconds = seconds
        self.prefix = prefix

    def _name(self, stamp: str) -> str:
        return f"{self.prefix}:stamp:{stamp}"

    def get(self, key: str, names: list[str]) -> tuple[bytes | None, list[int]]:
        """The page kept under `key`, and the stamps now (the generation's, then those named), in one round trip."""
        kept, *now = self.redis.mget([f"{self.prefix}:page:{key}", self._name(GENERATION)] + [self._name(n) for n in names])
        return kept, [int(v or 0) for v in now]

    def put(self, key: str, value: bytes) -> None:
        self.redis.set(f"{self.prefix}:page:{key}", value, ex=self.seconds)

    def move(self, names) -> None:
        pipe = self.redis.pipeline(transaction=False)
        for name in names:
            pipe.incr(self._name(name))
        pipe.execute()


def init_app(app: Flask) -> None:
    url = app.config.get("PAGE_CACHE_URL")
    if url:
        app.extensions["pagecache"] = Store(url, app.config["PAGE_CACHE_SECONDS"], _prefix(app))


def current() -> Store | None:
    return current_app.extensions.get("pagecache")


def _prefix(app: Flask) -> str:
    """The database's and the code's: two checkouts or two databases sharing a Redis never share a page, nor does a
    new release share one with the old (its templates and code may render differently)."""
    root = Path(app.root_path).parent
    digest = hashlib.blake2b(app.config["SQLALCHEMY_DATABASE_URI"].encode(), digest_size=8)
    for folder in (root / "tracker", root / "templates"):
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".html", ".mo"):
                stat = path.stat()
                digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode())
    return "tracker:" + digest.hexdigest()


def moved(names: set[str]) -> None:
    """Move these stamps (tracker/pagecache/stamps.py calls it once a transaction has committed)."""
    store = current()
    if store is None:
        return
    try:
        store.move(names)
    except Exception:  # Redis down: pages kept before stay until they expire (PAGE_CACHE_SECONDS)
        log.exception("The page cache's stamps could not be moved: %s", sorted(names))


def forget_all() -> None:
    store = current()
    if store is not None:
        store.move([GENERATION])
