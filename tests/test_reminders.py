"""`flask reminders send` against a real SMTP server: the right people get the right items, each once per threshold;
and the command, which works out every digest at once, sends exactly what the per-user rules (`digest_for`) give,
on the demo and on a generated set."""
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tracker import clock
from tracker.auth.models import User
from tracker.calendar.models import ReminderSetting
from tracker.calendar.reminders import digest_for, digests, render_text, subject, threshold
from tracker.extensions import db
from tracker.milestones.models import Milestone
from tracker.orgs.models import Organisation

TODAY = date(2027, 3, 10)


def run(app, on: date):
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reminders", "send", "--date", on.isoformat()])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def user_id(world, role):
    return db.session.execute(select(User.id).where(User.email == world.emails[role])).scalar_one()


def by_recipient(mailbox) -> dict[str, str]:
    found = {}
    for i, message in enumerate(mailbox.messages):
        found[str(message["To"])] = mailbox.text(i)
    return found


def test_threshold():
    assert [threshold(TODAY + timedelta(days=n), TODAY) for n in (-1, 0, 1, 2, 7, 8, 30)] == \
        ["overdue", "0", "1", "7", "7", "30", "30"]


def test_digests_go_to_the_right_people_once(app, world, login, mailbox):
    own, other = world.agreements["own"], world.agreements["other"]
    own.status = other.status = "active"
    own.end_date = TODAY + timedelta(days=20)
    own.notice_days = 30  # its notice deadline has passed: not an upcoming date any more
    db.session.add_all([
        Milestone(agreement_id=own.id, title="Send the roster", due_date=TODAY + timedelta(days=5)),
        Milestone(agreement_id=own.id, title="Report cards issued", due_date=TODAY - timedelta(days=2)),
        Milestone(agreement_id=own.id, title="Already done", due_date=TODAY + timedelta(days=3), status="done"),
        Milestone(agreement_id=other.id, title="Hill follow-up", due_date=TODAY + timedelta(days=6),
                  owner_user_id=user_id(world, "admin")),
    ])
    db.session.commit()
    login(world.emails["school_librarian"]).post("/profile/reminders", {"kinds": ["end_of_term"]})

    output = run(app, TODAY)
    mailbox.wait(5)
    mail = by_recipient(mailbox)
    assert set(mail) == {world.emails[r] for r in ("administrator", "library_staff", "school_librarian", "viewer", "admin")}
    staff = mail[world.emails["library_staff"]]
    assert "Send the roster" in staff and "Report cards issued" in staff and "End of term: Lakeside Card MOU" in staff
    assert "Overdue:" in staff and "Already done" not in staff and "Hill" not in staff
    assert f"/agreements/{own.id}" in staff
    librarian = mail[world.emails["school_librarian"]]  # milestones switched off in the profile
    assert "End of term: Lakeside Card MOU" in librarian and "Send the roster" not in librarian
    admin = mail[world.emails["admin"]]  # admins hear only of what is theirs
    assert "Hill follow-up" in admin and "Lakeside" not in admin
    assert "5 users" in output

    mailbox.clear()
    assert "0 items to 0 users" in run(app, TODAY)  # the same day again: nothing new
    assert "0 items to 0 users" in run(app, TODAY + timedelta(days=1))  # nothing crossed a threshold
    assert mailbox.messages == []

    run(app, TODAY + timedelta(days=4))  # the roster is due tomorrow: the 1-day reminder
    mailbox.wait(3)
    mail = by_recipient(mailbox)
    assert set(mail) == {world.emails[r] for r in ("administrator", "library_staff", "viewer")}  # not the librarian
    staff = mail[world.emails["library_staff"]]
    assert "Send the roster" in staff and "Report cards issued" not in staff and "End of term" not in staff


