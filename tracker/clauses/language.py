"""The clause language: Jinja's syntax cut down to an allow-list, so a clause cannot break a document.

A piece of text (a clause; later a letter to families) may use only:
- `{{ name }}` for a value we give (a dotted name of its vocabulary), optionally through the filters
  `join`, `plural` and `date`;
- `{% if %}` / `{% elif %}` / `{% else %}` over those values (comparisons, `and`, `or`, `not`);
- `{% for item in list %}` over the lists we give, with the fields of their items and `loop.first`,
  `loop.last`, `loop.index`.

`check` walks the parsed tree and refuses every other node by name (include, extends, import, from,
macro, call, set, ...) and every name the vocabulary lacks, so a piece is refused when it is saved.
`render` runs in Jinja's immutable sandbox with no globals, no tests and only our filters; whoever shows
a piece still catches every exception (see tracker/documents/text.py), as a second wall.
"""
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from babel.dates import format_date
from babel.lists import format_list
from flask_babel import gettext as _
from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

LOOP_FIELDS = frozenset({"first", "last", "index", "length"})
DATE_FORMATS = {"long": "long", "medium": "medium", "short": "short", "month": "MMMM y", "year": "y"}
FILTERS = ("join", "plural", "date")
COMPARISONS = frozenset({"eq", "ne", "gt", "gteq", "lt", "lteq", "in", "notin"})

# What a person wrote, in their words, for each node the language refuses.
REFUSED = {
    nodes.Include: "{% include %}", nodes.Extends: "{% extends %}", nodes.Import: "{% import %}",
    nodes.FromImport: "{% from … import %}", nodes.Macro: "{% macro %}", nodes.CallBlock: "{% call %}",
    nodes.Assign: "{% set %}", nodes.AssignBlock: "{% set %}", nodes.With: "{% with %}",
    nodes.FilterBlock: "{% filter %}", nodes.Block: "{% block %}", nodes.ExprStmt: "{% do %}",
    nodes.ScopedEvalContextModifier: "{% autoescape %}", nodes.EvalContextModifier: "{% autoescape %}",
    nodes.Scope: "{% autoescape %}", nodes.OverlayScope: "{% autoescape %}",
    nodes.Call: "( ) (calling a function)", nodes.Getitem: "[ ] (looking up an item)", nodes.Slice: "[ : ]",
    nodes.Test: "is (a test)", nodes.CondExpr: "… if … else … (inside {{ }})", nodes.Concat: "~",
    nodes.BinExpr: "arithmetic", nodes.UnaryExpr: "arithmetic", nodes.List: "[ ] (a list)",
    nodes.Tuple: "( , ) (a tuple)", nodes.Dict: "{ } (a dictionary)",
}


@dataclass(frozen=True)
class Vocabulary:
    """What a kind of text may name: `values` (dotted names) and `lists` (dotted name -> fields of its items;
    an empty tuple: its items are plain words)."""

    values: frozenset[str]
    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def knows(self, name: str) -> bool:
        return name in self.values or name in self.lists


@dataclass
class Reading:
    """What `check` found: the problems (one message each) and the names the text prints where no
    `{% if %}` about that name guards them (an empty one would leave a gap in the words)."""

    problems: list[str] = field(default_factory=list)
    printed: list[str] = field(default_factory=list)

    def refuse(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)


def _dotted(node) -> str | None:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        base = _dotted(node.node)
        return f"{base}.{node.attr}" if base else None
    return None


def _not_allowed(what: str) -> str:
    return _("%(what)s is not allowed in a clause. A clause may print the values listed below with {{ }}, choose "
             "with {%% if %%} … {%% elif %%} … {%% else %%} … {%% endif %%}, repeat with {%% for %%} over the lists "
             "given, and use the filters join, plural and date.", what=what)


