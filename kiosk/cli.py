"""`kiosk` command line: a thin layer over the kiosk's Python API.

Exit codes: 0 success; 1 the command ran and found a problem (invalid content,
failed sync, ...); 2 usage or configuration error; 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import __version__
from .core.config import Config, load_config
from .core.content_loader import LoadedContent, load_content
from .core.errors import ContentRootError, KioskError

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.handler(args)
    except KioskError as error:
        print(f"kiosk: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


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
    return parser


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=Path("config.toml"), metavar="PATH",
                        help="kiosk settings (default: ./config.toml)")


def _config(args) -> Config:
    return load_config(args.config)


def cmd_validate(args) -> int:
    root = args.content if args.content is not None else _config(args).content.root
    if not root.is_dir():
        raise ContentRootError(f"content root {root} is not a folder; pass --content ROOT (the folder holding "
                               "exhibits/) or set [content] root in the config")
    content = load_content(root)
    if args.json:
        print(json.dumps(validation_report(content), ensure_ascii=False, indent=2))
    else:
        for problem in sorted(content.problems, key=lambda p: (p.path, p.line or 0)):
            print(problem)
        tallies = "; ".join(f"{name}: {t.valid} valid, {t.invalid} invalid" for name, t in content.tallies.items())
        warnings = len(content.warnings())
        print(f"{tallies}; {warnings} warning{'s' if warnings != 1 else ''}; content version {content.version}")
        print(f"{content.valid_count} valid, {content.invalid_count} invalid")
    return EXIT_OK if content.invalid_count == 0 else EXIT_PROBLEM


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
