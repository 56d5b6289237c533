"""kiosk.core is pure Python: it must import and work with kivy, requests and sqlite3 unavailable."""

import subprocess
import sys

BLOCKER = """
import sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'kivy', 'requests', 'sqlite3', '_sqlite3'}:
            raise ImportError(f'blocked import: {name}')
        return None

sys.meta_path.insert(0, Block())
import pkgutil, importlib, kiosk.core
names = [m.name for m in pkgutil.walk_packages(kiosk.core.__path__, 'kiosk.core.')]
for name in names:
    importlib.import_module(name)
from kiosk.core.content_loader import load_content
content = load_content('.')
assert content.exhibits, 'no exhibit loaded'
print(len(names), 'modules', len(content.exhibits), 'exhibits')
"""


def test_core_imports_with_kivy_requests_and_sqlite_blocked(project_root):
    result = subprocess.run([sys.executable, "-c", BLOCKER], cwd=project_root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "modules" in result.stdout


def test_blocker_really_blocks(project_root):
    code = BLOCKER.replace("import pkgutil", "import kivy\nimport pkgutil")
    result = subprocess.run([sys.executable, "-c", code], cwd=project_root, capture_output=True, text=True)
    assert result.returncode != 0
    assert "blocked import: kivy" in result.stderr


FIRST_FRAME = """
import os, sys, tempfile
from pathlib import Path
os.environ["SDL_VIDEODRIVER"] = "offscreen"
import kiosk.cli
from kiosk.core.config import load_config
from kiosk.ui import prepare_kivy
prepare_kivy(Path(tempfile.mkdtemp()), fullscreen=False)
load_config("config.toml")
import kiosk.ui.app, kiosk.ui.run, kiosk.ui.screens.attract
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {"pydantic", "pydantic_core", "markdown_it", "qrcode"}
                or m in {"kiosk.core.content_model", "kiosk.core.content_loader", "kiosk.store"})
print("LOADED", loaded)
"""


def test_the_first_frame_needs_neither_pydantic_nor_the_content_model(project_root):
    # What `kiosk run` imports before its first frame. Pydantic and the content model cost
    # about a tenth of a second and are loaded after it, with the content, in the background.
    result = subprocess.run([sys.executable, "-c", FIRST_FRAME], cwd=project_root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "LOADED []" in result.stdout, result.stdout
