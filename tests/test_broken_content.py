"""Broken exhibits are reported on the right file, line and field, and never hide the good ones.

Each folder in tests/broken_exhibits/ is one case: an overlay (exhibits/<folder>/..., media/...)
onto a content root holding the shipped, known-good StadtLABOR exhibit, plus expect.toml naming
the problem `kiosk validate` must print. Every case varies the valid exhibit in
broken_exhibits/_valid-base/ by one fault. Cases that need big or unreadable files are built in
code below instead of being stored.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
from PIL import Image

from kiosk.core.content_loader import LIMITS, load_content

PROJECT = Path(__file__).resolve().parent.parent
CASES_DIR = Path(__file__).resolve().parent / "broken_exhibits"
BASE_CASE = CASES_DIR / "_valid-base"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
EXPECT_KEYS = {"file", "line", "field", "message"}


def validate(root: Path, *args: str) -> subprocess.CompletedProcess:
    """The real command line in a fresh interpreter."""
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "validate", "--content", str(root), *args],
                          capture_output=True, text=True, timeout=60, cwd=root)


def copy_shipped(root: Path) -> Path:
    """A content root with one known-good exhibit of the shipped content (and the shipped events)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT / "themes.toml", root / "themes.toml")
    shutil.copytree(PROJECT / "exhibits" / "stadtlabor", root / "exhibits" / "stadtlabor")
    shutil.copytree(PROJECT / "media" / "stadtlabor", root / "media" / "stadtlabor")
    if (PROJECT / "events.toml").exists():
        shutil.copy(PROJECT / "events.toml", root / "events.toml")
    return root


def overlay(case_dir: Path, root: Path) -> None:
    shutil.copytree(case_dir, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("expect.toml"))


def exhibit_folder(case_dir: Path) -> str:
    (folder,) = (case_dir / "exhibits").iterdir()
    return folder.name


def read_expect(case: str) -> dict:
    return tomllib.loads((CASES_DIR / case / "expect.toml").read_text(encoding="utf-8"))


def printed_prefix(file: str, field: str, line: int | None = None) -> str:
    return f"{file}:{line}: {field}: " if line else f"{file}: {field}: "


def lines_with(output: str, prefix: str, message: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(prefix) and message in line]


