"""Exporting: records in, one file (two for CSV) out, written in one streaming pass.

`export_records` takes any iterable of records (the store's stream, or records built in a
test); `export_store` asks the store for the selection first, so the store does the filtering
where it can.
"""

from __future__ import annotations

import contextlib
import os
import datetime as dt
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from kiosk.core.content_model import Exhibit
from kiosk.core.records import Record

from kiosk.core.files import Protected

from .atomic import NOTHING_PROTECTED, PART_SUFFIX, atomic_paths, check_target
from .columns import columns
from .csv_out import DEFAULT_DIALECT, RFC4180, CsvExport, check_dialect, summary_path, write_lines, write_summaries
from .errors import StoreNotFoundError, UnknownFormatError
from .json_out import JsonExport
from .period import BERLIN, Period
from .summary import PollSummary, RatingBuilder, RatingSummary, SummaryBuilder
from .xlsx_out import EXCEL_MAX_ROWS, XlsxExport

FORMATS = ("csv", "xlsx", "json")


@dataclass(frozen=True)
class Selection:
    """Which records go out: a period of Berlin days, and optionally one poll ('poll' or 'exhibit/poll')."""

    period: Period = Period()
    poll: str | None = None

    @property
    def exhibit_id(self) -> str | None:
        return self.poll.split("/", 1)[0] if self.poll and "/" in self.poll else None

    @property
    def poll_id(self) -> str | None:
        return self.poll.split("/", 1)[1] if self.poll and "/" in self.poll else self.poll


@dataclass
class ExportResult:
    format: str
    paths: list[Path]           # the files written, raw records first
    records: int
    summaries: list[PollSummary] = field(default_factory=list)
    raw_sheets: list[str] = field(default_factory=list)  # XLSX only
    ratings: list[RatingSummary] = field(default_factory=list)  # not in CSV
    # Records per kind ("vote", "idea", ...); empty for the CSV written straight from the store.
    kinds: dict[str, int] = field(default_factory=dict)
    include_free_text: bool = False


def export_records(records: Iterable[Record], out: Path | str, fmt: str, *, exhibits: Iterable[Exhibit] = (),
                   selection: Selection = Selection(), include_free_text: bool = False,
                   xlsx_max_rows: int = EXCEL_MAX_ROWS, protected: Protected = NOTHING_PROTECTED,
                   csv_dialect: str = DEFAULT_DIALECT, before_publish: Callable[[], None] | None = None,
                   extra_columns: Iterable[str] = ()) -> ExportResult:
    """Write `records` (those inside `selection`) and their poll summaries to `out` as `fmt`.

    `extra_columns` (names from kiosk.core.records.EXPORT_EXTRA_COLUMNS, in the order wanted) adds
    columns taken from each record's `extra` after the record's own: the central's received_at.
    Without them the files are exactly the kiosk's.

    Nothing in `protected` (the store, the config, the content) is ever written over, nor a file
    that is not a regular file: that is refused before anything is written. `before_publish` runs
    once the files are written, before they get their names; what it raises leaves nothing."""
    if fmt not in FORMATS:
        raise UnknownFormatError(f"--format: '{fmt}' is not one of {', '.join(FORMATS)}")
    check_dialect(csv_dialect)
    cols = columns(include_free_text, extra_columns)
    finals = _finals(out, fmt, protected)
    out = finals[0]
    period, exhibit_id, poll_id = selection.period, selection.exhibit_id, selection.poll_id
    check_period = period.since is not None or period.until is not None
    builder, ratings = SummaryBuilder(), RatingBuilder()
    kinds: dict = {}
    count = 0
    with atomic_paths(*finals, before_publish=before_publish) as temps, _work_folder(out.parent) as work:
        writer = _writer(fmt, temps, cols, work, xlsx_max_rows, csv_dialect)
        try:
            for record in records:
                # The store filters already; checking again keeps the file true to the selection
                # whatever iterable was passed in.
                if check_period and not period.contains(record.created_at):
                    continue
                if (poll_id and record.poll_id != poll_id) or (exhibit_id and record.exhibit_id != exhibit_id):
                    continue
                builder.add(record)
                ratings.add(record)
                kinds[record.kind] = kinds.get(record.kind, 0) + 1
                writer.add(record)
                count += 1
            exhibits = list(exhibits)
            summaries = builder.summaries(exhibits, exhibit_id=exhibit_id, poll_id=poll_id)
            # A one-poll export is about that poll: no rating table beside it.
            rated = [] if poll_id else ratings.summaries(exhibits, exhibit_id=exhibit_id)
            meta = {
                "created_at": dt.datetime.now(BERLIN).isoformat(timespec="seconds"),
                "period": period.describe(),
                "since": period.since_day.isoformat() if period.since_day else None,
                "until": period.until_day.isoformat() if period.until_day else None,
                "poll": selection.poll,
                "records": count,
                "include_free_text": include_free_text,
            }
            writer.finish(summaries, meta, rated)
        finally:
            writer.close()
    return ExportResult(format=fmt, paths=finals, records=count, summaries=summaries,
                        raw_sheets=list(getattr(writer, "raw_sheets", [])), ratings=rated,
                        kinds={getattr(k, "value", k): n for k, n in kinds.items()},
                        include_free_text=include_free_text)


