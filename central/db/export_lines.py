"""The CSV export's lines: rendered by SQLite (ExportLines, sqlite_export_lines, sqlite_vote_counts), or on
PostgreSQL left to kiosk.export to render from each Record (RecordLines)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterable, Iterator

from kiosk.core.records import FREE_TEXT_FIELDS, RECORD_FIELDS, Flag, Record

from ..errors import CentralDbError
from .dialects import connect_sqlite
from .rows import read_failed as _read_failed, record_of as _record

# -- the CSV export's lines, rendered by SQLite ------------------------------------------------

# What a cell becomes when SQLite cannot render it the way kiosk.export renders a Record: a lone
# double quote, which a plain cell never holds, so kiosk.export renders that record itself.
_ODD = "'\"'"
_EXPORT_ORDER = " ORDER BY created_at, kiosk_id, store_id, seq"  # iter_records' order; unique
_EXPORT_RECORD = f"{', '.join(RECORD_FIELDS)}, source, received_at"  # what _record reads


def _export_number(path: str) -> str:
    # The number as stored: its JSON text, which canonical_json wrote with Python's repr, so it
    # is str() of the number (json_extract would give SQLite's own float format). null, true and
    # false have an "l" or a "u", which no JSON number has: odd. A string comes quoted (odd), an
    # array or object keeps its [ or {, which kiosk.export looks for.
    return f"replace(replace(payload -> '{path}', 'l', '\"'), 'u', '\"')"


def _export_text(path: str) -> str:
    return f"nullif(payload ->> '{path}', 0)"  # `value or ""`: NULL, false and 0 give an empty cell


def _export_line_sql(include_free_text: bool) -> str:
    """One record's CSV line, as kiosk.store's export_lines renders the kiosk's (the same cells,
    tests/central/test_central_csv_lines.py holds them to the record path's bytes), then received_at."""
    from kiosk.core.records import EXPORT_COLUMNS

    rendered = {
        "answers": f"CASE kind WHEN 'vote' THEN (SELECT group_concat(iif(type = 'text' AND typeof(key) = 'integer', "
                   f"value, {_ODD}), ';') FROM json_each(payload, '$.answers')) END",
        "rating": _export_number("$.rating"),
        "layer": _export_text("$.layer"),
        "dwell_s": _export_number("$.dwell_s"),
        "flags": "CASE flags WHEN '[]' THEN NULL ELSE (SELECT group_concat(value, ';') FROM json_each(flags)) END",
    }
    cells = [rendered.get(name, name) for name in EXPORT_COLUMNS]
    if include_free_text:
        cells.append("CASE kind " + " ".join(f"WHEN '{kind}' THEN {_export_text('$.' + name)}"
                                             for kind, name in FREE_TEXT_FIELDS.items()) + " END")
    cells.append("received_at")
    line = f"printf('{','.join('%s' for _ in cells)}', {', '.join(cells)})"
    # The whole line is odd when SQLite does not read the payload as JSON (Python's json writes
    # NaN) or it holds a NUL character (SQLite's JSON ends the text there, Python keeps the rest).
    return (f"CAST(CASE WHEN json_valid(payload) AND NOT instr(payload, '\\u0000') "
            f"AND (flags = '[]' OR json_valid(flags)) THEN {line} ELSE {_ODD} END AS BLOB)")



def _read_failed(path: Path, error: sqlite3.Error) -> CentralDbError:
    return CentralDbError(f"{path}: the central's database cannot be read ({error}); nothing was exported. "
                          "Check the file and its folder's permissions")


