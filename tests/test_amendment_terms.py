"""An amendment's typed terms: the agreement's end date, renewal, notice and modification window (and the card
programme's limits) are typed values, checked beside their fields, shown to the signer against the version
amended, and carried into the agreement when the amendment is signed, moving its key dates."""
import re
from datetime import date

from sqlalchemy import select

from tests import documents as docs
from tracker.agreements.models import Agreement
from tracker.audit.models import AuditEvent
from tracker.calendar import key_dates
from tracker.documents import service, signing, text
from tracker.documents.models import DocumentVersion
from tracker.extensions import db


def _amendment(world):
    original = docs.sign_all(docs.out_for_signature(world, [docs.outside()]))
    return service.amend(docs.SETUP, original)


def _send(amendment) -> dict:
    """Submit, approve and send for signature; the outside signers' tokens by email."""
    service.submit_for_approval(docs.SETUP, amendment)
    for kind in amendment.document.needed:
        docs.approvals.record_approval(docs.SETUP, amendment, kind, date.today(), "Counsel Carla")
    tokens = {}
    issue = signing.links.issue
    signing.links.issue = lambda s: tokens.setdefault(s.email, issue(s))
    try:
        signing.start(docs.SETUP, amendment)
    finally:
        signing.links.issue = issue
    return tokens


def _end_dates(agreement_id):
    return [d.on for d in key_dates.collect([agreement_id], date(2026, 1, 1), date(2035, 12, 31), kinds={"end_of_term"})]


def _notice_dates(agreement_id):
    return [d.on for d in key_dates.collect([agreement_id], date(2026, 1, 1), date(2035, 12, 31),
                                            kinds={"termination_notice"})]


def test_an_amendment_starts_from_the_agreements_terms(world, mailbox):
    amendment = _amendment(world)
    assert {k: amendment.terms[k] for k in ("end_date", "renewal", "notice_days", "window_start")} == {
        "end_date": "2029-07-31", "renewal": "none", "notice_days": "30", "window_start": ""}


def test_a_signed_amendments_end_date_and_notice_reach_the_agreement_and_its_key_dates_move(world, login, mailbox):
    agreement_id = world.agreements["own"].id
    amendment = _amendment(world)
    assert _end_dates(agreement_id) == [date(2029, 7, 31)]
    assert _notice_dates(agreement_id) == [date(2029, 7, 1)]
    service.update_settings(docs.SETUP, amendment, amendment.document.needed, "parallel",
                            {**amendment.terms, "end_date": "2031-06-30", "notice_days": "60"})
    term = next(s for s in text.sections(amendment) if s.title == "Term and renewal")
    assert "runs until June 30, 2031" in term.text  # the amendment's own words print its typed end date
    tokens = _send(db.session.get(DocumentVersion, amendment.id))
    assert db.session.get(Agreement, agreement_id).end_date == date(2029, 7, 31)  # not before it is signed

    page = login(None).get(f"/sign/{tokens['olive@district.example']}").get_data(as_text=True)
    table = page.split("Terms this amendment changes")[1].split("</table>")[0]
    assert re.search(r"End date</th><td><del>July 31, 2029</del></td><td><ins>June 30, 2031</ins>", table)
    assert re.search(r"Termination notice in days</th><td><del>30</del></td><td><ins>60</ins>", table)
    assert "Renewal" not in table  # unchanged terms are not listed

    docs.sign_all(db.session.get(DocumentVersion, amendment.id))
    agreement = db.session.get(Agreement, agreement_id)
    assert (agreement.end_date, agreement.notice_days) == (date(2031, 6, 30), 60)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "agreement.amended"))
    assert event.changes["end_date"] == ["2029-07-31", "2031-06-30"]
    assert event.changes["notice_days"] == [30, 60]
    assert event.changes["amendment"] == "Lakeside Card MOU (First Amendment)"
    assert _end_dates(agreement_id) == [date(2031, 6, 30)]
    assert _notice_dates(agreement_id) == [date(2031, 5, 1)]
    history = login(world.emails["administrator"]).get(f"/agreements/{agreement_id}/history").get_data(as_text=True)
    assert "changed the agreement&#39;s terms by a signed amendment" in history
    assert "end date: July 31, 2029 → June 30, 2031" in history
    page = login(world.emails["administrator"]).get(
        f"/agreements/{agreement_id}/versions/{amendment.id}").get_data(as_text=True)
    assert "changed the end date from “July 31, 2029” to “June 30, 2031”; the termination notice in days from “30” to “60”" in page


