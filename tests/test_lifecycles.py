"""Lifecycles as transition tables: MOU versions and signatories (tracker/documents/workflow.py), card drives
and roster imports (tracker/cards/workflow.py). Every status change goes through its table, which refuses a
step it does not have in the user's words; no status is spelled out as a string anywhere else."""
import ast
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_babel.speaklater import LazyString

from tests import documents as docs
from tests.card_fixtures import SETUP, import_roster, set_up_cards, users_csv
from tracker.agreements import workflow as agreements
from tracker.cards import drives, roster
from tracker.cards import workflow as cards
from tracker.documents import service
from tracker.documents import workflow as documents
from tracker.extensions import db
from tracker.validation import Invalid

ROOT = Path(__file__).resolve().parent.parent
TABLES = {
    "agreement": (agreements.AGREEMENT, agreements.DRAFT),
    "version": (documents.VERSION, documents.DRAFT),
    "signatory": (documents.SIGNATORY, documents.PENDING),
    "drive": (cards.DRIVE, cards.PLANNING),
    "roster import": (cards.ROSTER_IMPORT, cards.UPLOADED),
}


@pytest.mark.parametrize("name", TABLES)
def test_each_status_has_a_lazy_label_and_is_reached_from_the_first(name):
    table, first = TABLES[name]
    assert all(isinstance(label, LazyString) for label in table.statuses.values())
    assert all(isinstance(t.label, LazyString) for t in table.transitions)
    reached, todo = {first}, [first]
    while todo:
        for step in table.available(todo.pop()):
            if step.target not in reached:
                reached.add(step.target)
                todo.append(step.target)
    assert reached == set(table.statuses)


def _refusal(table, status: str, step: str, by_target: bool = False) -> dict:
    thing = SimpleNamespace(status=status)
    with pytest.raises(Invalid) as refused:
        table.move_to(thing, step) if by_target else table.move(thing, step)
    assert thing.status == status  # nothing moved
    return refused.value.errors


def test_a_step_the_table_lacks_is_refused_in_the_users_words(app):
    with app.test_request_context():
        assert _refusal(documents.VERSION, documents.SIGNED, "return") == {"": [
            "This version is signed and frozen; nothing in it can change. Start an amendment instead."]}
        assert _refusal(documents.VERSION, documents.DRAFT, "return") == {"": ["This version is already a draft."]}
        assert _refusal(documents.VERSION, documents.DECLINED, "submit") == {"": [
            "This version is declined; return it to draft before changing its text or settings."]}
        assert _refusal(documents.SIGNATORY, documents.SIGNED, "decline") == {"": ["This signature has already been given."]}
        assert _refusal(cards.DRIVE, cards.COLLECTING, cards.PLANNING, by_target=True) == {"status": [
            "From Collecting it can only move to: Forms out, Processing, Delivered, Follow-up, Closed."]}
        assert _refusal(cards.ROSTER_IMPORT, cards.COMMITTED, "commit") == {"": [
            "This import is not ready to commit (status: committed)."]}
        assert _refusal(cards.ROSTER_IMPORT, cards.COMMITTED, "preview") == {"": ["From committed it can only move to: discarded, undone."]}


def test_moving_changes_the_status_to_the_tables_target():
    version = SimpleNamespace(status=documents.REVIEW)
    step = documents.VERSION.move(version, "send")
    assert (version.status, step.source, step.target) == (documents.SIGNING, documents.REVIEW, documents.SIGNING)
    drive = SimpleNamespace(status=cards.PLANNING)
    assert cards.DRIVE.move_to(drive, cards.DELIVERED).name == "advance" and drive.status == cards.DELIVERED
    assert cards.DRIVE.move_to(drive, cards.DELIVERED) is None  # staying is no step
    assert cards.DRIVE.move_to(drive, cards.PROCESSING).name == "step_back"
    assert cards.ROSTER_IMPORT.bulk("destroy") == (frozenset(cards.IMPORT_STATUSES), cards.DISCARDED)


