"""`kiosk-central move-db --to postgresql://...`: a SQLite central copied into an empty
PostgreSQL database, every table whole, then checked.

The target gets the central's schema from the same migrations as any new central (so it is the
schema the running code expects), and must hold nothing yet: a move into a database that has a
central's data already is refused before anything is written. The copy runs in ONE transaction
on the target (COPY, table by table, parents before the tables that refer to them): it is there
whole or not at all. The source is read in one snapshot and never written.

The check: per table, the number of rows and a checksum of their contents, each read back from
both databases after the commit. The checksum is the sum, modulo 2^256, of the SHA-256 of every
row's values (its text repr): the same for the same rows in any order, so neither database's
sort order (collation) matters, and any changed, lost or doubled row changes it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

from ..errors import CentralDbError
from .dialects import POSTGRES, SQLITE

# Every table of the central, parents first (the foreign keys of staff_sessions, moderation,
# answers, moderation_log and redactions point at staff and records). The migrations' own table
# is not copied: the target's migrations filled it.
TABLES = ("records", "rejections", "progress", "kiosks", "heartbeats", "phone_votes", "secrets", "staff",
          "staff_sessions", "export_log", "vote_tallies", "moderation", "answers", "moderation_log", "redactions")
# Tables whose `id` the database numbers (an identity column on PostgreSQL): its counter is set
# past the copied ids, so the next export or action gets a new number.
NUMBERED = ("export_log", "moderation_log", "redactions")
_MODULUS = 1 << 256


@dataclass(frozen=True)
class TableCheck:
    table: str
    source_rows: int
    target_rows: int
    source_sum: str
    target_sum: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sum == self.target_sum


class TargetNotEmpty(CentralDbError):
    """The target database holds a central's data already; nothing was written."""


def move(source, target, say: Callable[[str], None] = lambda _: None) -> list[TableCheck]:
    """Copy every table of the central `source` (a CentralDb on SQLite) into `target` (a CentralDb
    on PostgreSQL, just opened: migrated, and to be empty), then check each. Returns the checks;
    the caller says what they show."""
    source_store, target_store = source._store, target._store
    if source_store.dialect is not SQLITE or target_store.dialect is not POSTGRES:
        raise CentralDbError("move-db copies a SQLite central into a PostgreSQL database")
    held = _row_counts(target_store)
    if any(held.values()):
        raise TargetNotEmpty(f"{target_store.shown} holds a central's data already ("
                             + ", ".join(f"{table}: {count}" for table, count in held.items() if count)
                             + "); move-db copies only into an empty database, and wrote nothing. Create an empty "
                               "one (createdb) and give its URL to --to")
    with source_store.snapshot() as reading, target_store.write() as writing:
        for table in TABLES:
            columns = _columns(reading, table)
            quoted = ", ".join(f'"{column}"' for column in columns)
            copied = 0
            with writing.raw.cursor().copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in source_store.stream(reading, f"SELECT {quoted} FROM {table}", ()):
                    copy.write_row(row)
                    copied += 1
            if table in NUMBERED:
                writing.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1), "
                                f"MAX(id) IS NOT NULL) FROM {table}")
            say(f"{table}: {copied} rows copied")
    return [_check(source_store, target_store, table) for table in TABLES]


def _columns(conn, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def _row_counts(store) -> dict[str, int]:
    with store.read() as conn:
        return {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}


def _check(source_store, target_store, table: str) -> TableCheck:
    with source_store.snapshot() as conn:
        quoted = ", ".join(f'"{column}"' for column in _columns(conn, table))
        source_rows, source_sum = _digest(source_store.stream(conn, f"SELECT {quoted} FROM {table}", ()))
    with target_store.snapshot() as conn:
        target_rows, target_sum = _digest(target_store.stream(conn, f"SELECT {quoted} FROM {table}", ()))
    return TableCheck(table, source_rows, target_rows, source_sum, target_sum)


def _digest(rows) -> tuple[int, str]:
    count, total = 0, 0
    for row in rows:
        count += 1
        total += int.from_bytes(hashlib.sha256(repr(tuple(row)).encode("utf-8", "surrogatepass")).digest(), "big")
    return count, f"{total % _MODULUS:064x}"
