"""SQL for survey question mappings saved for reuse (table ``survey_mapping``).

A row says which measure a question of a survey export was last mapped to.
Rows are editable rows, written through `storage.rows` (versions, change
log); this module reads them.
"""

import sqlite_utils

from storage.rows import rows


def mappings_for_tool(db: sqlite_utils.Database, tool: str) -> list[dict]:
    """Every saved mapping of one survey tool's questions, oldest first."""
    return rows(
        db,
        "survey_mapping",
        "SELECT * FROM survey_mapping WHERE tool = ? ORDER BY id",
        [tool],
    )
