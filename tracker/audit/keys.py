"""The audit key: the secret that makes each row's hash an HMAC, kept outside the database.

It comes from AUDIT_KEY, or else from instance/audit/key, created on first use (mode 0600). Rows name
the key that made them by a key id derived from it, which reveals nothing about the key. Former keys
stay available for verification only: AUDIT_RETIRED_KEYS (comma-separated) and instance/audit/retired/*.key.
A key is a string of at least 32 characters; the file holds one such string, so a file key can be moved
into AUDIT_KEY as it is.
"""
import fcntl
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

MIN_LENGTH = 32


@dataclass(frozen=True)
class AuditKey:
    id: str
    secret: bytes

    def digest(self, payload: bytes) -> str:
        return hmac.new(self.secret, payload, hashlib.sha256).hexdigest()


class KeyUnusable(RuntimeError):
    """A configured key that cannot be a key (too short), or a rotation the app cannot do."""


def key_id(secret: bytes) -> str:
    return hmac.new(secret, b"tracker audit key id", hashlib.sha256).hexdigest()[:16]


def _key(text: str, source: str) -> AuditKey:
    text = text.strip()
    if len(text) < MIN_LENGTH:
        raise KeyUnusable(f"the audit key in {source} is shorter than {MIN_LENGTH} characters")
    secret = text.encode()
    return AuditKey(key_id(secret), secret)


def folder() -> Path:
    return Path(current_app.instance_path) / "audit"


def key_file() -> Path:
    return folder() / "key"


def retired_folder() -> Path:
    return folder() / "retired"


def where_keys_are_looked_for() -> str:
    return (f"AUDIT_KEY, AUDIT_RETIRED_KEYS, {key_file()} and {retired_folder() / '*.key'}")


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text + "\n")
        out.flush()
        os.fsync(out.fileno())


class _Locked:
    """The instance's audit folder, locked against other processes creating or rotating the key."""

    def __enter__(self):
        folder().mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = open(folder() / ".lock", "w")
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        self._lock.close()


_cache: dict = {}


def _cache_key() -> tuple:
    return current_app.config.get("AUDIT_KEY"), current_app.instance_path


def current() -> AuditKey:
    """The key new rows are written with, loaded once per process (the file is created on first use)."""
    cached = _cache.get(_cache_key())
    if cached is None:
        cached = _cache[_cache_key()] = _load_current(create=True)
    return cached


def _load_current(create: bool) -> AuditKey | None:
    configured = current_app.config.get("AUDIT_KEY")
    if configured:
        return _key(configured, "AUDIT_KEY")
    path = key_file()
    if not path.exists():
        if not create:
            return None
        with _Locked():
            if not path.exists():
                _write_private(path, secrets.token_urlsafe(32))
    return _key(path.read_text(), str(path))


def for_verification() -> dict[str, AuditKey]:
    """Every key this instance knows, by key id, read afresh (never created): the current one and retired ones."""
    found: list[AuditKey] = []
    current_key = _load_current(create=False)
    if current_key:
        found.append(current_key)
    for text in current_app.config.get("AUDIT_RETIRED_KEYS", "").split(","):
        if text.strip():
            found.append(_key(text, "AUDIT_RETIRED_KEYS"))
    if retired_folder().is_dir():
        for path in sorted(retired_folder().glob("*.key")):
            found.append(_key(path.read_text(), str(path)))
    return {k.id: k for k in found}


def rotate() -> tuple[AuditKey, AuditKey]:
    """Retire the file key (kept in retired/ for verification) and make a new one. Returns (old, new)."""
    if current_app.config.get("AUDIT_KEY"):
        raise KeyUnusable("the audit key comes from AUDIT_KEY: set a new AUDIT_KEY and add the old one to "
                           "AUDIT_RETIRED_KEYS (see README, Audit trail)")
    with _Locked():
        old = _load_current(create=False)
        if old is not None:
            retired_folder().mkdir(exist_ok=True, mode=0o700)
            retired = retired_folder() / f"{old.id}.key"
            if not retired.exists():
                _write_private(retired, old.secret.decode())
            key_file().unlink()
        _write_private(key_file(), secrets.token_urlsafe(32))
    new = _load_current(create=False)
    _cache[_cache_key()] = new
    return old, new
