"""A page served from what was rendered before, when nothing it shows has changed since.

`@requires(permission, scope=..., cached=True)` asks for it on a GET page: the page is looked up under its key
(tracker/pagecache/store.py), which names the reader and their access version, and rendered (the scope's check
first) only when missing or stale; tracker/auth/access.py says why a kept page may skip the check. A page
is not kept when it answers anything but 200, sets a cookie, shows a one-time message (flashed), or shows students'
names (`private()`: student data is never copied out of the database). The CSRF token in a kept page is replaced by
a placeholder and filled in with the reader's own when it is served.
"""
import hashlib
import json

from flask import Response, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from tracker import clock
from tracker.pagecache import stamps, store

TOKEN = "pagecache-csrf-token-placeholder"
KEPT_HEADERS = ("Content-Type", "HX-Push-Url", "HX-Retarget", "HX-Reswap", "HX-Trigger", "Vary", "Cache-Control")


def private() -> None:
    """This response shows what must not be kept (students' names): render it every time."""
    g.pagecache_private = True


def _key(names: list[str]) -> str:
    user = current_user
    parts = [
        request.full_path, *sorted(f"{k}={v}" for k, v in request.headers.items() if k.lower().startswith("hx-")),
        str(user.id), user.access_version, str(get_locale()), clock.zone_name(), clock.today().isoformat(), *names,
    ]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=20).hexdigest()


def _served(head: dict, body: bytes) -> Response:
    return Response(body.replace(TOKEN.encode(), generate_csrf().encode()), headers=head["headers"])


def _keep(response: Response, now: list) -> bytes | None:
    if (response.status_code != 200 or response.direct_passthrough or response.headers.get("Set-Cookie")
            or g.get("pagecache_private") or session.get("_flashes")):
        return None
    body = response.get_data()
    token = g.get("csrf_token")  # the token this render wrote (flask_wtf keeps it in g for the request)
    if token:
        body = body.replace(token.encode(), TOKEN.encode())
    head = {"stamps": now, "headers": {k: v for k, v in response.headers.items() if k in KEPT_HEADERS}}
    return json.dumps(head).encode() + b"\n" + body


def serve(render, agreement_id: int | None = None):
    """The page from the cache, or `render()`d and kept. `agreement_id`: the agreement the page shows; None for a
    page that shows agreements in general (the lists). A kept page holds the stamps it was rendered under: it is
    served only while they are still the stamps now (read with it, in one round trip to Redis)."""
    kept_in = store.current()
    if kept_in is None or request.method != "GET" or session.get("_flashes"):
        return render()
    names = [stamps.EVERYTHING, stamps.agreement_stamp(agreement_id) if agreement_id is not None else stamps.ANY_AGREEMENT]
    key = _key(names)
    try:
        kept, now = kept_in.get(key, names)
    except Exception:  # Redis unreachable: render, as without a cache
        return render()
    if kept is not None:
        head, _, body = kept.partition(b"\n")
        head = json.loads(head)
        if head["stamps"] == now:
            return _served(head, body)
    response = render()
    if not isinstance(response, Response):
        return response
    value = _keep(response, now)
    if value is not None:
        try:
            kept_in.put(key, value)
        except Exception:
            pass
    return response