def test_renewal_and_the_modification_window_are_carried_too(world, login, mailbox):
    agreement_id = world.agreements["own"].id
    amendment = _amendment(world)
    service.update_settings(docs.SETUP, amendment, amendment.document.needed, "parallel",
                            {**amendment.terms, "renewal": "automatic", "renewal_months": "12",
                             "window_start": "2", "window_end": "5"})
    _send(db.session.get(DocumentVersion, amendment.id))
    docs.sign_all(db.session.get(DocumentVersion, amendment.id))
    agreement = db.session.get(Agreement, agreement_id)
    assert (agreement.renewal, agreement.renewal_months) == ("automatic", 12)
    assert (agreement.modification_window_start, agreement.modification_window_end) == (2, 5)
    history = login(world.emails["administrator"]).get(f"/agreements/{agreement_id}/history").get_data(as_text=True)
    assert "modification window start: February" in history and "modification window end: May" in history


def test_the_amendment_form_says_what_is_wrong_beside_each_term(world, login, mailbox):
    amendment = _amendment(world)
    url = f"/agreements/{world.agreements['own'].id}/versions/{amendment.id}"
    session = login(world.emails["administrator"])
    page = session.get(url).get_data(as_text=True)
    assert "The agreement&#39;s terms, as this amendment changes them" in page or \
        "The agreement's terms, as this amendment changes them" in page
    form = {f"term_{k}": v for k, v in amendment.terms.items()}
    form.update({"signing_order": "parallel", "approvals_needed": amendment.document.needed,
                 "term_end_date": "2026-01-01", "term_notice_days": "soon", "term_renewal": "automatic",
                 "term_renewal_months": "", "term_window_start": "2", "term_window_end": ""})
    refused = session.post(url + "/settings", data=form)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    for field, message in [
        ("term_end_date", "The end date must come after the effective date (August 1, 2026)."),
        ("term_notice_days", "A whole number from 0 to 3650."),
        ("term_renewal_months", "An automatic renewal needs its length in months."),
        ("term_window_end", "Give both months of the modification window, or neither."),
    ]:
        assert re.search(rf'<p class="error" id="{field}-error">[^<]*{re.escape(message)}', html), field
    db.session.expire_all()
    assert db.session.get(DocumentVersion, amendment.id).terms["end_date"] == "2029-07-31"  # nothing saved


def test_an_original_has_no_agreement_terms_of_its_own(world, login):
    version = docs.draft(world)
    page = login(world.emails["administrator"]).get(
        f"/agreements/{world.agreements['own'].id}/versions/{version.id}").get_data(as_text=True)
    assert "as this amendment changes them" not in page and 'name="term_end_date"' not in page


def test_numbers_are_ascii_digits(world, mailbox):
    from tracker.validation import Invalid

    amendment = _amendment(world)
    for field, value in (("notice_days", "²"), ("window_start", "١"), ("checkout_limit", "１５"), ("end_date", "2031-13-01")):
        try:
            service.update_settings(docs.SETUP, amendment, amendment.document.needed, "parallel",
                                    {**amendment.terms, field: value})
        except Invalid as refused:
            assert f"term_{field}" in refused.errors, refused.errors
        else:
            raise AssertionError(f"{field}={value!r} was saved")
        db.session.rollback()
        amendment = db.session.get(DocumentVersion, amendment.id)
