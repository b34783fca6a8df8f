"""Outward links: every address the app hands to the outside (emails, calendar feeds and their events' UIDs,
PDFs and their QR codes) is built here, from one base URL, `PUBLIC_BASE_URL`.

Unset (development, tests), the base is the address the app is served at: the request's own host, or, outside a
request (a command, a job), http://127.0.0.1:$PORT. Production refuses to start without it (config.check_production),
since a sealed PDF carries its address for good.
"""
import os
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request

UNSET_UID_DOMAIN = "tracker.localhost"  # calendar UIDs of a deployment without PUBLIC_BASE_URL (development)


def base_url() -> str:
    """The base every outward link starts with, without a trailing slash."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/")
    port = os.environ.get("PORT") or os.environ.get("FLASK_RUN_PORT") or "5000"
    return f"http://127.0.0.1:{port}"


def link(endpoint: str, **values) -> str:
    """The absolute address of an endpoint, as someone outside the app opens it."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)  # the path alone: the base holds any prefix
    return base_url() + path


def uid_domain() -> str:
    """The deployment's stable domain, for calendar UIDs: the host of PUBLIC_BASE_URL, whatever the request's."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    return (urlsplit(configured).hostname if configured else None) or UNSET_UID_DOMAIN



def back_to(target: str | None, fallback: str) -> str:
    """Where a form may send its reader back to (`?next=`, the language switch): a path on this app, never an
    address elsewhere (`//host`, `/\\host` and `http://host` are refused for `fallback`)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")) and not urlsplit(target).netloc:
        return target
    return fallback
