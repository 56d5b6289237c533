"""Any bytes in any one content file: the loader reports problems, never raises, never hangs.

A small valid content root (two exhibits, themes, events) is copied for each example and one
of its files is replaced: by arbitrary bytes, by TOML-like text, or by the valid file with a
few bytes changed, cut off or inserted (which reaches far deeper than random bytes do).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from kiosk.core.config import load_config
from kiosk.core.content_loader import load_content
from kiosk.core.errors import ConfigError

PROJECT = Path(__file__).resolve().parent.parent
TARGETS = ["exhibits/stadtlabor/exhibit.toml", "exhibits/stadtlabor/de.md", "exhibits/stadtlabor/en.md",
           "events.toml", "themes.toml", "media/stadtlabor/raum.png"]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _picture(kind: str) -> bytes:
    image = Image.new("RGB", (64, 40), (240, 240, 240))
    ImageDraw.Draw(image).ellipse((4, 4, 60, 36), fill=(20, 90, 160))
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return buffer.getvalue()


PICTURES = [_picture("PNG"), _picture("JPEG"), _picture("WEBP")]


@pytest.fixture(scope="module")
def base_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "content"
    for exhibit in ("stadtlabor", "open-data"):
        shutil.copytree(PROJECT / "exhibits" / exhibit, root / "exhibits" / exhibit)
        shutil.copytree(PROJECT / "media" / exhibit, root / "media" / exhibit)
    (root / "media" / "stadtlabor" / "raum.png").write_bytes(PICTURES[0])  # small: fast to decode
    for name in ("themes.toml", "events.toml"):
        shutil.copy(PROJECT / name, root / name)
    content = load_content(root)
    assert content.invalid_count == 0, [str(p) for p in content.errors()]
    return root


def _mutated(original: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    data = bytearray(original)
    for position, cut, insert in edits:
        at = position % (len(data) + 1)
        data[at:at + cut] = insert
    return bytes(data)


edits = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 8), st.binary(max_size=8)), min_size=1, max_size=4)
toml_like = st.text(alphabet="[]{}=\"'#\n ,.abcdeit0123456789-:TZ+_\\", max_size=400)


@st.composite
def hostile_value(draw) -> bytes:
    """A TOML line of the kinds that broke the loader: deep nesting, huge numbers, edge dates."""
    # Small and large on purpose: tomllib gives up somewhere past 300 levels, int() past 4300 digits.
    depth = draw(st.one_of(st.integers(1, 50), st.integers(400, 12_000)))
    opener, closer = draw(st.sampled_from([("[", "]"), ("{a = ", "}")]))
    value = draw(st.sampled_from([
        opener * depth + "1" * (opener == "{a = ") + closer * depth,
        "9" * draw(st.one_of(st.integers(1, 50), st.integers(4301, 6000))),
        draw(st.sampled_from(["0001-01-01T00:30:00+01:00", "9999-12-31T23:59:00-01:00", "0001-01-01"])),
    ]))
    return f"\nx = {value}\n".encode("utf-8")


@st.composite
def replacement(draw, targets=TARGETS):
    """(file to replace, its new bytes)."""
    target = draw(st.sampled_from(targets))
    kind = draw(st.sampled_from(["bytes", "toml-like", "mutated", "truncated", "hostile"]))
    if target.endswith(".png"):
        original = draw(st.sampled_from(PICTURES))
    else:
        original = (PROJECT / target).read_bytes()
    if kind == "bytes":
        return target, draw(st.binary(max_size=3000))
    if kind == "toml-like":
        return target, draw(toml_like).encode("utf-8")
    if kind == "truncated":
        return target, original[:draw(st.integers(0, len(original)))]
    if kind == "hostile":
        return target, original + draw(hostile_value())
    return target, _mutated(original, draw(edits))


def _check(content, target: str) -> None:
    tallies = content.tallies
    assert content.valid_count == len(content.exhibits) + len(content.events) + len(content.themes)
    assert tallies["exhibits"].valid + tallies["exhibits"].invalid == 2
    assert sorted([e.id for e in content.exhibits] + content.invalid_exhibits) == ["open-data", "stadtlabor"]
    for problem in content.problems:
        assert problem.path and not Path(problem.path).is_absolute(), str(problem)
        assert problem.message and "could not be checked" not in problem.message, str(problem)
    other_errors = [p for p in content.errors() if p.path.startswith("exhibits/open-data/")]
    if target == "themes.toml":
        # A themes.toml that parses but lacks the theme makes its exhibits' theme unknown: that is right.
        assert all("unknown theme" in p.message for p in other_errors), other_errors
    else:
        assert not other_errors, [str(p) for p in other_errors]
        assert "open-data" in [e.id for e in content.exhibits]
    if target == "events.toml":
        assert "stadtlabor" in [e.id for e in content.exhibits]


@FUZZ
@given(change=replacement())
def test_any_bytes_in_one_file_are_reported_never_raised(base_root, change):
    target, data = change
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        shutil.copytree(base_root, root)
        (root / target).write_bytes(data)
        _check(load_content(root), target)


@settings(max_examples=40, deadline=None)
@given(data=st.one_of(st.binary(max_size=2000), toml_like.map(lambda t: t.encode("utf-8")),
                      edits.map(lambda e: _mutated((PROJECT / "config.toml").read_bytes(), e)),
                      hostile_value().map(lambda line: b"[kiosk]" + line)))
def test_any_bytes_in_config_toml_are_a_config_error_or_a_config(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.toml"
        path.write_bytes(data)
        try:
            load_config(path)
        except ConfigError as error:
            assert str(path) in str(error)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(change=replacement())
def test_kiosk_validate_ends_with_its_summary_whatever_the_file_holds(base_root, change):
    target, data = change
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        shutil.copytree(base_root, root)
        (root / target).write_bytes(data)
        result = subprocess.run([sys.executable, "-m", "kiosk.cli", "validate", "--content", str(root)],
                                capture_output=True, text=True, timeout=60, cwd=root)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    assert re.fullmatch(r"\d+ valid, \d+ invalid", result.stdout.splitlines()[-1])
