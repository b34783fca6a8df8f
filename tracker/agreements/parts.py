"""The agreement workspace, declared part by part.

An agreement has an overview (`/agreements/<id>`) and a page per part (`/agreements/<id>/<part>`),
reached by tabs. Each package declares its own parts from its own module, and adding one edits
nothing else:

- a `Section` is a card on a part's page: its template, the function that loads its data
  (`load(agreement, access)` -> the template's context) and the permission it needs. It swaps itself
  (htmx): `/agreements/<id>/sections/<key>` returns it alone, and its forms take its place;
- a `Part` is a tab and its page: a label and the sections it shows, in order;
- a `Glance` is a box on the overview (`load(agreement, access, today)` -> its context, or None for
  nothing to show); an `Attention` adds lines to the overview's "Needs attention" box.

Templates get their data from the loaders, never from template globals that query the database.
A user below a party sees only the tabs whose permission reaches them.
"""
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, NamedTuple

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from markupsafe import Markup, escape

from tracker import clock
from tracker.auth.access import can
from tracker.extensions import db
from tracker.forms import refusal, submitted
from tracker.htmx import render_fragment_html, wants_fragment
from tracker.pagecache import pages as pagecache
from tracker.registry import Registry
from tracker.scope.loading import current_access
from tracker.validation import Invalid


def nothing(agreement, access) -> dict:
    return {}


@dataclass(frozen=True)
class Section:
    key: str  # its element id is "section-<key>"
    template: str  # rendered with `agreement` and what load() returned
    load: Callable[[object, object], dict] = nothing
    permission: str = "agreement.view"


@dataclass(frozen=True)
class Part:
    key: str  # its page is /agreements/<id>/<key>
    label: object  # its tab
    sections: tuple[Section, ...] = ()
    permission: str = "agreement.view"
    students: bool = False  # it shows student names: htmx keeps no copy of it in the browser's history
    endpoint: str | None = None  # a page with a view of its own (which renders it with `page`), not sections
    position: int = 95  # where its tab stands: details 10 ... key dates 90, history 100

    def url(self, agreement_id: int) -> str:
        if self.endpoint:
            return url_for(self.endpoint, agreement_id=agreement_id)
        return url_for("agreements.part", agreement_id=agreement_id, part=self.key)


@dataclass(frozen=True)
class Glance:
    key: str
    template: str  # a box on the overview, rendered with `agreement` and what load() returned
    load: Callable[[object, object, date], dict | None]
    permission: str = "agreement.view"


class Notice(NamedTuple):
    """A line under "Needs attention": what, by when, and where to act on it."""

    text: str
    url: str
    when: date | None = None
    late: bool = False


@dataclass(frozen=True)
class Attention:
    key: str
    load: Callable[[object, object, date], list[Notice]]
    permission: str = "agreement.view"


PARTS: Registry = Registry()
SHELL: Registry = Registry()  # sections of the workspace's frame (the status bar), on every page
GLANCES: Registry = Registry()
ATTENTION: Registry = Registry()


def add_part(part: Part, before: str | None = None) -> None:
    PARTS.add(part, before)


def add_glance(glance: Glance, before: str | None = None) -> None:
    GLANCES.add(glance, before)


def add_attention(attention: Attention) -> None:
    ATTENTION.add(attention)


def find_part(key: str) -> Part | None:
    return next((p for p in PARTS if p.key == key), None)


def find_section(key: str) -> tuple[Part | None, Section | None]:
    found = next(((p, s) for p in PARTS for s in p.sections if s.key == key), None)
    return found or (None, next((s for s in SHELL if s.key == key), None))


def shows(part: Part) -> bool:
    """Does the signed-in user see this part's tab (its permission, and at least one of its sections)?"""
    return can(part.permission) and (part.endpoint is not None or any(can(s.permission) for s in part.sections))


def tabs() -> list[Part]:
    return sorted((p for p in PARTS if shows(p)), key=lambda p: p.position)


@dataclass
class Workspace:
    """What the workspace shell needs: the agreement, its tabs, and which one is open."""

    agreement: object
    current: str  # a part's key, or "" for the overview
    tabs: list[Part] = field(default_factory=tabs)

    @property
    def part(self) -> Part | None:
        return find_part(self.current)


def render_section(agreement, section: Section, **extra) -> Markup:
    context = section.load(agreement, current_access())
    return Markup(render_template(section.template, agreement=agreement, **context, **extra))


def page(template: str, agreement, current: str, status: int = 200, student_names: bool = False, **context):
    """A workspace page (the overview, a part, or a page inside a part such as a drive): the full page,
    or for a tab followed with htmx only the workspace's body (its tabs and content) and the title.
    A page with `student_names` (or of a part that shows them) is kept out of htmx's history cache."""
    workspace = Workspace(agreement, current)
    private = student_names or (workspace.part is not None and workspace.part.students)
    if private:
        pagecache.private()
    html = render_template(template, workspace=workspace, agreement=agreement, private=private,
                           fragment=wants_fragment(), **context)
    return render_fragment_html(html, status)


