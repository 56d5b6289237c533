"""`kiosk-central export`: the kiosk's export (kiosk.export) over the records of every kiosk.

The same files as `kiosk export` writes, with the same safety: the central's database (and its
-wal, -shm), the settings file and the content are never written over, CSV carries a BOM,
formula-like cells are neutralised, and free text goes out only with --include-free-text.
Beside the kiosk's columns (kiosk_id among them) every format has the central's received_at,
last: the central's UTC clock when the record arrived (XLSX: "Empfangen (Ortszeit)", a Berlin
date cell like the created_at's), taken from the Record's `extra` that CentralDb.iter_records fills.
CSV comes straight from the database instead: SQLite renders the lines, received_at among them,
and counts the votes (CentralDb.export_lines, export_vote_counts), the same bytes as the records
would give (tests/central/test_central_csv_lines.py), at most twice the sqlite3 shell's time for
a million records (bench/bench_central_export.py).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.export.cli import add_selection_arguments, format_from_suffix

if TYPE_CHECKING:
    from kiosk.export.run import ExportResult

DESCRIPTION = """\
Write the poll results and the raw records of every kiosk to a file, in the shapes of
`kiosk export` (docs/central.md): csv writes OUT and OUT-STEM-summary.csv (UTF-8 with BOM),
xlsx one workbook, json one object; each record with its kiosk_id and, last, received_at (when
the central received it, UTC; XLSX in Europe/Berlin). --since and --until are days in Europe/Berlin,
inclusive, of the kiosk's created_at.
--kiosk and --source narrow it to one kiosk, or to records made on kiosks or on phones.
Free text typed by visitors is left out unless --include-free-text is given. Every export is
noted in the central's export log (who, when, format, filters), which administrators read on
the dashboard."""


SOURCES = ("kiosk", "phone")


def add_export_command(subparsers, add_config) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "export", help="write poll results and records of every kiosk as CSV, XLSX or JSON",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit codes: 0 written, 1 the export failed (disk full, no permission), 2 usage or settings error "
               "(bad date, missing folder, --out naming the database, its -wal/-shm or the settings).")
    add_config(parser)
    add_selection_arguments(parser)
    parser.add_argument("--kiosk", metavar="KIOSK_ID", help="only the records of this kiosk (and its phones)")
    parser.add_argument("--source", choices=SOURCES, help="only records made on a kiosk, or on a phone")
    parser.set_defaults(handler=cmd_export)
    return parser


@dataclass(frozen=True)
class ExportRequest:
    """One export: its format, filters and whether free text goes out; who asked, and how."""

    fmt: str
    since: str | None = None  # days in Europe/Berlin, YYYY-MM-DD, inclusive
    until: str | None = None
    poll: str | None = None  # POLL-ID or EXHIBIT-ID/POLL-ID
    kiosk: str | None = None
    source: str | None = None
    include_free_text: bool = False
    who: str = "?"
    via: str = "cli"

    def filters(self) -> dict:
        return {name: value for name, value in (("since", self.since), ("until", self.until), ("poll", self.poll),
                                                ("kiosk", self.kiosk), ("source", self.source)) if value}


def write_export(db, settings, request: ExportRequest, out: Path, protected) -> ExportResult:
    """Write the export `request` asks for to `out` (and, for csv, its -summary.csv), and note
    it in the export log (before the files get their names: no export goes out unlogged)."""
    from kiosk.core.clock import utc_now, utc_text
    from kiosk.core.records import RECEIVED_AT
    from kiosk.export.period import period_from_days
    from kiosk.export.run import Selection, export_records

    period = period_from_days(request.since, request.until)
    selection = Selection(period, request.poll)
    logged: list[int] = []

    def log() -> None:
        logged.append(db.log_export(utc_text(utc_now()), request.who, request.via, request.fmt, request.filters(),
                                    request.include_free_text))

    if request.fmt == "csv":
        # Straight from the database: SQLite renders the lines and counts the votes, no Record is
        # built per row (bench/bench_central_export.py holds this to twice the sqlite3 shell's
        # time). The content is read beside it, needed only for the summary at the end.
        from concurrent.futures import ThreadPoolExecutor

        from kiosk.export.run import export_store

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-content") as pool:
            exhibits = _Later(pool.submit(_exhibits, settings.content_root))
            result = export_store(_Narrowed(db, request.kiosk, request.source), out, "csv", exhibits=exhibits,
                                  selection=selection, include_free_text=request.include_free_text,
                                  protected=protected, before_publish=log, extra_columns=(RECEIVED_AT,))
        db.export_done(logged[0], result.records)
        return result
    records = db.iter_records(
        since=utc_text(period.since) if period.since else None,
        until=utc_text(period.until) if period.until else None,
        poll_id=selection.poll_id, exhibit_id=selection.exhibit_id or None, kiosk_id=request.kiosk,
        source=request.source)
    result = export_records(
        records, out, request.fmt, exhibits=_exhibits(settings.content_root), selection=selection,
        include_free_text=request.include_free_text, protected=protected, extra_columns=(RECEIVED_AT,),
        before_publish=log)
    db.export_done(logged[0], result.records)
    return result


def cmd_export(args) -> int:
    import getpass

    from kiosk.core.files import Protected
    from kiosk.export.atomic import check_target
    from kiosk.export.csv_out import summary_path
    from kiosk.export.errors import StoreNotFoundError

    from .config import DEFAULT_PATH, load_settings
    from .db import CentralDb, exists, local_files, shown

    settings = load_settings(args.config, must_exist=args.config != DEFAULT_PATH)
    fmt = args.format or format_from_suffix(args.out)
    configs = [path for path in (args.config, settings.path) if path is not None]
    protected = Protected(stores=local_files(settings.db), configs=configs, content_roots=[settings.content_root],
                          store_label="the central's database", config_label="the central's settings")
    out = check_target(args.out, protected=protected)
    if fmt == "csv":
        check_target(summary_path(out), "--out (its -summary.csv)", protected)
    if not exists(settings.db):
        # Exporting must never make an empty database: "nobody voted" would be read into it.
        raise StoreNotFoundError(f"no central database at {shown(settings.db)}; check [central] db in {args.config}")
    request = ExportRequest(fmt, args.since, args.until, args.poll, args.kiosk, args.source, args.include_free_text,
                            who=f"{getpass.getuser()} (command line)", via="cli")
    db = CentralDb.open(settings.db)
    try:
        result = write_export(db, settings, request, out, protected)
    finally:
        db.close()
    also = f" and {summary_path(out)}" if fmt == "csv" else ""
    polls = len(result.summaries)
    print(f"wrote {result.records} record{'s' if result.records != 1 else ''} and {polls} poll "
          f"summar{'ies' if polls != 1 else 'y'} to {out}{also}")
    return 0


class _Narrowed:
    """The central's database as kiosk.export's `export_store` reads a store for CSV (its
    `export_lines` and `vote_tallies`), narrowed to one kiosk or source when the export is."""

    def __init__(self, db, kiosk_id: str | None, source: str | None):
        self._db, self._narrowed = db, {"kiosk_id": kiosk_id, "source": source}

    def export_lines(self, **selection):
        return self._db.export_lines(**selection, **self._narrowed)

    def vote_tallies(self, **selection) -> list[tuple]:
        return self._db.export_vote_counts(**selection, **self._narrowed)


class _Later:
    """The exhibits once they are read: iterating waits for them (and raises what reading raised)."""

    def __init__(self, future):
        self._future = future

    def __iter__(self):
        return iter(self._future.result())


def _exhibits(root: Path) -> list:
    if not (root / "exhibits").is_dir():
        print(f"kiosk-central: no exhibits/ in the content root {root}; polls are shown by id only", file=sys.stderr)
        return []
    from kiosk.core.content_loader import load_content

    return load_content(root, decode_pictures=False).exhibits
