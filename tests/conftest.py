"""Shared fixtures: a fresh workspace on a temporary file for each test, and
the demo workspace, built once per run, of which each page test gets a copy."""

from pathlib import Path

import pytest

from journeys.workspace import Workspace
from tests.ui_workspace import build_template, copy_workspace


@pytest.fixture
def ws(tmp_path):
    """An empty workspace, schema up to date, closed after the test."""
    workspace = Workspace.open(tmp_path / "workspace.db")
    yield workspace
    workspace.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo workspace, built once per test run. Tests change copies of it."""
    return build_template(tmp_path_factory.mktemp("demo-template"))


@pytest.fixture
def demo_db(demo_template, tmp_path, monkeypatch) -> Path:
    """A private copy of the demo workspace, which pages open through
    ``JOINEDUP_DB``."""
    path = copy_workspace(demo_template, tmp_path)
    monkeypatch.setenv("JOINEDUP_DB", str(path))
    return path


# Browser tests drive Streamlit reruns in real Chromium; on a loaded 2-core
# machine a rerun occasionally lands after a wait has given up. They are run
# again, at most twice, before they count as failed; every other test runs
# once. A failure that repeats three times is a real one.
BROWSER_RERUNS = 2


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.flaky(reruns=BROWSER_RERUNS))
