"""MOU documents inside the app: assembling, reviewing, approving, sending, signing from the task list."""
from datetime import datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ETags

from tracker.agreements import parts
from tracker.audit import sentences
from tracker.audit import service as audit
from tracker.auth.access import can, current_actor, requires
from tracker.auth.permissions import Relation
from tracker.clauses import service as clauses
from tracker.documents import amendments, approvals, checklist, forms, pdf, service, signing, text
from tracker.documents.models import APPROVALS, SIGNING_ORDERS
from tracker.forms import refusal, submitted
from tracker.printing import pdf_response
from tracker.scope.loading import Param, add_param, by_parent_id, current_access
from tracker.site import stored_files
from tracker.validation import apply_errors

bp = Blueprint("documents", __name__)
parts.add_part(parts.Part("documents", _l("Documents"), (parts.Section(
    "documents", "documents/_agreement_section.html", lambda agreement, access: {"docs": service.documents_of(agreement.id)},
    permission="document.view"),), permission="document.view", position=20))
VERSION = "/agreements/<int:agreement_id>/versions/<int:version_id>"


LINK_STATES = {"open": _l("Link sent"), "used": _l("Link used"), "revoked": _l("Link revoked"), "expired": _l("Link expired")}
for _name, _value in (("APPROVAL_KINDS", APPROVALS), ("SIGNING_ORDERS", SIGNING_ORDERS), ("LINK_STATES", LINK_STATES)):
    bp.add_app_template_global(_value, _name)


@by_parent_id
def _version(access, agreement_id: int, version_id: int):
    """A version of one of the agreement's documents; someone who does not otherwise see the agreement
    reaches only the versions they are asked to sign."""
    version = service.version_in(agreement_id, version_id)
    if version is None:
        return None
    if access.relation is Relation.UNRELATED and not access.scope.everything and \
            all(s.user_id != access.scope.user_id for s in version.signatories):
        return None
    return version


@by_parent_id
def _pdf(access, agreement_id: int, version_id: int):
    """What a version's download serves: a sealed version's stored file alone (no objects), or the version before
    its seal. Nobody outside the agreement downloads (document.view does not reach them: a signer there signs on
    the signing page and gets the sealed PDF by mail); refused here too, whatever the permissions say."""
    if access.relation is Relation.UNRELATED and not access.scope.everything:
        return None
    return service.sealed_file(agreement_id, version_id) or _version(access, agreement_id, version_id)


add_param(Param("version_id", "version", "agreement", _version))
add_param(Param("pdf_id", "pdf_file", "agreement", _pdf))
add_param(Param("item_id", "item", "version", lambda access, version, value: next(
    (c for c in version.clauses if c.id == value), None)))
add_param(Param("signatory_id", "signatory", "version", lambda access, version, value: next(
    (s for s in version.signatories if s.id == value), None)))


def _to_version(version, anchor: str = "", message: str | None = None):
    if message:
        flash(message, "success")
    target = url_for("documents.version", agreement_id=version.document.agreement_id, version_id=version.id)
    return redirect(target + (f"#{anchor}" if anchor else ""), 303)


def _page(version, status: int = 200, **given):
    """The version page; a form that failed is passed in to show its errors in place."""
    settings = given.get("settings") or forms.SettingsForm(formdata=None)
    if "settings" not in given:
        settings.approvals_needed.data = version.document.needed
        settings.signing_order.data = version.signing_order
        for name in _term_names(version):
            getattr(settings, f"term_{name}").data = (version.terms or {}).get(name, "")
    add_clause = given.get("add_clause") or forms.AddClauseForm(formdata=None)
    add_clause.clause_id.choices = [("", _("— choose —"))] + [
        (c.id, f"{c.category_label}: {c.title}") for c in clauses.library(include_retired=False)]
    signatory = given.get("signatory") or forms.SignatoryForm(formdata=None)
    signatory.contact_id.choices = [("", _("— type a new signatory below —"))] + [
        (c.id, f"{c.name}{', ' + c.title if c.title else ''} — {c.organisation.name}") for c in signing.signing_contacts(version)]
    approval = given.get("approval") or forms.ApprovalForm(formdata=None)
    approval.kind.choices = [(k, APPROVALS[k]) for k in version.missing_approvals] or [("", "—")]
    sections = text.sections(version)
    context = dict(
        document=version.document, checklist=checklist.shown(version, sections),
        sections=sections, settings=settings, term_fields=forms.term_fields(settings),
        agreement_term_fields=forms.agreement_term_fields(settings) if version.parent else [],
        amended=amendments.changes_in_words(version),
        add_clause=add_clause, approval=approval, signatory=signatory,
        action=forms.ActionForm(formdata=None), messages=given.get("messages", []),
        history=sentences.lines(audit.history(service.ENTITY, version.id), subjects=False), now=datetime.utcnow(),
    )
    return _frame("documents/version.html", version, status, **context)


