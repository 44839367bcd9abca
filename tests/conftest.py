"""Shared fixtures: a fresh workspace on a temporary file for each test."""

import pytest

from journeys.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    """An empty workspace, schema up to date, closed after the test."""
    workspace = Workspace.open(tmp_path / "workspace.db")
    yield workspace
    workspace.close()
