"""`kiosk snapshot` and `kiosk restore`: the store's daily snapshot for scripts and cron, and
putting a snapshot back. The logic is kiosk.store.snapshot; this is its command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .core.commands import EXIT_OK
from .core.config import load_config


def add_snapshot_commands(commands) -> None:
    snapshot = commands.add_parser(
        "snapshot", help="snapshot the store into the data folder (and onto a USB stick)",
        description="Copy the store, as it is at one moment, into <data folder>/snapshots/<kiosk id>-<date>.sqlite3 "
                    "(SQLite's VACUUM INTO: the kiosk may go on recording meanwhile), check the copy, keep the "
                    "newest [store] snapshots_kept, and copy it onto a USB stick mounted under /media when there is "
                    "one (into stadtlabor-snapshots/). The running kiosk takes one by itself once a day; this is "
                    "for scripts and cron. A snapshot of the same day replaces the earlier one.",
        epilog="Exit codes: 0 snapshot taken (a stick that failed is named, but not an error); 1 the snapshot "
               "failed (the earlier ones are kept); 2 usage or config error.")
    _add_config(snapshot)
    snapshot.add_argument("--no-stick", action="store_true", help="do not copy onto a USB stick even if one is there")
    snapshot.add_argument("--json", action="store_true", help="print the result as JSON")
    snapshot.set_defaults(handler=cmd_snapshot)

    restore = commands.add_parser(
        "restore", help="put a snapshot in place of the store (the kiosk must be stopped)",
        description="Check SNAPSHOT (a sound SQLite file, a kiosk store, this kiosk's records), move the current "
                    "store aside to <store>.before-restore-<time> in the data folder (never deleted) and put a copy "
                    "of the snapshot in its place. Records written after the snapshot stay in the moved-aside "
                    "file: `kiosk salvage <that file>` brings them back into the restored store. Refuses while a "
                    "kiosk runs on the store (stop it first: systemctl stop stadtlabor-kiosk).",
        epilog="Exit codes: 0 restored; 1 a kiosk is running on the store; 2 the snapshot was refused (missing, "
               "not SQLite, damaged, another kiosk's) or a config error. Refused means nothing was changed.")
    restore.add_argument("snapshot", type=Path, metavar="SNAPSHOT", help="the snapshot file to put in place")
    _add_config(restore)
    restore.add_argument("--any-kiosk", action="store_true",
                         help="accept a snapshot of another kiosk's store (this terminal carries on that store)")
    restore.add_argument("--json", action="store_true", help="print the result as JSON")
    restore.set_defaults(handler=cmd_restore)


def _add_config(parser) -> None:
    parser.add_argument("--config", type=Path, default=Path("config.toml"), metavar="PATH",
                        help="kiosk settings (default: ./config.toml)")


def cmd_snapshot(args: argparse.Namespace) -> int:
    from .export.media import find_removable_media
    from .store.snapshot import take_snapshot

    config = load_config(args.config)
    sticks = [] if args.no_stick else find_removable_media()[:1]
    result = take_snapshot(config.store.path, config.kiosk.id, keep=config.store.snapshots_kept, sticks=sticks)
    if args.json:
        print(json.dumps({"snapshot": str(result.path), "records": result.records, "newest": result.newest,
                          "size_bytes": result.size_bytes, "copies": [str(p) for p in result.copies],
                          "dropped": [str(p) for p in result.dropped], "problems": result.problems},
                         ensure_ascii=False, indent=2))
    else:
        lines = [f"snapshot: {result.path} ({result.records:,} records, newest {result.newest or 'none'}, "
                 f"{result.size_bytes:,} bytes, integrity ok)"]
        lines += [f"copied onto the USB stick: {copy}" for copy in result.copies]
        lines += [f"dropped (older than the newest {config.store.snapshots_kept} good ones): {path}"
                  for path in result.dropped]
        lines += [f"warning: {problem}" for problem in result.problems]
        print("\n".join(lines))
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from .core.instance_lock import InstanceLock
    from .store.snapshot import check_snapshot, restore

    config = load_config(args.config)
    # Checked before the lock too, so a refused file leaves the data folder exactly as it was
    # (restore checks it again under the lock: the file may change meanwhile).
    check_snapshot(args.snapshot, config.store.path.absolute(), config.kiosk.id, any_kiosk=args.any_kiosk)
    # The same lock as `kiosk run`: a running kiosk makes this refuse (exit 1), and no kiosk can
    # start while the files are swapped.
    with InstanceLock.for_store(config.store.path):
        result = restore(args.snapshot, config.store.path, config.kiosk.id, any_kiosk=args.any_kiosk)
    if args.json:
        print(json.dumps({"snapshot": str(result.snapshot), "store": str(result.store),
                          "kept_aside": str(result.kept_aside) if result.kept_aside else None,
                          "records": result.records, "newest": result.newest, "store_id": result.store_id},
                         ensure_ascii=False, indent=2))
    else:
        print(restore_text(result, args.config))
    return EXIT_OK


def restore_text(result, config_path: Path) -> str:
    lines = [f"restored: {result.store} is now a copy of {result.snapshot}",
             f"records: {result.records:,} in the restored store, newest {result.newest or 'none'} (UTC)",
             f"store id: {result.store_id} (new: records written from now on count apart from the old store's)"]
    if result.kept_aside is not None:
        lines += [f"kept aside: the store that was in place is now {result.kept_aside} (not deleted)",
                  "Records written after the snapshot was taken are only in that file. To bring them back into "
                  f"the restored store (to be sent): kiosk salvage {result.kept_aside} --config {config_path}"]
    else:
        lines.append("kept aside: nothing (there was no store in place)")
    lines.append("Start the kiosk again (systemctl start stadtlabor-kiosk) to record into the restored store.")
    return "\n".join(lines)
