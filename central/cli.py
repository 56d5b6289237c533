"""`kiosk-central`: serve the central, manage kiosk tokens, export what every kiosk sent.

Exit codes: 0 ok, 1 a problem (the kiosk exists already, unknown kiosk, the database cannot
be opened), 2 a usage or settings error. Errors are printed as one message, never a traceback.
Heavy imports (FastAPI, uvicorn, the export) happen inside the commands, so --help is quick.
"""

from __future__ import annotations

import argparse
import gc
import re
import signal
import sys
from pathlib import Path

from kiosk.core.commands import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, run_command

from .config import DEFAULT_PATH, load_settings
from .errors import CentralError, SettingsError

# A kiosk's id as the wire allows it (sync.protocol.ID_PATTERN).
KIOSK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser(), argv)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk-central", description="The StadtLABOR central: the store every kiosk syncs into.",
        epilog="Exit codes: 0 ok, 1 problem, 2 usage or settings error. docs/central.md has the details.")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="run the central's web service (the kiosks' sync API)",
        description="Serve the sync API (POST /api/v1/records, GET /api/v1/sync-state, POST /api/v1/heartbeat) "
                    "and its OpenAPI at /docs and /openapi.json. SIGTERM or Ctrl+C stop it; a push in progress "
                    "is either committed whole or not at all.",
        epilog="Exit codes: 0 stopped, 1 the database cannot be opened or the port is taken, 2 settings error.")
    _add_config(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, for a TLS "
                       "proxy on this machine; 0.0.0.0 for every interface, with the proxy's address in [central] "
                       "trusted_proxies)")
    serve.add_argument("--port", type=_port, default=8765, help="port (default: 8765)")
    serve.add_argument("--workers", type=_workers, default=1, metavar="N",
                       help="worker processes (default: 1); more than one needs the central on PostgreSQL")
    serve.set_defaults(handler=cmd_serve)

    add = commands.add_parser(
        "add-kiosk", help="register a kiosk and print its new token",
        description="Register KIOSK_ID (the kiosk's [kiosk] id) and print a new token for its [sync] token. The "
                    "token is printed once, alone on the last line; the central keeps only its SHA-256 hash.",
        epilog="Exit codes: 0 added, 1 the kiosk exists with a valid token (use --rotate), 2 usage or settings "
               "error.")
    _add_config(add)
    add.add_argument("kiosk_id", metavar="KIOSK_ID", type=_kiosk_id, help="the kiosk's [kiosk] id")
    add.add_argument("--rotate", action="store_true", help="replace the token of a kiosk that has one (the old "
                     "token stops working at once)")
    add.set_defaults(handler=cmd_add_kiosk)

    revoke = commands.add_parser(
        "revoke-kiosk", help="revoke a kiosk's token (its pushes are refused from then on)",
        description="Revoke KIOSK_ID's token: the central answers its pushes with 403, and the kiosk stops "
                    "pushing and alerts staff. Its records stay. add-kiosk --rotate gives it a new token.",
        epilog="Exit codes: 0 revoked (or revoked already), 1 unknown kiosk, 2 usage or settings error.")
    _add_config(revoke)
    revoke.add_argument("kiosk_id", metavar="KIOSK_ID", type=_kiosk_id, help="the kiosk's [kiosk] id")
    revoke.set_defaults(handler=cmd_revoke_kiosk)

    listing = commands.add_parser(
        "list-kiosks", help="list the kiosks: added, revoked, last heartbeat, records",
        description="One line per kiosk: id, when it was added, when revoked (or -), its last heartbeat (or -), "
                    "and how many records the central has from it. Times are UTC.",
        epilog="Exit codes: 0 listed, 1 the database cannot be opened, 2 usage or settings error.")
    _add_config(listing)
    listing.set_defaults(handler=cmd_list_kiosks)

    add_staff = commands.add_parser(
        "add-staff", help="add a staff user for the dashboard (asks for the password)",
        description="Add USER, who can then log in to the dashboard (/staff). The password is asked for twice, "
                    "or read from the first line of stdin with --password-stdin (for scripts); at least "
                    "10 characters. Only a scrypt hash is kept. --admin: may also read the export audit log.",
        epilog="Exit codes: 0 added, 1 the user exists (use --replace) or the password is not accepted, 2 usage or "
               "settings error.")
    _add_config(add_staff)
    add_staff.add_argument("user", metavar="USER", type=_staff_user, help="the login name")
    add_staff.add_argument("--admin", action="store_true", help="an administrator")
    add_staff.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add_staff.add_argument("--replace", action="store_true", help="give an existing user a new password (and the "
                           "--admin given now); their sessions end")
    add_staff.set_defaults(handler=cmd_add_staff)

    remove_staff = commands.add_parser(
        "remove-staff", help="remove a staff user (their sessions end at once)",
        description="Remove USER: they can no longer log in, and a session they have open ends.",
        epilog="Exit codes: 0 removed, 1 unknown user, 2 usage or settings error.")
    _add_config(remove_staff)
    remove_staff.add_argument("user", metavar="USER", type=_staff_user, help="the login name")
    remove_staff.set_defaults(handler=cmd_remove_staff)

    list_staff = commands.add_parser(
        "list-staff", help="list the staff users",
        description="One line per staff user: name, admin or not, when added, locked until (or -).",
        epilog="Exit codes: 0 listed, 1 the database cannot be opened, 2 usage or settings error.")
    _add_config(list_staff)
    list_staff.set_defaults(handler=cmd_list_staff)

    from .export import add_export_command

    add_export_command(commands, _add_config)
    from .move_command import add_move_command

    add_move_command(commands, _add_config)
    return parser


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=DEFAULT_PATH, metavar="PATH",
                        help="central settings (default: ./central.toml; the defaults when it does not exist)")


