"""Load a content root: the valid exhibits, events and themes, and every problem.

One broken exhibit never hides the others: each folder is loaded on its own and
an invalid one is reported and skipped. Nothing here raises on bad input.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
import re
import stat
import tomllib
import typing
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from . import markup
from .bounded_files import FileMissing, FileRefused, FileTooLarge, NotRegularFile, check_inside, kind_of, \
    list_folder, read_bounded, status
from .clock import local_zone
from .content_checks import check_events, check_exhibit, missing_layers
from .content_model import (
    LAYERS, Event, EventsFile, Exhibit, Place, Theme, ThemesFile, content_digest, slug_ok,
)
from .limits import LIMITS, Limits  # noqa: F401  (re-exported: tests and tools name them here)
from .pictures import SCREEN, PictureError, TooManyPixels, WrongFormat, decode_for_screen
from .problems import Problem, Severity, format_loc
from .toml_lines import TomlLineIndex, deepest_line

TIMEZONE = local_zone()
EXHIBIT_FILE = "exhibit.toml"
KNOWN_FILES = {EXHIBIT_FILE} | {f"{layer}.md" for layer in LAYERS}


@dataclass
class Tally:
    valid: int = 0
    invalid: int = 0


@dataclass
class LoadedContent:
    root: Path
    exhibits: list[Exhibit] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    invalid_exhibits: list[str] = field(default_factory=list)
    tallies: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in ("exhibits", "events", "themes")})
    version: str = ""
    place: Place | None = None

    @property
    def valid_count(self) -> int:
        return sum(t.valid for t in self.tallies.values())

    @property
    def invalid_count(self) -> int:
        return sum(t.invalid for t in self.tallies.values())

    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def exhibit(self, exhibit_id: str) -> Exhibit | None:
        return next((e for e in self.exhibits if e.id == exhibit_id), None)

    def media_path(self, media_path: str) -> Path:
        return self.root / media_path

    def upcoming_events(self, now: dt.datetime) -> list[Event]:
        return [e for e in self.events if e.end >= now]


class _FileProblems:
    """Collects problems for one file, placing them on lines when the text is known."""

    def __init__(self, out: list[Problem], path: str, toml: bool = True):
        self.out, self.path, self.toml = out, path, toml
        self.text: str | None = None
        self._index: TomlLineIndex | None = None
        self.errors = 0

    def add(self, field: str, message: str, line: int | None = None, severity=Severity.ERROR) -> None:
        self.out.append(Problem(self.path, field, message, line, severity))
        if severity is Severity.ERROR:
            self.errors += 1

    def at(self, loc: tuple, message: str, severity=Severity.ERROR) -> None:
        self.add(format_loc(loc), message, self.line_of(loc), severity)

    def line_of(self, loc: tuple) -> int | None:
        if self.text is None or not self.toml:
            return None
        if self._index is None:
            self._index = TomlLineIndex(self.text)
        return self._index.line_of(loc)


def load_content(root: Path | str, limits: Limits = LIMITS, *, decode_pictures: bool = True) -> LoadedContent:
    """The content under `root`. `decode_pictures=False` reads and fingerprints every picture
    but leaves decoding out, for commands that need only the texts (an export's poll labels)."""
    root = Path(root)
    content = LoadedContent(root=root)
    if not _root_readable(root, content):
        content.tallies["exhibits"].invalid += 1
        return content
    themes = _load_themes(root, content, limits)
    theme_ids = {t.id for t in themes} if themes is not None else None
    content.themes = themes or []
    media = _MediaChecks(root, limits, decode_pictures)
    folders = _exhibit_folders(root, content)
    for folder in folders or []:
        try:
            exhibit = _load_exhibit(folder, root, theme_ids, content.problems, limits, media)
        except Exception as error:  # noqa: BLE001 - one exhibit must never stop the others loading
            content.problems.append(Problem(_rel(folder, root), "-", f"could not be checked ({error!r}); "
                                            "please report this with the folder attached"))
            exhibit = None
        if exhibit is None:
            content.invalid_exhibits.append(folder.name)
            content.tallies["exhibits"].invalid += 1
        else:
            content.exhibits.append(exhibit)
            content.tallies["exhibits"].valid += 1
    content.exhibits.sort(key=lambda e: (e.order, e.id))
    content.events = _load_events(root, content, limits)
    content.place = _load_place(root, content, limits)
    content.version = content_digest({
        # Python mode: json mode trips over the plain date validators; the digest stringifies dates itself.
        "exhibits": [e.model_dump() for e in content.exhibits],
        "media": {str(p.relative_to(root)): d for p, d in sorted(media.digests.items())} if folders is not None else {},
        "events": [e.model_dump() for e in content.events],
        "themes": [t.model_dump() for t in content.themes],
        # Only when there is one: content without place.toml keeps the version it had.
        **({"place": content.place.model_dump()} if content.place else {}),
    })[:16]
    return content


def _root_readable(root: Path, content: LoadedContent) -> bool:
    """Whether the content root is a folder the kiosk may list; if not, says why."""
    def refuse(message: str) -> bool:
        content.problems.append(Problem(str(root), "root", message))
        return False

    try:
        info = status(root)
        if info is not None and stat.S_ISDIR(info.st_mode):
            list_folder(root)
    except FileRefused as error:
        return refuse(f"content folder {error.words}")
    if info is None:
        return refuse("content folder not found; pass --content ROOT or set [content] root in config.toml")
    if not stat.S_ISDIR(info.st_mode):
        return refuse(f"the content folder is {_kind(info)}, not a folder; pass "
                      "--content ROOT with the folder holding exhibits/, or set [content] root in config.toml")
    return True


def _exhibit_folders(root: Path, content: LoadedContent) -> list[Path] | None:
    """The exhibit folders under exhibits/ (each one checked to be a folder inside the root)."""
    exhibits_dir = root / "exhibits"
    rel = _rel(exhibits_dir, root)

    def refuse(message: str) -> None:
        content.problems.append(Problem(rel, "exhibits", message))
        content.tallies["exhibits"].invalid += 1

    try:
        info = status(exhibits_dir)
        if info is None:
            return refuse("folder missing; create exhibits/ with one folder per exhibit")
        if not stat.S_ISDIR(info.st_mode):
            return refuse(f"is {_kind(info)}, not a folder; exhibits/ holds one folder per exhibit")
        check_inside(exhibits_dir, root)
        entries = list_folder(exhibits_dir)
    except FileRefused as error:
        return refuse(f"exhibits/ {error.words}")
    folders = []
    for entry in entries:
        if entry.name.startswith((".", "_")):
            continue  # hidden folders and drafts (_name) are not exhibits
        where = _rel(entry, root)
        try:
            info = status(entry)
            if info is not None and stat.S_ISDIR(info.st_mode):
                check_inside(entry, root)
        except FileRefused as error:
            content.problems.append(Problem(where, "-", f"the exhibit folder {error.words}"))
            content.invalid_exhibits.append(entry.name)
            content.tallies["exhibits"].invalid += 1
            continue
        if info is None or not stat.S_ISDIR(info.st_mode):
            what = "a link to nothing" if info is None else _kind(info)
            content.problems.append(Problem(where, "-", f"is {what}, not a folder; each exhibit is a folder "
                                            "exhibits/<id>/ with exhibit.toml", severity=Severity.WARNING))
            continue
        folders.append(entry)
    return folders


# --- exhibits ---------------------------------------------------------------------------------

def _load_exhibit(folder: Path, root: Path, theme_ids, out: list[Problem], limits: Limits,
                  media: _MediaChecks) -> Exhibit | None:
    toml_path = folder / EXHIBIT_FILE
    problems = _FileProblems(out, _rel(toml_path, root))
    try:
        entries = list_folder(folder)
    except FileRefused as error:
        out.append(Problem(_rel(folder, root), "-", f"the exhibit folder {error.words}"))
        return None
    if not slug_ok(folder.name):
        problems.add("id", f"folder name '{folder.name}' is not a valid id; rename the folder using lowercase "
                     "letters, digits and hyphens (e.g. digitale-verwaltung)")
    for extra in sorted(p.name for p in entries if p.name not in KNOWN_FILES and not p.name.startswith(".")):
        hint = difflib.get_close_matches(extra, sorted(KNOWN_FILES), n=1)
        out.append(Problem(_rel(folder / extra, root), "-", "unexpected file, ignored" +
                           (f"; did you mean {hint[0]}?" if hint else ""), severity=Severity.WARNING))
    data = _read_toml(toml_path, root, problems, limits.toml_bytes,
                      missing=(f"{EXHIBIT_FILE} missing; every exhibit folder needs one (see docs/content.md)",
                               Severity.ERROR))
    bodies, body_files = _read_bodies(folder, root, out, limits)
    if data is None or bodies is None:
        return None
    if "body" in data:
        problems.at(("body",), "the body is not written in exhibit.toml; put it into de.md, en.md and ls.md")
        return None
    if slug_ok(folder.name) and data.get("id") is not None and data.get("id") != folder.name:
        problems.at(("id",), f"id '{data.get('id')}' does not match the folder name '{folder.name}'; "
                    "make them the same (rename the folder or change id)")
    try:
        exhibit = Exhibit.model_validate({**data, "body": bodies})
    except ValidationError as error:
        # A body problem belongs to its .md file, not to exhibit.toml.
        _report_validation(error, Exhibit, problems,
                           route=lambda loc: body_files.get(loc[1]) if loc[:1] == ("body",) and len(loc) > 1 else None)
        return None
    for loc, message, severity in check_exhibit(exhibit, theme_ids):
        problems.at(loc, message, severity)
    for i, item in enumerate(exhibit.media):
        media.check(("media", i, "path"), item.path, problems)
    for layer, fields in missing_layers(exhibit).items():
        fields = [f for f in fields if not f.startswith("body")]
        if fields:
            problems.add(", ".join(fields[:4]) + (f" (+{len(fields) - 4} more)" if len(fields) > 4 else ""),
                         f"no {layer} text; visitors see German there with a note. Add {layer} = \"...\"",
                         problems.line_of(_parse_loc(fields[0])), Severity.WARNING)
    errors = problems.errors + sum(p.errors for p in body_files.values())
    return exhibit if errors == 0 else None


def _read_bodies(folder: Path, root: Path, out: list[Problem], limits: Limits):
    """(layer -> body text or None if de.md is unusable, layer -> the problems of its .md file)."""
    bodies: dict[str, str] = {}
    files: dict[str, _FileProblems] = {}
    ok = True
    for layer in LAYERS:
        path = folder / f"{layer}.md"
        problems = files[layer] = _FileProblems(out, _rel(path, root), toml=False)
        if layer == "de":
            missing = ("German body missing; create de.md (German is required, en.md and ls.md are expected)",
                       Severity.ERROR)
        else:
            missing = (f"{layer}.md missing; visitors choosing this language see the German text with a note",
                       Severity.WARNING)
        text = _read_text(path, root, problems, limits.markdown_bytes, missing, field=f"body.{layer}")
        if text is None:
            ok = ok and problems.errors == 0
            continue
        if not text.strip():
            if layer == "de":
                problems.add("body.de", "de.md is empty; write the German body text")
                ok = False
            else:
                problems.add(f"body.{layer}", f"{layer}.md is empty; it falls back to German",
                             severity=Severity.WARNING)
            continue
        for line, what in markup.unsupported(text):
            problems.add(f"body.{layer}", f"{what} are not supported and are shown as plain text; see "
                         "docs/content.md, 'Body text'", line, Severity.WARNING)
        blocks = markup.block_count_over(text, limits.body_blocks)
        if blocks is not None:
            problems.add(f"body.{layer}", f"{blocks:,} paragraphs, headings and list items, more than the "
                         f"{limits.body_blocks} one body may have on the kiosk; shorten the text or split the "
                         "exhibit")
            ok = False
            continue
        bodies[layer] = text
    return (bodies if ok else None), files


class _MediaChecks:
    """Checks each picture once, however many exhibits show it, and keeps its digest."""

    def __init__(self, root: Path, limits: Limits, decode: bool = True):
        self.root, self.limits, self.decode = root, limits, decode
        self.digests: dict[Path, str] = {}
        self._refused: dict[Path, str] = {}

    def check(self, loc: tuple, rel: str, problems: _FileProblems) -> None:
        if Path(rel).is_absolute() or ".." in Path(rel).parts or not rel.startswith("media/"):
            problems.at(loc, f"'{rel}' must be a path inside the content root starting with media/, "
                        "e.g. media/my-exhibit/photo.jpg")
            return
        if any(ord(char) < 32 for char in rel):
            problems.at(loc, f"{rel!r} has a control character in it; write the file name without it")
            return
        path = self.root / rel
        if path not in self.digests and path not in self._refused:
            message = self._problem(path, rel)
            if message is None:
                return
            self._refused[path] = message
        if path in self._refused:
            problems.at(loc, self._refused[path])

    def _problem(self, path: Path, rel: str) -> str | None:
        """What is wrong with the picture at path, or None (and its digest kept) if nothing."""
        limits = self.limits
        try:
            data = read_bounded(path, limits.media_bytes, self.root)
        except FileMissing:
            return f"media file '{rel}' not found; check the spelling or copy the file to {rel}"
        except NotRegularFile as error:
            if error.kind == "a folder":
                return f"'{rel}' is a folder; name the picture file inside it, e.g. {rel.rstrip('/')}/photo.jpg"
            return f"media file '{rel}' {error.words}"
        except FileTooLarge as error:
            return (f"media file '{rel}' is {_megabytes(error.size)}, over the limit of "
                    f"{_megabytes(limits.media_bytes)}; scale it down (1920 px wide is plenty)")
        except FileRefused as error:
            return f"media file '{rel}' {error.words}"
        try:
            if self.decode:
                decode_for_screen(data, *SCREEN, max_pixels=limits.media_pixels)
        except TooManyPixels as error:
            return f"media file '{rel}' {error}; scale it down (1920 px wide is plenty)"
        except WrongFormat as error:
            return f"media file '{rel}' {error}; use a PNG, JPEG or WebP image"
        except PictureError as error:
            return f"media file '{rel}' {error}; use a PNG, JPEG or WebP image (save it again from an image editor)"
        self.digests[path] = hashlib.sha256(data).hexdigest()
        return None


# --- events and themes ------------------------------------------------------------------------

def _load_events(root: Path, content: LoadedContent, limits: Limits) -> list[Event]:
    problems = _FileProblems(content.problems, "events.toml")
    tally = content.tallies["events"]
    data = _read_toml(root / "events.toml", root, problems, limits.toml_bytes,
                      missing=("no events.toml; the events screen stays empty", Severity.WARNING), field="events")
    if data is None or not _validate_file(data, EventsFile, problems):
        tally.invalid += problems.errors > 0
        return []
    candidates: list[tuple[int, Event]] = []
    for i, raw in enumerate(data.get("events", [])):
        try:
            event = Event.model_validate(raw)
        except ValidationError as error:
            _report_validation(error, Event, problems, prefix=("events", i))
            tally.invalid += 1
            continue
        local = {}
        for name in ("start", "end"):
            try:
                local[name] = _berlin(getattr(event, name))
            except OverflowError:
                problems.at(("events", i, name), f"{name} ({getattr(event, name)}) is too close to the edge of "
                            "the calendar to show in Soest time; check the year")
        if len(local) < 2:
            tally.invalid += 1
            continue
        candidates.append((i, event.model_copy(update=local)))
    # Rules across events (duplicate ids) run once over all of them; an event with a finding is dropped.
    bad: set[int] = set()
    for loc, message, severity in check_events(candidates):
        problems.at(loc, message, severity)
        if severity is Severity.ERROR:
            bad.add(loc[1])
    events = [e for i, e in candidates if i not in bad]
    tally.invalid += len(bad)
    tally.valid += len(events)
    return sorted(events, key=lambda e: e.start)


def _load_place(root: Path, content: LoadedContent, limits: Limits) -> Place | None:
    """place.toml, when there is one (it is optional: the phone pages then name no address)."""
    if not (root / "place.toml").exists():
        return None
    problems = _FileProblems(content.problems, "place.toml")
    data = _read_toml(root / "place.toml", root, problems, limits.toml_bytes,
                      missing=("place.toml cannot be read", Severity.WARNING))
    if data is None:
        return None
    try:
        return Place.model_validate(data)
    except ValidationError as error:
        _report_validation(error, Place, problems)
        return None


def _load_themes(root: Path, content: LoadedContent, limits: Limits) -> list[Theme] | None:
    problems = _FileProblems(content.problems, "themes.toml")
    tally = content.tallies["themes"]
    data = _read_toml(root / "themes.toml", root, problems, limits.toml_bytes,
                      missing=("no themes.toml; exhibits are grouped under their theme id", Severity.WARNING),
                      field="themes")
    if data is None or not _validate_file(data, ThemesFile, problems):
        # Unusable themes.toml: its themes are lost, but the exhibits are not checked against nothing.
        tally.invalid += problems.errors > 0
        return None
    themes: list[Theme] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("themes", [])):
        try:
            theme = Theme.model_validate(raw)
        except ValidationError as error:
            _report_validation(error, Theme, problems, prefix=("themes", i))
            tally.invalid += 1
            continue
        if theme.id in seen:
            problems.at(("themes", i, "id"), f"duplicate theme id '{theme.id}'; every theme id must be unique")
            tally.invalid += 1
            continue
        seen.add(theme.id)
        themes.append(theme)
        tally.valid += 1
    return sorted(themes, key=lambda t: (t.order, t.id))


