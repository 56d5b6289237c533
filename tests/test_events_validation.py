"""events.toml: each fault is reported on its line, and one bad event never hides the good ones.

Every test writes its own events.toml into a content root with the shipped themes and the shipped,
known-good StadtLABOR exhibit; times without an offset are local Soest time (Europe/Berlin).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.core.content_loader import load_content

PROJECT = Path(__file__).resolve().parent.parent


def event(id="werkstatt", start="2026-12-03T17:00:00", end="2026-12-03T19:30:00", extra="",
          title_de='de = "Programmwerkstatt"\n') -> str:
    """One [[events]] table as an editor writes it; start and end are TOML values (not quoted)."""
    return (f'[[events]]\nid = "{id}"\nstart = {start}\nend = {end}\n{extra}'
            f'[events.title]\n{title_de}en = "Programme workshop"\nls = "Wir planen zusammen."\n'
            '[events.place]\nde = "StadtLABOR, Soest"\n'
            '[events.description]\nde = "Gemeinsam planen wir das nächste Jahr."\n\n')


def validate(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "validate", "--content", str(root)],
                          capture_output=True, text=True, timeout=60, cwd=root)


def line_number(text: str, needle: str, nth: int = 1) -> int:
    return [i for i, line in enumerate(text.split("\n"), 1) if needle in line][nth - 1]


def reported(output: str, prefix: str, message: str) -> bool:
    return any(line.startswith(prefix) and message in line for line in output.splitlines())


def last_line(result: subprocess.CompletedProcess) -> str:
    return result.stdout.splitlines()[-1]


@pytest.fixture(scope="session")
def base_root(tmp_path_factory) -> Path:
    """Themes and one exhibit from the shipped content, no events.toml."""
    root = tmp_path_factory.mktemp("events-base") / "content"
    root.mkdir()
    shutil.copy(PROJECT / "themes.toml", root / "themes.toml")
    shutil.copytree(PROJECT / "exhibits" / "stadtlabor", root / "exhibits" / "stadtlabor")
    shutil.copytree(PROJECT / "media" / "stadtlabor", root / "media" / "stadtlabor")
    return root


@pytest.fixture(scope="session")
def base_count(base_root) -> int:
    """Valid items (the exhibit and the themes) without any events; nothing there is invalid."""
    content = load_content(base_root)
    assert content.invalid_count == 0, [str(p) for p in content.errors()]
    return content.valid_count


@pytest.fixture
def events_root(tmp_path, base_root):
    """write(text) -> a fresh content root whose events.toml is text."""
    def write(text: str) -> Path:
        root = tmp_path / "content"
        shutil.copytree(base_root, root)
        (root / "events.toml").write_text(text, encoding="utf-8")
        return root
    return write


def test_good_events_are_valid(events_root, base_count):
    root = events_root(event() + event(id="sprechstunde", start="2027-01-14T10:00:00", end="2027-01-14T12:00:00"))
    result = validate(root)
    assert result.returncode == 0, result.stdout
    assert last_line(result) == f"{base_count + 2} valid, 0 invalid"
    assert result.stderr == ""
    assert [e.id for e in load_content(root).events] == ["werkstatt", "sprechstunde"]


def test_end_before_start(events_root, base_count):
    text = event(end="2026-12-03T16:00:00")
    result = validate(events_root(text))
    assert result.returncode == 1
    assert reported(result.stdout, f"events.toml:{line_number(text, 'end =')}: events[0].end: ",
                    "is not after start"), result.stdout
    assert last_line(result) == f"{base_count} valid, 1 invalid"


def test_date_without_time(events_root, base_count):
    text = event(start="2026-12-03")
    result = validate(events_root(text))
    assert result.returncode == 1
    assert reported(result.stdout, f"events.toml:{line_number(text, 'start =')}: events[0].start: ",
                    "2026-12-03 has no time; write date and time"), result.stdout
    assert last_line(result) == f"{base_count} valid, 1 invalid"


def test_quoted_datetime(events_root, base_count):
    text = event(start='"2026-12-03T17:00:00"')
    result = validate(events_root(text))
    assert result.returncode == 1
    assert reported(result.stdout, f"events.toml:{line_number(text, 'start =')}: events[0].start: ",
                    "'2026-12-03T17:00:00' is text, not a date and time; write it without quotes"), result.stdout
    assert last_line(result) == f"{base_count} valid, 1 invalid"


def test_quoted_datetime_hint_shows_a_date_and_time(events_root):
    text = event(start='"2026-12-03T17:00:00"')
    result = validate(events_root(text))
    problem = next(line for line in result.stdout.splitlines() if line.startswith("events.toml:"))
    assert re.search(r"e\.g\. \d{4}-\d\d-\d\dT\d\d:\d\d", problem), problem


def test_duplicate_event_id(events_root, base_count):
    text = event() + event(start="2026-12-04T17:00:00", end="2026-12-04T19:00:00")
    root = events_root(text)
    result = validate(root)
    assert result.returncode == 1
    assert reported(result.stdout, f"events.toml:{line_number(text, 'id = ', 2)}: events[1].id: ",
                    "duplicate event id 'werkstatt'"), result.stdout
    assert last_line(result) == f"{base_count + 1} valid, 1 invalid"
    events = load_content(root).events
    assert [(e.id, e.start.day) for e in events] == [("werkstatt", 3)]  # the first one stays


def test_bad_registration_url(events_root, base_count):
    text = event(extra='registration_url = "example.org/anmeldung"\n')
    result = validate(events_root(text))
    assert result.returncode == 1
    assert reported(result.stdout, f"events.toml:{line_number(text, 'registration_url')}: "
                    "events[0].registration_url: ", "write a full web address starting with https://"), result.stdout
    assert last_line(result) == f"{base_count} valid, 1 invalid"


def test_missing_german_title(events_root, base_count):
    text = event(title_de="")
    result = validate(events_root(text))
    assert result.returncode == 1
    assert reported(result.stdout, f"events.toml:{line_number(text, '[events.title]')}: events[0].title.de: ",
                    "German text missing"), result.stdout
    assert last_line(result) == f"{base_count} valid, 1 invalid"


def test_missing_german_title_hint_names_the_events_table(events_root):
    result = validate(events_root(event(title_de="")))
    assert "under [events.title]" in result.stdout, result.stdout


def test_toml_syntax_error_makes_the_whole_file_one_invalid(events_root, base_count):
    broken = event(id="zwei").replace("end = 2026-12-03T19:30:00", "end = 2026-12-03T19:30:00 Uhr")
    text = event() + broken + event(id="drei")
    root = events_root(text)
    result = validate(root)
    assert result.returncode == 1
    assert reported(result.stdout, f"events.toml:{line_number(text, ' Uhr')}: -: ", "TOML syntax error"), \
        result.stdout
    assert "events: 0 valid, 1 invalid" in result.stdout
    assert last_line(result) == f"{base_count} valid, 1 invalid"
    assert load_content(root).events == []


def test_one_broken_event_leaves_the_good_ones_valid(events_root, base_count):
    text = event(id="vorher") + event(id="kaputt", end="2026-12-03T10:00:00") + event(id="nachher")
    root = events_root(text)
    assert sorted(e.id for e in load_content(root).events) == ["nachher", "vorher"]
    result = validate(root)
    assert result.returncode == 1
    assert reported(result.stdout, f"events.toml:{line_number(text, 'end = 2026-12-03T10')}: events[1].end: ",
                    "is not after start"), result.stdout
    assert "events: 2 valid, 1 invalid" in result.stdout
    assert last_line(result) == f"{base_count + 2} valid, 1 invalid"


@pytest.mark.parametrize(("start", "offset_hours"), [
    ("2026-12-03T17:00:00", 1),   # winter: CET
    ("2027-06-10T17:00:00", 2),   # summer: CEST
], ids=["winter-cet", "summer-cest"])
def test_local_time_is_read_as_europe_berlin(events_root, start, offset_hours):
    end = start.replace("T17", "T19")
    (loaded,) = load_content(events_root(event(start=start, end=end))).events
    assert loaded.start.utcoffset() == dt.timedelta(hours=offset_hours)
    assert loaded.start.replace(tzinfo=None) == dt.datetime.fromisoformat(start)
    assert loaded.end.utcoffset() == dt.timedelta(hours=offset_hours)


def test_explicit_offset_is_kept_as_the_same_instant(events_root):
    (loaded,) = load_content(events_root(event(start="2026-12-03T16:00:00Z", end="2026-12-03T18:30:00Z"))).events
    assert loaded.start == dt.datetime(2026, 12, 3, 16, 0, tzinfo=dt.timezone.utc)
    assert loaded.start.utcoffset() == dt.timedelta(hours=1)  # shown as 17:00 Soest time
    assert loaded.start.hour == 17


# --- hostile events.toml and themes.toml: they cost their own items, never the exhibits ----------

def exhibits_still_valid(root: Path) -> None:
    content = load_content(root)
    assert [e.id for e in content.exhibits] == ["stadtlabor"]
    assert content.tallies["exhibits"].invalid == 0


@pytest.mark.parametrize("name", ["events.toml", "themes.toml"])
@pytest.mark.parametrize("nested", ["x = " + "[" * 10_000 + "]" * 10_000, "x = " + "{a = " * 3000 + "1" + "}" * 3000])
def test_deeply_nested_file_is_its_own_problem(events_root, name, nested):
    root = events_root(event())
    (root / name).write_text("# tief\n" + nested + "\n", encoding="utf-8")
    result = validate(root)
    # Before: a RecursionError traceback, and `kiosk run` showed no exhibit at all.
    assert "Traceback" not in result.stdout + result.stderr
    assert reported(result.stdout, f"{name}:2: -: ", "nested too deeply")
    assert re.fullmatch(r"\d+ valid, 1 invalid", last_line(result))
    assert result.returncode == 1
    exhibits_still_valid(root)


@pytest.mark.parametrize("start", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:59:00-01:00"])
def test_an_offset_at_the_edge_of_the_calendar_is_a_problem(events_root, base_count, start):
    text = event(id="rand", start=start, end=start) + event()
    root = events_root(text)
    result = validate(root)
    # Before: OverflowError from astimezone in a traceback.
    assert "Traceback" not in result.stdout + result.stderr
    assert reported(result.stdout, f"events.toml:{line_number(text, 'start =')}: events[0].start: ",
                    "too close to the edge of the calendar")
    assert last_line(result) == f"{base_count + 1} valid, 1 invalid"


def test_a_number_too_long_for_python_is_a_problem(events_root, base_count):
    text = event() + "x = " + "1" * 5000 + "\n"
    result = validate(events_root(text))
    assert "Traceback" not in result.stdout + result.stderr
    assert reported(result.stdout, f"events.toml:{text.count(chr(10))}: -: ", "a number is too long to read")
    assert last_line(result) == f"{base_count} valid, 1 invalid"


@pytest.mark.parametrize("name", ["events.toml", "themes.toml"])
def test_a_fifo_named_like_the_file_is_refused(events_root, name):
    root = events_root(event())
    (root / name).unlink()
    os.mkfifo(root / name)
    result = validate(root)  # before: waited forever for a writer (the timeout fails it)
    assert reported(result.stdout, f"{name}: -: ", f"{name} is a named pipe (FIFO), not an ordinary file")
    assert re.fullmatch(r"\d+ valid, 1 invalid", last_line(result))
    exhibits_still_valid(root)


def test_events_linked_from_outside_the_root_are_refused(tmp_path, events_root):
    root = events_root(event())
    outside = tmp_path / "elsewhere.toml"
    (root / "events.toml").rename(outside)
    (root / "events.toml").symlink_to(outside)
    result = validate(root)
    assert reported(result.stdout, "events.toml: -: ", "symbolic link leading outside the content folder")
    exhibits_still_valid(root)

