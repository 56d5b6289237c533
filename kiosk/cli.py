"""`kiosk` command line: a thin layer over the kiosk's Python API.

Exit codes: 0 success; 1 the command ran and found a problem (invalid content,
failed sync, ...); 2 usage or configuration error; 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .core.config import Config, load_config
from .core.commands import EXIT_OK, EXIT_PROBLEM, run_command
from .core.errors import ContentRootError, KioskError, UsageError
from .doctor_command import add_doctor_command
from .export.cli import add_export_command
from .salvage_command import add_salvage_command
from .service_command import add_service_commands
from .snapshot_command import add_snapshot_commands
from .sync_command import add_sync_command

if TYPE_CHECKING:
    from .core.content_loader import LoadedContent

# The content loader (pydantic) is imported by the commands that read content: `kiosk run`
# reads its content after the first frame, and that frame should not wait for the import.
# The smallest window the screens are laid out for (a 7" panel is 800x480), and a bound far
# beyond any display so that a typo cannot ask the GPU for a gigapixel window.
WINDOW_SIZES = ((640, 400), (7680, 4320))
# A simulation is a test or a demo: a million visitors (about eight million records, hours of
# writing) is far past any of those, and a mistyped number must not fill the disk.
MAX_SIMULATED_VISITORS = 1_000_000


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser(), argv)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="StadtLABOR touch kiosk.",
                                     epilog="Exit codes: 0 ok, 1 problem found, 2 usage or config error.")
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    validate = commands.add_parser(
        "validate", help="check the exhibit content and report every problem",
        description="Check exhibits, events and themes. Prints each problem as path:line: field: message, "
                    "then 'N valid, M invalid'. Exit 0 when nothing is invalid, 1 when something is, "
                    "2 on usage errors.")
    _add_config(validate)
    validate.add_argument("--content", type=Path, metavar="ROOT",
                          help="content root (folder with exhibits/); default: [content] root of the config")
    validate.add_argument("--json", action="store_true", help="print the result as JSON")
    validate.set_defaults(handler=cmd_validate)

    run = commands.add_parser(
        "run", help="start the kiosk",
        description="Start the touch kiosk with the given config: full screen in kiosk mode when [kiosk] "
                    "fullscreen is true (the default), where Escape, Alt+F4 and window close are ignored. "
                    "Ctrl+C (SIGINT), SIGTERM and SIGHUP stop it cleanly: what was recorded is written and the "
                    "store closed. A second kiosk on the same store refuses to start.",
        epilog="Exit codes: 0 ended by staff or by SIGTERM, SIGINT or SIGHUP; 1 already running; "
               "2 bad config.")
    _add_config(run)
    screen = run.add_mutually_exclusive_group()
    screen.add_argument("--windowed", action="store_true", help="run in a window (for development): Escape and "
                        "window close end it, the mouse pointer shows")
    screen.add_argument("--fullscreen", action="store_true",
                        help="full screen in kiosk mode even when [kiosk] fullscreen is false")
    run.add_argument("--size", type=_size, metavar="WxH", help="window size, e.g. 1920x1080 (with --windowed)")
    run.set_defaults(handler=cmd_run)

    set_pin = commands.add_parser(
        "set-pin", help="set the staff PIN (stored as a salted scrypt hash in the config)",
        description="Ask for a new staff PIN (4 to 8 digits) twice and write its salted hash into [staff] "
                    "pin_hash of the config file. Other lines and comments stay as they are.")
    _add_config(set_pin)
    set_pin.add_argument("--pin-stdin", action="store_true",
                         help="read the PIN from standard input (one line) instead of asking; for scripts")
    set_pin.set_defaults(handler=cmd_set_pin)

    add_export_command(commands)

    status = commands.add_parser(
        "status", help="show the store, the outbox and sync health",
        description="Show the local store (records, size, pragmas), what is waiting to be sent, open alerts "
                    "and the sync setting, after checking every page of the store for damage (SQLite's "
                    "quick_check: about a second per million records). Only reads: the store is left as it "
                    "is. Exit 0 when healthy, 1 when the store is damaged, has alerts or cannot be opened, "
                    "2 on usage or config errors.")
    _add_config(status)
    status.add_argument("--json", action="store_true", help="print the result as JSON")
    status.add_argument("--quick", action="store_true", help="skip the check for damaged pages")
    status.add_argument("--store", type=Path, metavar="PATH",
                        help="store to look at (default: [store] path of the config)")
    status.set_defaults(handler=cmd_status)

    simulate = commands.add_parser(
        "simulate", help="record simulated visitor sessions into a store",
        description="Drive simulated visitors (views, every poll type, feedback, ideas with umlauts and emoji) "
                    "through the same recording path as the screens into the store named with --store.")
    _add_config(simulate)
    simulate.add_argument("--store", type=Path, required=True, metavar="PATH", help="the SQLite store to write")
    simulate.add_argument("--visitors", type=int, required=True, metavar="N", help="how many visitor sessions")
    simulate.add_argument("--seed", type=int, metavar="S", help="random seed, for repeatable runs")
    simulate.add_argument("--ack-log", type=Path, metavar="FILE",
                          help="append each record id, flushed to disk, once its commit returned")
    simulate.add_argument("--kiosk-id", default=None, help="kiosk id for the records (default: the config's)")
    simulate.set_defaults(handler=cmd_simulate)

    add_salvage_command(commands)
    add_snapshot_commands(commands)
    add_sync_command(commands)
    add_service_commands(commands)
    add_doctor_command(commands)
    return parser


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=Path("config.toml"), metavar="PATH",
                        help="kiosk settings (default: ./config.toml)")


def _size(value: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in value.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a size; write it as WIDTHxHEIGHT, e.g. 1920x1080") from None
    low, high = WINDOW_SIZES
    if not (low[0] <= width <= high[0] and low[1] <= height <= high[1]):
        raise argparse.ArgumentTypeError(f"'{value}' is no window size the kiosk can lay out; use between "
                                         f"{low[0]}x{low[1]} and {high[0]}x{high[1]}, e.g. 1920x1080")
    return width, height


def _config(args) -> Config:
    return load_config(args.config)


def cmd_validate(args) -> int:
    config = _config(args) if args.content is None else _config_if_any(args)
    root = args.content if args.content is not None else config.content.root
    try:
        is_folder = root.is_dir()
    except OSError as error:  # Python 3.11 raises when a folder above it may not be searched
        raise ContentRootError(f"content root {root} cannot be reached ({error.strerror}); make it and the folders "
                               "above it readable for this user, or pass --content ROOT") from None
    if not is_folder:
        raise ContentRootError(f"content root {root} is not a folder; pass --content ROOT (the folder holding "
                               "exhibits/) or set [content] root in the config")
    from .core.content_loader import load_content

    content = load_content(root)
    config_warnings = config_problems(config) if config is not None else []
    if args.json:
        print(json.dumps({**validation_report(content), "config_warnings": config_warnings}, ensure_ascii=False,
                         indent=2))
    else:
        for problem in sorted(content.problems, key=lambda p: (p.path, p.line or 0)):
            print(problem)
        for warning in config_warnings:
            print(warning)
        tallies = "; ".join(f"{name}: {t.valid} valid, {t.invalid} invalid" for name, t in content.tallies.items())
        warnings = len(content.warnings()) + len(config_warnings)
        print(f"{tallies}; {warnings} warning{'s' if warnings != 1 else ''}; content version {content.version}")
        print(f"{content.valid_count} valid, {content.invalid_count} invalid")
    # Config warnings never change the exit code: it speaks about the content only.
    return EXIT_OK if content.invalid_count == 0 else EXIT_PROBLEM


def _config_if_any(args) -> Config | None:
    """The config for its warnings when checking a content root named with --content: that check
    needs no config, so a missing or broken one only means there are no config warnings."""
    try:
        return load_config(args.config)
    except KioskError:
        return None


def config_problems(config: Config) -> list[str]:
    """Settings that load but leave the kiosk half set up, each as `file: key: warning: ...`."""
    where = config.path or "config.toml"
    warnings = []
    if config.public_url_is_placeholder:
        warnings.append(f"{where}: [phone] public_url: warning: still the placeholder {config.phone.public_url}; "
                        "the QR codes lead nowhere. Set [phone] public_url to the address of the phone pages")
    return warnings


def cmd_run(args) -> int:
    config = _config(args)
    from .ui.run import run_kiosk  # kivy is imported only for the command that needs it

    fullscreen = True if args.fullscreen else False if args.windowed else None
    return run_kiosk(config, fullscreen=fullscreen, size=args.size)


def cmd_set_pin(args) -> int:
    import getpass

    from .core.staff_pin import hash_pin, write_pin_hash

    _config(args)  # refuse to write into a config that does not load
    if args.pin_stdin:
        pin = sys.stdin.readline().strip()
    else:
        pin = getpass.getpass("Neue Personal-PIN (4-8 Ziffern): ")
        if getpass.getpass("PIN wiederholen: ") != pin:
            print("kiosk: the two PINs differ; nothing was changed", file=sys.stderr)
            return EXIT_PROBLEM
    write_pin_hash(args.config, hash_pin(pin))
    print(f"staff PIN set in {args.config}")
    return EXIT_OK


def cmd_status(args) -> int:
    from .store import Store
    from .store.errors import StoreDamagedError

    config = _config(args)
    path = args.store or config.store.path
    store = Store.open_for_reading(path, config.kiosk.id)  # leaves the store as it is
    try:
        damage = [] if args.quick else store.check_integrity()
        if damage:
            raise StoreDamagedError(
                f"{store.path} is DAMAGED (SQLite's check found: {'; '.join(damage)}). Do not delete it. Back up "
                "the file (with its -wal beside it, if there is one) and give it to IT. On its next start the kiosk "
                "moves the damaged file aside by itself (it is never deleted), tells staff and starts a new store; "
                "restart it to record again. Then `kiosk salvage <moved file>` recovers the records it still holds "
                "into the new store, to be sent.")
        health = store.health()
    finally:
        store.close()
    health["integrity"] = "not checked (--quick)" if args.quick else "ok"
    health["sync"] = {"central_url": config.sync.central_url or None, "standalone": config.standalone}
    if args.json:
        print(json.dumps(health, ensure_ascii=False, indent=2, default=str))
    else:
        print(status_text(health))
    return EXIT_OK if not health.get("alerts") else EXIT_PROBLEM


def status_text(health: dict) -> str:
    """`kiosk status` for people: aligned `key: value` lines, counts in words, sizes in MB, times
    in the machine's local time; the same facts as --json."""
    from .core.numbers import megabytes

    outbox = health["outbox"]
    lines = [("store", health["path"]),
             ("size", megabytes(health["size_bytes"], "en")),
             ("records", f"{health['records']:,} (last sequence number {health['last_seq']:,})"),
             ("kiosk id", health["kiosk_id"])]
    if health.get("store_id"):
        lines.append(("store id", health["store_id"]))
    if health.get("boot_id"):
        lines.append(("boot id", health["boot_id"]))
    lines += [(name.replace("_", " "), str(value)) for name, value in health["pragmas"].items()]
    lines.append(("integrity", health["integrity"]))
    sync = health["sync"]
    if sync["standalone"]:
        lines.append(("sync", "standalone (no central_url): nothing is sent ([sync] central_url is empty)"))
        if outbox.get("sent") or outbox.get("quarantined"):  # sent while a central was still set
            lines.append(("outbox", f"{outbox['sent']:,} sent earlier, {outbox['quarantined']:,} quarantined"))
    else:
        lines.append(("sync", f"to {sync['central_url']}"))
        lines += sync_lines(health.get("sync_status") or {})
        counts = f"{outbox['pending']:,} waiting, {outbox['sent']:,} sent, {outbox['quarantined']:,} quarantined"
        lines.append(("outbox", counts))
    alerts = health["alerts"]
    lines.append(("alerts", f"{len(alerts)} open" if alerts else "none"))
    width = max(len(key) for key, _ in lines) + 1
    text = [f"{key + ':':<{width}} {value}" for key, value in lines]
    for alert in alerts:
        text.append(f"  {readable_time(alert.get('created_at'))}  {alert.get('kind')}: {alert.get('message')}")
    return "\n".join(text)