def _berlin(value: dt.datetime) -> dt.datetime:
    # Editors write local Soest time; an explicit offset is respected.
    return value.replace(tzinfo=TIMEZONE) if value.tzinfo is None else value.astimezone(TIMEZONE)


def _validate_file(data: dict, model: type[BaseModel], problems: _FileProblems) -> bool:
    try:
        model.model_validate(data)
    except ValidationError as error:
        _report_validation(error, model, problems)
        return False
    return True


# --- reading files ----------------------------------------------------------------------------

def _read_text(path: Path, root: Path, problems: _FileProblems, limit: int, missing: tuple[str, Severity],
               field: str = "-") -> str | None:
    """The file's text, or None with the reason reported (`missing`: the message if it does not exist)."""
    try:
        raw = read_bounded(path, limit, root)
    except FileMissing:
        problems.add(field, missing[0], severity=missing[1])
        return None
    except FileTooLarge as error:
        problems.add("-", f"file is {error.size:,} bytes, over the limit of {limit // 1024} KiB ({limit:,} bytes); "
                     "shorten it or split the exhibit")
        return None
    except FileRefused as error:
        problems.add("-", f"{path.name} {error.words}")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # utf-8-sig counts positions after a byte order mark; point at the byte in the file.
        start = error.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
        line = raw.count(b"\n", 0, start) + 1
        problems.add("-", f"text is not UTF-8 (byte 0x{raw[start]:02x}); save the file as UTF-8 in "
                     "your editor ('Save as' -> encoding UTF-8)", line)
        return None
    problems.text = text
    return text