def _term_names(version) -> list[str]:
    """The terms the version's settings form types: an amendment's include the agreement's own."""
    return [*forms.variables.TERM_DEFAULTS, *(forms.agreement_terms.TERMS if version.parent else ())]


def _frame(template: str, version, status: int = 200, **context):
    """A version's page: in the agreement's workspace, or on its own for someone who only signs it."""
    agreement, access = version.document.agreement, current_access()
    if access.relation is Relation.UNRELATED and not access.scope.everything:
        return render_template(template, agreement=agreement, version=version, **context), status
    return parts.page(template, agreement, "documents", status, version=version, **context)


def _act(version, change, anchor: str = "", message: str | None = None):
    """A one-button step: check the token, run `change()`, back to the version page (or the reason, 422)."""
    form = forms.ActionForm()
    outcome = submitted(form, change)
    if not outcome.saved:
        return _page(version, outcome.status, messages=refusal(form))
    result = outcome.result
    return _to_version(result if result is not None and hasattr(result, "document") else version, anchor, message)


def _with_form(version, form, key: str, change, anchor: str, message: str):
    """A form on the version page: on success back to the page, else the page with the form's errors (422)."""
    messages = []

    def show_errors(form, refused):
        messages.extend(refused.errors.pop("", []))  # about the version, not a field: shown at the top
        apply_errors(form, refused)

    outcome = submitted(form, change, show_errors)
    if outcome.saved:
        return _to_version(version, anchor, message)
    if not (messages or form.errors):  # refused without a word: a stale page
        messages = refusal(form)
    return _page(version, outcome.status, messages=messages, **{key: form})


# ---- a document and its versions --------------------------------------------------------------

@bp.route("/agreements/<int:agreement_id>/documents", methods=["POST"])
@requires("document.edit", scope="agreement")
def create(agreement):
    form = forms.NewDocumentForm()
    outcome = submitted(form, lambda: service.create_document(current_actor(), agreement, form.title.data))
    if not outcome.saved:
        for problem in refusal(form):
            flash(problem, "error")
        return redirect(url_for("agreements.detail", agreement_id=agreement.id), 303)
    return _to_version(outcome.result.versions[0],
                       message=_("Draft MOU created with the standard clauses for this kind of agreement."))


@bp.route(VERSION, endpoint="version")
@requires("document.view", scope="agreement")
def version_page(agreement, version):
    return _page(version)


@bp.route(VERSION + "/preview")
@requires("document.view", scope="agreement")
def preview(agreement, version):
    return render_template("documents/preview.html", version=version, agreement=version.document.agreement,
                           sections=text.sections(version))


@bp.route("/agreements/<int:agreement_id>/versions/<int:pdf_id>/pdf")
@requires("document.view", scope="agreement")
def download(pdf_file):
    """The sealed bytes once signed (never a re-render), under the name stored with them; a DRAFT-marked render
    before. A sealed file is usually served before the app's request machinery runs (`sealed_answer`)."""
    if isinstance(pdf_file, service.SealedFile):
        return sealed_answer({"pdf_file": pdf_file}, request.if_none_match)
    if pdf_file.awaiting_seal:  # signed by everyone: no draft render, and no unsealed copy
        flash(_("Everyone has signed; the PDF is ready once its seal has its timestamp. Try again shortly."), "info")
        return redirect(url_for("documents.version", agreement_id=pdf_file.document.agreement_id,
                                version_id=pdf_file.id), 303)
    return pdf_response(pdf.draft_pdf(pdf_file), "DRAFT - " + pdf.filename(pdf_file))


@stored_files.serves("documents.download")
def sealed_answer(args: dict, held: ETags) -> Response | None:
    """A sealed PDF's answer (None for a version not sealed yet). Its bytes never change: the signed-in browser may
    keep its copy (never a shared cache), and a copy it already holds is answered 304 without them."""
    sealed = args["pdf_file"]
    if not isinstance(sealed, service.SealedFile):
        return None
    response = Response(status=304) if held.contains(sealed.sha256) else pdf_response(sealed.data, sealed.name,
                                                                                       inline=False)
    response.set_etag(sealed.sha256)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


@bp.route(VERSION + "/diff")
@requires("document.view", scope="agreement")
def diff(agreement, version):
    return _frame("documents/diff.html", version, changes=text.changes(version))


@bp.route(VERSION + "/clauses", methods=["POST"])
@requires("document.edit", scope="agreement")
def add_clause(agreement, version):
    form = forms.AddClauseForm()
    return _with_form(version, form, "add_clause", lambda: service.add_clause(current_actor(), version, form.clause_id.data),
                      "clauses", _("Clause added."))


