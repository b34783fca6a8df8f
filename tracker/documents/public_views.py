"""Pages anyone may open without an account: verification, and an outside signer's link."""
from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import gettext as _

from tracker import sealing
from tracker.audit.service import Actor
from tracker.auth.access import public
from tracker.documents import amendments, forms, links, pdf, signing, text, verification
from tracker.documents.models import Signatory
from tracker.extensions import db
from tracker.forms import submitted
from tracker.limits import page_limit
from tracker.printing import pdf_response
from tracker.validation import Invalid, apply_errors

bp = Blueprint("public_documents", __name__)


# ---- /verify ---------------------------------------------------------------------------------

@bp.route("/verify", methods=["GET", "POST"])
@page_limit("verify")
@public
def verify():
    form = forms.VerifyForm(formdata=None if request.method == "GET" else request.form)
    answer, status = None, 200
    try:
        if request.method == "POST":
            status = 422
            if not form.validate_on_submit():
                raise Invalid({"": _("The form was incomplete; reload the page.")})
            upload = request.files.get("file")
            if upload and upload.filename:
                limit = current_app.config["VERIFY_MAX_BYTES"]
                answer = verification.by_file(upload.stream.read(limit + 1), limit)
            elif form.reference.data:
                answer = verification.by_reference(form.reference.data)
            else:
                raise Invalid({"reference": _("Enter a document id or a SHA-256, or upload the PDF.")})
            status = 200
        elif request.args.get("id"):
            form.reference.data = request.args["id"]
            answer = verification.by_reference(request.args["id"])
    except Invalid as exc:
        apply_errors(form, exc)
        status = 422
    if answer is not None and not (answer.genuine or answer.registered) and status == 200 and request.method == "GET":
        status = 404
    return render_template("documents/verify.html", form=form, answer=answer), status


@bp.route(sealing.CRL_PATH)
@public
def revocation_list():
    """The self-managed seal CA's certificate revocation list, named by its seal certificate (404 with a
    deployment's own certificate, whose CA publishes its own)."""
    data = sealing.revocation_list()
    if data is None:
        abort(404)
    response = Response(data, mimetype="application/pkix-crl")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# ---- an outside signer's link ------------------------------------------------------------------

def _outside_actor(signatory: Signatory) -> Actor:
    return Actor(user_id=None, label=f"{signatory.name} <{signatory.email}> (signing link)",
                 ip=request.remote_addr or "", user_agent=request.user_agent.string or "")


def _refused(refusal: links.LinkRefused, token: str):
    signatory = links.signed_copy(token) if refusal.state == "used" else None
    return render_template("documents/link_problem.html", message=refusal.message, signatory=signatory, token=token,
                           until=links.copy_until(signatory) if signatory else None), \
        200 if signatory else 410 if refusal.gone else 404


def _link_page(token: str, link, sign_form=None, decline_form=None, status: int = 200, messages=()):
    version = link.signatory.version
    return render_template(
        "documents/sign.html", version=version, agreement=version.document.agreement, sections=text.sections(version),
        changes=text.changes(version), amended=amendments.changes_in_words(version),
        signatory=link.signatory, can_sign=signing.may_sign(link.signatory), outside=True,
        sign_form=sign_form or forms.SignForm(formdata=None), decline_form=decline_form or forms.DeclineForm(formdata=None),
        action_url=f"/sign/{token}", decline_url=f"/sign/{token}/decline", messages=messages,
    ), status


@bp.route("/sign/<token>", methods=["GET", "POST"])
@page_limit("signing-link")
@public
def sign(token: str):
    try:
        link = links.open_link(token)
    except links.LinkRefused as refusal:
        return _refused(refusal, token)
    if request.method == "GET":
        signing.link_opened(_outside_actor(link.signatory), link.signatory)
        return _link_page(token, link)
    form = forms.SignForm()
    signatory = link.signatory
    outcome = submitted(form, lambda: signing.sign(
        _outside_actor(signatory), signatory.version_id, signatory.id, form.typed_name.data or "", form.consent.data,
        link_id=link.id, drawing=form.drawing.data or ""))
    if outcome.saved:
        signatory = db.session.get(Signatory, signatory.id)
        return render_template("documents/signed.html", version=signatory.version, done=outcome.result, token=token,
                               until=links.copy_until(signatory), copy_days=current_app.config["SIGNED_COPY_DAYS"])
    return _link_page(token, link, sign_form=form, status=outcome.status)


@bp.route("/sign/<token>/copy")
@page_limit("signing-link")
@public
def copy(token: str):
    """The sealed PDF, for the outside signer of this (used) link, for SIGNED_COPY_DAYS after they signed."""
    signatory = links.signed_copy(token)
    if signatory is None:
        return render_template("documents/link_problem.html", message=_(
            "There is no signed copy to download from this link: the document is not signed by everyone yet, or "
            "the %(days)s days to download it have passed. Ask the sender for a copy.",
            days=current_app.config["SIGNED_COPY_DAYS"])), 404
    return pdf_response(signatory.version.pdf, pdf.filename(signatory.version), inline=False)


@bp.route("/sign/<token>/decline", methods=["POST"])
@page_limit("signing-link")
@public
def decline(token: str):
    try:
        link = links.open_link(token)
    except links.LinkRefused as refusal:
        return _refused(refusal, token)
    form = forms.DeclineForm()
    signatory = link.signatory
    outcome = submitted(form, lambda: signing.decline(_outside_actor(signatory), signatory.version_id, signatory.id,
                                                      form.reason.data or "", link_id=link.id))
    if outcome.saved:
        return render_template("documents/declined.html")
    return _link_page(token, link, decline_form=form, status=outcome.status)
