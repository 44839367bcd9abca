"""Shared fixtures: a fresh workspace on a temporary file for each test."""

import pytest

from journeys.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    """An empty workspace, schema up to date, closed after the test."""
    workspace = Workspace.open(tmp_path / "workspace.db")
    yield workspace
    workspace.close()


# Browser tests drive Streamlit reruns in real Chromium; on a loaded 2-core
# machine a rerun occasionally lands after a wait has given up. They are run
# again, at most twice, before they count as failed; every other test runs
# once. A failure that repeats three times is a real one.
BROWSER_RERUNS = 2


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.flaky(reruns=BROWSER_RERUNS))