def _read_toml(path: Path, root: Path, problems: _FileProblems, limit: int, missing: tuple[str, Severity],
               field: str = "-") -> dict | None:
    text = _read_text(path, root, problems, limit, missing, field)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        where = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = int(where.group(1)) if where else None
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) if where else message
        hint = ("a text is not closed: add the missing \" at its end" if "Illegal character '\\n'" in reason
                else "check quotes, brackets and '=' on this line")
        problems.add("-", f"TOML syntax error: {reason}" + (f" (column {where.group(2)})" if where else "") +
                     f"; {hint}", line)
    except RecursionError:
        # tomllib reads nested lists and tables by recursion; thousands of levels exhaust it.
        problems.add("-", "lists or tables are nested too deeply to read ([[[...]]] or {a = {b = {...}}}); "
                     "content files need only a few levels", deepest_line(text))
    except ValueError as error:
        # tomllib passes Python's own limit on long integers through unchanged.
        number = re.search(r"[0-9a-fA-F_]{4000,}", text)
        problems.add("-", f"a number is too long to read ({str(error).split(':')[0]}); write a shorter number",
                     text.count("\n", 0, number.start()) + 1 if number else None)
    return None


# --- pydantic errors into words ---------------------------------------------------------------

_TYPE_WORDS = {
    "string_type": "text in quotes", "int_type": "a whole number", "int_parsing": "a whole number",
    "bool_type": "true or false (without quotes)", "list_type": "a list",
    "datetime_type": "a date and time like 2027-01-31T18:00:00",
}
_PATTERN_HINTS = {
    "id": "use lowercase letters, digits and hyphens, e.g. digitale-verwaltung",
    "theme": "use a theme id from themes.toml",
    "url": "write a full web address starting with https://",
    "registration_url": "write a full web address starting with https://",
    "email": "write an e-mail address like team@example.org",
    "phone": "write a phone number with digits, spaces and + only",
}