def line_number(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


def add_variant(root: Path, folder: str) -> Path:
    """Copy the valid base exhibit (and its picture) into root as exhibits/<folder>/."""
    target = root / "exhibits" / folder
    shutil.copytree(BASE_CASE / "exhibits" / "valid-base", target)
    toml = target / "exhibit.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("valid-base", folder), encoding="utf-8")
    (root / "media" / folder).mkdir(parents=True)
    shutil.copy(BASE_CASE / "media" / "valid-base" / "bild.png", root / "media" / folder / "bild.png")
    return target


def png_bytes(size=(8, 8), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def shipped_root(tmp_path_factory) -> Path:
    return copy_shipped(tmp_path_factory.mktemp("shipped") / "content")


@pytest.fixture(scope="session")
def good_count(shipped_root) -> int:
    """How many items (exhibits + events + themes) the root without any broken case has; all valid."""
    result = validate(shipped_root)
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.splitlines()[-1]
    valid, invalid = last.split(", ")
    assert invalid == "0 invalid"
    return int(valid.removesuffix(" valid"))


@pytest.fixture
def content_root(tmp_path, shipped_root) -> Path:
    root = tmp_path / "content"
    shutil.copytree(shipped_root, root)
    return root


# --- the stored cases ---------------------------------------------------------------------------

def test_there_are_enough_cases_and_each_says_what_it_expects():
    assert len(CASES) >= 28
    for case in CASES:
        expect = read_expect(case)
        assert {"file", "field", "message"} <= expect.keys() <= EXPECT_KEYS, case
        assert expect["file"].startswith(f"exhibits/{exhibit_folder(CASES_DIR / case)}/"), case


def test_the_base_of_all_cases_is_valid(content_root, good_count):
    overlay(BASE_CASE, content_root)
    result = validate(content_root)
    assert result.returncode == 0, result.stdout
    assert "valid-base" not in result.stdout  # not even a warning
    assert result.stdout.splitlines()[-1] == f"{good_count + 1} valid, 0 invalid"


@pytest.mark.parametrize("case", CASES)
def test_broken_case_is_reported_and_the_others_stay_valid(case, content_root, good_count):
    expect = read_expect(case)
    overlay(CASES_DIR / case, content_root)
    result = validate(content_root)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1, result.stdout
    prefix = printed_prefix(expect["file"], expect["field"], expect.get("line"))
    assert lines_with(result.stdout, prefix, expect["message"]), \
        f"no line starting {prefix!r} containing {expect['message']!r}:\n{result.stdout}"
    assert result.stdout.splitlines()[-1] == f"{good_count} valid, 1 invalid"


def test_all_cases_at_once_leave_the_good_exhibit_valid(content_root, good_count):
    broken = []
    for case in CASES:
        folder = exhibit_folder(CASES_DIR / case)
        if (content_root / "exhibits" / folder).exists() or (content_root / "media" / folder).exists():
            continue  # a clash in name; the case is covered on its own above
        overlay(CASES_DIR / case, content_root)
        broken.append(folder)
    assert len(broken) >= 28
    result = validate(content_root, "--json")
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert "stadtlabor" in report["exhibits"]["valid"]
    assert sorted(report["exhibits"]["invalid"]) == sorted(broken)
    assert report["valid"] == good_count
    assert report["invalid"] == len(broken)


# --- cases built in code: big and unreadable files ----------------------------------------------

def test_exhibit_toml_over_the_size_limit_is_refused_unread(content_root, good_count):
    toml = add_variant(content_root, "zu-gross") / "exhibit.toml"
    header = toml.read_text(encoding="utf-8")
    comment = "# Langer Kommentar, der die Datei über das Limit bringt.\n"
    toml.write_text(header + comment * (LIMITS.toml_bytes // len(comment) + 100), encoding="utf-8")
    assert toml.stat().st_size > LIMITS.toml_bytes
    result = validate(content_root)
    assert result.returncode == 1
    # No line number: the text was never read, so no line is known.
    reported = lines_with(result.stdout, "exhibits/zu-gross/exhibit.toml: -: ",
                          f"over the limit of {LIMITS.toml_bytes // 1024} KiB")
    assert reported, result.stdout
    assert [line for line in result.stdout.splitlines() if "zu-gross" in line] == reported
    assert result.stdout.splitlines()[-1] == f"{good_count} valid, 1 invalid"


def test_de_md_over_the_size_limit_is_refused(content_root, good_count):
    de_md = add_variant(content_root, "zu-lang") / "de.md"
    paragraph = "Dieser Absatz wiederholt sich, bis die Datei zu groß ist.\n\n"
    de_md.write_text("## Zu lang\n\n" + paragraph * (LIMITS.markdown_bytes // len(paragraph) + 100),
                     encoding="utf-8")
    result = validate(content_root)
    assert result.returncode == 1
    assert lines_with(result.stdout, "exhibits/zu-lang/de.md: -: ",
                      f"over the limit of {LIMITS.markdown_bytes // 1024} KiB"), result.stdout
    assert result.stdout.splitlines()[-1] == f"{good_count} valid, 1 invalid"


def test_media_file_over_the_byte_limit_is_refused(content_root, good_count):
    folder = add_variant(content_root, "riesenbild")
    picture = content_root / "media" / "riesenbild" / "bild.png"
    data = png_bytes()
    picture.write_bytes(data + b"\0" * (LIMITS.media_bytes + 1 - len(data)))
    result = validate(content_root)
    assert result.returncode == 1
    line = line_number((folder / "exhibit.toml").read_text(encoding="utf-8"), "path =")
    assert lines_with(result.stdout, f"exhibits/riesenbild/exhibit.toml:{line}: media[0].path: ",
                      "media file 'media/riesenbild/bild.png' is "), result.stdout
    assert "over the limit of" in result.stdout and "scale it down" in result.stdout
    assert result.stdout.splitlines()[-1] == f"{good_count} valid, 1 invalid"


def test_image_over_the_megapixel_limit_is_refused(content_root, good_count):
    folder = add_variant(content_root, "megapixel")
    picture = content_root / "media" / "megapixel" / "bild.png"
    picture.write_bytes(png_bytes((9000, 5000), mode="1"))
    assert 9000 * 5000 > LIMITS.media_pixels and picture.stat().st_size < LIMITS.media_bytes
    result = validate(content_root)
    assert result.returncode == 1
    line = line_number((folder / "exhibit.toml").read_text(encoding="utf-8"), "path =")
    assert lines_with(result.stdout, f"exhibits/megapixel/exhibit.toml:{line}: media[0].path: ",
                      "is 9000x5000 pixels, over the limit of 40 megapixels"), result.stdout
    assert result.stdout.splitlines()[-1] == f"{good_count} valid, 1 invalid"


def _problems_as_nobody(root: Path) -> list[str]:
    """load_content(root) in a child process running as uid/gid 65534 (root ignores permissions)."""
    # Load once as root first: modules imported on first use (the utf-8-sig codec, Pillow's PNG
    # plugin) live under paths uid 65534 may not read, and would fail in the child for that reason.
    load_content(root)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop privileges, load, report through the pipe, never return
        status = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setegid(65534)
            os.seteuid(65534)
            payload = [str(p) for p in load_content(root).problems]
            status = 0
        except BaseException as error:  # noqa: BLE001 - the parent must hear about any failure
            payload = [f"child failed: {error!r}"]
        finally:
            try:
                with os.fdopen(write_end, "w", encoding="utf-8") as pipe:
                    json.dump(payload, pipe)
            finally:
                os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, encoding="utf-8") as pipe:
        problems = json.load(pipe)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, problems
    return problems


def test_unreadable_media_file_is_reported(tmp_path, shipped_root):
    as_root = os.geteuid() == 0
    # Root reads everything, so the check runs in a child as uid 65534, which must reach the root.
    base = Path(tempfile.mkdtemp(dir="/tmp")) if as_root else tmp_path
    try:
        root = base / "content"
        shutil.copytree(shipped_root, root)
        folder = add_variant(root, "gesperrt")
        picture = root / "media" / "gesperrt" / "bild.png"
        for path in [base, *base.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        picture.chmod(0)
        line = line_number((folder / "exhibit.toml").read_text(encoding="utf-8"), "path =")
        prefix = f"exhibits/gesperrt/exhibit.toml:{line}: media[0].path: "
        message = "media file 'media/gesperrt/bild.png' cannot be read"
        if as_root:
            problems = _problems_as_nobody(root)
            assert [p for p in problems if p.startswith(prefix) and message in p], problems
            assert not [p for p in problems if p.startswith("exhibits/stadtlabor/") and "warning" not in p]
        else:
            result = validate(root)
            assert result.returncode == 1
            assert lines_with(result.stdout, prefix, message), result.stdout
    finally:
        if as_root:
            shutil.rmtree(base)
        else:
            picture.chmod(0o644)


def test_valid_poll_dates_print_nothing_on_stderr(content_root):
    toml = add_variant(content_root, "mit-zeitraum") / "exhibit.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'type = "single"\n', 'type = "single"\nopen_from = 2026-05-01\nopen_until = 2026-06-30\n'), encoding="utf-8")
    (content_root / "events.toml").unlink(missing_ok=True)  # only the poll dates are under test
    result = validate(content_root)
    assert result.returncode == 0, result.stdout
    assert result.stderr == ""


# --- validator bugs found while building the corpus (see the reasons) ---------------------------

def test_non_utf8_byte_after_a_bom_is_reported_on_its_line(content_root):
    de_md = add_variant(content_root, "bom-latin1") / "de.md"
    de_md.write_bytes(b"\xef\xbb\xbf## Titel\n\nErste Zeile.\n\n" + "Prüfung der Umlaute.\n".encode("latin-1"))
    result = validate(content_root)
    assert lines_with(result.stdout, "exhibits/bom-latin1/de.md:5: -: ", "text is not UTF-8 (byte 0xfc)"), \
        result.stdout


def test_line_separator_inside_a_string_does_not_shift_line_numbers(content_root):
    toml = add_variant(content_root, "zeilentrenner") / "exhibit.toml"
    text = toml.read_text(encoding="utf-8").replace('en = "Test exhibit"', 'en = "Test\u2028exhibit"')
    text = text.replace('url = "https://www.soest.de"', 'url = "www.soest.de"')
    toml.write_text(text, encoding="utf-8")
    line = line_number(text, "url =")
    result = validate(content_root)
    assert lines_with(result.stdout, f"exhibits/zeilentrenner/exhibit.toml:{line}: links[0].url: ",
                      "'www.soest.de' is not valid here"), result.stdout


def test_huge_image_is_reported_as_too_big_not_damaged(content_root):
    add_variant(content_root, "gigapixel")
    (content_root / "media" / "gigapixel" / "bild.png").write_bytes(png_bytes((20000, 10000), mode="1"))
    result = validate(content_root)
    assert lines_with(result.stdout, "exhibits/gigapixel/exhibit.toml:", "over the limit of 40 megapixels"), \
        result.stdout


def test_missing_german_in_a_poll_question_names_the_toml_table(content_root):
    toml = add_variant(content_root, "frage-ohne-deutsch") / "exhibit.toml"
    text = toml.read_text(encoding="utf-8").replace('de = "Finden Sie das Exponat verständlich?"\n', "")
    toml.write_text(text, encoding="utf-8")
    result = validate(content_root)
    assert lines_with(result.stdout, f"exhibits/frage-ohne-deutsch/exhibit.toml:{line_number(text, '[polls.question]')}"
                      ": polls[0].question.de: ", "German text missing"), result.stdout
    assert "under [polls.question]" in result.stdout


# --- hostile files: whatever sits where a content file should, validation ends with its summary --

def assert_refused(root: Path, good_count: int, prefix: str, message: str, invalid: int = 1) -> None:
    """validate(root) reports `prefix ... message` and keeps everything else valid."""
    result = validate(root)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == 1, result.stdout
    assert lines_with(result.stdout, prefix, message), f"no {prefix!r} with {message!r}:\n{result.stdout}"
    assert result.stdout.splitlines()[-1] == f"{good_count} valid, {invalid} invalid"


@pytest.mark.parametrize("name", ["de.md", "exhibit.toml"])
def test_a_fifo_in_place_of_a_content_file_is_refused_not_waited_on(content_root, good_count, name):
    target = add_variant(content_root, "pipe") / name
    target.unlink()
    os.mkfifo(target)
    # Opening a FIFO for reading waits for a writer: before, validation hung here (the timeout fails it).
    assert_refused(content_root, good_count, f"exhibits/pipe/{name}: -: ", f"{name} is a named pipe (FIFO)")


def test_a_device_in_place_of_a_body_is_refused_unread(content_root, good_count):
    target = add_variant(content_root, "geraet") / "en.md"
    target.unlink()
    try:
        os.mknod(target, 0o644 | stat.S_IFCHR, os.makedev(1, 5))  # like /dev/zero: reading never ends
    except PermissionError:
        pytest.skip("creating device nodes needs CAP_MKNOD")
    assert_refused(content_root, good_count, "exhibits/geraet/en.md: -: ", "en.md is a character device")


def test_a_link_to_dev_zero_is_refused_not_read_until_memory_runs_out(content_root, good_count):
    target = add_variant(content_root, "nullen") / "de.md"
    target.unlink()
    target.symlink_to("/dev/zero")
    assert_refused(content_root, good_count, "exhibits/nullen/de.md: -: ",
                   "de.md is a symbolic link leading outside the content folder (to /dev/zero)")


def test_a_folder_named_like_a_content_file_is_refused(content_root, good_count):
    target = add_variant(content_root, "ordner") / "exhibit.toml"
    target.unlink()
    target.mkdir()
    assert_refused(content_root, good_count, "exhibits/ordner/exhibit.toml: -: ",
                   "exhibit.toml is a folder, not an ordinary file")


def test_a_fifo_as_a_picture_is_refused(content_root, good_count):
    folder = add_variant(content_root, "bildrohr")
    picture = content_root / "media" / "bildrohr" / "bild.png"
    picture.unlink()
    os.mkfifo(picture)
    line = line_number((folder / "exhibit.toml").read_text(encoding="utf-8"), "path =")
    assert_refused(content_root, good_count, f"exhibits/bildrohr/exhibit.toml:{line}: media[0].path: ",
                   "media file 'media/bildrohr/bild.png' is a named pipe (FIFO)")


# --- symbolic links: inside the content root they are fine, out of it they are refused ----------

def test_links_inside_the_root_are_followed(content_root, good_count):
    folder = add_variant(content_root, "verlinkt")
    (folder / "en.md").unlink()
    (folder / "en.md").symlink_to("../stadtlabor/en.md")
    picture = content_root / "media" / "verlinkt" / "bild.png"
    picture.unlink()
    picture.symlink_to(content_root / "media" / "stadtlabor" / "raum.png")
    result = validate(content_root)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == f"{good_count + 1} valid, 0 invalid"


@pytest.mark.parametrize("name", ["exhibit.toml", "de.md"])
def test_a_content_file_linked_from_outside_the_root_is_refused(tmp_path, content_root, good_count, name):
    folder = add_variant(content_root, "fremd")
    outside = tmp_path / "outside" / name
    outside.parent.mkdir()
    shutil.move(folder / name, outside)
    (folder / name).symlink_to(outside)
    assert_refused(content_root, good_count, f"exhibits/fremd/{name}: -: ",
                   f"{name} is a symbolic link leading outside the content folder (to {outside.resolve()})")


def test_a_picture_linked_from_outside_the_root_is_refused(tmp_path, content_root, good_count):
    folder = add_variant(content_root, "fremdbild")
    outside = tmp_path / "secret.png"
    outside.write_bytes(png_bytes())
    picture = content_root / "media" / "fremdbild" / "bild.png"
    picture.unlink()
    picture.symlink_to(outside)
    line = line_number((folder / "exhibit.toml").read_text(encoding="utf-8"), "path =")
    assert_refused(content_root, good_count, f"exhibits/fremdbild/exhibit.toml:{line}: media[0].path: ",
                   "media file 'media/fremdbild/bild.png' is a symbolic link leading outside the content folder")


def test_an_exhibit_folder_linked_from_outside_the_root_is_refused(tmp_path, content_root, good_count):
    folder = add_variant(content_root, "ausgelagert")
    outside = tmp_path / "elsewhere"
    shutil.move(folder, outside)
    folder.symlink_to(outside, target_is_directory=True)
    assert_refused(content_root, good_count, "exhibits/ausgelagert: -: ",
                   "the exhibit folder is a symbolic link leading outside the content folder")


# --- deep nesting, long numbers, slow lines: parsed or refused, never a traceback or a hang -----

def test_deeply_nested_exhibit_toml_is_a_problem_of_that_file(content_root, good_count):
    toml = add_variant(content_root, "verschachtelt") / "exhibit.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text + "\nx = " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")
    line = text.count("\n") + 2
    # Before: tomllib's RecursionError escaped as "could not be checked (RecursionError(...))".
    assert_refused(content_root, good_count, f"exhibits/verschachtelt/exhibit.toml:{line}: -: ",
                   "nested too deeply")


def test_a_number_longer_than_python_reads_is_a_problem_of_that_file(content_root, good_count):
    toml = add_variant(content_root, "zahlenwurm") / "exhibit.toml"
    text = toml.read_text(encoding="utf-8").replace("order = 50", "order = " + "9" * 5000)
    toml.write_text(text, encoding="utf-8")
    assert_refused(content_root, good_count, f"exhibits/zahlenwurm/exhibit.toml:{line_number(text, 'order =')}: -: ",
                   "a number is too long to read")


def test_a_table_header_with_many_spaces_is_placed_quickly(content_root, good_count):
    toml = add_variant(content_root, "leerzeichen") / "exhibit.toml"
    text = toml.read_text(encoding="utf-8") + "\n[extra" + " " * 200_000 + ".x]\ny = 1\n"
    toml.write_text(text, encoding="utf-8")
    # Valid TOML; placing the unknown key on its line took about a minute before (a regex
    # whose time grew with the square of the spaces), so the short timeout fails a regression.
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "validate", "--content", str(content_root)],
                            capture_output=True, text=True, timeout=20, cwd=content_root)
    assert lines_with(result.stdout, f"exhibits/leerzeichen/exhibit.toml:{line_number(text, '[extra')}: extra: ",
                      "unknown key 'extra'"), result.stdout
    assert result.stdout.splitlines()[-1] == f"{good_count} valid, 1 invalid"


def test_thousands_of_misspelt_keys_are_reported_quickly(content_root, good_count):
    toml = add_variant(content_root, "tippfehler") / "exhibit.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '[[polls]]\nfrage = "x"\n' * 8000, encoding="utf-8")
    # Each missing key was compared with every misspelt one of the file: minutes for this file.
    # Now the number of polls is refused first, and the misspelt key of a poll within it is named.
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "validate", "--content", str(content_root)],
                            capture_output=True, text=True, timeout=30, cwd=content_root)
    assert "polls: 8001 entries, more than the 6" in result.stdout
    assert result.stdout.splitlines()[-1] == f"{good_count} valid, 1 invalid"


