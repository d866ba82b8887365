"""Imports only go down (views -> app -> models) and never in a circle.

An AST walk over app/, views/, scheduler/ and models/ (every import, those inside
functions too): (a) no cycle among the project's modules, (b) no arrow back up: app/
imports neither views/ nor scheduler/ (but the factory and the CLI wiring, which
register them), models/ imports nothing of app/, views/ or scheduler/.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "views", "scheduler", "models")
# May import from the packages above them: they wire those packages in.
WIRING = {"app", "app.cli"}
ALLOWED_UPWARD: set = set()
# Who may not import whom.
FORBIDDEN = {"app": ("views", "scheduler"), "models": ("app", "views", "scheduler")}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found[_module_name(path)] = path
    return found


def _imported(name: str, path: Path, modules) -> set[str]:
    """The project's modules that ``name`` imports (``from a import b``: ``a.b`` when it
    is a module, else ``a``), at any depth of the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {t for t in targets if t in modules and t != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imported(name, path, modules) for name, path in modules.items()}


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _top(name: str) -> str:
    return name.split(".")[0]


def test_no_import_cycles():
    assert _cycles(_graph()) == []


def test_imports_only_go_down():
    upward = sorted((source, target) for source, targets in _graph().items() for target in targets
                    if _top(target) in FORBIDDEN.get(_top(source), ())
                    and source not in WIRING and (source, target) not in ALLOWED_UPWARD)
    assert upward == []


def test_the_check_sees_function_level_imports_and_cycles():
    """The walk itself: an import inside a function counts, and a circle is found."""
    modules = _modules()
    assert "app.core.extensions" in _imported("app", ROOT / "app" / "__init__.py", modules)
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
