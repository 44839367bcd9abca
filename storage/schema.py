"""The schema, built and upgraded by numbered migrations.

Each migration runs once, inside a transaction together with the record that
it ran (``_sqlite_migrations``). Migrations are append-only: to change the
schema, add a new numbered function at the end; never edit one that shipped.

Every editable table carries the same bookkeeping columns:
``version`` (optimistic locking), ``created_at``/``updated_at`` (UTC, ISO 8601)
and ``created_by``/``updated_by`` (the acting user's name).
"""

import logging

import sqlite_utils
from sqlite_utils.migrations import Migrations

logger = logging.getLogger(__name__)

migrations = Migrations("joinedup")

BOOKKEEPING = """
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL
"""

# Tables whose rows people edit, and so carry the bookkeeping columns.
EDITABLE_TABLES = (
    "agency",
    "persona",
    "journey",
    "stage",
    "step",
    "kpi",
    "goal",
    "measurement",
)


@migrations()
def m0001_core(db: sqlite_utils.Database) -> None:
    """Agencies, personas, journeys with stages and steps, and the change log."""
    db.executescript(
        f"""
        CREATE TABLE agency (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            short_name TEXT,
            kind TEXT NOT NULL
                CHECK (kind IN ('government', 'community', 'partner')),
            parent_id INTEGER REFERENCES agency(id),
            website TEXT,
            {BOOKKEEPING}
        );
        CREATE TABLE persona (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            summary TEXT NOT NULL DEFAULT '',
            age_range TEXT,
            situation TEXT NOT NULL DEFAULT '',
            goals TEXT NOT NULL DEFAULT '[]',
            needs TEXT NOT NULL DEFAULT '[]',
            likes TEXT NOT NULL DEFAULT '[]',
            frustrations TEXT NOT NULL DEFAULT '[]',
            access_needs TEXT NOT NULL DEFAULT '[]',
            assistive_technology TEXT NOT NULL DEFAULT '[]',
            digital_confidence INTEGER
                CHECK (digital_confidence BETWEEN 1 AND 5),
            languages TEXT NOT NULL DEFAULT '[]',
            quote TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            owner_agency_id INTEGER REFERENCES agency(id),
            evidence_source TEXT,
            evidence_date TEXT,
            archived INTEGER NOT NULL DEFAULT 0,
            {BOOKKEEPING}
        );
        CREATE UNIQUE INDEX persona_name ON persona(name COLLATE NOCASE);
        CREATE TABLE journey (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            lead_agency_id INTEGER REFERENCES agency(id),
            status TEXT NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'in review', 'published')),
            review_by TEXT,
            source TEXT,
            {BOOKKEEPING}
        );
        CREATE UNIQUE INDEX journey_title ON journey(title COLLATE NOCASE);
        CREATE TABLE journey_persona (
            journey_id INTEGER NOT NULL REFERENCES journey(id) ON DELETE CASCADE,
            persona_id INTEGER NOT NULL REFERENCES persona(id),
            PRIMARY KEY (journey_id, persona_id)
        );
        CREATE TABLE stage (
            id INTEGER PRIMARY KEY,
            journey_id INTEGER NOT NULL REFERENCES journey(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            {BOOKKEEPING}
        );
        CREATE INDEX stage_journey ON stage(journey_id, position);
        CREATE TABLE step (
            id INTEGER PRIMARY KEY,
            stage_id INTEGER NOT NULL REFERENCES stage(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            action TEXT NOT NULL,
            channel TEXT NOT NULL DEFAULT 'online' CHECK (channel IN
                ('online', 'phone', 'in person', 'post', 'app', 'email', 'other')),
            touchpoint TEXT NOT NULL DEFAULT '',
            touchpoint_url TEXT,
            owning_agency_id INTEGER REFERENCES agency(id),
            optional INTEGER NOT NULL DEFAULT 0,
            fee TEXT,
            notes TEXT NOT NULL DEFAULT '',
            {BOOKKEEPING}
        );
        CREATE INDEX step_stage ON step(stage_id, position);
        CREATE INDEX step_owner ON step(owning_agency_id);
        CREATE TABLE step_supporting_agency (
            step_id INTEGER NOT NULL REFERENCES step(id) ON DELETE CASCADE,
            agency_id INTEGER NOT NULL REFERENCES agency(id),
            PRIMARY KEY (step_id, agency_id)
        );
        CREATE TABLE change_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            table_name TEXT NOT NULL,
            row_id INTEGER NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
            before TEXT,
            after TEXT
        );
        CREATE INDEX change_log_row ON change_log(table_name, row_id);
        CREATE INDEX change_log_at ON change_log(at);
        """
    )


@migrations()
def m0002_goals_and_measures(db: sqlite_utils.Database) -> None:
    """KPI definitions, goals, measurements and the record of each import."""
    db.executescript(
        f"""
        CREATE TABLE kpi (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            unit TEXT NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('up', 'down', 'none')),
            formula TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            {BOOKKEEPING}
        );
        CREATE TABLE goal (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            owner_agency_id INTEGER REFERENCES agency(id),
            journey_id INTEGER REFERENCES journey(id) ON DELETE SET NULL,
            kpi_id INTEGER REFERENCES kpi(id),
            baseline REAL,
            target REAL,
            deadline TEXT,
            {BOOKKEEPING}
        );
        CREATE TABLE import_run (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            file_name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            summary TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE measurement (
            id INTEGER PRIMARY KEY,
            kpi_id INTEGER NOT NULL REFERENCES kpi(id),
            journey_id INTEGER REFERENCES journey(id) ON DELETE CASCADE,
            stage_id INTEGER REFERENCES stage(id) ON DELETE CASCADE,
            step_id INTEGER REFERENCES step(id) ON DELETE CASCADE,
            channel TEXT NOT NULL DEFAULT '',
            segment TEXT NOT NULL DEFAULT '',
            period_start TEXT NOT NULL,
            period_end TEXT NOT NULL,
            value REAL NOT NULL,
            import_id INTEGER REFERENCES import_run(id) ON DELETE CASCADE,
            {BOOKKEEPING}
        );
        CREATE UNIQUE INDEX measurement_identity ON measurement(
            kpi_id, IFNULL(journey_id, 0), IFNULL(stage_id, 0), IFNULL(step_id, 0),
            channel, segment, period_start, period_end
        );
        """
    )


@migrations()
def m0003_step_detail(db: sqlite_utils.Database) -> None:
    """What a step holds beyond its action: feelings, pain points, evidence, KPIs.

    These are JSON columns on the step rather than child tables: a step and
    everything said about it is edited, versioned and conflict-checked as one
    row, and a journey of any size still loads in one query.
    """
    db.executescript(
        """
        ALTER TABLE step ADD COLUMN emotions TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE step ADD COLUMN pain_points TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE step ADD COLUMN opportunities TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE step ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE step ADD COLUMN kpi_ids TEXT NOT NULL DEFAULT '[]';
        CREATE TABLE workspace_setting (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL
        );
        """
    )


def migrate_to_latest(db: sqlite_utils.Database) -> None:
    """Apply every pending migration, oldest first. Does nothing when current."""
    pending = [m.name for m in migrations.pending(db)]
    if not pending:
        return
    logger.info("applying migrations: %s", ", ".join(pending))
    migrations.apply(db)


def applied_migrations(db: sqlite_utils.Database) -> list[str]:
    """Names of the migrations this database has had, in the order applied."""
    return [m.name for m in migrations.applied(db)]
