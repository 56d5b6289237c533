"""kiosk.store imports kiosk.core and sqlite-utils, never kivy (nor the sync client's requests)."""

from __future__ import annotations

import subprocess
import sys

from .helpers import PROJECT

BLOCKED = """
import sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'kivy', 'requests'}:
            raise ImportError(f'blocked import: {name}')
        return None

sys.meta_path.insert(0, Block())
import kiosk.store, kiosk.store.schema, kiosk.store.writer
print(sorted(name for name in sys.modules if name.startswith('kiosk.') and not name.startswith(('kiosk.core', 'kiosk.store'))))
"""


def test_store_imports_without_kivy():
    result = subprocess.run([sys.executable, "-c", BLOCKED], cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"  # nothing of ours beyond core and store