def sync_lines(status: dict) -> list[tuple[str, str]]:
    """What the kiosk's sync last saw (sync.status.SyncStatus, saved in the store by the sync
    pass), as status lines; the outbox counts come from the store itself, which is newer."""
    if not status or not status.get("last_attempt_at"):
        return [("last sync", "never synced")]
    lines = []
    if status.get("stopped"):
        lines.append(("online", "STOPPED: the central refused this kiosk's token; nothing is sent until [sync] "
                                "token is fixed (kiosk-central add-kiosk makes a new one)"))
    elif status.get("online"):
        lines.append(("online", f"yes (the central answered at {readable_time(status['last_attempt_at'])})"))
    else:
        lines.append(("online", f"no (last try {readable_time(status['last_attempt_at'])})"))
    success = status.get("last_success_at")
    lines.append(("last sync", readable_time(success) if success else "never synced"))
    if status.get("last_error"):
        lines.append(("last error", str(status["last_error"])))
    if status.get("failures") and status.get("next_attempt_at") and not status.get("stopped"):
        lines.append(("next try", f"{readable_time(status['next_attempt_at'])} ({status['failures']} failed in a row)"))
    skew = status.get("clock_skew_s")
    if skew is not None:
        lines.append(("clock", clock_skew_text(float(skew))))
    if status.get("ideas_error"):
        lines.append(("idea wall", f"{status['ideas_error']} (the kiosk shows the last one it fetched)"))
    elif status.get("ideas_pulled_at"):
        lines.append(("idea wall", f"fetched {readable_time(status['ideas_pulled_at'])}"))
    return lines


