"""Partnership health: collaboration level history, survey rounds and answers, and the trend chart."""
from datetime import date, timedelta

from sqlalchemy import func, select

from tracker.agreements import service as agreements
from tracker.audit.service import Actor
from tracker.extensions import db
from tracker.health import service
from tracker.health.models import ITEMS, SurveyAnswer, SurveyRound


def answers(**scores):
    return {item: str(scores.get(item, 4)) for item in ITEMS}


def count_answers() -> int:
    return db.session.execute(select(func.count()).select_from(SurveyAnswer)).scalar()


def open_round(session, agreement, title="Autumn 2026", opens=None):
    response = session.post(f"/agreements/{agreement.id}/health/rounds/new",
                            {"title": title, "opens_on": (opens or date.today()).isoformat(), "closes_on": ""}, htmx=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    return db.session.execute(select(SurveyRound).where(SurveyRound.title == title)).scalar_one()


def test_each_party_answers_and_the_trend_is_charted(world, login):
    own = world.agreements["own"]
    staff, librarian = login(world.emails["library_staff"]), login(world.emails["school_librarian"])
    first = open_round(staff, own, "Autumn 2026", date.today() - timedelta(days=30))
    assert staff.post(f"/agreements/{own.id}/health/rounds/{first.id}", answers(share=2), htmx=True).status_code == 200
    assert librarian.post(f"/agreements/{own.id}/health/rounds/{first.id}", answers(share=4), htmx=True).status_code == 200
    second = open_round(staff, own, "Spring 2027")
    staff.post(f"/agreements/{own.id}/health/rounds/{second.id}", answers(share=4), htmx=True)
    librarian.post(f"/agreements/{own.id}/health/rounds/{second.id}", answers(share=5), htmx=True)

    trend = service.agreement_trend(db.session.get(type(own), own.id))
    library, north = world.orgs["library"].id, world.orgs["north"].id
    assert trend.means["share"][library] == [2.0, 4.0] and trend.means["share"][north] == [4.0, 5.0]
    assert trend.responses == {first.id: 2, second.id: 2}

    html = staff.get(f"/agreements/{own.id}/health").get_data(as_text=True)
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == len(ITEMS)
    assert html.count('<polyline class="line series-') == 2 * len(ITEMS)
    assert "Spring 2027" in html and "style=" not in html.split('id="section-health"')[1].split("</section>")[0]


def test_answering_again_replaces_ones_answers(world, login):
    own = world.agreements["own"]
    staff = login(world.emails["library_staff"])
    survey = open_round(staff, own)
    staff.post(f"/agreements/{own.id}/health/rounds/{survey.id}", answers(share=1), htmx=True)
    staff.post(f"/agreements/{own.id}/health/rounds/{survey.id}", answers(share=3), htmx=True)
    assert count_answers() == len(ITEMS)
    score = db.session.execute(select(SurveyAnswer.score).where(SurveyAnswer.item == "share")).scalar_one()
    assert score == 3


def test_answers_out_of_range_are_refused_and_nothing_is_written(world, login):
    own = world.agreements["own"]
    staff = login(world.emails["library_staff"])
    survey = open_round(staff, own)
    for bad in ("0", "6", "x", ""):
        response = staff.post(f"/agreements/{own.id}/health/rounds/{survey.id}", answers(share=bad), htmx=True)
        assert response.status_code == 422
        assert "Answer from 1 (strongly disagree) to 5 (strongly agree)." in response.get_data(as_text=True)
    assert count_answers() == 0


def test_an_admin_outside_the_parties_cannot_answer(world, login):
    own = world.agreements["own"]
    admin = login(world.emails["admin"])
    survey = open_round(admin, own)
    response = admin.post(f"/agreements/{own.id}/health/rounds/{survey.id}", answers(), htmx=True)
    assert response.status_code == 422 and "Only people of a party" in response.get_data(as_text=True)
    assert count_answers() == 0


def test_a_round_cannot_close_before_it_opens(world, login):
    own = world.agreements["own"]
    response = login(world.emails["library_staff"]).post(
        f"/agreements/{own.id}/health/rounds/new",
        {"title": "Bad", "opens_on": "2027-03-01", "closes_on": "2027-02-01"}, htmx=True)
    assert response.status_code == 422 and "cannot close before it opens" in response.get_data(as_text=True)


def test_collaboration_level_history(world, login):
    own = world.agreements["own"]
    agreements.update_section(Actor(label="Dana"), own, "summary", {"collaboration_level": "collaborating"}, own.version)
    history = service.level_history(own)
    assert [h.level for h in history] == ["cooperating", "collaborating"]
    html = login(world.emails["viewer"]).get(f"/agreements/{own.id}/health").get_data(as_text=True)
    assert "Collaboration level over time" in html and "level-collaborating" in html
