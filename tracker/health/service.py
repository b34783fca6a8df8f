"""Partnership health: the collaboration level over time, and the assessment survey and its trend."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import literal, select

from tracker.agreements.models import COLLABORATION_LEVELS, Agreement
from tracker.audit import service as audit
from tracker.audit.models import AuditEvent
from tracker.calendar.key_dates import KeyDate, Source, add_source, row, within
from tracker.extensions import db
from tracker.health.models import ITEMS, SCALE, SurveyAnswer, SurveyRound
from tracker.validation import Invalid

LEVEL_ORDER = list(COLLABORATION_LEVELS)


@dataclass
class LevelChange:
    at: datetime
    level: str
    who: str

    @property
    def label(self) -> str:
        return str(COLLABORATION_LEVELS.get(self.level, self.level))


def level_history(agreement: Agreement) -> list[LevelChange]:
    """Each level the agreement had and since when, oldest first, from its audit trail (one query)."""
    events = db.session.execute(
        select(AuditEvent).where(AuditEvent.entity_type == "agreement", AuditEvent.entity_id == str(agreement.id),
                                 AuditEvent.action.in_(("agreement.created", "agreement.updated")))
        .order_by(AuditEvent.id)
    ).scalars()
    changes = []
    for event in events:
        values = event.changes.get("collaboration_level")
        if isinstance(values, list) and len(values) == 2 and values[1]:
            changes.append(LevelChange(event.at, values[1], event.actor_label))
    if not changes:  # created before the log, or by a bulk load: the level as it is now
        changes.append(LevelChange(agreement.created_at, agreement.collaboration_level, ""))
    return changes


# ---- the survey ------------------------------------------------------------------------------

def open_round(actor: audit.Actor, agreement: Agreement, data: dict) -> SurveyRound:
    errors = {}
    if not (data.get("title") or "").strip():
        errors["title"] = _("Name the round, e.g. Spring 2027.")
    if data.get("opens_on") is None:
        errors["opens_on"] = _("Give the date the round opens.")
    elif data.get("closes_on") and data["closes_on"] < data["opens_on"]:
        errors["closes_on"] = _("The round cannot close before it opens.")
    if errors:
        raise Invalid(errors)
    survey = SurveyRound(agreement_id=agreement.id, title=data["title"].strip(), opens_on=data["opens_on"],
                         closes_on=data.get("closes_on"))
    db.session.add(survey)
    db.session.flush()
    audit.record(actor, "survey.opened", "agreement", agreement.id, {"survey round": [None, survey.title]})
    db.session.commit()
    return survey


def party_for(agreement: Agreement, own: frozenset[int] | None) -> int | None:
    """The party a user answers for: the first party among their organisations and those below them (admins: none)."""
    if own is None:
        return None
    return next((p.organisation_id for p in agreement.parties if p.organisation_id in own), None)


def answer(actor: audit.Actor, survey: SurveyRound, organisation_id: int | None, scores: dict, today: date) -> None:
    """Record (or replace) a user's answers for their party; every item 1-5, or nothing is written."""
    if organisation_id is None:
        raise Invalid({"": _("Only people of a party to the agreement answer its survey.")})
    if not survey.open_on(today):
        raise Invalid({"": _("This round is not open.")})
    errors = {}
    clean = {}
    for item in ITEMS:
        try:
            value = int(scores.get(item))
        except (TypeError, ValueError):
            value = None
        if value not in SCALE:
            errors[item] = _("Answer from 1 (strongly disagree) to 5 (strongly agree).")
        clean[item] = value
    unknown = set(scores) - set(ITEMS)
    if unknown:
        errors[""] = _("Unknown items: %(items)s.", items=", ".join(sorted(unknown)))
    if errors:
        raise Invalid(errors)
    existing = {a.item: a for a in survey.answers if a.user_id == actor.user_id}
    for item, value in clean.items():
        if item in existing:
            existing[item].score = value
            existing[item].organisation_id = organisation_id
        else:
            db.session.add(SurveyAnswer(round_id=survey.id, user_id=actor.user_id, organisation_id=organisation_id,
                                        item=item, score=value))
    audit.record(actor, "survey.answered", "agreement", survey.agreement_id, {"survey round": survey.title})
    db.session.commit()


@dataclass
class Trend:
    """Mean score per round, per item and party: means[item][organisation_id] = [mean or None per round]."""

    rounds: list[SurveyRound]
    parties: list[tuple[int, str]]
    means: dict
    responses: dict  # round id -> number of people who answered

    def overall(self, round_index: int) -> float | None:
        values = [m[round_index] for item in self.means.values() for m in item.values() if m[round_index] is not None]
        return round(sum(values) / len(values), 2) if values else None


def trend(agreement_ids, rounds: list[SurveyRound], parties: list[tuple[int, str]]) -> Trend:
    """The survey's trend across rounds (one query for the answers)."""
    round_ids = [r.id for r in rounds]
    sums = defaultdict(lambda: [0, 0])
    people = defaultdict(set)
    if round_ids:
        for a in db.session.execute(select(SurveyAnswer).where(SurveyAnswer.round_id.in_(round_ids))).scalars():
            cell = sums[(a.item, a.organisation_id, a.round_id)]
            cell[0] += a.score
            cell[1] += 1
            people[a.round_id].add(a.user_id)
    means = {}
    for item in ITEMS:
        means[item] = {}
        for org_id, _name in parties:
            row = []
            for r in rounds:
                total, count = sums.get((item, org_id, r.id), (0, 0))
                row.append(round(total / count, 2) if count else None)
            means[item][org_id] = row
    return Trend(rounds, parties, means, {r: len(p) for r, p in people.items()})


def agreement_trend(agreement: Agreement) -> Trend:
    return trend([agreement.id], list(agreement.survey_rounds),
                 [(p.organisation_id, p.organisation.name) for p in agreement.parties])


def survey_rows(agreement_ids, window):
    query = (select(*row(on=SurveyRound.closes_on, kind=literal("survey"), agreement_id=Agreement.id,
                         agreement_title=Agreement.title, ref=SurveyRound.id, name=SurveyRound.title))
             .join(Agreement, Agreement.id == SurveyRound.agreement_id)
             .where(SurveyRound.closes_on.between(window.start, window.end)))
    return within(query, Agreement.id, agreement_ids)


def make_survey_date(r) -> KeyDate:
    return KeyDate(r.on, "survey", _("Assessment survey closes: %(title)s", title=r.name), r.agreement_id,
                   r.agreement_title, f"survey-{r.ref}-close")


add_source(Source(survey_rows, make_survey_date, frozenset({"survey"})))
