"""A version's words: each clause written out (an error in its place when it cannot be), the text and its hash, the diff to its parent."""
import difflib
import hashlib
import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from tracker.clauses import language, variables
from tracker.documents import locality, values


@dataclass
class Section:
    number: int
    title: str
    text: str
    problems: list[str]
    item_id: int | None = None  # the version's copy of the clause, where it can be mended
    language: str = "en"  # the document's: its words are printed in it, whatever the reader's


def fix_values(version) -> None:
    """Fix what the clauses say about the agreement, as it is now: from here on, edits to the agreement
    (its dates, title, parties) no longer reach this version's words."""
    agreement = version.document.agreement
    version.fixed_values = {"context": language.to_json(values.context_for(agreement, version.terms or {})),
                            "agreement_title": agreement.title,
                            "parties": [p.organisation.name for p in agreement.parties]}


def context(version) -> tuple[dict, str]:
    """The values a version's clauses read, and the language they are written in (the document's, stored on the
    version when it leaves draft: locality.py). A draft reads the agreement as it is now; a version past draft,
    the values fixed when it left draft. Which clauses the document has is read from the version itself."""
    if version.fixed_values:
        found = language.from_json(version.fixed_values["context"])
    else:
        found = values.context_for(version.document.agreement, version.terms or {})
    found["document"] = {"clauses": [clause.category for clause in version.clauses]}
    return found, locality.of(version).language


CANNOT_RENDER = _l("This clause could not be written out. Mend its text; the rest of the document is unaffected.")


def render_clause(body: str, values_: dict, language_code: str) -> tuple[str, list[str]]:
    """(text, problems) of one clause. Whatever goes wrong stays in the clause's place: a problem found by
    the check is named; any other failure is logged and reported in plain words, never as a trace."""
    try:
        problems = variables.problems(body)
        if problems:
            return "", problems
        return variables.render(body, values_, language_code), []
    except Exception:  # noqa: BLE001  one clause never takes the page, the preview or the PDF down
        current_app.logger.exception("a clause failed to render")
        return "", [str(CANNOT_RENDER)]


def sections(version) -> list[Section]:
    """Each clause of the version with its values filled in; a clause that cannot render says why, in its place."""
    values_, language_code = context(version)
    found = []
    for number, clause in enumerate(version.clauses, start=1):
        words, problems = render_clause(clause.body, values_, language_code)
        found.append(Section(number, clause.title, words, problems, clause.id, language_code))
    return found


def full_text(version) -> str:
    """The version's text as one string: what its SHA-256 is taken of."""
    head = f"{version.document.title}\n{version.label}\n"
    return head + "".join(f"\n{s.number}. {s.title}\n{s.text}\n" for s in sections(version))


def words_of(version) -> str:
    """The frozen text of a signed version, the current text of any other."""
    return version.text if version.frozen else full_text(version)


def changes(version) -> list[tuple[str, str]]:
    """What an amendment changes against the version it amends (its signers read this); [] for an original."""
    return diff(words_of(version.parent), words_of(version)) if version.parent else []


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def diff(old: str, new: str) -> list[tuple[str, str]]:
    """An inline, word-level diff: [(op, words)], op one of "same", "added", "removed"."""
    a, b = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("same", "".join(a[i1:i2])))
        if tag in ("delete", "replace"):
            out.append(("removed", "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            out.append(("added", "".join(b[j1:j2])))
    return out
