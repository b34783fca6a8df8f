"""The one decorator every view wears, and the organisation scope of the current user."""
from functools import wraps

from flask import abort, g, request
from flask_login import current_user

from tracker.audit.service import Actor
from tracker.auth.permissions import ADMIN, allowed
from tracker.extensions import login_manager
from tracker.orgs.service import user_scope


def requires(permission: str | None, scope: str | None = None):
    """Mark a view with the permission it needs (None: public) and check login and role.

    `scope` says how the view's object is checked after the role: "agreement" (outside
    the user's agreements: 404) or "org" (outside the user's organisations: 403).
    The test suite reads these marks off every route in the URL map.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if permission is not None:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                if not allowed(current_user.role, permission):
                    abort(403)
            return view(*args, **kwargs)

        wrapper.permission = permission
        wrapper.scope = scope
        return wrapper

    return decorate


public = requires(None)


def can(permission: str) -> bool:
    """For templates: may the current user do this at all?"""
    return current_user.is_authenticated and allowed(current_user.role, permission)


def scope_ids() -> frozenset[int] | None:
    """Organisation ids the current user acts for (theirs and below); None means everything."""
    if current_user.role == ADMIN:
        return None
    if "scope_ids" not in g:
        g.scope_ids = user_scope(current_user.id)
    return g.scope_ids


def current_actor() -> Actor:
    """The audit Actor for this request: the user, their address and browser."""
    user = current_user if current_user.is_authenticated else None
    return Actor(
        user_id=user.id if user else None,
        label=f"{user.name} <{user.email}>" if user else "anonymous",
        ip=request.remote_addr or "",
        user_agent=request.user_agent.string or "",
    )