@bp.route(VERSION + "/clauses/<int:item_id>/edit", methods=["GET", "POST"])
@requires("document.edit", scope="agreement")
def edit_clause(agreement, version, item):
    form = forms.ClauseTextForm(obj=item)
    outcome = submitted(form, lambda: service.edit_clause(current_actor(), version, item.id, form.title.data or "",
                                                          form.body.data or ""))
    if outcome.saved:
        return _to_version(version, f"clause-{item.id}", _("Clause saved for this document."))
    return _frame("documents/edit_clause.html", version, outcome.status, item=item, form=form,
                  variables=forms.variables.VARIABLES)


@bp.route(VERSION + "/clauses/<int:item_id>/move", methods=["POST"])
@requires("document.edit", scope="agreement")
def move_clause(agreement, version, item):
    direction = request.form.get("direction", "")
    return _act(version, lambda: service.move_clause(current_actor(), version, item.id, direction), f"clause-{item.id}")


@bp.route(VERSION + "/clauses/<int:item_id>/remove", methods=["POST"])
@requires("document.edit", scope="agreement")
def remove_clause(agreement, version, item):
    return _act(version, lambda: service.remove_clause(current_actor(), version, item.id), "clauses", _("Clause removed."))


@bp.route(VERSION + "/settings", methods=["POST"])
@requires("document.edit", scope="agreement")
def settings(agreement, version):
    form = forms.SettingsForm()
    terms = {name: getattr(form, f"term_{name}").data for name in _term_names(version)}
    approver = can("document.approve")
    needed = (form.approvals_needed.data or []) if approver else version.document.needed
    return _with_form(version, form, "settings", lambda: service.update_settings(
        current_actor(), version, needed, form.signing_order.data, terms, may_set_approvals=approver),
        "settings", _("Settings saved."))


@bp.route(VERSION + "/submit", methods=["POST"])
@requires("document.edit", scope="agreement")
def submit(agreement, version):
    return _act(version, lambda: service.submit_for_approval(current_actor(), version), "approvals",
                _("Submitted for approval: the text is fixed until it returns to draft."))


@bp.route(VERSION + "/draft", methods=["POST"])
@requires("document.edit", scope="agreement")
def return_to_draft(agreement, version):
    return _act(version, lambda: service.return_to_draft(current_actor(), version), "",
                _("Back to draft: approvals and signatures given so far have lapsed."))


@bp.route(VERSION + "/approvals", methods=["POST"])
@requires("document.approve", scope="agreement")
def record_approval(agreement, version):
    form = forms.ApprovalForm()
    form.kind.choices = [(k, APPROVALS[k]) for k in APPROVALS]
    return _with_form(version, form, "approval", lambda: approvals.record_approval(
        current_actor(), version, form.kind.data, form.approved_on.data, form.approver.data or "",
        form.resolution.data or "", form.note.data or ""), "approvals", _("Approval recorded."))


@bp.route(VERSION + "/signatories", methods=["POST"])
@requires("document.edit", scope="agreement")
def add_signatory(agreement, version):
    form = forms.SignatoryForm()
    return _with_form(version, form, "signatory", lambda: signing.add_signatory(
        current_actor(), version, {**{f: getattr(form, f).data for f in signing.SIGNATORY_FIELDS},
                                   "contact_id": form.contact_id.data}),
        "signatories", _("Signatory added."))


@bp.route(VERSION + "/signatories/<int:signatory_id>/remove", methods=["POST"])
@requires("document.edit", scope="agreement")
def remove_signatory(agreement, version, signatory):
    return _act(version, lambda: signing.remove_signatory(current_actor(), version, signatory.id), "signatories",
                _("Signatory removed."))


@bp.route(VERSION + "/signatories/<int:signatory_id>/resend", methods=["POST"])
@requires("document.edit", scope="agreement")
def resend(agreement, version, signatory):
    return _act(version, lambda: signing.resend(current_actor(), version, signatory.id), "signatories",
                _("Sent again. Any earlier link no longer works."))


@bp.route(VERSION + "/signatories/<int:signatory_id>/revoke", methods=["POST"])
@requires("document.edit", scope="agreement")
def revoke(agreement, version, signatory):
    return _act(version, lambda: signing.revoke(current_actor(), version, signatory.id), "signatories",
                _("The link was revoked; it no longer works."))


@bp.route(VERSION + "/send", methods=["POST"])
@requires("document.edit", scope="agreement")
def send(agreement, version):
    return _act(version, lambda: signing.start(current_actor(), version), "signatories",
                _("Sent for signature: outside signers were emailed a link, users of the app see it in their tasks."))


@bp.route(VERSION + "/amend", methods=["POST"])
@requires("document.edit", scope="agreement")
def amend(agreement, version):
    return _act(version, lambda: service.amend(current_actor(), version), "",
                _("Amendment started as a draft: change its clauses, then submit it for approval."))