def part_url(agreement, part: str = "", anchor: str = "") -> str:
    found = find_part(part) if part else None
    url = found.url(agreement.id) if found else url_for("agreements.detail", agreement_id=agreement.id)
    return url + (f"#section-{anchor}" if anchor else "")


def section_response(agreement, key: str, notices=(), message: str | None = None, status: int = 200, **extra):
    """After a change: the section alone with the agreement's status bar refreshed (htmx), or back to its
    part's page at the section (no JavaScript), with `message` and `notices` flashed."""
    part, section = find_section(key)
    if not wants_fragment():
        for notice in notices:
            flash(notice, "warning")
        if status == 200:
            flash(message or _("Saved."), "success")
        return redirect(part_url(agreement, part.key if part else "", key), 303)
    html = render_section(agreement, section, notices=notices, **extra)
    html += Markup(render_template("agreements/_status.html", agreement=agreement, oob=True))
    if key == "summary":  # the page heading and the tab show the title
        html += Markup(render_template("agreements/_head.html", agreement=agreement, oob=True))
        html += Markup("<title>") + escape(agreement.title) + Markup(" · ") + escape(_("Partnership Tracker")) + Markup("</title>")
    return render_fragment_html(html, status)


def _version_of(form) -> int | None:
    return form.read_version() if hasattr(form, "read_version") else None


def section_form(agreement, key: str, form, heading, submit, action: str, save, row: str | None = None):
    """A form that takes a section's place: shown on GET; on POST `save(version)` runs (it may return
    warnings: saved, but shown to the user), then the section comes back; or the form with its errors
    (422), or with what others changed (409: saving again applies it, knowingly). Swapped in place with
    htmx; without JavaScript, on a workspace page of its own. `row`: the id of the row the form edits, where
    focus returns once it is saved."""
    outcome = submitted(form, lambda: save(_version_of(form)))
    if outcome.saved:
        return section_response(agreement, key, notices=outcome.result or ())
    if outcome.conflict is not None:
        db.session.refresh(agreement)
        form.version.data = agreement.version
    part, _section = find_section(key)
    context = dict(form=form, conflict=outcome.conflict, section=key, heading=heading, submit=submit, action=action, row=row,
                   cancel=url_for("agreements.section", agreement_id=agreement.id, section=key))
    if wants_fragment():
        return render_fragment_html(render_template("agreements/_section_form.html", agreement=agreement, **context),
                                    outcome.status)
    return page("agreements/section_form.html", agreement, part.key if part else "", outcome.status, **context)


def section_step(agreement, key: str, change, form=None):
    """A one-button change (remove, mark done, a status step): check the form, make the change through
    `change(version)`, show the section. `change` may return a message, flashed when the page reloads
    (no JavaScript). Refused: the section with the reason (422), or what changed meanwhile (409)."""
    form = form or FlaskForm()
    outcome = submitted(form, lambda: change(_version_of(form)), show_errors=_messages_on_the_form)
    if outcome.saved:
        message = outcome.result
        return section_response(agreement, key, message=message if isinstance(message, str) else None,
                                notices=message if isinstance(message, list) else ())
    db.session.refresh(agreement)
    shown = dict(messages=[] if outcome.conflict else refusal(form), conflict=outcome.conflict, refused_section=key)
    if not wants_fragment():
        part, _section = find_section(key)
        return part_page(agreement, part.key, outcome.status, **shown) if part else overview(agreement, outcome.status, **shown)
    return section_response(agreement, key, status=outcome.status, **shown)


def _messages_on_the_form(form, invalid: Invalid) -> None:
    """A one-button form has no fields to put a refusal beside: every message is the form's."""
    form.form_errors.extend(m for messages in invalid.errors.values() for m in messages)


def part_page(agreement, key: str, status: int = 200, **refusal):
    """A part's page: its sections the user sees, in order (`refusal` goes to the section it concerns)."""
    part = find_part(key)
    refused = refusal.get("refused_section")
    sections = [render_section(agreement, s, **(refusal if s.key == refused else {}))
                for s in part.sections if can(s.permission)]
    return page("agreements/part.html", agreement, key, status, part=part, sections=sections)


def overview(agreement, status: int = 200, **refusal):
    """The overview: the boxes of every package that has something to show, and what needs attention."""
    access, today = current_access(), clock.today()
    glances = [(g, loaded) for g in GLANCES if can(g.permission)
               for loaded in [g.load(agreement, access, today)] if loaded is not None]
    notices = sorted((n for a in ATTENTION if can(a.permission) for n in a.load(agreement, access, today)),
                     key=lambda n: (not n.late, n.when or date.max))
    return page("agreements/overview.html", agreement, "", status, glances=glances, notices=notices, **refusal)