class ExportLines:
    """One snapshot of the selected records as raw CSV lines, for `kiosk.export`'s CSV (`write_lines`).

    The kiosk store's ExportLines over the central's records: iterating yields batches (lists)
    of lines, each a record's cells in `columns` order (the kiosk's, free_text when asked for,
    then received_at), UTF-8, joined by "," without quoting or neutralising; a cell SQLite cannot
    render as kiosk.export would is a lone '"'. kiosk.export finds the lines it cannot write as
    they are (quotes, line breaks, formula starts, that marker) and renders those records itself,
    from `records(positions)`. Rendering in SQLite is what holds a million records' CSV to twice
    the sqlite3 shell's time (bench/bench_central_export.py); a Record per row took four times.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, include_free_text: bool, where: list[str],
                 params: list, batch: int, upto: int):
        from kiosk.core.records import EXPORT_COLUMNS, EXPORT_FREE_TEXT_COLUMN, RECEIVED_AT

        self._path, self._conn = path, conn
        self._line_sql = _export_line_sql(include_free_text)
        self._where, self._params, self._batch = where, params, batch
        self.upto = upto  # the highest rowid of the snapshot: export_vote_counts(upto=...) counts the same
        self.columns = EXPORT_COLUMNS + ((EXPORT_FREE_TEXT_COLUMN,) if include_free_text else ()) + (RECEIVED_AT,)
        self._cursor: sqlite3.Cursor | None = None
        self._keyed = False  # the cursor's rows are (rowid, line), not (line,)
        self._rowids: list[int] | None = None
        self._start = self._size = 0  # the last batch: its place in the stream and its length

    def __iter__(self) -> Iterator[list[bytes]]:
        try:
            self._cursor = self._open().execute(f"SELECT {self._line_sql}{self._from()}", self._params)
            self._cursor.arraysize = self._batch
            self._keyed, self._rowids, self._start, self._size = False, None, 0, 0
            while rows := self._cursor.fetchmany():
                self._start += self._size
                self._size = len(rows)
                if self._keyed:
                    self._rowids = [row[0] for row in rows]
                    yield [row[1] for row in rows]
                else:
                    self._rowids = None
                    yield [row[0] for row in rows]
        except sqlite3.Error as error:
            raise _read_failed(self._path, error) from error

    def records(self, positions: Iterable[int]) -> list[Record]:
        """The records of the lines at `positions` in the batch last yielded, from the same snapshot."""
        try:
            conn = self._open()
            if self._cursor is None:
                raise ValueError("ExportLines.records() names lines of the batch last yielded; iterate first")
            if self._rowids is None:
                # The first time records are needed, the rest of the stream is read with its
                # rowids, from the start of this batch (the order is unique: the same rows).
                cursor = conn.execute(f"SELECT rowid, {self._line_sql}{self._from()} LIMIT -1 OFFSET ?",
                                      [*self._params, self._start])
                cursor.arraysize = self._batch
                self._rowids = [row[0] for row in cursor.fetchmany(self._size)]
                self._cursor.close()
                self._cursor, self._keyed = cursor, True
            wanted = [self._rowids[i] for i in positions]
            found: dict[int, Record] = {}
            for start in range(0, len(wanted), 500):  # under SQLite's limit on bound parameters
                chunk = wanted[start:start + 500]
                rows = conn.execute(f"SELECT rowid, {_EXPORT_RECORD} FROM records WHERE rowid IN "
                                    f"({', '.join('?' for _ in chunk)})", chunk).fetchall()
                found.update((row[0], _record(row[1:])) for row in rows)
            return [found[rowid] for rowid in wanted]
        except sqlite3.Error as error:
            raise _read_failed(self._path, error) from error

    def votes(self) -> Iterator[Record]:
        """The selected votes as records, from the same snapshot, in the export's order."""
        try:
            cursor = self._open().execute("SELECT " + _EXPORT_RECORD + self._from("kind = 'vote'"), self._params)
            cursor.arraysize = self._batch
            while rows := cursor.fetchmany():
                yield from map(_record, rows)
        except sqlite3.Error as error:
            raise _read_failed(self._path, error) from error

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> ExportLines:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _open(self) -> sqlite3.Connection:
        if self._conn is None:
            raise CentralDbError(f"{self._path}: the export's read of the central's database was closed")
        return self._conn

    def _from(self, *also: str) -> str:
        where = [*also, *self._where]
        return (" FROM records" if where == [] else " FROM records WHERE " + " AND ".join(where)) + _EXPORT_ORDER