def clock_skew_text(skew_s: float) -> str:
    """The kiosk's clock against the central's: `12 s ahead of the central`, days for large ones."""
    seconds = round(abs(skew_s))
    if seconds < 2:
        return "in step with the central"
    way = "ahead of" if skew_s > 0 else "behind"
    text = f"{seconds:,} s {way} the central"
    if seconds >= 86400:
        text += f" (about {seconds / 86400:,.0f} days: set the kiosk's clock)"
    elif seconds >= 60:
        text += " (set the kiosk's clock; records keep the kiosk's time)"
    return text


def readable_time(value) -> str:
    """A store's UTC time (ISO text or datetime) as `2026-11-30 19:05 CET` in local time."""
    import datetime as dt

    try:
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)  # the store's clock is UTC
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z")


def cmd_simulate(args) -> int:
    from .core.content_loader import load_content
    from .core.files import Protected, check_writable_target
    from .simulate import simulate
    from .store import Store, StoreWriter

    config = load_config(args.config) if args.config.exists() or args.kiosk_id is None else Config()
    if not 0 <= args.visitors <= MAX_SIMULATED_VISITORS:
        raise UsageError(f"--visitors must be between 0 and {MAX_SIMULATED_VISITORS:,}, not {args.visitors}")
    # The store written here may be any store (that is what --store is for), but never the config
    # or a content file; the ack log is appended to, so it must not be any of those, nor the store.
    configs = [args.config] if args.config.exists() else []
    check_writable_target(args.store, Protected(configs=configs, content_roots=[config.content.root]), "--store",
                          "/tmp/demo.sqlite3")
    if args.ack_log is not None:
        check_writable_target(args.ack_log, Protected(stores=[args.store, config.store.path], configs=configs,
                                                      content_roots=[config.content.root]), "--ack-log",
                              "/tmp/acks.txt")
    content = load_content(config.content.root)
    store = Store.open(args.store, args.kiosk_id or config.kiosk.id, app_version=__version__)
    writer = StoreWriter(store)
    try:
        result = simulate(content, writer, visitors=args.visitors, seed=args.seed, ack_log=args.ack_log,
                          cooldown_s=config.participation.vote_cooldown_s)
    finally:
        writer.close()
    print(f"{result.visitors} visitors, {result.acknowledged} records written, {result.failed} failed")
    return EXIT_OK if result.failed == 0 else EXIT_PROBLEM


def validation_report(content: LoadedContent) -> dict:
    return {
        "root": str(content.root),
        "content_version": content.version,
        "valid": content.valid_count,
        "invalid": content.invalid_count,
        "exhibits": {"valid": [e.id for e in content.exhibits], "invalid": content.invalid_exhibits},
        "tallies": {name: {"valid": t.valid, "invalid": t.invalid} for name, t in content.tallies.items()},
        "problems": [p.as_json() for p in content.problems],
    }


if __name__ == "__main__":
    sys.exit(main())
