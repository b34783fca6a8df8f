"""Signing in the app: the user's task list, the document to sign, signing or declining."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.auth.access import current_actor, requires
from tracker.documents import amendments, forms, signing, tasks, text
from tracker.documents.views import VERSION, bp
from tracker.forms import submitted


@bp.route("/documents/tasks")
@requires("document.sign")
def task_list():
    return render_template("documents/tasks.html", tasks=tasks.pending_for(current_user))


def _sign_page(version, sign_form=None, decline_form=None, status: int = 200):
    mine = signing.signatory_of(version, current_user.id)
    return render_template(
        "documents/sign.html", version=version, agreement=version.document.agreement, sections=text.sections(version),
        changes=text.changes(version), amended=amendments.changes_in_words(version),
        signatory=mine, can_sign=signing.may_sign(mine),
        sign_form=sign_form or forms.SignForm(formdata=None), decline_form=decline_form or forms.DeclineForm(formdata=None),
        action_url=url_for("documents.sign", agreement_id=version.document.agreement_id, version_id=version.id),
        decline_url=url_for("documents.decline", agreement_id=version.document.agreement_id, version_id=version.id),
    ), status


@bp.route(VERSION + "/sign", methods=["GET", "POST"])
@requires("document.sign", scope="agreement")
def sign(agreement, version):
    """Signers see the version they are asked to sign even if their organisation is not a party."""
    if request.method == "GET":
        return _sign_page(version)
    form = forms.SignForm()
    outcome = submitted(form, lambda: signing.sign(
        current_actor(), version.id, signing.own_signatory(version, current_user.id).id, form.typed_name.data or "",
        form.consent.data, drawing=form.drawing.data or ""))
    if outcome.saved:
        flash(_("Signed and sealed: everyone has signed.") if outcome.result else _("Signed. Thank you."), "success")
        return redirect(url_for("documents.task_list"), 303)
    return _sign_page(version, sign_form=form, status=outcome.status)


@bp.route(VERSION + "/decline", methods=["POST"])
@requires("document.sign", scope="agreement")
def decline(agreement, version):
    form = forms.DeclineForm()
    outcome = submitted(form, lambda: signing.decline(
        current_actor(), version.id, signing.own_signatory(version, current_user.id).id, form.reason.data or ""))
    if outcome.saved:
        flash(_("You declined to sign; the sender has been told your reason."), "success")
        return redirect(url_for("documents.task_list"), 303)
    return _sign_page(version, decline_form=form, status=outcome.status)
