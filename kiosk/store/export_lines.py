"""The CSV export's lines, rendered by SQLite, and the vote counts of the same snapshot.

Rendering in SQLite is what makes a large CSV export fast (see ExportLines); the cells follow
EXPORT_COLUMNS of kiosk.core.records, and a cell SQLite cannot render the way kiosk.export does
is marked, so that the export renders that record itself.
"""

from __future__ import annotations

import sqlite3
from typing import Callable, Iterable, Iterator

from kiosk.core.clock import utc_text
from kiosk.core.records import (
    EXPORT_COLUMNS,
    EXPORT_FREE_TEXT_COLUMN,
    FREE_TEXT_FIELDS,
    Record,
)

from .errors import StoreClosedError
from .rows import RECORD_COLUMNS, SUSPECT, record_from_row

# The raw columns of an export are EXPORT_COLUMNS of kiosk.core.records, as for kiosk.export;
# "free_text" comes last, and only when asked for.
# What a cell becomes when SQLite cannot render it the way the export renders a Record (see
# ExportLines): a lone double quote, which a plain cell never holds, so the line is never
# taken as it is.
_ODD = "'\"'"


def _export_number(path: str) -> str:
    # The number as stored: its JSON text, which the store wrote with Python's repr, so it is
    # str() of the number (json_extract would give SQLite's own, shorter, float format).
    # The literals null, true and false (str() gives "" / "True" / "False") have an "l" or a "u",
    # which no JSON number has; those become the odd marker. A string comes quoted, which is odd
    # by itself; an array or object keeps its [ or {, which the caller checks for.
    return f"replace(replace(payload -> '{path}', 'l', '\"'), 'u', '\"')"


def _export_text(path: str) -> str:
    # `value or ""`: NULL, false and 0 give an empty cell, as they do in Python.
    return f"nullif(payload ->> '{path}', 0)"


def export_line_sql(include_free_text: bool) -> str:
    rendered = {
        # Answers only of votes, joined with ';' in their order; anything but an array of strings is odd.
        "answers": f"CASE kind WHEN 'vote' THEN (SELECT group_concat(iif(type = 'text' AND typeof(key) = 'integer', value, "
        f"{_ODD}), ';') FROM json_each(payload, '$.answers')) END",
        "rating": _export_number("$.rating"),
        "layer": _export_text("$.layer"),
        "dwell_s": _export_number("$.dwell_s"),
        "flags": "CASE flags WHEN '[]' THEN NULL ELSE (SELECT group_concat(value, ';') FROM json_each(flags)) END",
    }
    # A record's own field is its column as stored; the rest are read from the payload above.
    cells = [rendered.get(name, name) for name in EXPORT_COLUMNS]
    if include_free_text:
        texts = " ".join(f"WHEN '{kind}' THEN {_export_text('$.' + name)}" for kind, name in FREE_TEXT_FIELDS.items())
        cells.append(f"CASE kind {texts} END")
    line = f"printf('{','.join('%s' for _ in cells)}', {', '.join(cells)})"
    # The whole line is odd, rather than the export failing or a cell wrong, when SQLite does not
    # read the payload as JSON (Python's json writes NaN and Infinity, for one), or when it holds
    # a NUL character (SQLite's JSON ends the text there, Python keeps the rest).
    return (f"CAST(CASE WHEN json_valid(payload) AND NOT instr(payload, '\\u0000') "
            f"AND (flags = '[]' OR json_valid(flags)) THEN {line} ELSE {_ODD} END AS BLOB)")


def export_where(since, until, poll_id, exhibit_id, prefix: str = "") -> tuple[list[str], list]:
    where, params = [], []
    if since is not None:
        where.append(f"{prefix}created_at >= ?")
        params.append(since if isinstance(since, str) else utc_text(since))
    if until is not None:
        where.append(f"{prefix}created_at < ?")
        params.append(until if isinstance(until, str) else utc_text(until))
    if poll_id is not None:
        where.append(f"{prefix}poll_id = ?")
        params.append(poll_id)
    if exhibit_id is not None:
        where.append(f"{prefix}exhibit_id = ?")
        params.append(exhibit_id)
    return where, params