def _report_validation(error: ValidationError, model: type[BaseModel], problems: _FileProblems,
                       prefix: tuple = (), route=None) -> None:
    """Each pydantic error in words; `route(loc)` may name another file's problems for a loc."""
    errors = error.errors(include_url=False)
    # By parent table: thousands of misspelt keys must not be compared with every missing one.
    extras: dict[tuple, list[str]] = defaultdict(list)
    for e in errors:
        if e["type"] == "extra_forbidden":
            extras[tuple(e["loc"][:-1])].append(str(e["loc"][-1]))
    for err in errors:
        loc = tuple(err["loc"])
        name = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
        kind = err["type"]
        value = err.get("input")
        if kind == "missing" and difflib.get_close_matches(name, extras.get(loc[:-1], []), n=1):
            continue  # the misspelt key's own message ("did you mean ...?") says it all
        if kind == "missing":
            message = _missing_message(name, prefix + loc, _model_at(model, loc))
        elif kind == "extra_forbidden":
            allowed = sorted(_model_at(model, loc[:-1]).model_fields) if _model_at(model, loc[:-1]) else []
            close = difflib.get_close_matches(name, allowed, n=1)
            message = f"unknown key '{name}'" + (f"; did you mean '{close[0]}'?" if close else
                                                 f"; allowed here: {', '.join(allowed)}")
        elif kind in ("model_type", "dict_type", "model_attributes_type"):
            target = _model_at(model, loc)
            keys = ", ".join(target.model_fields) if target else ""
            message = f"expected a table with keys {keys}, got {_show(value)}; write [{_table(prefix + loc)}] " \
                      "and the keys below it"
        elif kind in _TYPE_WORDS:
            message = f"expected {_TYPE_WORDS[kind]}, got {_show(value)}"
        elif kind == "string_pattern_mismatch":
            message = f"{_show(value)} is not valid here; {_PATTERN_HINTS.get(name, 'check the format')}"
        elif kind == "string_too_short":
            message = "must not be empty; write the text or remove the key"
        elif kind == "too_long":
            message = (f"{err['ctx']['actual_length']} entries, more than the {err['ctx']['max_length']} the kiosk "
                       "can show here; remove some (see docs/content.md)")
        elif kind == "string_too_long":
            message = f"text too long (at most {err['ctx']['max_length']} characters); shorten it"
        elif kind == "greater_than_equal":
            message = f"must be at least {err['ctx']['ge']}, got {_show(value)}"
        elif kind == "value_error":
            message = str(err["ctx"]["error"])
        else:
            message = err["msg"]
        elsewhere = route(loc) if route else None
        if elsewhere is not None:
            elsewhere.add(format_loc(prefix + loc), message)
        else:
            problems.at(prefix + loc, message)


