"""A stored record's row: its columns, and the Record read back from them."""

from __future__ import annotations

import json

from kiosk.core.records import RECORD_FIELDS, Flag, Kind, Record

from ..errors import CentralDbError

RECORD_COLUMNS = (*RECORD_FIELDS, "source", "received_at", "fingerprint")

_KINDS = {kind.value: kind for kind in Kind}
_FLAGS = {flag.value: flag for flag in Flag}
_PAYLOAD, _FLAGS_AT, _KIND_AT = RECORD_FIELDS.index("payload"), RECORD_FIELDS.index("flags"), RECORD_FIELDS.index("kind")

def record_of(row: tuple) -> Record:
    values = list(row[:len(RECORD_FIELDS)])
    values[_KIND_AT] = _KINDS.get(values[_KIND_AT]) or Kind(values[_KIND_AT])
    values[_PAYLOAD] = json.loads(values[_PAYLOAD])
    values[_FLAGS_AT] = tuple(_FLAGS[flag] for flag in json.loads(values[_FLAGS_AT]))
    source, received_at = row[len(RECORD_FIELDS):]
    return Record(*values, extra={"source": source, "received_at": received_at})



def export_where(since, until, poll_id, exhibit_id, kiosk_id, source, prefix: str = "") -> tuple[list[str], list]:
    """iter_records' selection; since and until as UTC datetimes or text."""
    from kiosk.core.clock import utc_text

    where, params = [], []
    for clause, value in (("created_at >= ?", since), ("created_at < ?", until), ("poll_id = ?", poll_id),
                          ("exhibit_id = ?", exhibit_id), ("kiosk_id = ?", kiosk_id), ("source = ?", source)):
        if value is not None:
            where.append(prefix + clause)
            params.append(value if isinstance(value, str) else utc_text(value))
    return where, params


def read_failed(path, error: Exception) -> CentralDbError:
    return CentralDbError(f"{path}: the central's database cannot be read ({error}); nothing was exported. "
                          "Check the file and its folder's permissions")
