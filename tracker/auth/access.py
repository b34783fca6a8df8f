"""The one decorator every view wears: sign-in, the role's permission, and what the URL names.

`@requires(permission, scope=...)` checks, in this order:
1. signed in (unless the permission is None: a public page);
2. the role has the permission (otherwise 403);
3. with a scope ("agreement" or "organisation"), the loader registered for it turns the URL's ids
   into objects the view receives (agreement_id -> agreement, drive_id -> drive, ...): whatever the
   user cannot see answers 404 revealing nothing, and a relation the permission does not reach
   (a user below a party posting to the agreement's own forms) answers 403 (tracker/scope/loading.py).

The scope is what is enforced: a view declared with one never receives a raw id it must check
itself, and create_app refuses a route whose URL names something inside an agreement without one.
"""
import inspect
from functools import wraps
from typing import Callable

from flask import abort, current_app, g, request
from flask_login import current_user

from tracker.audit.service import Actor
from tracker.auth.permissions import allowed
from tracker.extensions import login_manager
from tracker.pagecache import pages

# scope name -> loader(permission, view_args, the view's argument names, the user's scope (None: the signed-in
# user's)) -> view_args with objects in place of ids (or abort).
SCOPES: dict[str, Callable[..., dict]] = {}


def requires(permission: str | None, scope: str | None = None, hidden: bool = False, cached: bool = False):
    """Mark a view with the permission it needs (None: public) and the scope its URL is checked in. `hidden`: a
    role without the permission is told "Not found" (404) rather than "Forbidden", as if the page did not exist.
    `cached`: a page served from what was rendered before for the same reader when nothing it shows has changed
    (tracker/pagecache): the agreement's page when the scope names one, else a list of agreements. The scope's
    check then runs only when the page is rendered (see _served)."""

    def decorate(view):
        takes = frozenset(inspect.signature(view).parameters)

        @wraps(view)
        def wrapper(**view_args):
            if permission is not None:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                _role_allows(current_user.role, permission, hidden)
            if cached:
                return _served(view, permission, scope, view_args, takes)
            if scope is not None:
                view_args = SCOPES[scope](permission, view_args, takes)
            return view(**view_args)

        wrapper.permission = permission
        wrapper.scope = scope
        wrapper.hidden = hidden
        wrapper.takes = takes
        return wrapper

    return decorate


def _role_allows(role: str, permission: str, hidden: bool) -> None:
    """Refuse a role without the permission: 403, or 404 for a `hidden` page."""
    if not allowed(role, permission):
        abort(404 if hidden else 403)


def admitted(view, view_args: dict, scope) -> dict:
    """What `@requires` checks for a signed-in user, given their scope rather than the request's user: the role's
    permission, then the view's scope. The view's arguments, or an HTTPException. For a stored file served before
    the app's request machinery runs (tracker/site/stored_files.py)."""
    if view.permission is not None:
        _role_allows(scope.role, view.permission, view.hidden)
    if view.scope is None:
        return view_args
    return SCOPES[view.scope](view.permission, view_args, view.takes, scope)


def _served(view, permission: str | None, scope: str | None, view_args: dict, takes: frozenset[str]):
    """A cached page, looked up before the scope's check, which runs (with the view) only when the page has to be
    rendered. That is sound because a page is kept only for the reader it was rendered for, after the check let
    them in, under their access version; and it is served only while the stamps of the agreement and of everything
    outside agreements (organisations, users, memberships) are those it was rendered under. Whatever could take the
    page away from the reader (a party changed, a membership, the tree) moves one of them, and the check runs
    again."""

    def render():
        args = SCOPES[scope](permission, view_args, takes) if scope is not None else view_args
        return current_app.make_response(view(**args))

    if scope is None:
        return pages.serve(render)  # a list of agreements
    if "agreement_id" not in view_args:  # a page whose URL names its agreement only through something inside it
        return render()
    return pages.serve(render, view_args["agreement_id"])


public = requires(None)


def can(permission: str) -> bool:
    """For templates: may the current user do this, here? On a page of an agreement or organisation,
    the user's relation to it counts too (g.relation, set by the scope's loader)."""
    return current_user.is_authenticated and allowed(current_user.role, permission, g.get("relation"))


def current_actor() -> Actor:
    """The audit Actor for this request: the user, their address and browser."""
    user = current_user if current_user.is_authenticated else None
    return Actor(
        user_id=user.id if user else None,
        label=f"{user.name} <{user.email}>" if user else "anonymous",
        ip=request.remote_addr or "",
        user_agent=request.user_agent.string or "",
    )