def _missing_message(name: str, loc: tuple, target: type[BaseModel] | None) -> str:
    if name == "de":
        return f"German text missing; add de = \"...\" under [{_table(loc[:-1])}] (German is required)"
    if name == "alt":
        return "alt text missing; add [media.alt] with de, en and ls describing the picture for people who cannot see it"
    if target is not None:
        return f"required table [{_table(loc)}] is missing; add it with its keys (see docs/content.md)"
    return f"required key '{name}' is missing; add {name} = ... (see docs/content.md)"


def _table(loc: tuple) -> str:
    """('polls', 0, 'question') -> 'polls.question', the name a TOML table header uses."""
    return ".".join(str(p) for p in loc if not isinstance(p, int))


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        info = current.model_fields.get(part)
        current = _model_in(info.annotation) if info else None
    return current


def _model_in(annotation) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found:
            return found
    return None


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _parse_loc(field: str) -> tuple:
    parts: list = []
    for name, index in re.findall(r"([A-Za-z_]+)|\[(\d+)\]", field):
        parts.append(name if name else int(index))
    return tuple(parts)


def _megabytes(size: int) -> str:
    # Round up so that a file over the limit never shows the limit's own number.
    return f"{-(-size // 100_000) / 10:.1f} MB"


def _kind(info: os.stat_result) -> str:
    return kind_of(info.st_mode)


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
