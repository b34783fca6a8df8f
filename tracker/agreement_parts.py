"""Parts of the agreement page owned by other packages (resources, milestones, communication log, health).

Each part is a section template registered with `agreements.views.add_section`; it swaps itself
(htmx) and its forms take its place, like the agreement's own sections. `part_form` is the one
flow for those forms: shown on GET; on POST `save()` runs, then the section comes back (htmx) or
the page reloads at the section (no JavaScript); bad input re-renders the form with its errors (422)
and writes nothing. `save()` may return warnings: saved, but shown to the user.
"""
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from tracker.extensions import db
from tracker.htmx import render, render_fragment, wants_fragment
from tracker.validation import Invalid, apply_errors


def section_response(agreement, name: str, template: str, notices=(), status: int = 200, **context):
    """The section alone (htmx), or back to the agreement page at the section."""
    if not wants_fragment():
        for notice in notices:
            flash(notice, "warning")
        if status == 200:
            flash(_("Saved."), "success")
        return redirect(url_for("agreements.detail", agreement_id=agreement.id) + f"#section-{name}", 303)
    return render_fragment(template, status, agreement=agreement, notices=notices, **context)


def part_form(agreement, name: str, section_template: str, form, heading, submit, action: str, save, cancel: str):
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                warnings = save() or []
            except Invalid as exc:
                db.session.rollback()
                apply_errors(form, exc)
            else:
                db.session.refresh(agreement)
                return section_response(agreement, name, section_template, warnings)
    context = dict(agreement=agreement, form=form, section=name, heading=heading, submit=submit, action=action,
                   cancel=cancel)
    return render("parts/form_page.html", "parts/_form.html", status, **context)


def refused(agreement, name: str, template: str, exc: Invalid):
    """A one-button change that was refused: the section with the reason (422)."""
    db.session.rollback()
    messages = [m for ms in exc.errors.values() for m in ms]
    if not wants_fragment():
        for message in messages:
            flash(message, "error")
        return redirect(url_for("agreements.detail", agreement_id=agreement.id) + f"#section-{name}", 303)
    return render_fragment(template, 422, agreement=agreement, messages=messages)
