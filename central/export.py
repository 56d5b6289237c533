"""`kiosk-central export`: the kiosk's export (kiosk.export) over the records of every kiosk.

The same files as `kiosk export` writes, with the same safety: the central's database (and its
-wal, -shm), the settings file and the content are never written over, CSV carries a BOM,
formula-like cells are neutralised, and free text goes out only with --include-free-text.
Beside the kiosk's columns (kiosk_id among them) every format has the central's received_at,
last: the central's UTC clock when the record arrived (XLSX: "Empfangen (Ortszeit)", a Berlin
date cell like the created_at's), taken from the Record's `extra` that CentralDb.iter_records fills.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.export.cli import add_selection_arguments, format_from_suffix

DESCRIPTION = """\
Write the poll results and the raw records of every kiosk to a file, in the shapes of
`kiosk export` (docs/central.md): csv writes OUT and OUT-STEM-summary.csv (UTF-8 with BOM),
xlsx one workbook, json one object; each record with its kiosk_id and, last, received_at (when
the central received it, UTC; XLSX in Europe/Berlin). --since and --until are days in Europe/Berlin,
inclusive, of the kiosk's created_at.
Free text typed by visitors is left out unless --include-free-text is given."""


def add_export_command(subparsers, add_config) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "export", help="write poll results and records of every kiosk as CSV, XLSX or JSON",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit codes: 0 written, 1 the export failed (disk full, no permission), 2 usage or settings error "
               "(bad date, missing folder, --out naming the database, its -wal/-shm or the settings).")
    add_config(parser)
    add_selection_arguments(parser)
    parser.set_defaults(handler=cmd_export)
    return parser


def cmd_export(args) -> int:
    from kiosk.core.clock import utc_text
    from kiosk.core.files import Protected
    from kiosk.core.records import RECEIVED_AT
    from kiosk.export.atomic import check_target
    from kiosk.export.csv_out import summary_path
    from kiosk.export.errors import StoreNotFoundError
    from kiosk.export.period import period_from_days
    from kiosk.export.run import Selection, export_records

    from .config import DEFAULT_PATH, load_settings
    from .db import CentralDb

    settings = load_settings(args.config, must_exist=args.config != DEFAULT_PATH)
    fmt = args.format or format_from_suffix(args.out)
    period = period_from_days(args.since, args.until)
    configs = [path for path in (args.config, settings.path) if path is not None]
    protected = Protected(stores=[settings.db], configs=configs, content_roots=[settings.content_root],
                          store_label="the central's database", config_label="the central's settings")
    out = check_target(args.out, protected=protected)
    if fmt == "csv":
        check_target(summary_path(out), "--out (its -summary.csv)", protected)
    if not settings.db.exists():
        # Exporting must never make an empty database: "nobody voted" would be read into it.
        raise StoreNotFoundError(f"no central database at {settings.db}; check [central] db in {args.config}")
    db = CentralDb.open(settings.db)
    try:
        selection = Selection(period, args.poll)
        records = db.iter_records(
            since=utc_text(period.since) if period.since else None,
            until=utc_text(period.until) if period.until else None,
            poll_id=selection.poll_id, exhibit_id=selection.exhibit_id or None)
        result = export_records(records, out, fmt, exhibits=_exhibits(settings.content_root), selection=selection,
                                include_free_text=args.include_free_text, protected=protected,
                                extra_columns=(RECEIVED_AT,))
    finally:
        db.close()
    also = f" and {summary_path(out)}" if fmt == "csv" else ""
    polls = len(result.summaries)
    print(f"wrote {result.records} record{'s' if result.records != 1 else ''} and {polls} poll "
          f"summar{'ies' if polls != 1 else 'y'} to {out}{also}")
    return 0


def _exhibits(root: Path) -> list:
    if not (root / "exhibits").is_dir():
        print(f"kiosk-central: no exhibits/ in the content root {root}; polls are shown by id only", file=sys.stderr)
        return []
    from kiosk.core.content_loader import load_content

    return load_content(root, decode_pictures=False).exhibits
