"""Consultation sessions, their feedback, joins, and what personal data leaves.

Every SQL statement about sessions and feedback lives here. Rows of the
editable tables (``consultation_session``, ``feedback``) are written through
`storage.rows`, so they are versioned and logged like any other row.

Two things differ from other tables, because feedback may hold personal data:

* the change log never keeps what a participant typed, nor a session's
  minutes: right after a feedback row is created or its text is changed (or
  a session saved), `mask_logged_fields` replaces the text in that row's log
  entries with a placeholder, inside the same transaction. The text lives
  only on its own row, where the domain decides who may read it;
* contact details live in ``feedback_contact``, which is neither versioned
  nor logged, so removing them leaves no copy in the database's tables.
"""

import json

import sqlite_utils

from storage.rows import rows

# The ``workspace_setting`` row holding the secret that participants' device
# tokens and network addresses are hashed with (journeys.sessions.device_hash).
# storage/dump.py leaves it out of every export.
HASH_KEY_SETTING = "participant_hash_key"
# What the change log holds instead of a participant's words.
MASKED = "(not logged: feedback text is kept only on the feedback record)"
# What it holds instead of a session's minutes, which may name people.
MINUTES_MASKED = "(not logged: minutes are kept only on the session record)"


# --- sessions -------------------------------------------------------------


def list_sessions(db: sqlite_utils.Database) -> list[dict]:
    """Sessions, newest start first, with their host's name and feedback counts."""
    return rows(
        db,
        "consultation_session",
        """
        SELECT consultation_session.*, agency.name AS host_agency_name,
            (SELECT count(*) FROM feedback
                WHERE feedback.session_id = consultation_session.id)
                AS feedback_count
        FROM consultation_session
        LEFT JOIN agency ON agency.id = consultation_session.host_agency_id
        ORDER BY consultation_session.starts_at DESC, consultation_session.id DESC
        """,
    )


def find_session_by_code(db: sqlite_utils.Database, code: str) -> dict | None:
    found = rows(
        db,
        "consultation_session",
        "SELECT * FROM consultation_session WHERE join_code = ?",
        [code],
    )
    return found[0] if found else None


def code_in_use(db: sqlite_utils.Database, code: str) -> bool:
    return (
        db.execute(
            "SELECT 1 FROM consultation_session WHERE join_code = ?", [code]
        ).fetchone()
        is not None
    )


# --- joining and limits ---------------------------------------------------


def hash_key(db: sqlite_utils.Database) -> bytes | None:
    """The workspace's secret for hashing devices and addresses, if made yet."""
    row = db.execute(
        "SELECT value FROM workspace_setting WHERE key = ?", [HASH_KEY_SETTING]
    ).fetchone()
    return bytes.fromhex(row[0]) if row else None


def add_hash_key(db: sqlite_utils.Database, key: bytes, at: str) -> None:
    """Keep ``key`` as the workspace's secret, unless it already has one.

    Not logged: the change log is shown to everyone."""
    db.execute(
        "INSERT INTO workspace_setting (key, value, updated_at, updated_by)"
        " VALUES (?, ?, ?, 'joinedup') ON CONFLICT(key) DO NOTHING",
        [HASH_KEY_SETTING, key.hex(), at],
    )


def record_wrong_code(
    db: sqlite_utils.Database, at: str, device: str, address: str
) -> None:
    """Note a wrong code typed on a device (a hash) from an address (a hash,
    or '' when unknown)."""
    db.execute(
        "INSERT INTO join_attempt (at, device, address, ok) VALUES (?, ?, ?, 0)",
        [at, device, address],
    )


def failed_joins_since(
    db: sqlite_utils.Database,
    since: str,
    *,
    device: str | None = None,
    address: str | None = None,
) -> list[str]:
    """Times of wrong codes tried since ``since``, oldest first.

    By one device, from one address, or (neither given) by anyone.
    """
    sql = "SELECT at FROM join_attempt WHERE ok = 0 AND at >= ?"
    params: list = [since]
    if device is not None:
        sql += " AND device = ?"
        params.append(device)
    if address is not None:
        sql += " AND address = ?"
        params.append(address)
    return [r[0] for r in db.execute(sql + " ORDER BY at", params).fetchall()]


