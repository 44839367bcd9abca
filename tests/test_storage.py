"""Storage: migrations, optimistic locking, transactions, integrity."""

import sqlite3
import threading

import pytest

import storage
from storage import queries, rows
from storage.schema import applied_migrations, migrations
from storage.sessions import MINUTES_MASKED


@pytest.fixture
def db(tmp_path):
    database = storage.connect(tmp_path / "s.db")
    yield database
    database.close()


def add_agency(db, name="Department for Transport", actor="ana"):
    return rows.insert_row(db, "agency", {"name": name, "kind": "government"}, actor)


def test_fresh_database_has_every_migration_and_safe_pragmas(db):
    assert applied_migrations(db) == [
        "m0001_core",
        "m0002_goals_and_measures",
        "m0003_step_detail",
        "m0004_services",
        "m0005_kpis_and_responses",
        "m0006_consultation",
        "m0007_survey_mappings",
        "m0008_minutes_out_of_the_log",
        "m0009_feedback_sent_from",
        "m0010_keyed_address_hashes",
    ]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 15000


def test_database_from_older_migration_set_is_upgraded_with_its_rows(tmp_path):
    path = tmp_path / "old.db"
    old = storage.connect(path, migrate=False)
    migrations.apply(old, stop_before="m0002_goals_and_measures")
    assert applied_migrations(old) == ["m0001_core"]
    add_agency(old, "Department for Work and Pensions")
    assert "kpi" not in old.table_names()
    old.close()

    upgraded = storage.connect(path)
    assert applied_migrations(upgraded) == [
        "m0001_core",
        "m0002_goals_and_measures",
        "m0003_step_detail",
        "m0004_services",
        "m0005_kpis_and_responses",
        "m0006_consultation",
        "m0007_survey_mappings",
        "m0008_minutes_out_of_the_log",
        "m0009_feedback_sent_from",
        "m0010_keyed_address_hashes",
    ]
    assert [a["name"] for a in queries.list_agencies(upgraded)] == [
        "Department for Work and Pensions"
    ]
    assert "kpi" in upgraded.table_names()
    upgraded.close()


def test_upgrading_takes_minutes_out_of_the_change_log(tmp_path):
    # A database from before minutes were masked: its log holds them.
    path = tmp_path / "minutes.db"
    old = storage.connect(path, migrate=False)
    migrations.apply(old, stop_before="m0008_minutes_out_of_the_log")
    spoken = "Jo Bloggs spoke about caring for her mother."
    session_id = rows.insert_row(
        old,
        "consultation_session",
        {
            "title": "Carers' evening",
            "starts_at": "2025-03-04 18:30",
            "mode": "in person",
            "minutes": spoken,
        },
        "sam",
    )
    rows.update_row(
        old,
        "consultation_session",
        session_id,
        1,
        {"minutes": spoken + " More."},
        "sam",
    )
    assert spoken in str(
        queries.changes_to_row(old, "consultation_session", session_id)
    )
    old.close()

    upgraded = storage.connect(path)
    log = queries.changes_to_row(upgraded, "consultation_session", session_id)
    masked = "(not logged: minutes are kept only on the session record)"
    assert masked == MINUTES_MASKED  # what saving a session writes today
    assert [c["after"]["minutes"] for c in log] == [masked, masked]
    assert log[1]["before"]["minutes"] == masked
    assert log[0]["after"]["title"] == "Carers' evening"  # the rest is kept
    row = rows.get_row(upgraded, "consultation_session", session_id)
    assert row["minutes"] == spoken + " More."
    upgraded.close()


def test_upgrading_forgets_addresses_kept_as_plain_hashes(tmp_path):
    # A database from before addresses were hashed with a key: its limit
    # records hold the plain SHA-256 of 203.0.113.5 (cut to 32 digits).
    plain = "440a628a0c975ea32d4db42ca94acebc"
    path = tmp_path / "plain.db"
    old = storage.connect(path, migrate=False)
    migrations.apply(old, stop_before="m0010_keyed_address_hashes")
    session_id = rows.insert_row(
        old,
        "consultation_session",
        {"title": "Carers' evening", "starts_at": "2025-03-04 18:30", "mode": "online"},
        "sam",
    )
    old.executescript(
        f"""
        INSERT INTO join_attempt (at, device, address, ok) VALUES
            ('2025-03-04T18:30:00+00:00', 'd1', '{plain}', 0),
            ('2025-03-04T18:31:00+00:00', 'd2', '{plain}', 1);
        INSERT INTO session_participant (session_id, device, joined_at) VALUES
            ({session_id}, 'd2', '2025-03-04T18:31:00+00:00');
        INSERT INTO feedback_sent_from (session_id, address, at) VALUES
            ({session_id}, '{plain}', '2025-03-04T18:32:00+00:00');
        """
    )
    old.close()

    upgraded = storage.connect(path)
    count = "SELECT count(*) FROM {}"
    assert upgraded.execute(count.format("join_attempt")).fetchone()[0] == 0
    assert upgraded.execute(count.format("feedback_sent_from")).fetchone()[0] == 0
    # Who joined is kept: a hash of a random token, not of an address.
    assert upgraded.execute(count.format("session_participant")).fetchone()[0] == 1
    upgraded.close()


def test_insert_sets_bookkeeping_and_logs_the_creation(db):
    agency_id = add_agency(db, actor="ana")
    row = rows.get_row(db, "agency", agency_id)
    assert row["version"] == 1
    assert row["created_by"] == row["updated_by"] == "ana"
    assert row["created_at"].endswith("+00:00")
    log = queries.changes_to_row(db, "agency", agency_id)
    assert [(c["action"], c["actor"]) for c in log] == [("create", "ana")]
    assert log[0]["after"] == {"kind": "government", "name": "Department for Transport"}


