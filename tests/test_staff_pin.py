"""The staff PIN: scrypt hashes, the lockout at the prompt, and writing the hash into config.toml."""

import os
import shutil
import stat
import tomllib
from pathlib import Path

import pytest

from kiosk.core.config import load_config
from kiosk.core.errors import ConfigError, KioskError
from kiosk.core.staff_pin import (PinFormatError, PinGate, PinHashError, PinResult, hash_pin, verify_pin,
                                  write_pin_hash)

PROJECT = Path(__file__).resolve().parent.parent
PIN = "4711"
HASH = hash_pin(PIN)  # one hash for the module: scrypt is deliberately slow


class FakeClock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_hash_has_the_documented_format():
    scheme, n, r, p, salt, digest = HASH.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(salt) == 24 and len(digest) == 44  # base64 of 16 and 32 bytes


def test_round_trip_and_wrong_pin():
    assert verify_pin(PIN, HASH)
    assert not verify_pin("4712", HASH)
    assert not verify_pin("47110", HASH)


def test_same_pin_hashes_differently_because_of_the_salt():
    other = hash_pin(PIN)
    assert other != HASH
    assert verify_pin(PIN, other)


def test_eight_digit_pin_works():
    stored = hash_pin("12345678")
    assert verify_pin("12345678", stored)


@pytest.mark.parametrize("pin", ["", "123", "123456789", "12a4", " 1234", "1234\n", "١٢٣٤", "12.34"])
def test_bad_new_pins_are_refused(pin):
    with pytest.raises(PinFormatError, match="4 to 8 digits"):
        hash_pin(pin)


def test_pin_errors_are_kiosk_errors():
    assert issubclass(PinFormatError, KioskError)
    assert issubclass(PinHashError, KioskError)


def test_a_pin_that_cannot_be_valid_is_just_wrong():
    assert not verify_pin("abcd", HASH)
    assert not verify_pin("", HASH)


@pytest.mark.parametrize("stored, what", [
    ("", "empty"),
    ("scrypt$16384$8$1$abc", "5 \\$-separated fields"),
    ("bcrypt$16384$8$1$" + HASH.split("$", 4)[4], "expected 'scrypt'"),
    ("scrypt$lots$8$1$" + HASH.split("$", 4)[4], "not whole numbers"),
    ("scrypt$1000$8$1$" + HASH.split("$", 4)[4], "out of range"),
    ("scrypt$16384$8$1$!!!$???", "not valid base64"),
    ("scrypt$16384$8$1$$" + HASH.split("$")[5], "too short"),
])
def test_malformed_stored_hash_names_the_problem_and_the_fix(stored, what):
    with pytest.raises(PinHashError, match=what) as raised:
        verify_pin(PIN, stored)
    assert "kiosk set-pin" in str(raised.value)


def test_gate_refuses_a_malformed_hash_at_construction():
    with pytest.raises(PinHashError, match="kiosk set-pin"):
        PinGate("scrypt$oops")


def test_gate_without_a_hash_is_not_set():
    gate = PinGate("", clock=FakeClock())
    assert gate.attempt(PIN) is PinResult.NOT_SET
    assert gate.locked_for == 0


def test_lockout_sequence():
    clock = FakeClock()
    gate = PinGate(HASH, clock=clock)
    assert gate.attempts_left == 5
    for left in (4, 3, 2, 1):
        assert gate.attempt("0000") is PinResult.WRONG
        assert gate.attempts_left == left
    assert gate.attempt("0000") is PinResult.LOCKED  # the fifth wrong PIN locks at once
    assert gate.locked_for == 300.0
    assert gate.attempts_left == 0

    clock.advance(100)
    assert gate.attempt(PIN) is PinResult.LOCKED  # even the right PIN is not checked
    assert gate.attempt("0000") is PinResult.LOCKED
    assert gate.locked_for == 200.0  # attempts while locked do not extend the lock

    clock.advance(199.5)
    assert gate.attempt(PIN) is PinResult.LOCKED
    clock.advance(0.5)
    assert gate.locked_for == 0
    assert gate.attempts_left == 5  # the expired lock counts fresh
    assert gate.attempt(PIN) is PinResult.OK


def test_after_lockout_wrong_attempts_count_from_zero():
    clock = FakeClock()
    gate = PinGate(HASH, clock=clock, max_attempts=2, lockout_s=60)
    gate.attempt("0000")
    assert gate.attempt("0000") is PinResult.LOCKED
    clock.advance(60)
    assert gate.attempt("0000") is PinResult.WRONG
    assert gate.attempts_left == 1


def test_correct_pin_resets_the_count():
    gate = PinGate(HASH, clock=FakeClock())
    for _ in range(4):
        assert gate.attempt("9999") is PinResult.WRONG
    assert gate.attempt(PIN) is PinResult.OK
    assert gate.attempts_left == 5
    for _ in range(4):
        assert gate.attempt("9999") is PinResult.WRONG
    assert gate.attempt(PIN) is PinResult.OK


# --- write_pin_hash ---------------------------------------------------------------------------

def _config_copy(tmp_path) -> Path:
    path = tmp_path / "config.toml"
    shutil.copy(PROJECT / "config.toml", path)
    return path