def forget_join_attempts_before(db: sqlite_utils.Database, before: str) -> None:
    """Drop attempts made before ``before``, too old to count towards any
    limit."""
    db.execute("DELETE FROM join_attempt WHERE at < ?", [before])


def add_participant(
    db: sqlite_utils.Database, session_id: int, device: str, at: str
) -> None:
    db.execute(
        "INSERT OR IGNORE INTO session_participant (session_id, device, joined_at)"
        " VALUES (?, ?, ?)",
        [session_id, device, at],
    )


def has_joined(db: sqlite_utils.Database, session_id: int, device: str) -> bool:
    return (
        db.execute(
            "SELECT 1 FROM session_participant WHERE session_id = ? AND device = ?",
            [session_id, device],
        ).fetchone()
        is not None
    )


def participant_count(db: sqlite_utils.Database, session_id: int) -> int:
    return db.execute(
        "SELECT count(*) FROM session_participant WHERE session_id = ?", [session_id]
    ).fetchone()[0]


def submissions_since(
    db: sqlite_utils.Database, session_id: int, device: str, since: str
) -> list[str]:
    """When one device sent feedback to one session since ``since``, oldest first."""
    return [
        r[0]
        for r in db.execute(
            "SELECT sent_at FROM feedback WHERE session_id = ? AND device = ?"
            " AND sent_at >= ? ORDER BY sent_at",
            [session_id, device, since],
        ).fetchall()
    ]


def online_submissions_since(
    db: sqlite_utils.Database, session_id: int, since: str
) -> list[str]:
    """When anyone sent feedback online to one session since ``since``,
    oldest first. Paper forms and feedback typed by a facilitator are not
    counted."""
    return [
        r[0]
        for r in db.execute(
            "SELECT sent_at FROM feedback WHERE session_id = ? AND source = 'online'"
            " AND sent_at >= ? ORDER BY sent_at",
            [session_id, since],
        ).fetchall()
    ]


def record_sent_from(
    db: sqlite_utils.Database, session_id: int, address: str, at: str
) -> None:
    """Note that a comment was sent to a session from an address (a hash)."""
    db.execute(
        "INSERT INTO feedback_sent_from (session_id, address, at) VALUES (?, ?, ?)",
        [session_id, address, at],
    )


def sent_from_since(
    db: sqlite_utils.Database, session_id: int, address: str, since: str
) -> list[str]:
    """When comments were sent to one session from one address since
    ``since``, oldest first."""
    return [
        r[0]
        for r in db.execute(
            "SELECT at FROM feedback_sent_from WHERE session_id = ? AND address = ?"
            " AND at >= ? ORDER BY at",
            [session_id, address, since],
        ).fetchall()
    ]


def forget_sent_from(
    db: sqlite_utils.Database,
    *,
    before: str | None = None,
    session_id: int | None = None,
) -> None:
    """Drop where comments came from: every session's rows older than
    ``before``, or all of one session's."""
    if before is not None:
        db.execute("DELETE FROM feedback_sent_from WHERE at < ?", [before])
    if session_id is not None:
        db.execute("DELETE FROM feedback_sent_from WHERE session_id = ?", [session_id])


# --- feedback -------------------------------------------------------------

_FEEDBACK_SQL = """
SELECT feedback.*, stage.name AS stage_name, stage.position AS stage_position,
    step.action AS step_action, persona.name AS persona_name,
    journey.title AS journey_title, improvement_item.title AS item_title,
    feedback_contact.feedback_id IS NOT NULL AS has_contact,
    (SELECT json_group_array(item_id) FROM feedback_item
        WHERE feedback_item.feedback_id = feedback.id) AS linked_item_ids
FROM feedback
LEFT JOIN stage ON stage.id = feedback.stage_id
LEFT JOIN step ON step.id = feedback.step_id
LEFT JOIN persona ON persona.id = feedback.persona_id
LEFT JOIN journey ON journey.id = feedback.journey_id
LEFT JOIN improvement_item ON improvement_item.id = feedback.item_id
LEFT JOIN feedback_contact ON feedback_contact.feedback_id = feedback.id
"""


