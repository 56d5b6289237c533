"""The record's shape is defined once, in kiosk/core/records.py: the store's table and SQL,
and the export's columns, follow it; a second list of the fields must not creep back."""

from __future__ import annotations

import re

from kiosk.core.records import EXPORT_COLUMNS, RECORD_FIELDS, Record
from kiosk.export import BASE_COLUMNS

from .helpers import PROJECT

# Three fields in a row, quoted or in SQL: how a copied list of the record's fields looks.
_FIELD_LIST = re.compile(r"""\bkiosk_id['"]?,\s*['"]?seq['"]?,\s*['"]?boot_id\b""")


def test_the_records_table_has_the_records_fields(store):
    # By name: a column added by a later migration comes last in the table (store_id, by m003).
    columns = [row[1] for row in store._reader.execute("PRAGMA table_info(records)")]
    assert sorted(columns) == sorted([*RECORD_FIELDS, "redacted_at"])


def test_a_stored_record_reads_back_field_for_field(store):
    from kiosk.core.records import Kind, RecordDraft

    written = store.append(RecordDraft(kind=Kind.VIEW, session_id="s", content_version="c", payload={"dwell_s": 1.5}))
    (read,) = store.iter_records()
    assert read == written
    assert tuple(vars(read)) == tuple(f for f in Record.__dataclass_fields__)


def test_the_export_names_the_records_columns():
    assert BASE_COLUMNS is EXPORT_COLUMNS


def test_no_second_list_of_the_records_fields():
    records = PROJECT / "kiosk" / "core" / "records.py"
    copies = [
        str(path.relative_to(PROJECT))
        for folder in ("kiosk", "sync", "central")
        for path in sorted((PROJECT / folder).rglob("*.py")) if (PROJECT / folder).exists()
        if path != records and _FIELD_LIST.search(path.read_text(encoding="utf-8"))
    ]
    assert copies == [], f"the record's fields are listed again in {copies}; build them from kiosk.core.records"
