"""The ``joinedup`` command: a thin shell over the `journeys` package.

    joinedup demo [--if-empty]     build the demo workspace from real public data
    joinedup import KIND FILE      import a file (kinds: see `joinedup import -h`)
    joinedup export FILE.json      write the whole workspace to one file
    joinedup check                 integrity check and row counts per table

``joinedup import workspace FILE.json`` rebuilds an exported workspace into an
empty database; exporting it again gives an identical file.

The database is ``$JOINEDUP_DB`` (default ``data/joinedup.db``), or ``--db``.
"""

import argparse
import logging
import sys
from pathlib import Path

from journeys import demo, importers, journey_files, persona_files, workspace_file
from journeys.access import SYSTEM
from journeys.errors import JourneyError
from journeys.workspace import Workspace

logger = logging.getLogger("joinedup")

# Kinds read from a spreadsheet or a workspace file, beside `importers.IMPORTERS`.
FILE_KINDS = {
    "workspace": workspace_file.import_workspace,
    "personas-table": persona_files.import_file,
    "journeys-table": journey_files.import_file,
}


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
    import_cmd.add_argument("kind", choices=sorted([*importers.IMPORTERS, *FILE_KINDS]))
    import_cmd.add_argument("file")
    import_cmd.set_defaults(command=_import)

    export_cmd = commands.add_parser("export", help="write the workspace to a file")
    export_cmd.add_argument("file", help="the JSON file to write")
    export_cmd.set_defaults(command=_export)

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
    if args.kind in FILE_KINDS:
        path = Path(args.file)
        try:
            data = path.read_bytes()
        except OSError as err:
            print(
                f"joinedup: {path.name}: cannot be read: {err.strerror}",
                file=sys.stderr,
            )
            return 1
        result = FILE_KINDS[args.kind](ws, SYSTEM, data, path.name)
    else:
        result = importers.import_file(ws, SYSTEM, args.kind, args.file)
    print(f"{args.file}: imported {_described(args.kind, result)}")
    return 0


def _described(kind: str, result) -> str:
    if kind == "workspace":
        return ", ".join(
            f"{count:,} {table}" for table, count in result.items() if count
        )
    if kind in ("personas-table", "journeys-table"):
        return f"{len(result)} {kind.split('-')[0]}"
    return str(result)


def _export(ws: Workspace, args: argparse.Namespace) -> int:
    path = Path(args.file)
    if path.exists():
        print(
            f"joinedup: {path} already exists: choose a new file name, "
            "so that no earlier export is overwritten",
            file=sys.stderr,
        )
        return 1
    data = workspace_file.export_workspace(ws)
    try:
        path.write_bytes(data)
    except OSError as err:
        print(f"joinedup: cannot write {path}: {err.strerror}", file=sys.stderr)
        return 1
    print(f"{path}: {len(data):,} bytes written")
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
