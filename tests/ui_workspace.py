"""A workspace for the UI tests: the demo workspace, built once per test session.

Building it costs the same every time, so it is built once into a template
file and each test gets its own copy to write to.
"""

import shutil
from pathlib import Path

from journeys import demo
from journeys.access import SYSTEM
from journeys.workspace import Workspace


def build_template(folder: Path) -> Path:
    """Build the demo workspace into ``folder`` and return the database file."""
    path = folder / "demo.db"
    for old in folder.glob("demo.db*"):
        old.unlink()
    with Workspace.open(path) as ws:
        demo.build_demo(ws, actor=SYSTEM)
        ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def copy_workspace(template: Path, folder: Path) -> Path:
    """A private copy of the template database, for one test to change."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "joinedup.db"
    shutil.copyfile(template, path)
    return path
