"""config.toml: defaults work, paths resolve, wrong keys and types are named."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import as_nobody, run_kiosk

from kiosk.core.config import load_config
from kiosk.core.errors import ConfigError


def test_shipped_config_loads_with_standalone_defaults(project_root):
    config = load_config(project_root / "config.toml")
    assert config.standalone
    assert config.kiosk.default_language == "de"
    assert config.kiosk.idle_timeout_s == 60
    assert config.phone.handoff_valid_minutes == 120
    assert config.content.root == project_root
    assert config.store.path == project_root / "var" / "kiosk.sqlite3"


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    (tmp_path / "etc").mkdir()
    path = tmp_path / "etc" / "k.toml"
    path.write_text('[content]\nroot = "../content"\n[store]\npath = "db/k.sqlite3"\n', encoding="utf-8")
    config = load_config(path)
    assert config.content.root.resolve() == (tmp_path / "content").resolve()
    assert config.store.path == tmp_path / "etc" / "db" / "k.sqlite3"


@pytest.mark.parametrize("text, named", [
    ('[kiosk]\nidel_timeout_s = 30\n', "[kiosk] idel_timeout_s: unknown key"),
    ('[kiosk]\nidle_timeout_s = "60"\n', "[kiosk] idle_timeout_s"),
    ('[kiosk]\ndefault_language = "fr"\n', "[kiosk] default_language: must be one of de, en, ls"),
    ('[kiosk]\nfullscreen = "yes"\n', "[kiosk] fullscreen"),
    ('[sink]\ncentral_url = ""\n', "sink: unknown key"),
    ('[kiosk\n', "TOML syntax error"),
    ('[kiosk]\nidle_timeout_s = true\n', "[kiosk] idle_timeout_s: must be a whole number, got True"),
    ('[kiosk]\nidle_timeout_s = 5\n', "[kiosk] idle_timeout_s: must be between 10 and 3600, got 5"),
    ('[kiosk]\nid = "Kiosk 1"\n', "[kiosk] id: must be lowercase letters, digits and hyphens"),
    ('[phone]\npublic_url = "ftp://x"\n', "[phone] public_url: must be a web address"),
    ('[phone]\nhandoff_valid_minutes = 2\n', "[phone] handoff_valid_minutes: must be between 5 and 1440, got 2"),
    ('[phone]\nhandoff_valid_minutes = 1.5\n', "[phone] handoff_valid_minutes: must be a whole number"),
    ('[store]\npath = 3\n', "[store] path: must be a path in quotes, got 3"),
    ('kiosk = 1\n', "kiosk: must be a section [kiosk], got 1"),
])
def test_bad_config_names_the_key(tmp_path, text, named):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert named in str(caught.value)
    assert str(path) in str(caught.value)


def test_every_problem_is_named_at_once(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[kiosk]\nidle_timeout_s = 5\nfullscreen = 1\n[sync]\ninterval_s = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).count(str(path)) == 3


# --- hostile config files: each fault a ConfigError in its own words, never a traceback or a hang --

def config_error(path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    return str(caught.value)


def test_a_folder_as_config_is_named(tmp_path):
    assert "the config file is a folder, not an ordinary file" in config_error(tmp_path)


def test_a_device_as_config_is_named_and_not_read(tmp_path):
    path = tmp_path / "config.toml"
    path.symlink_to("/dev/zero")  # before: read until memory ran out
    assert "the config file is a character device, not an ordinary file" in config_error(path)


def test_a_fifo_as_config_is_refused_without_waiting(tmp_path):
    path = tmp_path / "config.toml"
    os.mkfifo(path)
    # Before: open() waited for a writer forever; the timeout turns a regression into a failure.
    result = run_kiosk("validate", "--config", str(path), timeout=30)
    assert result.returncode == 2
    assert "the config file is a named pipe (FIFO), not an ordinary file" in result.stderr


@pytest.mark.parametrize("text, named", [
    ("# " + "x" * 70_000 + "\n", "over the limit of 64 KiB"),
    ("[kiosk]\nname = " + "[" * 10_000 + "]" * 10_000 + "\n", "nested too deeply"),
    ("[kiosk]\nidle_timeout_s = " + "1" * 5000 + "\n", "a number is too long to read"),
    ('[content]\nroot = "in\\u0000halt"\n', "[content] root: must be a path without control characters"),
    ("[kiosk]\nname = " + "[" * 300 + "]" * 300 + "\n", "[kiosk] name: must be text in quotes, got [[[["),
])
def test_hostile_config_text_is_named(tmp_path, text, named):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    message = config_error(path)
    assert named in message
    assert len(message) < 500


def test_config_not_utf8_is_named_with_its_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes('[kiosk]\nname = "Kiosk Möhnesee"\n'.encode("latin-1"))
    assert f"{path}:2: the config file is not UTF-8 text (byte 0xf6)" in config_error(path)


def test_config_with_a_byte_order_mark_loads(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf[kiosk]\nidle_timeout_s = 30\n")
    assert load_config(path).kiosk.idle_timeout_s == 30


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to uid 65534")
def test_an_unreadable_config_is_a_permission_problem():
    base = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        path = base / "config.toml"
        path.write_text("[kiosk]\n", encoding="utf-8")
        base.chmod(0o755)
        path.chmod(0)
        message = as_nobody(lambda: load_config(path))
        # Before: "cannot read config ([Errno 13] ...); save it as UTF-8 text".
        assert "cannot read the config file: permission denied" in message and "UTF-8" not in message
    finally:
        shutil.rmtree(base)
