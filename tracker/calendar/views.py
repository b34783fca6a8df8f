"""Profile sections (reminder switches, calendar feed link), the feeds themselves, and an agreement's key dates."""
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker import clock, outward
from tracker.agreements import parts
from tracker.auth import profile
from tracker.auth.access import current_actor, public, requires
from tracker.calendar import key_dates, service
from tracker.htmx import render_fragment_html
from tracker.milestones.service import concerns

bp = Blueprint("calendar", __name__)
AGREEMENT_DAYS_AHEAD = 365
ATTENTION_DAYS = 30


def feed_url(feed) -> str:
    return outward.link("calendar.feed", token=feed.token)


def _feed_section(user) -> dict:
    mine = service.feed(user, create=False)
    return {"feed_link": feed_url(mine) if mine else None}


profile.add_section(profile.ProfileSection(
    "reminders", "calendar/_reminders.html", lambda user: {"kinds": key_dates.KINDS, "preferences": service.preferences(user.id)}),
    before="sessions")
profile.add_section(profile.ProfileSection("calendar_feed", "calendar/_feed.html", _feed_section), before="sessions")


def _key_dates(agreement, access) -> dict:
    today = clock.today()
    return {"kd": {
        "dates": key_dates.collect([agreement.id], today, today + timedelta(days=AGREEMENT_DAYS_AHEAD), scope=access.scope),
        "overdue": [m for m in agreement.milestones if m.overdue(today) and concerns(m, access)],
    }}


def _coming_up(agreement, access, today) -> list:
    """Dates in the next 30 days (overdue milestones are the milestones part's to say)."""
    url = parts.part_url(agreement, "key-dates", "key-dates")
    return [parts.Notice(d.title, url, d.on)
            for d in key_dates.collect([agreement.id], today, today + timedelta(days=ATTENTION_DAYS), scope=access.scope)]


parts.add_part(parts.Part("key-dates", _l("Key dates"), (parts.Section("key-dates", "calendar/_key_dates.html", _key_dates),),
                          position=90))
parts.add_attention(parts.Attention("key_dates", _coming_up))


@bp.route("/profile/reminders", methods=["POST"])
@requires("profile.edit")
def save_reminders():
    chosen = {k for k in request.form.getlist("kinds") if k in key_dates.KINDS}
    service.set_preferences(current_actor(), current_user.id, chosen)
    flash(_("Reminder settings saved."), "success")
    return redirect(url_for("profile.page"), 303)


@bp.route("/profile/calendar", methods=["POST"])
@requires("profile.edit")
def make_feed():
    service.feed(current_user)
    flash(_("Your calendar feed is ready: add its address to your calendar app."), "success")
    return redirect(url_for("profile.page") + "#calendar", 303)


@bp.route("/profile/calendar/regenerate", methods=["POST"])
@requires("profile.edit")
def regenerate_feed():
    service.revoke(current_actor(), current_user, regenerate=True)
    flash(_("New calendar address made; the old ones no longer work. Update your calendar app."), "success")
    return redirect(url_for("profile.page") + "#calendar", 303)


@bp.route("/profile/calendar/revoke", methods=["POST"])
@requires("profile.edit")
def revoke_feed():
    service.revoke(current_actor(), current_user)
    flash(_("Your calendar addresses are revoked; they no longer work."), "success")
    return redirect(url_for("profile.page") + "#calendar", 303)


@bp.route("/calendar/<token>.ics")
@public
def feed(token: str):
    """A feed by its secret token: no sign-in (calendar apps cannot); unknown or revoked: 404, nothing said."""
    found = service.by_token(token)
    if found is None:
        abort(404)
    name, dates = service.feed_dates(found, clock.today(found.user))
    body = service.ics(name, dates, lambda agreement_id: outward.link("agreements.detail", agreement_id=agreement_id),
                       outward.uid_domain())
    response = current_app.response_class(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="key-dates.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/agreements/<int:agreement_id>/calendar", methods=["POST"])
@requires("agreement.view", scope="agreement")
def agreement_feed(agreement):
    link = feed_url(service.feed(current_user, agreement.id))
    section = parts.render_section(agreement, parts.find_section("key-dates")[1], feed_link=link)
    if request.htmx:
        return render_fragment_html(section)
    return parts.page("calendar/agreement_feed.html", agreement, "key-dates", section=section)
