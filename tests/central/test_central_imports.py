"""central imports kiosk.core, kiosk.export and sync.protocol, nothing else of the project."""

from __future__ import annotations

import ast

from central_server import PROJECT

ALLOWED = ("kiosk.core", "kiosk.export", "sync.protocol")


def project_imports(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_central_imports_only_what_the_design_allows():
    wrong = []
    for path in sorted((PROJECT / "central").rglob("*.py")):
        for name in project_imports(path):
            top = name.split(".")[0]
            if top in ("kiosk", "sync") and not any(name == a or name.startswith(a + ".") for a in ALLOWED):
                wrong.append(f"{path.relative_to(PROJECT)}: {name}")
    assert wrong == []


def test_nothing_imports_central():
    wrong = []
    for package in ("kiosk", "sync"):
        for path in sorted((PROJECT / package).rglob("*.py")):
            wrong += [f"{path.relative_to(PROJECT)}: {name}" for name in project_imports(path)
                      if name.split(".")[0] == "central"]
    assert wrong == []