def _settings(args):
    # An explicit --config must exist; the default may be missing (then the defaults hold).
    return load_settings(args.config, must_exist=args.config != DEFAULT_PATH)


def _kiosk_id(text: str) -> str:
    if not KIOSK_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(f"'{text}' is not a kiosk id: letters, digits, '_', '.' and '-', "
                                         "starting with a letter or digit, at most 64 characters")
    return text


STAFF_USER = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


def _staff_user(text: str) -> str:
    if not STAFF_USER.fullmatch(text):
        raise argparse.ArgumentTypeError(f"'{text}' is not a user name: lowercase letters, digits, '_', '.' and '-', "
                                         "starting with a letter or digit, at most 64 characters")
    return text


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of workers; give 1 to {MAX_WORKERS}")
    return int(text)


MAX_WORKERS = 64


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port; give a number from 1 to 65535")
    return int(text)


def _open_db(settings):
    from .db import CentralDb

    return CentralDb.open(settings.db)


def cmd_serve(args) -> int:
    import uvicorn

    from .app import create_app

    settings = _settings(args)
    # Opened (and migrated) once here, before the port is taken: a wrong db path is a clear
    # error with exit 1, not a traceback from the server's start-up.
    from .db import CentralDb

    db = CentralDb.open(settings.db, checkpoint_beside=args.workers == 1)
    if args.workers > 1:
        several, shown = db.takes_several_workers, db.shown
        db.close()
        if not several:
            print(f"kiosk-central: --workers {args.workers} needs the central on PostgreSQL ([central] db = "
                  f"\"postgresql://...\"); a SQLite central has one writer in one process. Serve it with one "
                  "worker (leave --workers out), or move it with kiosk-central move-db --to postgresql://...",
                  file=sys.stderr)
            return EXIT_USAGE
        from .workers import serve_workers

        print(f"kiosk-central: serving {shown} with {args.workers} workers at http://{args.host}:{args.port} "
              "(API docs at /docs)", flush=True)
        serve_workers(args.config, args.host, args.port, args.workers)
        return EXIT_OK
    # What start-up made (modules, the app, its models) lives as long as the process: frozen,
    # the collector never walks it again; a batch makes thousands of tuples, so it runs after
    # 50,000 new objects, not every 700.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    try:
        app = create_app(settings, db)
        # proxy_headers off: the app honours X-Forwarded-* from [central] trusted_proxies only.
        server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level="info",
                                               access_log=False, timeout_graceful_shutdown=10,
                                               proxy_headers=False))
        print(f"kiosk-central: serving {db.shown} at http://{args.host}:{args.port} (API docs at /docs)",
              flush=True)
        # uvicorn stops gracefully on SIGTERM or SIGINT and then raises the signal again to the
        # handler it found: this one takes it, so that the database is closed (its WAL folded
        # in) and serve ends with 0 instead of being killed by the repeated signal.
        stopped_by: list[int] = []
        previous = {sig: signal.signal(sig, lambda sig, frame: stopped_by.append(sig))
                    for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            server.run()
        except SystemExit:
            pass  # uvicorn ends with exit 3 when it cannot listen; said below in our words
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if not server.started:
            print(f"kiosk-central: could not listen on {args.host}:{args.port} (taken, or not this machine's "
                  "address?); pick another --port or --host", file=sys.stderr)
            return EXIT_PROBLEM
    finally:
        db.close()
    return EXIT_OK


def cmd_add_kiosk(args) -> int:
    from kiosk.core.clock import utc_now, utc_text

    from .tokens import new_token, token_hash

    db = _open_db(_settings(args))
    try:
        token = new_token()
        db.add_kiosk(args.kiosk_id, token_hash(token), utc_text(utc_now()), rotate=args.rotate)
    finally:
        db.close()
    print(f"kiosk '{args.kiosk_id}' {'has a new token' if args.rotate else 'added'}; put this token into "
          "[sync] token of its config.toml (it is shown only now):")
    print(token)
    return EXIT_OK


def cmd_revoke_kiosk(args) -> int:
    from kiosk.core.clock import utc_now, utc_text

    db = _open_db(_settings(args))
    try:
        changed = db.revoke_kiosk(args.kiosk_id, utc_text(utc_now()))
    finally:
        db.close()
    print(f"kiosk '{args.kiosk_id}' {'revoked' if changed else 'was revoked already'}; its pushes are refused "
          "(add-kiosk --rotate gives it a new token)")
    return EXIT_OK


def cmd_list_kiosks(args) -> int:
    db = _open_db(_settings(args))
    try:
        rows = db.list_kiosks()
    finally:
        db.close()
    if not rows:
        print("no kiosks yet; kiosk-central add-kiosk KIOSK_ID adds one")
        return EXIT_OK
    header = ("kiosk", "added", "revoked", "last heartbeat", "records")
    lines = [(r.kiosk_id, r.added_at, r.revoked_at or "-", r.last_heartbeat or "-", str(r.records)) for r in rows]
    widths = [max(len(line[i]) for line in (header, *lines)) for i in range(len(header))]
    for line in (header, *lines):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
    return EXIT_OK


def cmd_add_staff(args) -> int:
    from kiosk.core.clock import utc_now, utc_text

    from .passwords import PasswordError, check_new_password, hash_password

    password = _read_password(args)
    try:
        check_new_password(password)
    except PasswordError as error:
        raise CentralError(f"{error}; nothing was changed") from None
    db = _open_db(_settings(args))
    try:
        db.add_staff(args.user, hash_password(password), args.admin, utc_text(utc_now()), replace=args.replace)
    finally:
        db.close()
    role = "administrator" if args.admin else "staff user"
    print(f"{role} '{args.user}' {'has a new password' if args.replace else 'added'}; they log in at /staff/login")
    return EXIT_OK


def _read_password(args) -> str:
    import getpass

    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise CentralError("--password-stdin: stdin was empty; give the password on its first line")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SettingsError("no terminal to ask for the password; pass --password-stdin and give it on stdin")
    first = getpass.getpass(f"password for '{args.user}': ")
    if getpass.getpass("the same again: ") != first:
        raise CentralError("the two passwords differ; nothing was changed")
    return first


def cmd_remove_staff(args) -> int:
    db = _open_db(_settings(args))
    try:
        db.remove_staff(args.user)
    finally:
        db.close()
    print(f"staff user '{args.user}' removed; a session they had open has ended")
    return EXIT_OK


def cmd_list_staff(args) -> int:
    db = _open_db(_settings(args))
    try:
        rows = db.list_staff()
    finally:
        db.close()
    if not rows:
        print("no staff users yet; kiosk-central add-staff USER adds one")
        return EXIT_OK
    header = ("user", "role", "added", "locked until")
    lines = [(user, "admin" if admin else "staff", added, locked or "-") for user, admin, added, locked in rows]
    widths = [max(len(line[i]) for line in (header, *lines)) for i in range(len(header))]
    for line in (header, *lines):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