def test_a_control_character_in_a_media_path_is_named(content_root, good_count):
    folder = add_variant(content_root, "steuerzeichen")
    toml = folder / "exhibit.toml"
    text = toml.read_text(encoding="utf-8").replace("bild.png", "bild\\u0000.png")
    toml.write_text(text, encoding="utf-8")
    assert_refused(content_root, good_count, f"exhibits/steuerzeichen/exhibit.toml:{line_number(text, 'path =')}: "
                   "media[0].path: ", "has a control character in it")


# --- the body's limit is the .md file's -----------------------------------------------------------

def test_a_body_longer_than_4000_characters_is_valid(content_root, good_count):
    de_md = add_variant(content_root, "langer-text") / "de.md"
    paragraph = "Ein Absatz über das Exponat, lang genug für die Probe. " * 7 + "\n\n"
    de_md.write_text("## Lang\n\n" + paragraph * 190, encoding="utf-8")  # about 80,000 characters
    assert len(de_md.read_text(encoding="utf-8")) < LIMITS.markdown_bytes
    result = validate(content_root)
    # Before: "exhibit.toml: body.de: text too long (at most 4000 characters)".
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == f"{good_count + 1} valid, 0 invalid"


def test_a_body_problem_names_its_md_file(content_root):
    # Validating with the tighter limit of another Limits still has to put the blame on de.md.
    from kiosk.core.content_model import Body
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        Body.model_validate({"de": "x" * (LIMITS.markdown_bytes + 1)})
    assert caught.value.errors()[0]["loc"] == ("de",)
    content = load_content(content_root)
    assert not [p for p in content.problems if p.field.startswith("body") and p.path.endswith("exhibit.toml")]