class RecordLines:
    """The export's lines where the database does not render them (PostgreSQL): every line is
    the marker '"', so kiosk.export renders each record itself from `records(positions)`, the
    same bytes as the record path (it is the record path). One snapshot (CentralDb.iter_records);
    the votes among the records are kept on the way for `votes()`, which export_store reads
    after the lines (export_vote_counts says every vote is to be counted in Python)."""

    upto = None

    def __init__(self, db, include_free_text: bool, selection: tuple[list[str], list], batch: int):
        from kiosk.core.records import EXPORT_COLUMNS, EXPORT_FREE_TEXT_COLUMN, RECEIVED_AT

        self.columns = EXPORT_COLUMNS + ((EXPORT_FREE_TEXT_COLUMN,) if include_free_text else ()) + (RECEIVED_AT,)
        self._db, self._batch = db, batch
        self._chosen = _chosen(*selection)
        self._stream = None
        self._last: list[Record] = []
        self._votes: list[Record] = []

    def __iter__(self) -> Iterator[list[bytes]]:
        from itertools import islice

        from kiosk.core.records import Kind

        self._stream = self._db.iter_records(**self._chosen)
        self._votes = []
        while batch := list(islice(self._stream, self._batch)):
            self._last = batch
            self._votes.extend(record for record in batch if record.kind is Kind.VOTE)
            yield [b'"'] * len(batch)

    def records(self, positions: Iterable[int]) -> list[Record]:
        return [self._last[i] for i in positions]

    def votes(self) -> Iterator[Record]:
        if self._stream is None:
            for _batch in self:
                pass
        return iter(self._votes)

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()

    def __enter__(self) -> RecordLines:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _chosen(where: list[str], params: list) -> dict:
    """export_where's clauses back as iter_records' keywords."""
    names = {"created_at >= ?": "since", "created_at < ?": "until", "poll_id = ?": "poll_id",
             "exhibit_id = ?": "exhibit_id", "kiosk_id = ?": "kiosk_id", "source = ?": "source"}
    return {names[clause]: value for clause, value in zip(where, params)}


def sqlite_export_lines(path: Path, include_free_text: bool, where: list[str], params: list, batch: int
                        ) -> ExportLines:
    """CentralDb.export_lines on SQLite: a connection of its own, in one read transaction."""
    conn = connect_sqlite(path)
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.execute("BEGIN")  # the bound below, every batch and every record looked up: one snapshot
        upto = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM records").fetchone()[0]
    except sqlite3.Error as error:
        conn.close()
        raise _read_failed(path, error) from error
    except BaseException:
        conn.close()
        raise
    return ExportLines(path, conn, include_free_text, where, params, batch, upto)


def sqlite_vote_counts(path: Path, where: list[str], params: list, upto: int | None) -> list[tuple]:
    """CentralDb.export_vote_counts on SQLite: counted in SQL, on a connection of its own."""
    where.insert(0, "r.kind = 'vote'")
    if upto is not None:
        where.append("r.rowid <= ?")
        params.append(upto)
    conn = connect_sqlite(path)
    try:
        conn.execute("PRAGMA query_only = ON")

        def tally(payload: str, unreadable: str) -> list[tuple]:
            return conn.execute(
                "SELECT COALESCE(r.exhibit_id, ''), COALESCE(r.poll_id, ''), COALESCE(r.question_version, ''), "
                "instr(r.flags, ?) > 0, a.value, COUNT(a.value), "
                # each record's first row of json_each has key 0, or key NULL when it has no answers
                "SUM(a.key IS NULL OR a.key = 0), "
                f"SUM({unreadable} NOT (a.type IS NULL OR (a.type = 'text' AND typeof(a.key) = 'integer') "
                "OR (a.type = 'null' AND a.key IS NULL))) "
                f"FROM records r LEFT JOIN json_each({payload}, '$.answers') a "
                f"WHERE {' AND '.join(where)} GROUP BY 1, 2, 3, 4, 5",
                [json.dumps(Flag.SUSPECT_BURST.value), *params]).fetchall()

        try:
            return tally("r.payload", "")
        except sqlite3.OperationalError as error:
            if "JSON" not in str(error):
                raise
            # A payload SQLite does not take for JSON: count again, reading each payload twice.
            return tally("iif(json_valid(r.payload), r.payload, '{}')", "NOT json_valid(r.payload) OR")
    except sqlite3.Error as error:
        raise _read_failed(path, error) from error
    finally:
        conn.close()
