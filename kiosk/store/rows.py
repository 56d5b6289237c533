"""Rows of the records table as Records, and Records' fields as the table's columns.

The columns are the record's fields from kiosk.core.records, in that order, never listed again
here; a row read with RECORD_COLUMNS is turned back into a Record by `record_from_row`.
"""

from __future__ import annotations

import functools
import json

from kiosk.core.records import RECORD_FIELDS, Flag, Kind, Record

# The columns read, in order: the record's fields (kiosk.core.records), then redacted_at, which
# goes into Record.extra.
RECORD_COLUMNS = ", ".join((*RECORD_FIELDS, "redacted_at"))
INSERT_RECORD = (f"INSERT INTO records ({', '.join(RECORD_FIELDS)}) "
                 f"VALUES ({', '.join('?' for _ in RECORD_FIELDS)})")

# A record as another store held it, redaction and all (kiosk salvage).
INSERT_SALVAGED = (f"INSERT INTO records ({', '.join(RECORD_FIELDS)}, redacted_at) "
                   f"VALUES ({', '.join('?' for _ in RECORD_FIELDS)}, ?)")


def insert_values(values: dict) -> list:
    """The values of INSERT_RECORD, from a record's stored values by field name."""
    return [values[name] for name in RECORD_FIELDS]


# A burst flag as it is stored inside the flags' JSON text (instr() finds it there).
SUSPECT = json.dumps(Flag.SUSPECT_BURST.value)

_KINDS = {kind.value: kind for kind in Kind}
_decode = json.JSONDecoder().decode
_RECORD_FIELDS = (*RECORD_FIELDS, "extra")
_KIND, _PAYLOAD, _FLAGS, _REDACTED = (RECORD_FIELDS.index("kind"), RECORD_FIELDS.index("payload"),
                                      RECORD_FIELDS.index("flags"), len(RECORD_FIELDS))
_new_record = object.__new__


@functools.lru_cache(maxsize=64)
def _flags(text: str) -> tuple[Flag, ...]:
    return tuple(Flag(value) for value in json.loads(text))


def record_from_row(row: tuple) -> Record:
    # Exports stream a million of these: filling the instance dict directly takes half the time
    # of the frozen dataclass's __init__ (which sets each field through object.__setattr__).
    # The values are the stored ones, already checked when they were written.
    # The row is the record's fields in RECORD_FIELDS order, then redacted_at (see RECORD_COLUMNS).
    record = _new_record(Record)
    values = list(row)
    kind = values[_KIND]
    values[_KIND] = _KINDS.get(kind) or Kind(kind)
    values[_PAYLOAD] = _decode(values[_PAYLOAD])
    values[_FLAGS] = _flags(values[_FLAGS])
    redacted_at = values[_REDACTED]
    values[_REDACTED] = {"redacted_at": redacted_at} if redacted_at else {}
    record.__dict__.update(zip(_RECORD_FIELDS, values))
    return record