def test_write_into_the_shipped_config_keeps_every_other_line(tmp_path):
    path = _config_copy(tmp_path)
    before = path.read_text(encoding="utf-8").splitlines()
    write_pin_hash(path, HASH)
    after = path.read_text(encoding="utf-8").splitlines()

    assert len(after) == len(before)
    changed = [i for i, (old, new) in enumerate(zip(before, after)) if old != new]
    assert len(changed) == 1
    line = after[changed[0]]
    assert line.startswith(f'pin_hash = "{HASH}"')
    old_comment = before[changed[0]][before[changed[0]].index("#"):]
    assert line.endswith(old_comment)  # the explaining comment stays

    assert tomllib.loads(path.read_text(encoding="utf-8"))["staff"]["pin_hash"] == HASH
    config = load_config(path)
    assert config.staff.pin_hash == HASH
    assert verify_pin(PIN, config.staff.pin_hash)


def test_write_replaces_an_existing_value(tmp_path):
    path = _config_copy(tmp_path)
    write_pin_hash(path, HASH)
    second = hash_pin("8642")
    write_pin_hash(path, second)
    text = path.read_text(encoding="utf-8")
    assert HASH not in text
    assert text.count("pin_hash =") == 1
    assert load_config(path).staff.pin_hash == second


def test_write_keeps_a_comment_after_a_value_containing_hash_signs(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[staff]\npin_hash = "old#value"  # keep me\n\n[phone]\n', encoding="utf-8")
    write_pin_hash(path, HASH)
    assert path.read_text(encoding="utf-8") == f'[staff]\npin_hash = "{HASH}"  # keep me\n\n[phone]\n'


def test_write_appends_a_staff_section_when_missing(tmp_path):
    path = tmp_path / "config.toml"
    original = '# a kiosk\n[kiosk]\nid = "kiosk-07"   # second floor\n'
    path.write_text(original, encoding="utf-8")
    write_pin_hash(path, HASH)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(original)
    assert text.endswith(f'\n[staff]\npin_hash = "{HASH}"\n')
    config = load_config(path)
    assert (config.kiosk.id, config.staff.pin_hash) == ("kiosk-07", HASH)


def test_write_appends_to_a_file_without_final_newline(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[kiosk]\nid = "kiosk-08"', encoding="utf-8")
    write_pin_hash(path, HASH)
    assert load_config(path).staff.pin_hash == HASH


def test_write_adds_the_key_to_a_staff_section_without_it(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[staff]\n# the PIN goes here\n\n# next: the phone pages\n[phone]\n'
                    'public_url = "https://x.example"\n', encoding="utf-8")
    write_pin_hash(path, HASH)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["[staff]", f'pin_hash = "{HASH}"']
    assert lines[2:] == ["# the PIN goes here", "", "# next: the phone pages", "[phone]",
                         'public_url = "https://x.example"']
    assert load_config(path).phone.public_url == "https://x.example"


def test_write_keeps_windows_line_endings(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b'[kiosk]\r\nid = "kiosk-09"\r\n\r\n[staff]\r\npin_hash = ""\r\n')
    write_pin_hash(path, HASH)
    assert path.read_bytes() == f'[kiosk]\r\nid = "kiosk-09"\r\n\r\n[staff]\r\npin_hash = "{HASH}"\r\n'.encode()


def test_write_leaves_no_temp_files_and_keeps_permissions(tmp_path):
    path = _config_copy(tmp_path)
    path.chmod(0o640)
    write_pin_hash(path, HASH)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]
    assert path.stat().st_mode & 0o777 == 0o640


def test_write_refuses_a_broken_file_and_leaves_it_alone(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[staff\npin_hash = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="TOML syntax error"):
        write_pin_hash(path, HASH)
    assert path.read_text(encoding="utf-8") == "[staff\npin_hash = \n"


def test_write_to_a_missing_file_says_which(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        write_pin_hash(tmp_path / "nope.toml", HASH)


def test_write_refuses_what_it_cannot_edit_safely(tmp_path):
    # An inline table cannot take a new [staff] section; the admin must edit by hand.
    path = tmp_path / "config.toml"
    path.write_text('staff = { pin_hash = "" }\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="by hand"):
        write_pin_hash(path, HASH)
    assert path.read_text(encoding="utf-8") == 'staff = { pin_hash = "" }\n'


def test_write_keeps_a_byte_order_mark(tmp_path):
    # Notepad saves UTF-8 with a BOM; the kiosk reads such a config, so set-pin must edit it too.
    path = tmp_path / "config.toml"
    path.write_bytes(b'\xef\xbb\xbf[staff]\npin_hash = ""\n')
    write_pin_hash(path, HASH)
    assert path.read_bytes() == b'\xef\xbb\xbf[staff]\npin_hash = "' + HASH.encode() + b'"\n'
    assert load_config(path).staff.pin_hash == HASH


def test_write_refuses_a_named_pipe_without_waiting_for_it(tmp_path):
    # Reading a FIFO waits for a writer that never comes: set-pin must refuse it, not hang.
    path = tmp_path / "config.toml"
    os.mkfifo(path)
    with pytest.raises(ConfigError, match="named pipe"):
        write_pin_hash(path, HASH)
    assert stat.S_ISFIFO(os.stat(path).st_mode)


def test_write_refuses_a_config_nested_too_deeply(tmp_path):
    path = tmp_path / "config.toml"
    text = "x = " + "[" * 5000 + "]" * 5000 + "\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot be read as TOML"):
        write_pin_hash(path, HASH)
    assert path.read_text(encoding="utf-8") == text
