"""The ``joinedup`` command: a thin shell over the `journeys` package.

    joinedup demo [--if-empty]     build the demo workspace from real public data
    joinedup import KIND FILE      import a file (kinds: see `joinedup import -h`)
    joinedup check                 integrity check and row counts per table

The database is ``$JOINEDUP_DB`` (default ``data/joinedup.db``), or ``--db``.
"""

import argparse
import logging
import sys

from journeys import demo, importers
from journeys.access import SYSTEM
from journeys.errors import JourneyError
from journeys.workspace import Workspace

logger = logging.getLogger("joinedup")


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the process exit code (0 ok, 1 failed, 2 usage)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    args = _parser().parse_args(argv)
    try:
        with Workspace.open(args.db) as ws:
            return args.command(ws, args)
    except JourneyError as err:
        print(f"joinedup: {err}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="joinedup", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--db", help="database file (default: $JOINEDUP_DB)")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    demo_cmd = commands.add_parser("demo", help="build the demo workspace")
    demo_cmd.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing when the workspace already holds data",
    )
    demo_cmd.set_defaults(command=_demo)

    import_cmd = commands.add_parser("import", help="import a file into the workspace")
    import_cmd.add_argument("kind", choices=sorted(importers.IMPORTERS))
    import_cmd.add_argument("file")
    import_cmd.set_defaults(command=_import)

    check_cmd = commands.add_parser("check", help="check integrity and count rows")
    check_cmd.set_defaults(command=_check)
    return parser


def _demo(ws: Workspace, args: argparse.Namespace) -> int:
    if args.if_empty and not ws.is_empty():
        print(f"{ws.path}: workspace already holds data; demo not rebuilt")
        return 0
    summary = demo.build_demo(ws, SYSTEM)
    print(f"{ws.path}: demo workspace built: {summary}")
    return 0


def _import(ws: Workspace, args: argparse.Namespace) -> int:
    result = importers.import_file(ws, SYSTEM, args.kind, args.file)
    print(f"{args.file}: {result}")
    return 0


def _check(ws: Workspace, args: argparse.Namespace) -> int:
    problems = ws.integrity_problems()
    for table, count in ws.counts().items():
        print(f"{table:<14}{count:>10,}")
    if problems:
        for problem in problems:
            print(f"problem: {problem}", file=sys.stderr)
        return 1
    print(f"{ws.path}: integrity ok, foreign keys ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
