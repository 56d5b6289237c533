"""`kiosk export`: the command line over `export_store`.

Hooked into `kiosk/cli.py` with `add_export_command(commands)`. The export machinery is
imported only when the command runs: every `kiosk` command builds this parser, and `kiosk run`
should not pay for exports at start-up.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FORMATS = ("csv", "xlsx", "json")  # the same as kiosk.export.run.FORMATS (a test keeps them equal)
CSV_DIALECTS = ("rfc4180", "excel-de")  # the same as kiosk.export.csv_out.DIALECTS, default first

DESCRIPTION = """\
Write the poll results (one summary per poll and question version, suspect votes counted
apart) and the raw records to a file.

csv  writes two files: OUT with one row per record, and OUT-STEM-summary.csv beside it with
     the poll summaries (UTF-8 with BOM; e.g. --out results.csv also writes results-summary.csv).
     --csv-dialect rfc4180 (default): comma separated, decimal point, for scripts and databases.
     --csv-dialect excel-de: semicolon separated, decimal comma (12,5), so a German Excel or
     LibreOffice opens it in columns with a double click.
xlsx writes one workbook for reading: German column headers, times as dates in Europe/Berlin
     time; sheet "Übersicht", "Bewertungen" (ratings 1-5 per exhibit: count, average,
     distribution), the records in "Daten" (continued in "Daten 2", ... past Excel's 1,048,576
     rows), one sheet per poll named by its question.
json writes one object {"export", "summaries", "ratings", "records"}.

Free text typed by visitors (ideas, comments) is left out unless --include-free-text is given.
Cells starting with = + - @ tab or CR are prefixed with ' in CSV and XLSX so they open as text.
The file appears under its name only when complete."""


def add_export_command(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "export", help="write poll results and records as CSV, XLSX or JSON",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit codes: 0 written, 1 the export failed (disk full, stick removed, damaged store), "
               "2 usage or config error (bad date, missing folder, no store, --out naming the store, the "
               "config, content or a device).")
    parser.add_argument("--config", type=Path, default=Path("config.toml"), metavar="PATH",
                        help="kiosk settings (default: ./config.toml)")
    add_selection_arguments(parser)
    parser.add_argument("--csv-dialect", choices=CSV_DIALECTS, default=CSV_DIALECTS[0],
                        help="csv only: rfc4180 (default; ',' and decimal point) or excel-de (';' and decimal "
                             "comma, opens in columns in a German Excel)")
    parser.add_argument("--store", type=Path, metavar="PATH", help="store to export (default: [store] path of the "
                        "config)")
    parser.set_defaults(handler=cmd_export)
    return parser


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """What to write and where: the arguments `kiosk export` and `kiosk-central export` share."""
    parser.add_argument("--format", choices=FORMATS, help="file format (default: from the --out suffix)")
    parser.add_argument("--out", type=Path, required=True, metavar="PATH",
                        help="file to write; its folder must exist. csv also writes <stem>-summary.csv beside it")
    parser.add_argument("--since", metavar="DATE", help="first day to include, YYYY-MM-DD (Europe/Berlin)")
    parser.add_argument("--until", metavar="DATE", help="last day to include, YYYY-MM-DD (Europe/Berlin)")
    parser.add_argument("--poll", metavar="ID", help="only this poll: POLL-ID or EXHIBIT-ID/POLL-ID")
    parser.add_argument("--include-free-text", action="store_true",
                        help="add the ideas' and comments' text (personal data may be in it; handle with care)")


def cmd_export(args) -> int:
    from concurrent.futures import ThreadPoolExecutor, wait

    from kiosk.core.config import load_config

    from .atomic import check_target
    from .csv_out import summary_path
    from .period import period_from_days
    from .run import Selection, export_store, open_store

    from kiosk.core.files import Protected
    from kiosk.store.errors import StoreDamagedError

    fmt = args.format or format_from_suffix(args.out)
    period = period_from_days(args.since, args.until)
    config = load_config(args.config)
    store_path = args.store or config.store.path
    # Nothing the kiosk needs is ever written over, whichever store is exported.
    protected = Protected(stores=[store_path, config.store.path], configs=[c for c in (args.config, config.path) if c],
                          content_roots=[config.content.root])
    out = check_target(args.out, protected=protected)
    if fmt == "csv":
        check_target(summary_path(out), "--out (its -summary.csv)", protected)
    # The content (question texts, answer labels) is only needed for the summaries at the end,
    # and the store's integrity check reads every page (about a second per million records):
    # both run beside the export, each on its own connection, and the files get their names
    # only once the check has passed (bench/bench_export.py holds the whole command to twice
    # the sqlite3 shell's time).
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="export-beside") as pool:
        exhibits = _Later(pool.submit(_exhibits, config.content.root))
        store = open_store(store_path, config.kiosk.id)
        integrity = None
        try:
            integrity = pool.submit(store.check_integrity)

            def confirm_sound() -> None:
                damage = integrity.result()
                if damage:
                    raise StoreDamagedError(
                        f"{store.path} is damaged ({'; '.join(damage)}); nothing was exported. Back up the file and "
                        "give it to IT (the sqlite3 shell's .recover may get its records back); the kiosk moves it "
                        "aside on its next start")

            result = export_store(store, out, fmt, exhibits=exhibits, selection=Selection(period, args.poll),
                                  include_free_text=args.include_free_text, protected=protected,
                                  csv_dialect=args.csv_dialect, before_publish=confirm_sound)
        finally:
            if integrity is not None:
                wait([integrity])  # the check reads through the store's connection: done before it closes
            close = getattr(store, "close", None)
            if close is not None:
                close()
    also = f" and {summary_path(out)}" if fmt == "csv" else ""
    polls = len(result.summaries)
    print(f"wrote {result.records} record{'s' if result.records != 1 else ''} and {polls} poll "
          f"summar{'ies' if polls != 1 else 'y'} to {out}{also}")
    return 0


def _exhibits(root: Path) -> list:
    from kiosk.core.content_loader import load_content

    if root.is_dir():
        # The summaries need the questions' words, not the pictures: decoding them in full
        # would take CPU from the export beside it.
        return load_content(root, decode_pictures=False).exhibits
    print(f"kiosk: content root {root} not found; polls are shown by id only", file=sys.stderr)
    return []


class _Later:
    """The exhibits once they are read: iterating waits for them (and raises what reading raised)."""

    def __init__(self, future):
        self._future = future

    def __iter__(self):
        return iter(self._future.result())


def format_from_suffix(out: Path) -> str:
    from .errors import OutputPathError

    suffix = out.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise OutputPathError(f"--format: not given and the --out suffix '{out.suffix}' is none of "
                          f"{', '.join('.' + f for f in FORMATS)}; pass --format csv, xlsx or json")