def test_a_failed_send_is_tried_again_next_run(app, world, mailbox):
    own = world.agreements["own"]
    own.status = "active"
    db.session.add(Milestone(agreement_id=own.id, title="Send the roster", due_date=TODAY + timedelta(days=5)))
    db.session.commit()
    app.config["MAIL_PORT"], port = 1, app.config["MAIL_PORT"]  # nothing listens there
    try:
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["reminders", "send", "--date", TODAY.isoformat()])
        assert result.exit_code == 1 and "tried again" in result.output
    finally:
        app.config["MAIL_PORT"] = port
    run(app, TODAY)
    mailbox.wait(4)
    assert all("Send the roster" in mailbox.text(i) for i in range(len(mailbox.messages)))


def test_a_manager_outside_the_parties_hears_of_the_agreement(app, world, mailbox):
    other = world.agreements["other"]  # no test user's organisation is party to it
    other.status = "active"
    other.manager_id = user_id(world, "school_librarian")
    other.end_date = TODAY + timedelta(days=6)
    db.session.commit()
    run(app, TODAY)
    mailbox.wait(1)
    assert [str(m["To"]) for m in mailbox.messages] == [world.emails["school_librarian"]]
    assert "End of term: Hill Card MOU" in mailbox.text(0)


# ---- the command against the per-user rules -------------------------------------------------------

def _demo() -> date:
    """The demo, loaded today (its dates are about today; signing links cannot be in the past)."""
    from tracker.demo import data

    today = clock.today()
    data.seed("demo pass 123", today)
    return today


def _generated() -> date:
    """bench/generate.py's statewide set, small: 300 agreements of 6 districts and 3 library systems, their
    milestones (some overdue, some owned), 11 users; one district in another time zone."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    today = TODAY
    rows = generate.build_rows(today, {"library_systems": 3, "branches_per_system": 3, "districts": 6,
                                       "schools_per_district": 5, "agreements": 300})
    for name in generate.TABLES:
        db.session.execute(db.Model.metadata.tables[name].insert(), rows[name])
    db.session.execute(update(Organisation).where(Organisation.kind == "district", Organisation.id % 2 == 0)
                       .values(time_zone="America/New_York"))
    return today


def _mails(mailbox) -> dict[str, tuple[str, str]]:
    return {str(m["To"]): (str(m["Subject"]), mailbox.text(i).replace("\r\n", "\n")) for i, m in enumerate(mailbox.messages)}


def _words(digest) -> list[tuple]:
    return [(d.uid, d.on, level, str(d.title), str(d.detail)) for d, level in digest.items]


@pytest.mark.parametrize("build", [_demo, _generated], ids=["demo", "generated"])
def test_the_command_sends_what_the_per_user_rules_send(app, mailbox, build):
    today = build()
    users = db.session.execute(select(User).where(User.active.is_(True)).order_by(User.id)).scalars().all()
    for n, user in enumerate(users):  # some have switched kinds off
        if n % 3 == 1:
            db.session.add(ReminderSetting(user_id=user.id, kind="milestone", enabled=False))
        if n % 4 == 2:
            db.session.add(ReminderSetting(user_id=user.id, kind="end_of_term", enabled=False))
    db.session.commit()
    each_their_own = [digest_for(u, clock.today(u)) for u in users]  # as cron runs it, without --date
    assert [_words(d) for d in digests(users)] == [_words(d) for d in each_their_own]
    compared = sum(len(d.items) for d in each_their_own)
    for day in (today, today + timedelta(days=6), today + timedelta(days=40)):
        reference = [digest_for(u, day) for u in users]
        assert [_words(d) for d in digests(users, day)] == [_words(d) for d in reference]
        expected = {d.user.email: (subject(d), render_text(d)) for d in reference if d.items}
        assert expected, "the day has something to send"
        compared += sum(len(d.items) for d in reference)
        mailbox.clear()
        run(app, day)
        mailbox.wait(len(expected))
        assert _mails(mailbox) == expected
        mailbox.clear()
        assert "0 items to 0 users" in run(app, day)  # what was sent is recorded: nothing twice
        assert mailbox.messages == []
    assert compared > 30
