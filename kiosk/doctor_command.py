"""`kiosk doctor`: check an installation and say, per check, OK / WARN / FAIL and what to fix.

Hooked into `kiosk/cli.py` with `add_doctor_command(commands)`; the checks are kiosk.doctor's.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .core.config import load_config

EXIT_OK, EXIT_PROBLEM = 0, 1

DESCRIPTION = """\
Check this kiosk's installation and say, per check, OK, WARN or FAIL, with what to do for each
that is not OK: the X display answers and a touch screen is connected; the store is writable
and sound; the clock is plausible (not before this version was made, not gone back behind the
store's newest record); the central answers and accepts the token (when [sync] central_url is
set); a staff PIN is set; [phone] public_url is not the placeholder; the data folder has room;
the service starts the kiosk at boot; the content is valid. It only looks: nothing is changed.
Run it as the kiosk's user, in its X session (or with DISPLAY=:0)."""


def add_doctor_command(commands) -> argparse.ArgumentParser:
    doctor = commands.add_parser(
        "doctor", help="check the installation and say what to fix", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit codes: 0 nothing FAILed (WARNs may remain), 1 at least one check FAILed, 2 usage or "
               "config error.")
    doctor.add_argument("--config", type=Path, default=Path("config.toml"), metavar="PATH",
                        help="kiosk settings (default: ./config.toml)")
    doctor.add_argument("--json", action="store_true", help="print the results as JSON")
    doctor.add_argument("--root", type=Path, default=Path("/"), metavar="DIR",
                        help="look for the service's links (etc/systemd/system) and the input devices "
                             "(proc/bus/input/devices) under DIR instead of / (a mounted SD card, tests)")
    doctor.set_defaults(handler=cmd_doctor)
    return doctor


def cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import FAIL, Installation, run_checks

    config = load_config(args.config)
    results = run_checks(Installation(config, root=args.root))
    if args.json:
        print(json.dumps([result.as_dict() for result in results], ensure_ascii=False, indent=2))
    else:
        print(doctor_text(results))
    return EXIT_PROBLEM if any(result.status == FAIL for result in results) else EXIT_OK


def doctor_text(results) -> str:
    """One line per check: `FAIL  store       what was found; fix: what to do`, then a tally."""
    width = max(len(result.check) for result in results) + 1
    lines = [f"{result.status:<4}  {result.check:<{width}} {result.found}" + (f"; fix: {result.fix}" if result.fix
                                                                             else "")
             for result in results]
    counts = {status: sum(result.status == status for result in results) for status in ("OK", "WARN", "FAIL")}
    lines.append(f"{counts['OK']} ok, {counts['WARN']} warning(s), {counts['FAIL']} failed")
    return "\n".join(lines)