def export_store(store, out: Path | str, fmt: str, *, exhibits: Iterable[Exhibit] = (),
                 selection: Selection = Selection(), include_free_text: bool = False,
                 xlsx_max_rows: int = EXCEL_MAX_ROWS, protected: Protected = NOTHING_PROTECTED,
                 csv_dialect: str = DEFAULT_DIALECT, before_publish: Callable[[], None] | None = None,
                 extra_columns: Iterable[str] = ()) -> ExportResult:
    """As `export_records`, from `store`; the store's own files are always protected as well.

    CSV comes from `store.export_lines` where the store has it (see `_export_store_csv`): the
    kiosk's store, or the central's database, whose lines also render the extra columns."""
    check_dialect(csv_dialect)
    store_path = getattr(store, "path", None)
    if store_path is not None:
        protected = protected.with_store(store_path)
    if fmt == "csv" and hasattr(store, "export_lines"):
        return _export_store_csv(store, out, exhibits=exhibits, selection=selection,
                                 include_free_text=include_free_text, protected=protected, dialect=csv_dialect,
                                 before_publish=before_publish, extra_columns=extra_columns)
    _finals(out, fmt, protected)  # refused before the store is read
    period = selection.period
    records = store.iter_records(since=period.since, until=period.until, poll_id=selection.poll_id)
    return export_records(records, out, fmt, exhibits=exhibits, selection=selection,
                          include_free_text=include_free_text, xlsx_max_rows=xlsx_max_rows, protected=protected,
                          csv_dialect=csv_dialect, before_publish=before_publish, extra_columns=extra_columns)


def _finals(out: Path | str, fmt: str, protected: Protected) -> list[Path]:
    """The files an export writes, each checked: CSV's summary beside OUT is a target too."""
    out = check_target(Path(out), protected=protected)
    if fmt != "csv":
        return [out]
    return [out, check_target(summary_path(out), "--out (its -summary.csv)", protected)]


def _export_store_csv(store, out: Path | str, *, exhibits: Iterable[Exhibit], selection: Selection,
                      include_free_text: bool, protected: Protected, dialect: str = RFC4180,
                      before_publish: Callable[[], None] | None = None,
                      extra_columns: Iterable[str] = ()) -> ExportResult:
    """CSV straight from the store: SQLite renders the lines and counts the votes, the records
    are never built in Python (the export is held to twice the time of the sqlite3 shell's CSV,
    bench/bench_export.py). The same files as `export_records` gives for the same records."""
    finals = _finals(out, "csv", protected)
    out = finals[0]
    cols = columns(include_free_text, extra_columns)
    period, exhibit_id, poll_id = selection.period, selection.exhibit_id, selection.poll_id
    # The selection the other formats get: the store filters the poll as iter_records does, and
    # an empty exhibit id ("/poll") filters nothing, as in export_records.
    chosen = dict(since=period.since, until=period.until, poll_id=poll_id, exhibit_id=exhibit_id or None)
    with atomic_paths(*finals, before_publish=before_publish) as temps:
        with store.export_lines(include_free_text=include_free_text, **chosen) as lines, \
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-tallies") as pool:
            if tuple(lines.columns) != cols:
                raise RuntimeError(f"the store renders the columns {lines.columns}, the export names {cols}; "
                                   "the store's export_lines and kiosk/export/columns.py must change together")
            # Counting the votes takes SQLite about a second per million records; it runs on its
            # own connection beside the writing, limited to the records of the lines' snapshot.
            tallies = pool.submit(store.vote_tallies, upto=lines.upto, **chosen)
            count = write_lines(temps[0], lines, cols, dialect)
            builder = SummaryBuilder()
            rows = tallies.result()
            if any(row[7] for row in rows):
                # A vote SQLite cannot count as Python does (see Store.vote_tallies): count them
                # all in Python, from the same snapshot, as export_records does.
                for record in lines.votes():
                    builder.add(record)
            else:
                for exhibit, poll, version, suspect, answer, votes, voters, _unusual in rows:
                    builder.add_tally(exhibit, poll, version, suspect, answer, votes, voters)
        summaries = builder.summaries(exhibits, exhibit_id=exhibit_id, poll_id=poll_id)
        write_summaries(temps[1], summaries, dialect)
    return ExportResult(format="csv", paths=finals, records=count, summaries=summaries,
                        include_free_text=include_free_text)


def open_store(path: Path, kiosk_id: str):
    """The store at `path`; never creates one, since an export of a fresh empty store would look
    like 'nobody voted' rather than 'wrong file'."""
    path = Path(path)
    if not os.path.lexists(path):  # never raises: a folder that may not be entered is named by the store
        raise StoreNotFoundError(f"--store: no store at {path}; pass --store PATH or check [store] path in "
                                 "the config")
    from kiosk.store import Store  # imported late: `kiosk export --help` must work without it

    return Store.open_for_reading(path, kiosk_id)


def _writer(fmt: str, temps: list[Path], cols, work: Path, xlsx_max_rows: int, csv_dialect: str):
    if fmt == "csv":
        return CsvExport(temps[0], temps[1], cols, csv_dialect)
    if fmt == "xlsx":
        return XlsxExport(temps[0], cols, tmpdir=work, max_rows=xlsx_max_rows)
    return JsonExport(temps[0], work / "records.json", cols)


@contextlib.contextmanager
def _work_folder(folder: Path):
    # Scratch space (xlsxwriter's row files, the JSON spool) beside the output: the space is
    # checked where the export goes, and it never fills /tmp, which is RAM (tmpfs) on Debian.
    work = Path(tempfile.mkdtemp(prefix=".kiosk-export-", suffix=PART_SUFFIX, dir=folder))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