def _decoded(found: list[dict]) -> list[dict]:
    for row in found:
        row["linked_item_ids"] = sorted(json.loads(row["linked_item_ids"] or "[]"))
        row["has_contact"] = bool(row["has_contact"])
    return found


def session_feedback(db: sqlite_utils.Database, session_id: int) -> list[dict]:
    """A session's feedback in the order it came, with names of what it is about."""
    return _decoded(
        rows(
            db,
            "feedback",
            _FEEDBACK_SQL + " WHERE feedback.session_id = ? ORDER BY feedback.id",
            [session_id],
        )
    )


def journey_feedback(db: sqlite_utils.Database, journey_id: int) -> list[dict]:
    """Feedback about one journey from every session, oldest first: what was
    placed on the journey, and what was given without a place ("something
    else") in a session about that journey."""
    return _decoded(
        rows(
            db,
            "feedback",
            _FEEDBACK_SQL
            + """
            WHERE feedback.journey_id = ?
                OR (feedback.journey_id IS NULL AND EXISTS (
                    SELECT 1 FROM consultation_session AS held,
                        json_each(held.journey_ids) AS about
                    WHERE held.id = feedback.session_id AND about.value = ?))
            ORDER BY feedback.id""",
            [journey_id, journey_id],
        )
    )


def feedback_by_ids(db: sqlite_utils.Database, ids: list[int]) -> list[dict]:
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    return _decoded(
        rows(
            db,
            "feedback",
            _FEEDBACK_SQL + f" WHERE feedback.id IN ({marks}) ORDER BY feedback.id",
            ids,
        )
    )


def approved_feedback_without_items(db: sqlite_utils.Database) -> list[dict]:
    """Moderated feedback that has not led to any improvement item yet."""
    return _decoded(
        rows(
            db,
            "feedback",
            _FEEDBACK_SQL + " WHERE feedback.status = 'approved' AND NOT EXISTS"
            " (SELECT 1 FROM feedback_item WHERE feedback_id = feedback.id)"
            " ORDER BY feedback.id",
        )
    )


def reveal_held(db: sqlite_utils.Database, session_id: int) -> int:
    """Show every held piece of a session's feedback; return how many."""
    cursor = db.execute(
        "UPDATE feedback SET revealed = 1 WHERE session_id = ? AND revealed = 0",
        [session_id],
    )
    return cursor.rowcount


def set_contact(db: sqlite_utils.Database, feedback_id: int, contact: str) -> None:
    db.execute(
        "INSERT INTO feedback_contact (feedback_id, contact) VALUES (?, ?)",
        [feedback_id, contact],
    )


def contacts(db: sqlite_utils.Database, feedback_ids: list[int]) -> dict[int, str]:
    if not feedback_ids:
        return {}
    marks = ", ".join("?" for _ in feedback_ids)
    return dict(
        db.execute(
            "SELECT feedback_id, contact FROM feedback_contact"
            f" WHERE feedback_id IN ({marks})",
            feedback_ids,
        ).fetchall()
    )


def delete_contact(db: sqlite_utils.Database, feedback_id: int) -> int:
    """Remove a feedback's contact details; return how many characters went."""
    row = db.execute(
        "SELECT length(contact) FROM feedback_contact WHERE feedback_id = ?",
        [feedback_id],
    ).fetchone()
    db.execute("DELETE FROM feedback_contact WHERE feedback_id = ?", [feedback_id])
    return row[0] if row else 0


# --- feedback and improvement items ---------------------------------------


def link_feedback_item(
    db: sqlite_utils.Database, feedback_id: int, item_id: int
) -> None:
    db.execute(
        "INSERT OR IGNORE INTO feedback_item (feedback_id, item_id) VALUES (?, ?)",
        [feedback_id, item_id],
    )


