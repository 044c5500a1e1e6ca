"""base/ is the floor: config/, executors/, engine/, metrics/ and cli/ import it, so it imports nothing of
loadpy above it (only errors.py), or a package cycle comes back."""

from __future__ import annotations

import ast
from pathlib import Path

import loadpy.base

ALLOWED = ("loadpy.base", "loadpy.errors")


def _runtime_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    typing_only = {
        id(sub)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for sub in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.startswith("loadpy")}


def test_base_imports_only_errors_and_itself() -> None:
    files = sorted(Path(loadpy.base.__file__).parent.glob("*.py"))
    assert len(files) >= 8
    above = {
        f"{path.name}: {name}" for path in files for name in _runtime_imports(path) if not name.startswith(ALLOWED)
    }
    assert above == set()
