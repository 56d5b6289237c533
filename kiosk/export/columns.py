"""One row per record: the raw data columns shared by CSV, XLSX and JSON.

Free text (ideas, feedback comments) is a column only when asked for: an export leaves the
kiosk on a stick or in a mail, and text visitors typed may name someone despite the hint.
Extra columns (`EXTRA_COLUMNS`, taken from Record.extra: the central's received_at) come last,
after the free text, and only when the caller names them; without them the files are the kiosk's.
"""

from __future__ import annotations

from typing import Iterable

from kiosk.core.records import (EXPORT_COLUMNS, EXPORT_EXTRA_COLUMNS, EXPORT_FREE_TEXT_COLUMN, FREE_TEXT_FIELDS,
                                RECEIVED_AT, Flag, Kind, Record)

# The record's shape is defined once, in kiosk.core.records; the export only names it.
BASE_COLUMNS: tuple[str, ...] = EXPORT_COLUMNS
FREE_TEXT_COLUMN = EXPORT_FREE_TEXT_COLUMN
EXTRA_COLUMNS: tuple[str, ...] = EXPORT_EXTRA_COLUMNS
# Columns holding UTC text (like the record's created_at) that the XLSX shows as date cells in
# Soest's time; CSV and JSON keep the UTC text.
TIME_COLUMNS: frozenset[str] = frozenset(("created_at", RECEIVED_AT))
# The raw columns as the XLSX shows them to the administration. CSV and JSON keep the ids above:
# scripts and databases read those, and a renamed header would break them.
GERMAN_HEADERS: dict[str, str] = {
    "id": "Datensatz-ID", "kiosk_id": "Kiosk", "seq": "Laufnummer", "boot_id": "Start-ID",
    "session_id": "Besuch-ID", "kind": "Art", "exhibit_id": "Exponat", "poll_id": "Umfrage",
    "question_version": "Fassung der Frage", "content_version": "Inhaltsversion",
    "created_at": "Zeitpunkt (Ortszeit)", "answers": "Antworten", "rating": "Bewertung (1–5)",
    "layer": "Sprachebene", "dwell_s": "Verweildauer (s)", "flags": "Markierungen", "free_text": "Freitext",
    RECEIVED_AT: "Empfangen (Ortszeit)",
}
# What the XLSX writes for a record's kind and flags: a German reader sees "Stimme", not "vote".
# CSV and JSON keep the ids, as they keep the column names.
GERMAN_KINDS = {"view": "Ansicht", "vote": "Stimme", "feedback": "Bewertung", "idea": "Idee", "session": "Besuch"}
GERMAN_FLAGS = {"suspect_burst": "verdächtig schnell", "contact_data": "Kontaktdaten im Text"}
# Enum .value goes through a descriptor; a dict lookup is several times cheaper per record.
_KIND_VALUES = {k: k.value for k in Kind}
_FLAG_VALUES = {f: f.value for f in Flag}


class UnknownColumnError(ValueError):
    """An extra column the export cannot show (a programming error, not a staff member's)."""


def columns(include_free_text: bool, extra: Iterable[str] = ()) -> tuple[str, ...]:
    return BASE_COLUMNS + ((FREE_TEXT_COLUMN,) if include_free_text else ()) + extra_columns(extra)


def extra_columns(names: Iterable[str]) -> tuple[str, ...]:
    """`names` checked: each one of EXTRA_COLUMNS, none twice."""
    names = (names,) if isinstance(names, str) else tuple(names)
    unknown = [name for name in names if name not in EXTRA_COLUMNS]
    if unknown:
        raise UnknownColumnError(f"extra_columns: {', '.join(map(repr, unknown))} not among the columns an export "
                                 f"can add ({', '.join(EXTRA_COLUMNS)})")
    if len(set(names)) != len(names):
        raise UnknownColumnError(f"extra_columns: {', '.join(names)} names a column twice")
    return names


def layout(cols: tuple[str, ...]) -> tuple[bool, tuple[str, ...]]:
    """What `columns()` was asked for, read back from its result: (include_free_text, extra)."""
    include_free_text = len(cols) > len(BASE_COLUMNS) and cols[len(BASE_COLUMNS)] == FREE_TEXT_COLUMN
    return include_free_text, cols[len(BASE_COLUMNS) + include_free_text:]


def _value(kind) -> str:
    return kind.value if hasattr(kind, "value") else str(kind)


def record_values(record: Record, include_free_text: bool, extra: tuple[str, ...] = ()) -> tuple:
    """The record's cells in `columns()` order, typed for JSON: lists for answers and flags, None where empty."""
    payload = record.payload or {}
    kind = _value(record.kind)
    answers = payload.get("answers") if kind == "vote" else None
    values = (
        record.id, record.kiosk_id, record.seq, record.boot_id, record.session_id, kind,
        record.exhibit_id, record.poll_id, record.question_version, record.content_version, record.created_at,
        list(answers) if answers is not None else None,
        payload.get("rating"), payload.get("layer"), payload.get("dwell_s"),
        [_value(flag) for flag in record.flags],
    )
    if include_free_text:
        values += (free_text(kind, payload),)
    if extra:
        values += tuple(record.extra.get(name) for name in extra)
    return values


def free_text(kind: str, payload: dict) -> str | None:
    name = FREE_TEXT_FIELDS.get(kind)
    return payload.get(name) if name is not None else None


def flat_row(record: Record, include_free_text: bool, extra: tuple[str, ...] = ()) -> list:
    """The record's cells for a sheet: lists `;`-joined, None left as None (an empty cell)."""
    row = list(record_values(record, include_free_text, extra))
    answers, flags = row[11], row[15]
    row[11] = ";".join(map(str, answers)) if answers is not None else None
    row[15] = ";".join(flags) if flags else None
    return row


def csv_fields(record: Record, include_free_text: bool, extra: tuple[str, ...] = ()) -> list[str]:
    """`flat_row` as CSV text, built directly: this runs a million times per large export, and
    the CSV export is held to twice the sqlite3 CLI's time (bench/bench_export.py)."""
    payload = record.payload or {}
    kind = _KIND_VALUES.get(record.kind) or str(record.kind)
    answers = payload.get("answers") if kind == "vote" else None
    rating, layer, dwell = payload.get("rating"), payload.get("layer"), payload.get("dwell_s")
    fields = [
        record.id, record.kiosk_id, str(record.seq), record.boot_id, record.session_id, kind,
        record.exhibit_id or "", record.poll_id or "", record.question_version or "", record.content_version,
        record.created_at,
        ";".join(map(str, answers)) if answers is not None else "",
        "" if rating is None else str(rating),
        layer or "",
        "" if dwell is None else str(dwell),
        ";".join([_FLAG_VALUES.get(f) or str(f) for f in record.flags]) if record.flags else "",
    ]
    if include_free_text:
        fields.append(free_text(kind, payload) or "")
    if extra:
        fields += [_text(record.extra.get(name)) for name in extra]
    return fields


def _text(value) -> str:
    return "" if value is None else str(value)