def unlink_feedback_item(
    db: sqlite_utils.Database, feedback_id: int, item_id: int
) -> None:
    db.execute(
        "DELETE FROM feedback_item WHERE feedback_id = ? AND item_id = ?",
        [feedback_id, item_id],
    )


# --- personal data --------------------------------------------------------


def mask_logged_fields(
    db: sqlite_utils.Database,
    table: str,
    row_id: int,
    fields: tuple[str, ...],
    placeholder: str = MASKED,
) -> int:
    """Replace ``fields`` in every change-log entry of one row by ``placeholder``.

    Returns how many entries were changed. Run inside the transaction that
    wrote the row, so the text is never committed to the log.
    """
    changed = 0
    found = db.execute(
        "SELECT id, before, after FROM change_log WHERE table_name = ? AND row_id = ?",
        [table, row_id],
    ).fetchall()
    for log_id, before, after in found:
        new_before = _masked(before, fields, placeholder)
        new_after = _masked(after, fields, placeholder)
        if (new_before, new_after) != (before, after):
            db.execute(
                "UPDATE change_log SET before = ?, after = ? WHERE id = ?",
                [new_before, new_after, log_id],
            )
            changed += 1
    return changed


def _masked(
    values: str | None, fields: tuple[str, ...], placeholder: str
) -> str | None:
    if values is None:
        return None
    loaded = json.loads(values)
    if not any(f in loaded and loaded[f] != placeholder for f in fields):
        return values
    for field in fields:
        if field in loaded:
            loaded[field] = placeholder
    return json.dumps(loaded, ensure_ascii=False, default=str, sort_keys=True)


def overwrite_deleted_content(db: sqlite_utils.Database) -> None:
    """From now on, have SQLite zero deleted and overwritten content on disk."""
    db.execute("PRAGMA secure_delete = ON")


def record_redaction(
    db: sqlite_utils.Database,
    table: str,
    row_id: int,
    field: str,
    at: str,
    actor: str,
    reason: str,
    characters_removed: int,
) -> None:
    db.execute(
        "INSERT INTO redaction (table_name, row_id, field, at, actor, reason,"
        " characters_removed) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [table, row_id, field, at, actor, reason, characters_removed],
    )


def redactions_of(db: sqlite_utils.Database, table: str, row_id: int) -> list[dict]:
    return rows(
        db,
        "redaction",
        "SELECT * FROM redaction WHERE table_name = ? AND row_id = ? ORDER BY id",
        [table, row_id],
    )


def logged_changes(db: sqlite_utils.Database, table: str, row_id: int) -> list[dict]:
    """One row's change-log entries, oldest first, with before/after decoded."""
    found = rows(
        db,
        "change_log",
        "SELECT * FROM change_log WHERE table_name = ? AND row_id = ? ORDER BY id",
        [table, row_id],
    )
    for change in found:
        for key in ("before", "after"):
            change[key] = json.loads(change[key]) if change[key] else None
    return found


# --- read-only report links -----------------------------------------------


def create_share(
    db: sqlite_utils.Database,
    token: str,
    kind: str,
    target_id: int,
    at: str,
    actor: str,
) -> None:
    db.execute(
        "INSERT INTO report_share (token, kind, target_id, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?)",
        [token, kind, target_id, at, actor],
    )


def find_share(db: sqlite_utils.Database, token: str) -> dict | None:
    found = rows(
        db,
        "report_share",
        "SELECT * FROM report_share WHERE token = ? AND revoked_at IS NULL",
        [token],
    )
    return found[0] if found else None


def shares_of(db: sqlite_utils.Database, kind: str, target_id: int) -> list[dict]:
    """The links still in force for one report, newest first."""
    return rows(
        db,
        "report_share",
        "SELECT * FROM report_share WHERE kind = ? AND target_id = ?"
        " AND revoked_at IS NULL ORDER BY created_at DESC",
        [kind, target_id],
    )


def revoke_share(db: sqlite_utils.Database, token: str, at: str) -> int:
    cursor = db.execute(
        "UPDATE report_share SET revoked_at = ? WHERE token = ? AND revoked_at IS NULL",
        [at, token],
    )
    return cursor.rowcount
