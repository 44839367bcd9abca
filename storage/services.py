"""Services, the steps that use them, and relations people declared between agencies.

Rows are created and changed through `storage.rows` (bookkeeping, change log,
optimistic locking); this module holds the other statements about them.
"""

import sqlite_utils

from storage.rows import rows


def list_services(db: sqlite_utils.Database) -> list[dict]:
    """Every service with its owning agency's name, by agency then service name."""
    return rows(
        db,
        "service",
        """
        SELECT service.*, agency.name AS owner_agency_name FROM service
        LEFT JOIN agency ON agency.id = service.owner_agency_id
        ORDER BY agency.name COLLATE NOCASE, service.name COLLATE NOCASE, service.id
        """,
    )


def agency_services(db: sqlite_utils.Database, agency_id: int) -> list[dict]:
    """The services one agency delivers, by name."""
    return rows(
        db,
        "service",
        "SELECT * FROM service WHERE owner_agency_id = ?"
        " ORDER BY name COLLATE NOCASE, id",
        [agency_id],
    )


def external_ids(db: sqlite_utils.Database) -> set[str]:
    """The inventory ids of every service already in the workspace."""
    return {
        r[0]
        for r in db.execute(
            "SELECT external_id FROM service WHERE external_id IS NOT NULL"
        ).fetchall()
    }


def count_services(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM service").fetchone()[0]


def step_service_ids(db: sqlite_utils.Database, step_id: int) -> list[int]:
    return [
        r[0]
        for r in db.execute(
            "SELECT service_id FROM step_service WHERE step_id = ? ORDER BY service_id",
            [step_id],
        ).fetchall()
    ]


def link_step_service(db: sqlite_utils.Database, step_id: int, service_id: int) -> None:
    db.execute(
        "INSERT OR IGNORE INTO step_service (step_id, service_id) VALUES (?, ?)",
        [step_id, service_id],
    )


def unlink_step_service(
    db: sqlite_utils.Database, step_id: int, service_id: int
) -> None:
    db.execute(
        "DELETE FROM step_service WHERE step_id = ? AND service_id = ?",
        [step_id, service_id],
    )


def list_relations(db: sqlite_utils.Database) -> list[dict]:
    """Every declared agency relation, with both agencies' names."""
    return rows(
        db,
        "agency_relation",
        """
        SELECT agency_relation.*, source_agency.name AS from_agency_name,
            target_agency.name AS to_agency_name
        FROM agency_relation
        JOIN agency AS source_agency
            ON source_agency.id = agency_relation.from_agency_id
        JOIN agency AS target_agency
            ON target_agency.id = agency_relation.to_agency_id
        ORDER BY source_agency.name COLLATE NOCASE, target_agency.name COLLATE NOCASE,
            agency_relation.kind COLLATE NOCASE
        """,
    )


def find_relation_id(
    db: sqlite_utils.Database, from_agency_id: int, to_agency_id: int, kind: str
) -> int | None:
    row = db.execute(
        "SELECT id FROM agency_relation WHERE from_agency_id = ? AND to_agency_id = ?"
        " AND kind = ? COLLATE NOCASE",
        [from_agency_id, to_agency_id, kind],
    ).fetchone()
    return row[0] if row else None


def agency_alternate_names(db: sqlite_utils.Database) -> dict[int, str]:
    """Agency id -> its name in another official language, where one is known."""
    return dict(
        db.execute(
            "SELECT id, alternate_name FROM agency WHERE alternate_name IS NOT NULL"
        ).fetchall()
    )
