"""central.toml: defaults, relative paths, and errors naming the key (exit 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from central.config import Settings, load_settings, proxy_list
from central.errors import SettingsError
from central_server import PROJECT


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "central.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_missing_default_file_means_the_defaults(tmp_path):
    settings = load_settings(tmp_path / "central.toml")
    assert settings.db == tmp_path / "central.sqlite3" and settings.max_concurrent_pushes == 8
    assert settings.path is None


def test_relative_paths_are_taken_from_the_files_folder(tmp_path):
    path = write(tmp_path, '[central]\ndb = "data/c.sqlite3"\ncontent_root = "../content"\n'
                           'max_concurrent_pushes = 3\npublic_url = "https://stadtlabor.soest.de"\n')
    settings = load_settings(path)
    assert settings.db == tmp_path / "data" / "c.sqlite3"
    assert settings.content_root == tmp_path / ".." / "content"
    assert settings.max_concurrent_pushes == 3 and settings.path == path.resolve()


def test_trusted_proxies_are_the_proxy_on_this_machine_unless_set():
    assert Settings().trusted_proxies == "127.0.0.1" and proxy_list(Settings().trusted_proxies) == ["127.0.0.1"]
    assert proxy_list("10.0.0.7/24, ::1,") == ["10.0.0.0/24", "::1"] and proxy_list("") == []


def test_the_shipped_example_is_valid():
    settings = load_settings(PROJECT / "central" / "central.example.toml", must_exist=True)
    assert settings.db.name == "central.sqlite3" and settings.max_concurrent_pushes == Settings().max_concurrent_pushes


@pytest.mark.parametrize("text, named", [
    ('[central]\ndatabase = "x"\n', "[central] database: unknown key"),
    ('[centre]\ndb = "x"\n', "centre: unknown key"),
    ('central = 1\n', "central: must be a section"),
    ('[central]\ndb = 5\n', "[central] db: must be text in quotes"),
    ('[central]\nmax_concurrent_pushes = "8"\n', "[central] max_concurrent_pushes: must be a whole number"),
    ('[central]\nmax_concurrent_pushes = true\n', "[central] max_concurrent_pushes: must be a whole number"),
    ('[central]\nmax_concurrent_pushes = 0\n', "[central] max_concurrent_pushes: must be between 1 and 1000"),
    ('[central]\nretry_after_s = 600\n', "[central] retry_after_s: must be between"),
    ('[central]\npublic_url = "stadtlabor.de"\n', "[central] public_url: must be a web address"),
    ('[central]\ntrusted_proxies = "localhost"\n', "[central] trusted_proxies: must be addresses or networks"),
    ('[central]\ntrusted_proxies = "127.0.0.1, 999.0.0.1"\n', "[central] trusted_proxies: '999.0.0.1' is not an"),
    ('[central]\ntrusted_proxies = ["127.0.0.1"]\n', "[central] trusted_proxies: must be text"),
    ('[central\n', "TOML syntax error"),
])
def test_wrong_settings_name_the_key(tmp_path, text, named):
    path = write(tmp_path, text)
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert named in str(caught.value) and str(path) in str(caught.value)
    done = subprocess.run([sys.executable, "-m", "central.cli", "list-kiosks", "--config", str(path)],
                          cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and named in done.stderr and "Traceback" not in done.stderr


def test_a_settings_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "central.toml"
    path.write_bytes(b'[central]\ndb = "\xff"\n')
    with pytest.raises(SettingsError, match="UTF-8"):
        load_settings(path)


def test_a_named_pipe_or_a_folder_as_settings_is_named_not_waited_on(tmp_path):
    import os

    fifo = tmp_path / "central.toml"
    os.mkfifo(fifo)
    for target, words in ((fifo, "named pipe"), (tmp_path, "folder")):
        done = subprocess.run([sys.executable, "-m", "central.cli", "list-kiosks", "--config", str(target)],
                              cwd=PROJECT, capture_output=True, text=True, timeout=30)
        assert done.returncode == 2, done.stderr
        assert words in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_db_is_a_sqlite_path_or_a_postgresql_url_and_nothing_else(tmp_path):
    url = "postgresql://central:secret@db.example:5432/central"
    assert load_settings(write(tmp_path, f'[central]\ndb = "{url}"\n')).db == url
    assert load_settings(write(tmp_path, '[central]\ndb = "data/c.sqlite3"\n')).db == tmp_path / "data" / "c.sqlite3"
    with pytest.raises(SettingsError, match=r"\[central\] db: 'mysql://' is no database the central runs on"):
        load_settings(write(tmp_path, '[central]\ndb = "mysql://x@y/z"\n'))