def test_update_changes_only_given_columns_and_bumps_version(db):
    agency_id = add_agency(db)
    rows.update_row(db, "agency", agency_id, 1, {"short_name": "DfT"}, "bo")
    row = rows.get_row(db, "agency", agency_id)
    assert (row["name"], row["short_name"], row["version"]) == (
        "Department for Transport",
        "DfT",
        2,
    )
    assert (row["created_by"], row["updated_by"]) == ("ana", "bo")
    last = queries.changes_to_row(db, "agency", agency_id)[-1]
    assert (last["before"], last["after"]) == (
        {"short_name": None},
        {"short_name": "DfT"},
    )


def test_update_of_a_parent_keeps_its_children(db):
    # INSERT OR REPLACE would delete the journey and cascade to its stages.
    journey_id = rows.insert_row(db, "journey", {"title": "Get a divorce"}, "ana")
    for position, name in enumerate(["Check", "Arrange", "Apply"], start=1):
        rows.insert_row(
            db,
            "stage",
            {"journey_id": journey_id, "position": position, "name": name},
            "ana",
        )
    rows.update_row(db, "journey", journey_id, 1, {"title": "Get a divorce v2"}, "bo")
    assert [s["name"] for s in queries.journey_stages(db, journey_id)] == [
        "Check",
        "Arrange",
        "Apply",
    ]


def test_stale_version_is_refused_and_carries_the_saved_row(db):
    agency_id = add_agency(db)
    rows.update_row(db, "agency", agency_id, 1, {"short_name": "DfT"}, "bo")
    with pytest.raises(storage.StaleVersion) as caught:
        rows.update_row(db, "agency", agency_id, 1, {"short_name": "DOT"}, "ana")
    assert caught.value.current["short_name"] == "DfT"
    assert caught.value.current["updated_by"] == "bo"
    assert rows.get_row(db, "agency", agency_id)["short_name"] == "DfT"


def test_two_connections_second_save_of_same_version_conflicts(tmp_path):
    path = tmp_path / "shared.db"
    first, second = storage.connect(path), storage.connect(path)
    agency_id = add_agency(first)
    version_seen_by_both = rows.get_row(second, "agency", agency_id)["version"]
    rows.update_row(
        first, "agency", agency_id, version_seen_by_both, {"short_name": "A"}, "a"
    )
    with pytest.raises(storage.StaleVersion):
        rows.update_row(
            second, "agency", agency_id, version_seen_by_both, {"short_name": "B"}, "b"
        )
    assert rows.get_row(second, "agency", agency_id)["short_name"] == "A"
    first.close()
    second.close()


def test_writer_blocked_by_another_gets_busy_error_not_raw_lock(tmp_path):
    path = tmp_path / "busy.db"
    holder = storage.connect(path)
    waiter = storage.connect(path, timeout=0.2)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(storage.DatabaseBusy, match="Nothing was saved"):
            add_agency(waiter)
    finally:
        holder.execute("ROLLBACK")
    assert queries.list_agencies(holder) == []
    holder.close()
    waiter.close()


def test_failed_transaction_writes_nothing(db):
    with pytest.raises(RuntimeError):
        with storage.write_transaction(db):
            add_agency(db, "Department for Transport")
            add_agency(db, "Department for Work and Pensions")
            raise RuntimeError("crash mid-import")
    assert queries.table_counts(db)["agency"] == 0
    assert queries.table_counts(db)["change_log"] == 0


def test_foreign_keys_are_enforced(db):
    journey_id = rows.insert_row(db, "journey", {"title": "Learn to drive a car"}, "a")
    stage_id = rows.insert_row(
        db, "stage", {"journey_id": journey_id, "position": 1, "name": "Start"}, "a"
    )
    with pytest.raises(storage.ReferencedRowMissing):
        rows.insert_row(
            db,
            "step",
            {
                "stage_id": stage_id,
                "position": 1,
                "action": "x",
                "owning_agency_id": 999,
            },
            "a",
        )
    assert queries.integrity_problems(db) == []


def test_duplicate_name_in_any_case_is_refused(db):
    add_agency(db, "Department for Transport")
    with pytest.raises(storage.UniqueViolation):
        add_agency(db, "department for transport")


def test_only_known_tables_and_columns_reach_sql(db):
    with pytest.raises(storage.StorageError):
        rows.insert_row(db, "sqlite_master", {"name": "x"}, "a")
    with pytest.raises(storage.StorageError):
        rows.insert_row(db, "agency", {"name; DROP TABLE agency": "x"}, "a")


def test_connection_can_be_used_from_another_thread(db):
    errors = []

    def save():
        try:
            add_agency(db, "HM Revenue and Customs")
        except sqlite3.ProgrammingError as err:  # pragma: no cover - the bug
            errors.append(err)

    worker = threading.Thread(target=save)
    worker.start()
    worker.join()
    assert errors == []
    assert [a["name"] for a in queries.list_agencies(db)] == ["HM Revenue and Customs"]


def test_delete_checks_version_and_logs_the_row(db):
    agency_id = add_agency(db)
    with pytest.raises(storage.StaleVersion):
        rows.delete_row(db, "agency", agency_id, 7, "a")
    rows.delete_row(db, "agency", agency_id, 1, "a")
    assert queries.list_agencies(db) == []
    last = queries.changes_to_row(db, "agency", agency_id)[-1]
    assert last["action"] == "delete"
    assert last["before"]["name"] == "Department for Transport"
