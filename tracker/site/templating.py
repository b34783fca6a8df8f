"""Template globals and filters: permissions, labels, dates in the user's time zone."""
from datetime import date, datetime
from urllib.parse import urlencode

from flask import current_app, has_request_context, request
from flask_babel import get_locale, get_translations
from jinja2 import pass_context

from tracker import clock, formats, languages, outward, printing
from tracker.agreements import models as agreement_models
from tracker.agreements import service as agreement_service
from tracker.agreements import workflow
from tracker.audit.labels import actor_name, describe
from tracker.auth.access import can
from tracker.auth.permissions import ROLES
from tracker.orgs import models as org_models


def local_time(value: datetime | None, of=None, date_only: bool = False) -> str:
    """Times are stored in UTC and shown in the time zone of the user's organisation (or of the organisation `of`:
    a partner's page, read without an account), as the reader's language writes them (tracker/formats.py):
    "Dec 3, 2026, 3:20 PM EST", "3 dic 2026, 3:20 p.m. EST"; `date_only`: "Dec 3, 2026"."""
    if value is None:
        return ""
    local = clock.local(value, organisation=of)
    return formats.short_date(local) if date_only else formats.moment(local)


def long_date(value: date | None) -> str:
    """December 3, 2026; 3 de diciembre de 2026."""
    return formats.long_date(value) if value else ""


def query_with(**changes) -> str:
    """The current query string with some parameters changed (None removes one): keeps filters in links."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return "?" + urlencode({k: v for k, v in args.items() if v not in ("", None)})


def _translations(context):
    """The request's translations, looked up once per page (Flask-Babel looks them up per string); macros
    imported without the page's context look them up themselves."""
    found = context.get("babel_translations")
    return get_translations() if found is None else found


@pass_context
def _gettext(context, string):
    return _translations(context).ugettext(string)


@pass_context
def _ngettext(context, singular, plural, n):
    return _translations(context).ungettext(singular, plural, n)


def _page_language() -> dict:
    """The page's translations and language, the footer's language switch, and where it sends the reader back to
    (the page itself, when it was fetched with GET)."""
    return {"babel_translations": get_translations(), "language": str(get_locale()),
            "language_choices": languages.choices(),
            "back_here": request.full_path.rstrip("?") if has_request_context() and request.method == "GET" else ""}


def register(app) -> None:
    app.jinja_env.install_gettext_callables(gettext=_gettext, ngettext=_ngettext, newstyle=True)
    app.context_processor(_page_language)
    app.jinja_env.globals.update(
        can=can,
        ROLES=ROLES,
        STATUSES=workflow.STATUSES,
        next_steps=workflow.available,
        AGREEMENT_KINDS=agreement_models.KINDS,
        COLLABORATION_LEVELS=agreement_models.COLLABORATION_LEVELS,
        TERM_KINDS=agreement_models.TERM_KINDS,
        RENEWALS=agreement_models.RENEWALS,
        MONTHS=agreement_models.MONTHS,
        PARTY_ROLES=agreement_models.PARTY_ROLES,
        ORG_KINDS=org_models.KINDS,
        query_with=query_with,
        page_numbers=printing.page_numbers,
        outward_link=outward.link,
        describe_action=describe,
        today=clock.today,
        expiring=lambda agreement: agreement_service.expiring(agreement, clock.today()),
        starts_later=lambda agreement: agreement_service.starts_later(agreement, clock.today()),
        needs_review=lambda org: org.needs_review(clock.today(), current_app.config["REVIEW_AFTER_DAYS"]),
    )
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["actor_name"] = actor_name
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["money"] = formats.money
    app.jinja_env.filters["number"] = formats.number
    app.jinja_env.filters["percent"] = formats.percent
