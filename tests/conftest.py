"""Shared fixtures: the project root, a copy of the shipped content, the CLI as a subprocess."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project_root() -> Path:
    return PROJECT


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A writable copy of the shipped content root."""
    root = tmp_path / "content"
    root.mkdir()
    for name in ("exhibits", "media"):
        shutil.copytree(PROJECT / name, root / name)
    for name in ("events.toml", "themes.toml"):
        if (PROJECT / name).exists():
            shutil.copy(PROJECT / name, root / name)
    return root


def run_kiosk(*args: str, cwd: Path = PROJECT, timeout: float = 60) -> subprocess.CompletedProcess:
    """The real `kiosk` command line in a fresh interpreter."""
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)
