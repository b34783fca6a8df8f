"""`flask reminders send` against a real SMTP server: the right people get the right items, each once per threshold."""
from datetime import date, timedelta

from sqlalchemy import select

from tracker.auth.models import User
from tracker.calendar.reminders import threshold
from tracker.extensions import db
from tracker.milestones.models import Milestone

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