def test_a_drive_moves_on_any_number_of_stages_and_back_one(world):
    _programme, drive = set_up_cards(world)  # collecting
    data = {f: getattr(drive, f) for f in drives.DRIVE_FIELDS}
    with pytest.raises(Invalid) as refused:
        drives.update_drive(SETUP, drive, {**data, "status": cards.PLANNING})
    assert "From Collecting it can only move to" in refused.value.errors["status"][0]
    db.session.rollback()
    drives.update_drive(SETUP, drive, {**data, "status": cards.FORMS_OUT})
    drives.update_drive(SETUP, drive, {**data, "status": cards.CLOSED})
    assert db.session.get(type(drive), drive.id).status_label == "Closed"


def test_a_committed_import_is_neither_committed_again_nor_discarded(world):
    set_up_cards(world)
    staged = import_roster(world, users_csv([("a", "sch-north", "Ann", "Lee", "03", "1")]))
    assert staged.is_committed and staged.status_label == "committed"
    for change in (roster.commit, roster.discard):
        with pytest.raises(Invalid):
            change(SETUP, staged)


def test_signing_steps_go_through_the_tables(world, mailbox):
    version = docs.out_for_signature(world, [docs.outside()])
    assert version.out_for_signature and not version.allows("send") and version.allows("return")
    service.return_to_draft(docs.SETUP, version)
    assert version.editable and version.allows("submit") and version.status_label == "Draft"
    sealed = docs.sign_all(docs.out_for_signature(world, [docs.outside(email="second@district.example")], which="other"))
    assert sealed.is_signed and {s.status_label for s in sealed.signatories} == {"signed"}
    with pytest.raises(Invalid, match="signed and frozen"):
        service.return_to_draft(docs.SETUP, sealed)


# ---- no status spelled out elsewhere -----------------------------------------------------------

def _is_status(node) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "status") or (isinstance(node, ast.Name) and node.id == "status")


def _has_text(node) -> bool:
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_has_text(e) for e in node.elts)
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _status_literals(path: Path) -> list[int]:
    """Lines where a status is compared with, set to or given a string (`x.status == "draft"`, `status="draft"`,
    `X.status.in_(("a", "b"))`, `{"status": "a"}`)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            hit = any(map(_is_status, operands)) and any(map(_has_text, operands))
        elif isinstance(node, ast.Assign):
            pairs = [(t, node.value) for t in node.targets]
            pairs += [pair for t in node.targets if isinstance(t, ast.Tuple) and isinstance(node.value, ast.Tuple)
                      for pair in zip(t.elts, node.value.elts)]
            hit = any(_is_status(t) and _has_text(v) for t, v in pairs if not isinstance(t, ast.Tuple))
        elif isinstance(node, ast.keyword):
            hit = node.arg == "status" and _has_text(node.value)
        elif isinstance(node, ast.Dict):
            hit = any(isinstance(k, ast.Constant) and k.value == "status" and _has_text(v) for k, v in zip(node.keys, node.values))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            hit = node.func.attr in ("in_", "not_in") and _is_status(node.func.value) and any(map(_has_text, node.args))
        else:
            hit = False
        if hit:
            found.append(node.lineno)
    return sorted(set(found))


TEMPLATE_LITERAL = re.compile(r"""\.status\s*(?:==|!=|(?:not\s+)?in\b)\s*[(\[]?\s*["']""")
RAW_STATUS = re.compile(r"""(?<![-\w])\{\{\s*[\w.]+\.status\s*\}\}""")  # a code shown as it is (a CSS class is fine)


def test_no_status_literal_outside_its_table():
    code = [p for package in ("documents", "cards") for p in sorted((ROOT / "tracker" / package).glob("*.py"))
            if p.name != "workflow.py"]
    assert _status_literals(ROOT / "tests" / "card_fixtures.py"), "the scan finds `\"status\": \"collecting\"`"
    literals = {str(p.relative_to(ROOT)): lines for p in code if (lines := _status_literals(p))}
    assert literals == {}, f"use the workflow's constants, sets or the model's properties: {literals}"
    templates = [p for folder in ("documents", "cards") for p in sorted((ROOT / "templates" / folder).rglob("*.html"))]
    shown = {str(p.relative_to(ROOT)): m for p in templates
             if (m := TEMPLATE_LITERAL.findall(p.read_text(encoding="utf-8")) + RAW_STATUS.findall(p.read_text(encoding="utf-8")))}
    assert shown == {}, f"templates ask the model (version.is_signed, status_label) rather than spell a status: {shown}"
