"""Load a content root: the valid exhibits, events and themes, and every problem.

One broken exhibit never hides the others: each folder is loaded on its own and
an invalid one is reported and skipped. Nothing here raises on bad input.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import tomllib
import typing
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ValidationError

from . import markup
from .content_checks import check_events, check_exhibit, missing_layers
from .content_model import (
    LAYERS, Event, EventsFile, Exhibit, Theme, ThemesFile, content_digest, slug_ok,
)
from .problems import Problem, Severity, format_loc
from .toml_lines import TomlLineIndex

TIMEZONE = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class Limits:
    """Size limits, checked before a file is read whole (documented in docs/content.md)."""

    toml_bytes: int = 256 * 1024
    markdown_bytes: int = 128 * 1024
    media_bytes: int = 5_000_000
    media_pixels: int = 40_000_000
    media_formats: tuple[str, ...] = ("PNG", "JPEG", "WEBP")


LIMITS = Limits()
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

    def __init__(self, out: list[Problem], path: str):
        self.out, self.path = out, path
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
        if self.text is None:
            return None
        if self._index is None:
            self._index = TomlLineIndex(self.text)
        return self._index.line_of(loc)


def load_content(root: Path | str, limits: Limits = LIMITS) -> LoadedContent:
    root = Path(root)
    content = LoadedContent(root=root)
    if not root.is_dir():
        content.problems.append(Problem(str(root), "root", "content folder not found; pass --content ROOT "
                                        "or set [content] root in config.toml"))
        content.tallies["exhibits"].invalid += 1
        return content
    themes = _load_themes(root, content, limits)
    theme_ids = {t.id for t in themes} if themes is not None else None
    content.themes = themes or []
    exhibits_dir = root / "exhibits"
    if not exhibits_dir.is_dir():
        content.problems.append(Problem(_rel(exhibits_dir, root), "exhibits", "folder missing; create exhibits/ "
                                        "with one folder per exhibit"))
        content.tallies["exhibits"].invalid += 1
    else:
        media_digests: dict[Path, str] = {}
        for folder in sorted(exhibits_dir.iterdir()):
            if folder.name.startswith((".", "_")):
                continue  # hidden folders and drafts (_name) are not exhibits
            if not folder.is_dir():
                content.problems.append(Problem(_rel(folder, root), "-", "not a folder; each exhibit is a folder "
                                                "exhibits/<id>/ with exhibit.toml", severity=Severity.WARNING))
                continue
            try:
                exhibit = _load_exhibit(folder, root, theme_ids, content.problems, limits, media_digests)
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
    content.version = content_digest({
        # Python mode: json mode trips over the plain date validators; the digest stringifies dates itself.
        "exhibits": [e.model_dump() for e in content.exhibits],
        "media": {str(p.relative_to(root)): d for p, d in sorted(media_digests.items())} if exhibits_dir.is_dir() else {},
        "events": [e.model_dump() for e in content.events],
        "themes": [t.model_dump() for t in content.themes],
    })[:16]
    return content


# --- exhibits ---------------------------------------------------------------------------------

def _load_exhibit(folder: Path, root: Path, theme_ids, out: list[Problem], limits: Limits,
                  media_digests: dict[Path, str]) -> Exhibit | None:
    toml_path = folder / EXHIBIT_FILE
    problems = _FileProblems(out, _rel(toml_path, root))
    if not slug_ok(folder.name):
        problems.add("id", f"folder name '{folder.name}' is not a valid id; rename the folder using lowercase "
                     "letters, digits and hyphens (e.g. digitale-verwaltung)")
    for extra in sorted(p.name for p in folder.iterdir() if p.name not in KNOWN_FILES and not p.name.startswith(".")):
        hint = difflib.get_close_matches(extra, sorted(KNOWN_FILES), n=1)
        out.append(Problem(_rel(folder / extra, root), "-", "unexpected file, ignored" +
                           (f"; did you mean {hint[0]}?" if hint else ""), severity=Severity.WARNING))
    data = _read_toml(toml_path, problems, limits.toml_bytes)
    bodies = _read_bodies(folder, root, out, limits)
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
        _report_validation(error, Exhibit, problems)
        return None
    for loc, message, severity in check_exhibit(exhibit, theme_ids):
        problems.at(loc, message, severity)
    for i, media in enumerate(exhibit.media):
        _check_media(("media", i, "path"), media.path, root, problems, limits, media_digests)
    for layer, fields in missing_layers(exhibit).items():
        fields = [f for f in fields if not f.startswith("body")]
        if fields:
            problems.add(", ".join(fields[:4]) + (f" (+{len(fields) - 4} more)" if len(fields) > 4 else ""),
                         f"no {layer} text; visitors see German there with a note. Add {layer} = \"...\"",
                         problems.line_of(_parse_loc(fields[0])), Severity.WARNING)
    return exhibit if problems.errors == 0 else None


def _read_bodies(folder: Path, root: Path, out: list[Problem], limits: Limits):
    bodies: dict[str, str] = {}
    ok = True
    for layer in LAYERS:
        path = folder / f"{layer}.md"
        problems = _FileProblems(out, _rel(path, root))
        if not path.exists():
            if layer == "de":
                problems.add("body.de", "German body missing; create de.md (German is required, en.md and ls.md "
                             "are expected)")
                ok = False
            else:
                problems.add(f"body.{layer}", f"{layer}.md missing; visitors choosing this language see the German "
                             "text with a note", severity=Severity.WARNING)
            continue
        text = _read_text(path, problems, limits.markdown_bytes)
        if text is None:
            ok = False
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
        bodies[layer] = text
    return bodies if ok else None


def _check_media(loc: tuple, rel: str, root: Path, problems: _FileProblems, limits: Limits,
                 digests: dict[Path, str]) -> None:
    posix = Path(rel)
    if posix.is_absolute() or ".." in posix.parts or not rel.startswith("media/"):
        problems.at(loc, f"'{rel}' must be a path inside the content root starting with media/, "
                    "e.g. media/my-exhibit/photo.jpg")
        return
    path = root / posix
    if path in digests:
        return
    if path.is_dir():
        problems.at(loc, f"'{rel}' is a folder; name the picture file inside it, e.g. {rel.rstrip('/')}/photo.jpg")
        return
    if not path.is_file():
        problems.at(loc, f"media file '{rel}' not found; check the spelling or copy the file to {rel}")
        return
    size = path.stat().st_size
    if size > limits.media_bytes:
        problems.at(loc, f"media file '{rel}' is {_megabytes(size)}, over the limit of "
                    f"{_megabytes(limits.media_bytes)}; scale it down (1920 px wide is plenty)")
        return
    try:
        data = path.read_bytes()
    except OSError as error:
        problems.at(loc, f"media file '{rel}' cannot be read ({error.strerror}); check its permissions")
        return
    try:
        with warnings.catch_warnings():
            # Pillow warns about very large images; the pixel limit below says it in plain words.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                kind, (width, height) = image.format, image.size
                image.verify()
    except Image.DecompressionBombError:
        problems.at(loc, f"media file '{rel}' is over the limit of {limits.media_pixels / 1e6:.0f} megapixels; "
                    "scale it down (1920 px wide is plenty)")
        return
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        what = "is not an image" if isinstance(error, UnidentifiedImageError) else f"is damaged ({error})"
        problems.at(loc, f"media file '{rel}' {what}; use a PNG, JPEG or WebP image")
        return
    if kind not in limits.media_formats:
        problems.at(loc, f"media file '{rel}' is {kind}; use a PNG, JPEG or WebP image")
        return
    if width * height > limits.media_pixels:
        problems.at(loc, f"media file '{rel}' is {width}x{height} pixels, over the limit of "
                    f"{limits.media_pixels / 1e6:.0f} megapixels; scale it down")
        return
    digests[path] = hashlib.sha256(data).hexdigest()


# --- events and themes ------------------------------------------------------------------------

def _load_events(root: Path, content: LoadedContent, limits: Limits) -> list[Event]:
    path = root / "events.toml"
    problems = _FileProblems(content.problems, "events.toml")
    tally = content.tallies["events"]
    if not path.exists():
        problems.add("events", "no events.toml; the events screen stays empty", severity=Severity.WARNING)
        return []
    data = _read_toml(path, problems, limits.toml_bytes)
    if data is None or not _validate_file(data, EventsFile, problems):
        tally.invalid += 1
        return []
    events: list[tuple[int, Event]] = []
    for i, raw in enumerate(data.get("events", [])):
        before = problems.errors
        try:
            event = Event.model_validate(raw)
        except ValidationError as error:
            _report_validation(error, Event, problems, prefix=("events", i))
            tally.invalid += 1
            continue
        event = event.model_copy(update={"start": _berlin(event.start), "end": _berlin(event.end)})
        for loc, message, severity in check_events(events + [(i, event)]):
            if loc[1] == i:
                problems.at(loc, message, severity)
        if problems.errors > before:
            tally.invalid += 1
            continue
        events.append((i, event))
        tally.valid += 1
    return sorted((e for _, e in events), key=lambda e: e.start)


def _load_themes(root: Path, content: LoadedContent, limits: Limits) -> list[Theme] | None:
    path = root / "themes.toml"
    problems = _FileProblems(content.problems, "themes.toml")
    tally = content.tallies["themes"]
    if not path.exists():
        problems.add("themes", "no themes.toml; exhibits are grouped under their theme id",
                     severity=Severity.WARNING)
        return None
    data = _read_toml(path, problems, limits.toml_bytes)
    if data is None or not _validate_file(data, ThemesFile, problems):
        tally.invalid += 1
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

def _read_text(path: Path, problems: _FileProblems, limit: int) -> str | None:
    try:
        size = path.stat().st_size
        if size > limit:
            problems.add("-", f"file is {size:,} bytes, over the limit of {limit // 1024} KiB ({limit:,} bytes); "
                         "shorten it or split the exhibit")
            return None
        raw = path.read_bytes()
    except OSError as error:
        problems.add("-", f"cannot read file ({error.strerror}); check that it exists and is readable")
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


def _read_toml(path: Path, problems: _FileProblems, limit: int) -> dict | None:
    if not path.exists():
        problems.add("-", f"{path.name} missing; every exhibit folder needs one (see docs/content.md)")
        return None
    text = _read_text(path, problems, limit)
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
                       prefix: tuple = ()) -> None:
    errors = error.errors(include_url=False)
    extras = {(tuple(e["loc"][:-1]), str(e["loc"][-1])) for e in errors if e["type"] == "extra_forbidden"}
    for err in errors:
        loc = tuple(err["loc"])
        name = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
        kind = err["type"]
        value = err.get("input")
        if kind == "missing" and any(parent == loc[:-1] and difflib.get_close_matches(name, [extra], n=1)
                                     for parent, extra in extras):
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
        elif kind == "string_too_long":
            message = f"text too long (at most {err['ctx']['max_length']} characters); shorten it"
        elif kind == "greater_than_equal":
            message = f"must be at least {err['ctx']['ge']}, got {_show(value)}"
        elif kind == "value_error":
            message = str(err["ctx"]["error"])
        else:
            message = err["msg"]
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


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