class ExportLines:
    """One snapshot of the selected records, as raw CSV lines for `kiosk.export`.

    Iterating yields batches, lists of lines: each line is a record's cells in `columns` order,
    UTF-8, joined by "," with no line end, no quoting and no formula neutralising. A cell is the
    text `kiosk.export.columns.csv_fields` gives for the record, except where SQLite cannot
    render a value that way (a JSON value of a type the kiosk never writes there): that cell is
    a lone '"'. A line holding a '"', '[', '{', CR or LF, a cell starting with = + - @ or tab, or
    a "," inside a cell, must therefore not be used as it is: the caller renders those records
    itself, from `records(positions)`.

    Rendering in SQLite is what makes a large CSV export fast: with a Record built per row in
    Python, the export took three times as long as the sqlite3 shell's CSV of the same rows.
    """

    def __init__(self, conn: sqlite3.Connection, line_sql: str, where: list[str], params: list, batch: int,
                 upto: int, include_free_text: bool, read_failed: Callable[[sqlite3.Error], Exception]):
        self._conn: sqlite3.Connection | None = conn
        self._read_failed = read_failed  # turns a SQLite error into the store's error in words
        self._line_sql, self._where, self._params, self._batch = line_sql, where, params, batch
        # The highest rowid in this snapshot: `Store.vote_tallies(upto=...)` counts the same records.
        self.upto = upto
        self.columns = EXPORT_COLUMNS + ((EXPORT_FREE_TEXT_COLUMN,) if include_free_text else ())
        self._cursor: sqlite3.Cursor | None = None
        self._keyed = False              # the cursor's rows are (rowid, line), not (line,)
        self._rowids: list[int] | None = None
        self._start = self._size = 0     # the last batch: its position in the stream and its length

    def __iter__(self) -> Iterator[list[bytes]]:
        try:
            yield from self._batches()
        except sqlite3.Error as error:
            raise self._read_failed(error) from error

    def _batches(self) -> Iterator[list[bytes]]:
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

    def records(self, positions: Iterable[int]) -> list[Record]:
        """The records of the lines at `positions` in the batch last yielded, from the same snapshot."""
        try:
            return self._records(positions)
        except sqlite3.Error as error:
            raise self._read_failed(error) from error

    def _records(self, positions: Iterable[int]) -> list[Record]:
        conn = self._open()
        if self._cursor is None:
            raise ValueError("ExportLines.records() names lines of the batch last yielded; iterate first")
        if self._rowids is None:
            # Reading the rowids costs about 6% more, and nearly every export needs none. The
            # first time some are needed, the rest of the stream is read with them, from the
            # start of this batch: the order (kiosk_id, seq, store_id) is unique, so the rows are the same.
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
            rows = conn.execute(f"SELECT rowid, {RECORD_COLUMNS} FROM records WHERE rowid IN "
                                f"({', '.join('?' for _ in chunk)})", chunk).fetchall()
            found.update((row[0], record_from_row(row[1:])) for row in rows)
        return [found[rowid] for rowid in wanted]

    def votes(self) -> Iterator[Record]:
        """The selected votes as records, from the same snapshot, in seq order."""
        votes = self._from("kind = 'vote'")
        try:
            cursor = self._open().execute(f"SELECT {RECORD_COLUMNS}{votes}", self._params)
            cursor.arraysize = self._batch
            rows = cursor.fetchmany()
        except sqlite3.Error as error:
            raise self._read_failed(error) from error
        while rows:
            for row in rows:
                yield record_from_row(row)
            try:
                rows = cursor.fetchmany()
            except sqlite3.Error as error:
                raise self._read_failed(error) from error

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> "ExportLines":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _open(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreClosedError("the export's read of the store was closed")
        return self._conn

    def _from(self, *also: str) -> str:
        where = [*also, *self._where]
        return (" FROM records" + (" WHERE " + " AND ".join(where) if where else "")
                + " ORDER BY kiosk_id, seq, store_id")


def tally_votes(conn: sqlite3.Connection, where: list[str], params: list,
                read_failed: Callable[[sqlite3.Error], Exception]) -> list[tuple]:
    """The rows of `Store.vote_tallies`, counted by SQLite on `conn` (see there)."""

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
            [SUSPECT, *params]).fetchall()

    try:
        try:
            return tally("r.payload", "")
        except sqlite3.OperationalError as error:
            if "JSON" not in str(error):
                raise read_failed(error) from error
            # A payload that is not JSON to SQLite ("malformed JSON"): count again, reading
            # each payload twice, which the usual case need not pay for.
            return tally("iif(json_valid(r.payload), r.payload, '{}')", "NOT json_valid(r.payload) OR")
    except sqlite3.DatabaseError as error:
        raise read_failed(error) from error
