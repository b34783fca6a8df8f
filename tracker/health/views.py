from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker import charts, clock
from tracker.agreements import parts
from tracker.auth.access import current_actor, requires
from tracker.health import service
from tracker.health.forms import AnswerForm, RoundForm
from tracker.health.models import ITEMS, SCALE, SurveyRound
from tracker.forms import submitted
from tracker.htmx import render_fragment, wants_fragment
from tracker.scope.loading import Param, add_param, child
from tracker.scope.users import current_scope

bp = Blueprint("health", __name__, url_prefix="/agreements/<int:agreement_id>/health")
add_param(Param("round_id", "survey", "agreement", child(SurveyRound, "agreement_id")))


def _health(agreement, access) -> dict:
    """What the health section shows: level history, the survey trend and its charts."""
    trend = service.agreement_trend(agreement)
    drawn = {item: charts.item_chart(trend.means[item], trend.parties, trend.rounds) for item in ITEMS}
    return {"health": {"levels": service.level_history(agreement), "trend": trend, "charts": drawn, "items": ITEMS}}


parts.add_part(parts.Part("health", _l("Health"), (parts.Section("health", "health/_section.html", _health),),
                          permission="partnership.view", position=80))


@bp.route("/rounds/new", methods=["GET", "POST"])
@requires("agreement.edit", scope="agreement")
def new_round(agreement):
    form = RoundForm()
    if request.method == "GET":
        form.opens_on.data = clock.today()
    return parts.section_form(agreement, "health", form, _("Open a survey round"), _("Open round"),
                              url_for("health.new_round", agreement_id=agreement.id),
                              lambda version: service.open_round(current_actor(), agreement, form.data) and [])


@bp.route("/rounds/<int:round_id>", methods=["GET", "POST"])
@requires("agreement.edit", scope="agreement")
def answer(agreement, survey):
    """The assessment form for one round: each item 1-5, for the user's party."""
    form = AnswerForm()
    party = service.party_for(agreement, current_scope().own)
    mine = {a.item: a.score for a in survey.answers if a.user_id == current_actor().user_id}
    errors = {}
    if request.method == "POST":  # the answers as given: saved, or shown again with why not
        mine = {k: v for k, v in request.form.items() if k != "csrf_token"}

    def show_errors(form, refused):  # the answers are radio groups named after the items, not form fields
        errors.update(refused.errors)
        form.form_errors.extend(refused.errors.get("", []))

    outcome = submitted(form, lambda: service.answer(current_actor(), survey, party, mine, clock.today()), show_errors)
    if outcome.saved:
        return parts.section_response(agreement, "health", notices=[_("Thank you: your answers are saved.")])
    status = outcome.status
    context = dict(survey=survey, form=form, items=ITEMS, scale=SCALE, mine=mine, errors=errors, party=party,
                   party_name=next((p.organisation.name for p in agreement.parties if p.organisation_id == party), None),
                   is_open=survey.open_on(clock.today()))
    if wants_fragment():
        return render_fragment("health/_answer.html", status, agreement=agreement, **context)
    return parts.page("health/answer.html", agreement, "health", status, **context)
