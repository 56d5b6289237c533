"""`kiosk salvage FILE`: the records of a damaged store that was moved aside, back into the
outbox of the current store (see kiosk.store.salvage for how the pages are read)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from . import __version__
from .core.config import load_config

EXIT_OK, EXIT_PROBLEM = 0, 1


def add_salvage_command(commands) -> None:
    salvage = commands.add_parser(
        "salvage", help="recover the records of a damaged store that was moved aside",
        description="Read what is left of a damaged store (the file the kiosk moved aside as "
                    "<store>.corrupt-<time>, with its -wal if there is one) and put every record still readable "
                    "into the outbox of the current store ([store] path), with its id, kiosk, store id, sequence "
                    "number, time and payload unchanged, to be sent to the central. Records the current store "
                    "already has are skipped, so running it twice adds nothing. FILE is only read. The kiosk must "
                    "not be running on the store meanwhile (stop it, salvage, start it).",
        epilog="Exit codes: 0 every record found was recovered (or there was nothing to recover); 1 some records "
               "could not be recovered (listed), or the kiosk is running; 2 usage or config error (FILE missing, "
               "not a store, or the current store itself).")
    salvage.add_argument("file", type=Path, metavar="FILE", help="the damaged store file that was moved aside")
    salvage.add_argument("--config", type=Path, default=Path("config.toml"), metavar="PATH",
                         help="kiosk settings (default: ./config.toml); records go into its [store] path")
    salvage.add_argument("--json", action="store_true", help="print the result as JSON")
    salvage.set_defaults(handler=cmd_salvage)


def cmd_salvage(args: argparse.Namespace) -> int:
    from .core.instance_lock import InstanceLock
    from .store import Store
    from .store.salvage import check_source, salvage

    config = load_config(args.config)
    check_source(args.file, config.store.path)
    # Opening the store may upgrade its schema or move a damaged one aside: never under a kiosk
    # that has it open. The same lock as `kiosk run`: a running kiosk makes this refuse.
    with InstanceLock.for_store(config.store.path):
        store = Store.open(config.store.path, config.kiosk.id, app_version=__version__, record_boot=False)
        try:
            result = salvage(args.file, store)
        finally:
            store.close()
    if args.json:
        print(json.dumps({"file": str(result.source), "store": str(config.store.path),
                          "recovered": result.recovered, "already": result.already,
                          "unreadable": len(result.unreadable), "problems": result.unreadable,
                          "missing": result.missing, "damaged_pages": result.damaged_pages,
                          "pages": result.pages}, ensure_ascii=False, indent=2))
    else:
        print(salvage_text(result, config.store.path))
    return EXIT_OK if result.complete else EXIT_PROBLEM


def salvage_text(result, store_path: Path) -> str:
    lines = [("file", str(result.source)),
             ("pages", f"{result.pages:,} read, {result.damaged_pages:,} damaged"),
             ("recovered", f"{result.recovered:,} records added to the outbox of {store_path} (to be sent)"),
             ("already there", f"{result.already:,} (in the current store before: skipped)"),
             ("unreadable", f"{len(result.unreadable):,}" + (" (listed below)" if result.unreadable else ""))]
    if result.missing:
        lines.append(("lost", f"at least {result.missing:,} records: sequence numbers below the highest found "
                              "that no readable page holds"))
    width = max(len(key) for key, _ in lines) + 1
    text = [f"{key + ':':<{width}} {value}" for key, value in lines]
    text += [f"  {problem}" for problem in result.unreadable[:50]]
    if len(result.unreadable) > 50:
        text.append(f"  ... and {len(result.unreadable) - 50:,} more (--json lists all)")
    return "\n".join(text)
