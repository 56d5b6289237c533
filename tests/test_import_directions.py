"""Imports run one way (DESIGN §2): kiosk.ui -> kiosk.core, kiosk.store, sync; kiosk.store ->
kiosk.core; sync -> kiosk.core; central -> kiosk.core, kiosk.export, sync.protocol; nothing
imports central; the kiosk never imports FastAPI, uvicorn, Starlette or Jinja2."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import PROJECT

# What each part of ours may import of ours (by prefix); everything else of ours is refused.
ALLOWED = {
    "kiosk.core": ("kiosk.core",),
    "kiosk.store": ("kiosk.core", "kiosk.store"),
    "kiosk.export": ("kiosk.core", "kiosk.export", "kiosk.store"),
    "kiosk.ui": ("kiosk", "kiosk.core", "kiosk.store", "kiosk.ui", "sync"),
    "sync": ("kiosk.core", "sync"),
    "central": ("kiosk.core", "kiosk.export", "sync.protocol", "central"),
}
OURS = ("kiosk", "sync", "central")
WEB = {"fastapi", "uvicorn", "starlette", "jinja2"}


def imports_of(path: Path, package: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's own package
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                names.append(".".join(base + ([node.module] if node.module else [])))
            else:
                names.append(node.module)
    return names


def modules():
    for top in OURS:
        for path in sorted((PROJECT / top).rglob("*.py")):
            parts = path.relative_to(PROJECT).with_suffix("").parts
            package = ".".join(parts[:-1]) if parts[-1] != "__init__" else ".".join(parts[:-1])
            yield ".".join(p for p in parts if p != "__init__"), package, path


def part_of(module: str) -> str | None:
    for part in sorted(ALLOWED, key=len, reverse=True):
        if module == part or module.startswith(part + "."):
            return part
    return None


def test_every_import_of_ours_goes_the_allowed_way():
    wrong = []
    for module, package, path in modules():
        part = part_of(module)
        for name in imports_of(path, package):
            if name.split(".")[0] not in OURS:
                continue
            if part is None:  # kiosk.cli, kiosk.simulate, the commands: entry points, may use the kiosk's parts
                if name.startswith("central"):
                    wrong.append(f"{module} imports {name}")
                continue
            if not any(name == allowed or name.startswith(allowed + ".") for allowed in ALLOWED[part]):
                wrong.append(f"{module} imports {name}")
    assert not wrong, "imports against the one-way rule:\n" + "\n".join(wrong)


def test_the_scan_sees_real_imports():
    # The rule above is only worth something if the scan finds imports at all.
    found = {name for module, package, path in modules() if module == "sync.client"
             for name in imports_of(path, package)}
    assert "sync.protocol" in found and "kiosk.core.clock" in found


def test_kiosk_and_sync_never_import_the_web_stack():
    wrong = [f"{module} imports {name}" for module, package, path in modules()
             if not module.startswith("central") for name in imports_of(path, package)
             if name.split(".")[0] in WEB]
    assert not wrong, "\n".join(wrong)


BLOCKED = """
import sys, importlib, pkgutil

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'fastapi', 'uvicorn', 'starlette', 'jinja2', 'central'}:
            raise ImportError(f'blocked import: {name}')
        return None

sys.meta_path.insert(0, Block())
import kiosk.cli, kiosk.sync_command, sync.client, sync.protocol, kiosk.store
for info in pkgutil.walk_packages(kiosk.store.__path__, 'kiosk.store.'):
    importlib.import_module(info.name)
kiosk.cli.build_parser()
print('ok')
"""


def test_the_kiosk_and_its_sync_run_with_the_web_stack_missing():
    result = subprocess.run([sys.executable, "-c", BLOCKED], cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
