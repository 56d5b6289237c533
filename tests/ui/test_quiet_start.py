"""What an operator sees on the terminal when the kiosk starts: no tracebacks from Kivy's probes."""

import os
import subprocess
import sys

import pytest

from conftest import PROJECT

pytestmark = pytest.mark.ui

# The screens import TextInput, which makes Kivy pick a clipboard and a cut buffer. Without
# xclip or xsel (a kiosk has no need of them) Kivy logged tracebacks an operator takes for a crash.
PROBE = """
import sys
from pathlib import Path
from kiosk.ui import prepare_kivy
prepare_kivy(Path(sys.argv[1]), fullscreen=False, size=(640, 480))
from kivy.uix.textinput import TextInput
from kivy.core.clipboard import Clipboard
print(type(Clipboard).__name__)
"""


def test_kivy_start_prints_no_traceback_and_keeps_no_clipboard(tmp_path):
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIOSK_KIVY_LOG_LEVEL": "warning",
           "PATH": "/usr/bin:/bin"}  # as on a kiosk: no xclip, no xsel
    env.pop("KIVY_CLIPBOARD", None)
    done = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "kivy")], capture_output=True, text=True,
                          env=env, cwd=PROJECT, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and 'File "' not in done.stderr, done.stderr[-2000:]
    assert "Unable to find" not in done.stderr
    # A visitor's copied text must not wait in a clipboard for the next visitor.
    assert done.stdout.strip() == "ClipboardDummy"
