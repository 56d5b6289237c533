"""`kiosk-central move-db --to postgresql://...`: the central's SQLite database copied into an
empty PostgreSQL database and checked table by table (central/db/move.py does the copying).

Stop the central first (its kiosks keep their records meanwhile and send them later), run
move-db, then set `[central] db` to the URL and start the central again. The SQLite file is
left as it was: it is the way back.
"""

from __future__ import annotations

import argparse
import sys

from kiosk.core.commands import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE


def add_move_command(commands, add_config) -> argparse.ArgumentParser:
    move = commands.add_parser(
        "move-db", help="copy the central's SQLite database into an empty PostgreSQL database",
        description="Copy every table of the central's SQLite database ([central] db) into the empty PostgreSQL "
                    "database at URL, in one transaction, then compare each table's row count and checksum in "
                    "both. Stop the central first. The SQLite file is not changed. Afterwards set [central] db "
                    "to URL and start the central.",
        epilog="Exit codes: 0 moved and checked, 1 not moved (the target is not empty or cannot be reached, or a "
               "check failed), 2 usage or settings error.")
    add_config(move)
    move.add_argument("--to", required=True, metavar="URL", dest="target",
                      help="the empty PostgreSQL database, e.g. postgresql://central@db.example/central")
    move.set_defaults(handler=cmd_move_db)
    return move


def cmd_move_db(args) -> int:
    from .config import DEFAULT_PATH, load_settings
    from .db import CentralDb
    from .db.dialects import is_url, shown
    from .db.move import move

    if not is_url(args.target):
        print(f"kiosk-central move-db: --to {args.target!r} is not a PostgreSQL URL; give one like "
              "postgresql://central@db.example/central", file=sys.stderr)
        return EXIT_USAGE
    settings = load_settings(args.config, must_exist=args.config != DEFAULT_PATH)
    if is_url(settings.db):
        print(f"kiosk-central move-db: this central runs on PostgreSQL already ({shown(settings.db)}); move-db "
              "copies a SQLite central. To copy between PostgreSQL databases use pg_dump and pg_restore",
              file=sys.stderr)
        return EXIT_USAGE
    if not settings.db.exists():
        print(f"kiosk-central move-db: {settings.db} does not exist; [central] db names no central to move",
              file=sys.stderr)
        return EXIT_PROBLEM
    source = CentralDb.open(settings.db)
    try:
        target = CentralDb.open(args.target)
        try:
            print(f"kiosk-central move-db: copying {source.shown} into {target.shown}", flush=True)
            checks = move(source, target, say=lambda words: print(f"  {words}", flush=True))
        finally:
            target.close()
    finally:
        source.close()
    for check in checks:
        mark = "ok" if check.ok else "DIFFERENT"
        print(f"  {check.table}: {check.target_rows} of {check.source_rows} rows, checksum {check.target_sum[:16]} "
              f"{mark}")
    failed = [check.table for check in checks if not check.ok]
    if failed:
        print(f"kiosk-central move-db: the copy differs from the original in {', '.join(failed)}; do not switch to "
              f"it. The SQLite file is unchanged; drop the target database and run move-db again", file=sys.stderr)
        return EXIT_PROBLEM
    records = next(check.target_rows for check in checks if check.table == "records")
    print(f"kiosk-central move-db: moved {records} records and every other table, all checked. Now set "
          f"[central] db = \"{shown(args.target)}\" in {args.config} and start the central; "
          f"{settings.db} stays as it was (the way back)")
    return EXIT_OK