# --- folders the kiosk may not read, a root that is a file --------------------------------------

def _nobody_root(shipped_root: Path) -> tuple[Path, Path]:
    """(base, root): a copy of the shipped root that uid 65534 can reach, under /tmp."""
    base = Path(tempfile.mkdtemp(dir="/tmp"))
    root = base / "content"
    shutil.copytree(shipped_root, root)
    for path in [base, *base.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return base, root


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to uid 65534")
@pytest.mark.parametrize("locked, prefix, message", [
    ("", "{root}: root: ", "content folder cannot be read: permission denied"),
    ("exhibits", "exhibits: exhibits: ", "exhibits/ cannot be read: permission denied"),
    ("exhibits/gesperrt", "exhibits/gesperrt: -: ", "the exhibit folder cannot be read: permission denied"),
    ("exhibits/gesperrt/exhibit.toml", "exhibits/gesperrt/exhibit.toml: -: ",
     "exhibit.toml cannot be read: permission denied"),
    ("exhibits/gesperrt/de.md", "exhibits/gesperrt/de.md: -: ", "de.md cannot be read: permission denied"),
    ("events.toml", "events.toml: -: ", "events.toml cannot be read: permission denied"),
])
def test_unreadable_folders_and_files_are_problems(shipped_root, locked, prefix, message):
    base, root = _nobody_root(shipped_root)
    try:
        add_variant(root, "gesperrt")
        for path in [base, *base.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        (root / locked).chmod(0)
        # Before: PermissionError from iterdir() or exists() ended the child with a traceback.
        problems = _problems_as_nobody(root)
        prefix = prefix.format(root=root)
        assert [p for p in problems if p.startswith(prefix) and message in p], problems
        if locked not in ("", "exhibits"):
            assert not [p for p in problems if p.startswith("exhibits/stadtlabor/") and "warning" not in p]
    finally:
        for path in [base, *base.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(base)


def test_a_content_root_that_is_a_file_is_a_problem(tmp_path):
    root = tmp_path / "content"
    root.write_text("not a folder", encoding="utf-8")
    content = load_content(root)
    assert [str(p) for p in content.problems] == [
        f"{root}: root: the content folder is an ordinary file, not a folder; pass --content ROOT with the "
        "folder holding exhibits/, or set [content] root in config.toml"]
    assert content.invalid_count == 1


@pytest.mark.parametrize("table, count, limit", [
    ("polls", 7, 6), ("links", 7, 6), ("contacts", 7, 6), ("media", 9, 8), ("polls.options", 9, 8)])
def test_more_entries_than_a_screen_shows_are_named(content_root, table, count, limit):
    # Hundreds of polls, options or links fit in a 256 KiB exhibit.toml; the kiosk would build a
    # row for each at the visitor's tap. The limits are the ones docs/content.md states.
    folder = add_variant(content_root, "zu-viele")
    toml = folder / "exhibit.toml"
    entry = {
        "polls": '[[polls]]\nid = "p{i}"\ntype = "yesno"\n[polls.question]\nde = "Frage {i}?"\n',
        "links": '[[links]]\nurl = "https://example.org/{i}"\n[links.label]\nde = "Link {i}"\n',
        "contacts": '[[contacts]]\nname = "Team {i}"\nemail = "team{i}@example.org"\n',
        "media": ('[[media]]\npath = "media/zu-viele/bild.png"\ncredit = "Foto"\nlicence = "CC0"\n'
                  '[media.alt]\nde = "Bild {i}"\n'),
        "polls.options": '[[polls.options]]\nid = "o{i}"\n[polls.options.label]\nde = "Antwort {i}"\n',
    }[table]
    text = toml.read_text(encoding="utf-8")
    if table == "polls.options":
        text += '[[polls]]\nid = "viele"\ntype = "single"\n[polls.question]\nde = "Welche?"\n'
    else:  # the base has some of these already: strip them so exactly `count` remain
        text = strip_tables(text, table)
    toml.write_text(text + "".join(entry.format(i=i) for i in range(count)), encoding="utf-8")
    result = validate(content_root)
    assert result.returncode == 1
    assert f"{count} entries, more than the {limit} the kiosk can show here" in result.stdout
    assert "exhibits/zu-viele/exhibit.toml" in result.stdout
    docs = (PROJECT / "docs" / "content.md").read_text(encoding="utf-8")
    assert f"| {table} per {'poll' if table == 'polls.options' else 'exhibit'} | {limit}" in docs.replace("`", "")


def strip_tables(text: str, table: str) -> str:
    """The TOML text without its [[table]] entries (and their sub-tables)."""
    kept, skipping = [], False
    for line in text.splitlines(keepends=True):
        header = line.strip()
        if header.startswith("["):
            name = header.strip("[]")
            skipping = name == table or name.startswith(table + ".")
        if not skipping:
            kept.append(line)
    return "".join(kept)


def test_without_decoding_pictures_the_texts_load_as_with_it(project_root):
    # `kiosk export` needs the poll questions, not the pictures: it skips decoding them (about
    # 20 ms a picture) and must still see the same exhibits and content version.
    from kiosk.core.content_loader import load_content

    decoded, texts_only = load_content(project_root), load_content(project_root, decode_pictures=False)
    assert [e.id for e in texts_only.exhibits] == [e.id for e in decoded.exhibits]
    assert texts_only.version == decoded.version
    cut = CASES_DIR / "media-jpeg-cut-to-a-third"
    assert "media-jpeg-cut-to-a-third" in load_content(cut).invalid_exhibits
    assert load_content(cut, decode_pictures=False).invalid_exhibits == []
