"""The package's folders import one way, and no module is part of an import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mockserver"
# Lowest first: a folder may import only from folders before it (README, "How the code is
# laid out"); modules at the top level are the shared pieces and the entry points.
FOLDERS = [
    *("signing", "scripting", "accounting", "contract", "streaming", "faults", "report"),
    *("http", "files", "messages", "batches", "openai", "recording", "inspector", "admin"),
    "workers",
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Each module of the package → the package's modules it imports (type-only included)."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                target = f"{source}.{alias.name}"
                found.add(target if target in paths else source)
        graph[name] = {target for target in found if target in paths and target != name}
    return graph


def _folder(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else None


def test_every_folder_is_placed_in_the_order() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert folders == set(FOLDERS)


def test_folders_import_only_folders_below_them() -> None:
    rank = {folder: i for i, folder in enumerate(FOLDERS)}
    upward = [
        f"{module} -> {target}"
        for module, targets in _imports().items()
        for target in targets
        if (here := _folder(module)) is not None
        and (there := _folder(target)) is not None
        and here != there
        and rank[there] > rank[here]
    ]
    assert upward == []


def test_no_module_is_part_of_an_import_cycle() -> None:
    graph = _imports()
    cycles: list[list[str]] = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycles.append([*path[path.index(module) :], module])
            return
        if module in done:
            return
        for target in sorted(graph[module]):
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert cycles == []


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_folder_says_what_it_is_for(folder: str) -> None:
    docstring = ast.get_docstring(ast.parse((PACKAGE / folder / "__init__.py").read_text()))
    assert docstring
    # The first paragraph says it; a longer docstring goes on to name the modules.
    assert len(docstring.split("\n\n")[0].splitlines()) <= 2
