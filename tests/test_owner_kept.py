"""Files a command rewrites keep their owner and mode: `kiosk set-pin` run as root on the kiosk
user's config, and an export replacing an earlier one. Permission problems are named as such."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from conftest import NOBODY, PROJECT, as_nobody

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="giving files to another user needs root")


def kiosk(*args, stdin="", user=None):
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], cwd=PROJECT, input=stdin, capture_output=True,
                          text=True, timeout=120, user=user, group=user)


def owned_by_nobody(path, mode):
    os.chown(path, NOBODY, NOBODY)
    os.chmod(path, mode)


def test_set_pin_as_root_keeps_the_kiosk_users_config(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[kiosk]\nid = "k1"\n# Kommentar\n', encoding="utf-8")
    owned_by_nobody(config, 0o640)
    result = kiosk("set-pin", "--config", str(config), "--pin-stdin", stdin="2468\n")
    assert result.returncode == 0, result.stderr
    info = os.stat(config)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (NOBODY, NOBODY, 0o640)
    assert "pin_hash" in config.read_text(encoding="utf-8")


def test_set_pin_on_a_config_the_user_may_not_write_is_a_permission_problem(tmp_path):
    tmp_path.chmod(0o755)
    config = tmp_path / "config.toml"
    config.write_text('[kiosk]\nid = "k1"\n', encoding="utf-8")
    os.chmod(config, 0o644)  # root's, readable by all: nobody may read it but not write it
    before = config.read_bytes()
    from kiosk.core.staff_pin import hash_pin, write_pin_hash

    message = as_nobody(lambda: write_pin_hash(config, hash_pin("2468")))
    assert "no permission" in message and "UTF-8" not in message
    assert config.read_bytes() == before


def test_set_pin_on_an_unreadable_config_says_permission_not_encoding(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[kiosk]\nid = "k1"\n', encoding="utf-8")
    os.chmod(config, 0o600)
    from kiosk.core.staff_pin import hash_pin, write_pin_hash

    message = as_nobody(lambda: write_pin_hash(config, hash_pin("2468")))
    assert "no permission to read" in message and "UTF-8" not in message


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_an_export_replacing_a_file_keeps_its_owner_and_mode(tmp_path, fmt):
    from kiosk.core.records import Kind, Record
    from kiosk.export import export_records, summary_path

    record = Record(id="00000000-0000-0000-0000-000000000001", kiosk_id="k1", store_id="s1", seq=1, boot_id="b",
                    session_id="s",
                    kind=Kind.VIEW, exhibit_id="x", poll_id=None, question_version=None, content_version="c",
                    payload={"dwell_s": 1.0, "layer": "de"}, flags=(), created_at="2026-03-10T10:00:00.000000Z")
    out = tmp_path / f"results.{fmt}"
    finals = [out, summary_path(out)] if fmt == "csv" else [out]
    for final in finals:
        final.write_text("old")
        owned_by_nobody(final, 0o664)
    export_records([record], out, fmt)
    for final in finals:
        info = os.stat(final)
        assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (NOBODY, NOBODY, 0o664)
        assert final.read_bytes() != b"old"