class _Walk:
    def __init__(self, vocabulary: Vocabulary, reading: Reading):
        self.vocabulary, self.reading = vocabulary, reading
        self.loops: dict[str, tuple[str, ...]] = {}  # loop variable -> fields of its items
        self.guards: list[set[str]] = []  # names tested by the enclosing {% if %}s

    # ---- statements ----
    def statements(self, body) -> None:
        for node in body:
            self.statement(node)

    def statement(self, node) -> None:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    self.expression(child, printed=True)
        elif isinstance(node, nodes.If):
            tested = set(self.expression(node.test))
            self.guards.append(tested)
            self.statements(node.body)
            self.guards.pop()
            for branch in node.elif_:
                self.statement(branch)
            self.statements(node.else_)
        elif isinstance(node, nodes.For):
            self.loop(node)
        else:
            self.refuse(node)

    def loop(self, node: nodes.For) -> None:
        if node.recursive or node.test is not None or not isinstance(node.target, nodes.Name):
            self.reading.refuse(_not_allowed("{% for %} " + _("with several names, a condition or recursion")))
            return
        name = _dotted(node.iter)
        if name is None or name not in self.vocabulary.lists:
            self.reading.refuse(_("{%% for %%} repeats only over the lists given (%(lists)s); %(name)s is not one.",
                                  lists=", ".join(sorted(self.vocabulary.lists)) or "—",
                                  name="{{ %s }}" % name if name else _("that")))
            return
        outer = dict(self.loops)
        self.loops[node.target.name] = self.vocabulary.lists[name]
        self.loops["loop"] = tuple(LOOP_FIELDS)
        self.statements(node.body)
        self.loops = outer
        self.statements(node.else_)

    # ---- expressions: return the names they read ----
    def expression(self, node, printed: bool = False) -> list[str]:
        if isinstance(node, (nodes.Name, nodes.Getattr)):
            return self.name(node, printed)
        if isinstance(node, nodes.Const):
            if not isinstance(node.value, (str, int, float, bool, type(None))):
                self.refuse(node)
            return []
        if isinstance(node, nodes.Filter):
            return self.filter(node, printed)
        if isinstance(node, nodes.Not):
            return self.expression(node.node)
        if isinstance(node, (nodes.And, nodes.Or)):
            return self.expression(node.left) + self.expression(node.right)
        if isinstance(node, nodes.Compare):
            names = self.expression(node.expr)
            for operand in node.ops:
                if operand.op not in COMPARISONS:
                    self.refuse(node)
                names += self.expression(operand.expr)
            return names
        self.refuse(node)
        return []

    def name(self, node, printed: bool) -> list[str]:
        if isinstance(node, nodes.Name) and node.ctx != "load":
            self.refuse(node)
            return []
        dotted = _dotted(node)
        if dotted is None:
            self.reading.refuse(_not_allowed(_("Reaching into a value with a dot beyond the names listed")))
            return []
        root, _dot, rest = dotted.partition(".")
        if root in self.loops:
            fields = self.loops[root]
            if (rest and rest not in fields) or (not rest and fields and root != "loop") or (root == "loop" and not rest):
                self.reading.refuse(_("Unknown variable: {{ %(name)s }}.", name=dotted))
            return []
        if not self.vocabulary.knows(dotted):
            self.reading.refuse(_("Unknown variable: {{ %(name)s }}.", name=dotted))
            return []
        if printed and not any(dotted in guard for guard in self.guards):
            self.reading.printed.append(dotted)
        return [dotted]

    def filter(self, node: nodes.Filter, printed: bool) -> list[str]:
        if node.name not in FILTERS:
            self.reading.refuse(_("The filter “%(name)s” is not allowed in a clause; use join, plural or date.",
                                  name=node.name))
            return []
        if node.kwargs or node.dyn_args or node.dyn_kwargs or not all(isinstance(a, nodes.Const) for a in node.args):
            self.reading.refuse(_("A filter's settings must be written out in quotes, e.g. {{ agreement.end_date | date(\"short\") }}."))
        if node.name == "date" and node.args and node.args[0].value not in DATE_FORMATS:
            self.reading.refuse(_("The date filter takes one of: %(formats)s.", formats=", ".join(DATE_FORMATS)))
        if node.name == "plural" and len(node.args) != 2:
            self.reading.refuse(_("The plural filter takes the singular and the plural, e.g. {{ school.count | plural(\"school\", \"schools\") }}."))
        return self.expression(node.node, printed) if node.node is not None else []

    def refuse(self, node) -> None:
        what = next((label for kind, label in REFUSED.items() if isinstance(node, kind)), _("This construction"))
        self.reading.refuse(_not_allowed(what))


def check(body: str, vocabulary: Vocabulary) -> Reading:
    """Parse and walk the text: its problems (none: it may be saved) and the names it prints unguarded."""
    reading = Reading()
    try:
        tree = _environment("en").parse(body)
    except TemplateSyntaxError as exc:
        message = exc.message or ""
        if "Encountered unknown tag" in message:
            tag = message.split("'")[1] if "'" in message else "?"
            reading.refuse(_not_allowed("{%% %s %%}" % tag if tag else message))
        else:
            reading.refuse(_("The clause's {{ }} markup is broken on line %(line)s: %(message)s", line=exc.lineno,
                             message=message))
        return reading
    _Walk(vocabulary, reading).statements(tree.body)
    return reading


# ---- rendering -------------------------------------------------------------------------------

def _words(value, language: str) -> str:
    if isinstance(value, dict):
        return str(value.get("name", ""))
    if isinstance(value, date):
        return format_date(value, "long", locale=language)
    return str(value)


def _join_natural(items: list, language: str, separator: str | None = None) -> str:
    words = [_words(i, language) for i in items]
    if separator is not None:
        return separator.join(words)
    return format_list(words, locale=language) if words else ""  # "a, b and c"; "a, b y c"


def _count(value) -> int:
    if isinstance(value, (list, tuple)):
        return len(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@lru_cache(maxsize=8)
def _environment(language: str) -> ImmutableSandboxedEnvironment:
    def finalize(value):
        if value is None:
            return _("[not set]")
        if isinstance(value, (list, tuple)):
            return _join_natural(list(value), language)
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return _words(value, language)

    def date_filter(value, style: str = "long"):
        if value is None or value == "":
            return _("[not set]")
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return format_date(value, DATE_FORMATS[style], locale=language)

    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, finalize=finalize,
                                        keep_trailing_newline=False)
    env.globals.clear()
    env.tests.clear()
    env.filters.clear()
    env.filters.update({
        "join": lambda value, separator=None: _join_natural(list(value or []), language, separator),
        "plural": lambda value, singular, plural: singular if _count(value) == 1 else plural,
        "date": date_filter,
    })
    return env


def compile(body: str, language: str = "en"):  # noqa: A001  (the language's own word for it)
    """The text compiled once, to render for many contexts (a print run's letters): `.render(context)`. Call `check`
    first; rendering may still raise (the caller shows an error in the text's place)."""
    return _environment(language).from_string(body)


def render(body: str, context: dict, language: str = "en") -> str:
    """The text with its values filled in. Call `check` first; this may still raise (the caller shows an
    error in the text's place)."""
    return compile(body, language).render(context)


# ---- values kept as JSON (a version's fixed values) --------------------------------------------

def to_json(value):
    """Dates become {"$date": "YYYY-MM-DD"} so a context can be stored in a JSON column."""
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def from_json(value):
    if isinstance(value, dict):
        if set(value) == {"$date"}:
            return date.fromisoformat(value["$date"])
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value
