"""Recovering the records of a damaged store that was moved aside (`<store>.corrupt-<stamp>`).

Why the pages are read here rather than by the sqlite3 shell's `.recover`: `.recover` needs
SQLite's sqlite_dbpage table, and Debian 12's libsqlite3 (3.40.1) is built without it, so its
`sqlite3 FILE .recover` fails with "SQL logic error" on every file, sound or damaged. Reading
row by row through SQL recovers less than `.recover` would: a query stops at the first damaged
page, a damaged interior page hides every leaf below it, and a damaged first page (the schema)
hides the whole table. So this does what `.recover` does, for the one table that matters: it reads
every page of the file on its own, newest committed version first (the -wal beside the file, when
its frames check out), and takes each row of a table leaf page that has the records table's
columns, whatever the tree above it looks like. A row is kept only when every field has a
record's shape; the others are reported, never half-written.

The damaged file is only ever read (opened read-only, never through SQLite, which could fold its
-wal into it on closing).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import struct
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from sqlite_utils import Database

from kiosk.core.records import Flag, Kind

from .errors import StoreError
from .opening import SQLITE_MAGIC
from .schema import APPLICATION_ID, migrations

WAL_MAGIC = (0x377F0682, 0x377F0683)
_TABLE_LEAF = 0x0D
_KINDS = {kind.value for kind in Kind}
_FLAGS = {flag.value for flag in Flag}
# Records per transaction into the current store. Each commit writes every index page it touched
# (the ids are random UUIDs) to the -wal: a million records in batches of 500 wrote about 21 GB
# in 2.5 minutes, in batches of 10,000 about 9.5 GB in 1.4 minutes (wear an SD card does not
# need); the kiosk is stopped meanwhile, so nothing waits on the lock.
SALVAGE_BATCH = 10_000
# The damaged file's header may be the damaged part: then the page size the kiosk's stores have.
_DEFAULT_PAGE_SIZE = 4096


class SalvageUsageError(StoreError):
    """The file named for salvage cannot be salvaged from (missing, the current store itself, not
    a store of this kiosk): nothing was read or written."""

    exit_code = 2


@dataclass
class SalvageResult:
    source: Path
    recovered: int = 0                 # records added to the current store's outbox
    already: int = 0                   # records the current store had (an earlier salvage, or never lost)
    unreadable: list[str] = field(default_factory=list)  # rows with the records' columns but not a record's shape
    missing: int = 0                   # seqs below the highest found that no page holds any more
    damaged_pages: int = 0             # pages that are no b-tree page at all (overwritten, zeroed)
    pages: int = 0

    @property
    def complete(self) -> bool:
        return not self.unreadable and not self.missing


def record_columns() -> list[str]:
    """The records table's columns in the order a store keeps them on disk: the schema's own
    (an empty database made by the migrations), so that no list of them is kept here."""
    conn = sqlite3.connect(":memory:")
    try:
        migrations.apply(Database(conn, recursive_triggers=False, execute_plugins=False))
        return [row[1] for row in conn.execute("PRAGMA table_info(records)")]
    finally:
        conn.close()


def check_source(source: Path, store_path: Path) -> None:
    """Refuse, with SalvageUsageError, a FILE that cannot be what `kiosk salvage` is for."""
    try:
        info = source.stat()
    except FileNotFoundError:
        raise SalvageUsageError(f"{source}: no such file; name the damaged store that was moved aside, e.g. "
                                f"{store_path.name}.corrupt-20260301T120005Z beside the store") from None
    except OSError as error:
        raise SalvageUsageError(f"{source}: cannot be read ({error.strerror}); run as the kiosk's user or root") \
            from None
    if not source.is_file():
        raise SalvageUsageError(f"{source} is not a file; name the damaged store that was moved aside")
    for suffix in ("-wal", "-shm", "-journal"):
        if source.name.endswith(suffix):
            raise SalvageUsageError(f"{source} is SQLite's side file of a store; name the store file itself "
                                    f"({source.name[:-len(suffix)]}): its -wal is read with it")
    current = store_path.absolute()
    for candidate in (current, *(Path(f"{current}{suffix}") for suffix in ("-wal", "-shm", "-journal"))):
        if candidate.exists() and source.samefile(candidate):
            raise SalvageUsageError(
                f"{source} is the current store ([store] path in the config), which records are salvaged INTO; "
                "nothing was done. Name the damaged copy that was moved aside (its name ends in .corrupt-<time>)")
    if info.st_size == 0:
        raise SalvageUsageError(f"{source} is empty: there is nothing to salvage in it")
    try:
        with open(source, "rb") as file:
            header = file.read(100)
        wal = Path(f"{source}-wal")
        if wal.exists():
            open(wal, "rb").close()
    except OSError as error:
        raise SalvageUsageError(f"{error.filename}: cannot be read ({error.strerror}); run as the kiosk's user "
                                "or root") from None
    if header.startswith(SQLITE_MAGIC):
        application_id = int.from_bytes(header[68:72], "big")
        if application_id not in (0, APPLICATION_ID):
            raise SalvageUsageError(f"{source} is another program's SQLite database (application id "
                                    f"{application_id:#010x}), not a kiosk store; nothing was done")
    elif ".corrupt-" not in source.name:
        # Only the kiosk's own move aside vouches for a file whose header is gone.
        raise SalvageUsageError(f"{source} is not an SQLite file (its first bytes are no SQLite header); name the "
                                "damaged store that the kiosk moved aside (<store>.corrupt-<time>)")


# -- reading pages --------------------------------------------------------------------------


class _Pages:
    """The file's pages, each in its newest committed version (the -wal's, else the file's)."""

    def __init__(self, path: Path):
        self._file = open(path, "rb")
        header = self._file.read(100)
        size = _DEFAULT_PAGE_SIZE
        reserved = 0
        if header.startswith(SQLITE_MAGIC):
            raw = int.from_bytes(header[16:18], "big")
            size = 65536 if raw == 1 else raw
            reserved = header[20]
        wal = Path(f"{path}-wal")
        self._wal_file = None
        self._wal: dict[int, int] = {}  # page number -> offset of its newest committed frame
        if wal.exists():
            self._wal_file = open(wal, "rb")
            wal_size = self._read_wal_index(size)
            if wal_size:
                size = wal_size
        if size < 512 or size > 65536 or size & (size - 1):
            size, reserved = _DEFAULT_PAGE_SIZE, 0
        self.size = size
        self.usable = size - reserved
        self._file.seek(0, 2)
        self.count = max(self._file.tell() // size, max(self._wal, default=0))

    def _read_wal_index(self, db_page_size: int) -> int:
        wal = self._wal_file
        header = wal.read(32)
        if len(header) < 32:
            return 0
        magic, _version, page_size, _checkpoint, salt1, salt2, c1, c2 = struct.unpack(">8I", header)
        if magic not in WAL_MAGIC or page_size < 512 or page_size > 65536 or page_size & (page_size - 1):
            return 0
        big_endian = magic & 1
        sums = _wal_checksum(header[:24], 0, 0, big_endian)
        if sums != (c1, c2):
            return 0
        pending: dict[int, int] = {}
        offset = 32
        while True:
            frame_header = wal.read(24)
            data = wal.read(page_size)
            if len(frame_header) < 24 or len(data) < page_size:
                break
            page, commit, f_salt1, f_salt2, f1, f2 = struct.unpack(">6I", frame_header)
            if (f_salt1, f_salt2) != (salt1, salt2):
                break
            sums = _wal_checksum(data, *_wal_checksum(frame_header[:8], *sums, big_endian), big_endian)
            if sums != (f1, f2):
                break  # a torn frame: it and all after it were never committed
            pending[page] = offset + 24
            if commit:  # only frames up to a commit frame count
                self._wal.update(pending)
                pending.clear()
            offset += 24 + page_size
        return page_size

    def page(self, number: int) -> bytes:
        if number in self._wal:
            self._wal_file.seek(self._wal[number])
            return self._wal_file.read(self.size)
        self._file.seek((number - 1) * self.size)
        return self._file.read(self.size)

    def close(self) -> None:
        self._file.close()
        if self._wal_file is not None:
            self._wal_file.close()


def _wal_checksum(data: bytes, s0: int, s1: int, big_endian: int) -> tuple[int, int]:
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


class _BadCell(Exception):
    """A cell that does not parse (overwritten bytes): it is no row, not even a damaged one."""


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = 0
    for i in range(8):
        byte = data[at + i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    return (value << 8) | data[at + 8], at + 9


def _leaf_rows(pages: _Pages, number: int, data: bytes) -> Iterator[tuple[int, list]]:
    start = 100 if number == 1 else 0
    cells = int.from_bytes(data[start + 3:start + 5], "big")
    usable = pages.usable
    max_local = usable - 35
    min_local = (usable - 12) * 32 // 255 - 23
    for i in range(cells):
        try:
            pointer = int.from_bytes(data[start + 8 + 2 * i:start + 10 + 2 * i], "big")
            if not start + 8 < pointer < usable:
                raise _BadCell
            size, at = _varint(data, pointer)
            rowid, at = _varint(data, at)
            if size <= max_local:
                payload = data[at:at + size]
            else:
                local = min_local + (size - min_local) % (usable - 4)
                if local > max_local:
                    local = min_local
                payload = data[at:at + local] + _overflow(pages, int.from_bytes(data[at + local:at + local + 4], "big"),
                                                          size - local)
            if len(payload) != size:
                raise _BadCell
            yield rowid, _record(payload)
        except (_BadCell, IndexError, ValueError, UnicodeDecodeError, struct.error):
            continue


def _overflow(pages: _Pages, number: int, remaining: int) -> bytes:
    parts, seen = [], set()
    while remaining > 0:
        if number < 1 or number > pages.count or number in seen:
            raise _BadCell
        seen.add(number)
        data = pages.page(number)
        part = data[4:4 + min(remaining, pages.usable - 4)]
        parts.append(part)
        remaining -= len(part)
        number = int.from_bytes(data[:4], "big")
    return b"".join(parts)


def _record(payload: bytes) -> list:
    header_size, at = _varint(payload, 0)
    if header_size > len(payload):
        raise _BadCell
    types = []
    while at < header_size:
        serial, at = _varint(payload, at)
        types.append(serial)
    values, at = [], header_size
    for serial in types:
        if serial == 0:
            values.append(None)
        elif serial in (1, 2, 3, 4, 5, 6):
            width = (1, 2, 3, 4, 6, 8)[serial - 1]
            values.append(int.from_bytes(payload[at:at + width], "big", signed=True))
            at += width
        elif serial == 7:
            values.append(struct.unpack(">d", payload[at:at + 8])[0])
            at += 8
        elif serial in (8, 9):
            values.append(serial - 8)
        elif serial >= 12:
            width = (serial - 12) // 2
            raw = payload[at:at + width]
            values.append(raw.decode("utf-8") if serial % 2 else bytes(raw))
            at += width
        else:
            raise _BadCell  # 10 and 11 are reserved
    if at > len(payload):
        raise _BadCell
    return values


# -- records from rows ----------------------------------------------------------------------


def _text(value, name: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value):
        raise ValueError(f"{name} is {value!r}, not text")
    return value


def _optional_text(value, name: str) -> str | None:
    return None if value is None else _text(value, name, empty=True)


def record_values(columns: list[str], values: list, store_id: str | None) -> dict:
    """A recovered row as the record's stored values by column, or ValueError saying what is wrong.

    The payload and flags stay the exact text the store held: the central compares payloads,
    and a re-serialised one could differ from what it got before."""
    row = dict(zip(columns, values))
    if len(values) == len(columns) - 1 and columns[-1] == "store_id":
        # Written before m003 added store_id: such rows read the store's own id.
        if store_id is None:
            raise ValueError("written before stores had an id, and the file's store id is not readable")
        row["store_id"] = store_id
    elif len(values) != len(columns):
        raise ValueError(f"{len(values)} fields, not {len(columns)}")
    try:
        uuid.UUID(_text(row["id"], "id"))
    except ValueError:
        raise ValueError(f"id is {row['id']!r}, not a UUID") from None
    _text(row["kiosk_id"], "kiosk_id")
    _text(row["store_id"], "store_id")
    if not isinstance(row["seq"], int) or row["seq"] < 1:
        raise ValueError(f"seq is {row['seq']!r}")
    _text(row["boot_id"], "boot_id", empty=True)
    _text(row["session_id"], "session_id", empty=True)
    if row["kind"] not in _KINDS:
        raise ValueError(f"kind is {row['kind']!r}")
    for name in ("exhibit_id", "poll_id", "question_version", "redacted_at"):
        _optional_text(row[name], name)
    _text(row["content_version"], "content_version", empty=True)
    try:
        payload = json.loads(_text(row["payload"], "payload"))
        flags = json.loads(_text(row["flags"], "flags"))
    except json.JSONDecodeError as error:
        raise ValueError(f"payload or flags are not JSON ({error.msg})") from None
    if not isinstance(payload, dict):
        raise ValueError("payload is not a JSON object")
    if not isinstance(flags, list) or not set(flags) <= _FLAGS:
        raise ValueError(f"flags are {row['flags']!r}")
    try:
        dt.datetime.fromisoformat(_text(row["created_at"], "created_at"))
    except ValueError:
        raise ValueError(f"created_at is {row['created_at']!r}, not a time") from None
    return row


def _looks_like_store_row(rowid: int, values: list) -> str | None:
    # The `store` table's one row (m003): one = 1 (the rowid: NULL in the row), store_id, created_at.
    if rowid == 1 and len(values) == 3 and values[0] is None and isinstance(values[1], str):
        try:
            return str(uuid.UUID(values[1]))
        except ValueError:
            return None
    return None


@dataclass
class Recovered:
    """What the pages of the damaged file still hold; `records()` streams them from the scratch
    database, in (store_id, seq) order."""

    scratch: sqlite3.Connection
    columns: list[str]
    unreadable: list[str]
    missing: int
    damaged_pages: int
    pages: int

    def records(self, batch: int = 1000) -> Iterator[dict]:
        cursor = self.scratch.execute(f"SELECT {', '.join(self.columns)} FROM found ORDER BY store_id, seq")
        while rows := cursor.fetchmany(batch):
            for row in rows:
                yield dict(zip(self.columns, row))


@contextlib.contextmanager
def recovered(source: Path, scratch_folder: Path | None = None) -> Iterator[Recovered]:
    """Every record the pages of `source` (and its -wal) still hold; reads `source` only.

    The records found are kept in a scratch database in `scratch_folder` (removed afterwards),
    not in memory: a store of a million records is about a gigabyte as Python objects. Put the
    folder on the store's disk rather than a RAM-backed /tmp."""
    columns = record_columns()
    with tempfile.TemporaryDirectory(prefix="kiosk-salvage-", dir=scratch_folder) as folder:
        scratch = sqlite3.connect(Path(folder) / "found.sqlite3")
        try:
            # A scratch file removed afterwards: losing it to a crash loses nothing.
            scratch.execute("PRAGMA journal_mode = OFF")
            scratch.execute("PRAGMA synchronous = OFF")
            scratch.execute(f"CREATE TABLE found ({', '.join(columns)}, PRIMARY KEY (id))")
            unreadable, damaged, count = _scan(source, columns, scratch)
            missing = sum(row[0] for row in scratch.execute(
                "SELECT MAX(seq) - COUNT(DISTINCT seq) FROM found GROUP BY store_id"))
            yield Recovered(scratch, columns, unreadable, missing, damaged, count)
        finally:
            scratch.close()


def _scan(source: Path, columns: list[str], scratch: sqlite3.Connection) -> tuple[list[str], int, int]:
    # An older copy of a page may hold a record as it was before its free text was redacted: the
    # redacted version wins, so salvage never brings back text that was removed.
    keep = (f"INSERT INTO found ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "
            f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in columns if c != 'id')} "
            "WHERE found.redacted_at IS NULL AND excluded.redacted_at IS NOT NULL")
    pages = _Pages(source)
    unreadable: list[str] = []
    # Rows written before m003 lack store_id: they wait for the store's own row, wherever it is.
    without_store_id: list[tuple[int, int, list]] = []
    store_id = None
    damaged = 0
    try:
        scratch.execute("BEGIN")
        for number in range(1, pages.count + 1):
            data = pages.page(number)
            kind = data[100 if number == 1 else 0] if len(data) > 100 else None
            if kind not in (0x02, 0x05, 0x0A, 0x0D):
                # Zeroed free pages and overflow pages are no b-tree pages either; only count a
                # page as damaged when it holds anything at all.
                if kind is not None and any(data[:64]) and not _is_overflow(data, pages):
                    damaged += 1
                continue
            if kind != _TABLE_LEAF:
                continue
            for rowid, values in _leaf_rows(pages, number, data):
                if len(values) == len(columns) - 1:
                    without_store_id.append((number, rowid, values))
                elif len(values) == len(columns):
                    _keep(scratch, keep, columns, number, rowid, values, None, unreadable)
                elif store_id is None:
                    store_id = _looks_like_store_row(rowid, values)
        for number, rowid, values in without_store_id:
            _keep(scratch, keep, columns, number, rowid, values, store_id, unreadable)
        scratch.execute("COMMIT")
    finally:
        pages.close()
    return unreadable, damaged, pages.count


def _keep(scratch, sql, columns, number, rowid, values, store_id, unreadable) -> None:
    try:
        record = record_values(columns, values, store_id)
    except ValueError as error:
        unreadable.append(f"page {number}, row {rowid}: {error}")
        return
    scratch.execute(sql, [record[c] for c in columns])


def _is_overflow(data: bytes, pages: _Pages) -> bool:
    # An overflow page starts with the next page's number (0 on the last): a small number.
    return int.from_bytes(data[:4], "big") <= pages.count


def salvage(source: Path, store) -> SalvageResult:
    """Recover the records of the damaged file `source` into `store`'s outbox (pending), keeping
    every field; records the store already has are skipped, so running it twice adds nothing."""
    with recovered(source, store.path.parent) as found:
        result = SalvageResult(source=source, unreadable=list(found.unreadable), missing=found.missing,
                               damaged_pages=found.damaged_pages, pages=found.pages)
        added, already, clashes = store.add_salvaged(found.records(), batch=SALVAGE_BATCH)
    result.recovered, result.already = added, already
    result.unreadable += [f"record {record_id}: another record has its store_id and seq in the current store"
                          for record_id in clashes]
    return result
