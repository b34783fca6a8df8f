"""The shape of the code's imports, read from the source with `ast` (nothing is imported):

- no circle of imports between the modules of one package (tracker/documents, tracker/cards, ...), counting
  the imports inside functions, which would only hide one;
- in tracker/documents and tracker/cards every import of the tracker is at the top of its module, and
  elsewhere only the few modules below import inside a function, each for its stated reason.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tracker"

NO_INNER_IMPORTS = ("tracker.documents", "tracker.cards")
INNER_IMPORTS_ALLOWED = {
    "tracker": "the app factory loads the tables, blueprints and error pages once the extensions are bound, "
               "not whenever something imports `tracker` (every package imports tracker.extensions)",
    "tracker.jobs.worker": "the RQ worker builds the app (create_app) inside the worker process, and create_app "
                           "imports this module to register the `jobs worker` command",
    "tracker.demo.data": "the demo seed loads every domain's services only when `flask demo seed` runs",
    "tracker.demo.cards": "part of the demo seed, as tracker.demo.data",
    "tracker.printing": "WeasyPrint (tracker.weasy) takes about a second to import: the first PDF loads it, not the "
                        "start of every command and worker",
    "tracker.audit.checkpoints": "every package records into the audit log, so audit imports nothing above it; "
                                 "the alert to administrators reaches up to users and mail only when it is sent",
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imported(node) -> list[str]:
    """The tracker modules an import statement loads (`from tracker.x import y` is tracker.x.y when that is a module)."""
    if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "tracker":
        return [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module for a in node.names]
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "tracker"]
    return []


def _imports(path: Path) -> tuple[set[str], list[tuple[int, str]]]:
    """Every tracker module the file imports, and those imported inside a function (line, module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    every = {m for node in ast.walk(tree) for m in _imported(node)}
    inner = [(node.lineno, m) for function in ast.walk(tree) if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
             for node in ast.walk(function) for m in _imported(node)]
    return every, sorted(set(inner))


GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _parent(name: str) -> str:
    return name.rpartition(".")[0]


def _circles(edges: dict[str, list[str]]) -> list[list[str]]:
    """The circles of a graph (module -> the modules it imports): its strongly connected parts of more than
    one module, or of a module importing itself (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in edges[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            part = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                part.append(top)
                if top == module:
                    break
            if len(part) > 1 or module in edges[module]:
                found.append(sorted(part))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return found


def _package_graph(package: str) -> dict[str, list[str]]:
    members = {m for m in MODULES if _parent(m) == package}
    return {m: sorted(t for t in GRAPH[m][0] if t in members) for m in members}


def test_the_graph_sees_the_modules_their_imports_and_a_circle():
    assert {"tracker.documents.signing", "tracker.cards.roster", "tracker.documents.workflow"} <= set(MODULES)
    assert "tracker.documents.final" in GRAPH["tracker.documents.signing"][0]  # `from tracker.documents import final`
    assert "tracker.documents.workflow" in _package_graph("tracker.documents")["tracker.documents.models"]
    assert _circles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"], "e": ["e"]}) == [["a", "b", "c"], ["e"]]


def test_no_circle_of_imports_within_a_package():
    packages = {_parent(m) for m in MODULES if _parent(m)}
    circles = {p: c for p in sorted(packages) if (c := _circles(_package_graph(p)))}
    assert circles == {}, f"modules of one package that import each other in a circle: {circles}"


def test_imports_of_the_tracker_are_at_the_top_of_their_module():
    inside = {m: inner for m, (_every, inner) in GRAPH.items() if inner}
    strict = {m: i for m, i in inside.items() if m.startswith(NO_INNER_IMPORTS)}
    assert strict == {}, f"move these imports to the top of the module (and a shared piece down if that makes a circle): {strict}"
    unexplained = {m: i for m, i in inside.items() if m not in INNER_IMPORTS_ALLOWED and not m.startswith(NO_INNER_IMPORTS)}
    assert unexplained == {}, f"imports inside functions: move them to the top, or give the reason in INNER_IMPORTS_ALLOWED: {unexplained}"
    assert set(INNER_IMPORTS_ALLOWED) <= set(inside), "an allowed exception no longer imports inside a function: drop it"
