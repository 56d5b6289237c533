"""`kiosk sync`: one sync pass from the command line (cron, a service technician, the tests).

Hooked into `kiosk/cli.py` with `add_sync_command(commands)`; requests and the sync client are
imported only when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .core.config import load_config
from .core.errors import UsageError

DESCRIPTION = """\
Push every record waiting in the outbox to the central named in [sync] central_url, check
that the central still has what it acknowledged (records it lost after a restore from a
backup are sent again), and send the kiosk's heartbeat. A running kiosk does this by itself
every [sync] interval_s seconds and after every visit; this command is for a kiosk that is
not running, e.g. to deliver what a stored kiosk recorded."""


def add_sync_command(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "sync", help="send the outbox to the central (one pass)", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit codes: 0 the outbox is empty afterwards (records the central rejected are kept "
               "apart, quarantined, and do not count); 1 records remain to be sent (the central was not "
               "reached, refused the token, or the kiosk is running on this store); 2 usage or config error "
               "(no central_url or token in the config).")
    parser.add_argument("--config", type=Path, default=Path("config.toml"), metavar="PATH",
                        help="kiosk settings (default: ./config.toml)")
    parser.add_argument("--json", action="store_true", help="print the sync status as JSON")
    parser.set_defaults(handler=cmd_sync)
    return parser


def cmd_sync(args) -> int:
    import json

    import requests

    from . import __version__
    from .core.instance_lock import InstanceLock
    from .store import Store
    from sync.client import SyncClient

    config = load_config(args.config)
    where = args.config
    if config.standalone:
        raise UsageError(f"{where}: [sync] central_url is empty, so this kiosk runs standalone and has nowhere to "
                         f"send to. Set central_url (e.g. \"https://zentrale.example.de\") and token (from "
                         f"`kiosk-central add-kiosk {config.kiosk.id}` on the central) in [sync].")
    if not config.sync.token:
        raise UsageError(f"{where}: [sync] token is empty. Make one on the central with `kiosk-central add-kiosk "
                         f"{config.kiosk.id}` and put the last line it prints into [sync] token.")
    # The running kiosk syncs this store itself; a second writer could also move a store the
    # kiosk is using aside if it found it damaged.
    with InstanceLock.for_store(config.store.path):
        with Store.open(config.store.path, config.kiosk.id, app_version=__version__) as store:
            with requests.Session() as session:
                client = SyncClient(store, central_url=config.sync.central_url, token=config.sync.token,
                                    kiosk_id=config.kiosk.id, interval_s=config.sync.interval_s, session=session,
                                    app_version=__version__)
                status = client.run_pass()
    if args.json:
        print(json.dumps(status.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(f"sync with {config.sync.central_url}: "
              f"{'ok' if status.last_error is None else 'FAILED: ' + status.last_error}")
        print(f"  waiting to be sent: {status.pending}, quarantined (rejected by the central): {status.quarantined}")
        if status.clock_skew_s is not None:
            print(f"  kiosk clock minus central clock: {round(status.clock_skew_s, 1) or 0.0:+.1f} s")
    if status.last_error is not None and status.pending == 0:
        print(f"kiosk: the outbox is empty, but the pass failed: {status.last_error}", file=sys.stderr)
    return 0 if status.pending == 0 else 1
