"""How the `kiosk` and `kiosk-central` commands run: one handler per sub-command, its
KioskError printed as one line (never a traceback) and its exit code returned.

Exit codes: 0 success; 1 the command ran and found a problem; 2 usage or configuration error;
130 interrupted; 141 its output's reader went away (a closed pipe).
"""

from __future__ import annotations

import argparse
import os
import sys

from .errors import KioskError

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_BROKEN_PIPE = 141


def run_command(parser: argparse.ArgumentParser, argv: list[str] | None) -> int:
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.handler(args)
    except KioskError as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`kiosk doctor | head -3`): end as the shell's own tools do
        # (128 + SIGPIPE), with no traceback; Python's flush at exit must not meet the pipe again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
