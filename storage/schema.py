"""The schema, built and upgraded by numbered migrations.

Each migration runs once, inside a transaction together with the record that
it ran (``_sqlite_migrations``). Migrations are append-only: to change the
schema, add a new numbered function at the end; never edit one that shipped.

Every editable table carries the same bookkeeping columns:
``version`` (optimistic locking), ``created_at``/``updated_at`` (UTC, ISO 8601)
and ``created_by``/``updated_by`` (the acting user's name).
"""

import json
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
    "service",
    "agency_relation",
    "goal_kpi",
    "consultation_session",
    "improvement_item",
    "feedback",
    "survey_mapping",
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


@migrations()
def m0004_services(db: sqlite_utils.Database) -> None:
    """Services each agency runs, steps that use them, and declared agency links.

    * ``service``: a service an agency delivers (from a service inventory such
      as the Government of Canada's). ``external_id`` is the inventory's own id
      (unique, so a service is never imported twice). ``channels`` is a JSON
      list of the channels it is delivered through; ``volumes`` a JSON object
      of applications per channel, holding only the channels the source
      reported a number for (``{}`` when it reported none: missing is not 0).
    * ``step_service``: which services a journey's step uses.
    * ``agency_relation``: a relation between two agencies that someone
      declared (for example in a Kumu map), as opposed to the hand-offs that
      are worked out from journeys. ``kind`` is the declared type.
    * ``agency.alternate_name``: the agency's name in another official
      language (the French half of an "English | Français" title).
    """
    db.executescript(
        f"""
        CREATE TABLE service (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            owner_agency_id INTEGER REFERENCES agency(id),
            external_id TEXT UNIQUE,
            channels TEXT NOT NULL DEFAULT '[]',
            volumes TEXT NOT NULL DEFAULT '{{}}',
            fee TEXT,
            url TEXT,
            client_groups TEXT NOT NULL DEFAULT '[]',
            feedback_channels TEXT NOT NULL DEFAULT '[]',
            source TEXT,
            {BOOKKEEPING}
        );
        CREATE INDEX service_owner ON service(owner_agency_id);
        CREATE TABLE step_service (
            step_id INTEGER NOT NULL REFERENCES step(id) ON DELETE CASCADE,
            service_id INTEGER NOT NULL REFERENCES service(id) ON DELETE CASCADE,
            PRIMARY KEY (step_id, service_id)
        );
        CREATE INDEX step_service_service ON step_service(service_id);
        CREATE TABLE agency_relation (
            id INTEGER PRIMARY KEY,
            from_agency_id INTEGER NOT NULL
                REFERENCES agency(id) ON DELETE CASCADE,
            to_agency_id INTEGER NOT NULL REFERENCES agency(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            strength REAL,
            note TEXT NOT NULL DEFAULT '',
            source TEXT,
            {BOOKKEEPING},
            CHECK (from_agency_id <> to_agency_id)
        );
        CREATE UNIQUE INDEX agency_relation_identity ON agency_relation(
            from_agency_id, to_agency_id, kind COLLATE NOCASE
        );
        ALTER TABLE agency ADD COLUMN alternate_name TEXT;
        """
    )


@migrations()
def m0005_kpis_and_responses(db: sqlite_utils.Database) -> None:
    """Custom KPIs, measurements with their counts, goals with several KPIs,
    and survey responses.

    * ``kpi.expression``: for a custom KPI, its formula over other KPIs' keys
      (``NULL`` for a standard KPI).
    * ``measurement``: ``agency_id`` (a measurement about an agency rather than
      a journey), ``numerator`` and ``denominator`` (the counts behind a rate
      or a mean, so periods and places are combined from counts, never by
      averaging rates), ``target`` (a target the source published with the
      value) and ``label`` (the source's wording, such as a survey question
      that changed between quarters). The identity index gains ``agency_id``.
    * ``goal_kpi``: the KPIs of a goal, each with where it is measured, a
      baseline, a target, a direction and a deadline.
    * ``goal_agency``, ``goal_journey``, ``goal_step``: the agencies that
      contribute to a goal, and the journeys and steps it is about.
    * ``survey_response``: one answer of one respondent to a survey question
      mapped to a measure (``nps``, ``csat``...). STRICT, so a score is always
      a number; one answer per respondent, survey and measure. Its group
      index covers the columns answers are counted by, so KPIs over a
      million answers are one index scan, not a sort (PITFALLS 24).
    * ``survey_question``: the wording each measure was mapped from.
    """
    db.executescript(
        f"""
        ALTER TABLE kpi ADD COLUMN expression TEXT;
        ALTER TABLE measurement ADD COLUMN agency_id INTEGER
            REFERENCES agency(id) ON DELETE CASCADE;
        ALTER TABLE measurement ADD COLUMN numerator REAL;
        ALTER TABLE measurement ADD COLUMN denominator REAL;
        ALTER TABLE measurement ADD COLUMN target REAL;
        ALTER TABLE measurement ADD COLUMN label TEXT NOT NULL DEFAULT '';
        DROP INDEX measurement_identity;
        CREATE UNIQUE INDEX measurement_identity ON measurement(
            kpi_id, IFNULL(journey_id, 0), IFNULL(stage_id, 0), IFNULL(step_id, 0),
            IFNULL(agency_id, 0), channel, segment, period_start, period_end
        );
        CREATE INDEX measurement_kpi_period ON measurement(kpi_id, period_end);
        CREATE INDEX measurement_agency ON measurement(agency_id);
        CREATE INDEX measurement_import ON measurement(import_id);
        CREATE TABLE goal_kpi (
            id INTEGER PRIMARY KEY,
            goal_id INTEGER NOT NULL REFERENCES goal(id) ON DELETE CASCADE,
            kpi_id INTEGER NOT NULL REFERENCES kpi(id),
            journey_id INTEGER REFERENCES journey(id) ON DELETE SET NULL,
            stage_id INTEGER REFERENCES stage(id) ON DELETE SET NULL,
            step_id INTEGER REFERENCES step(id) ON DELETE SET NULL,
            agency_id INTEGER REFERENCES agency(id) ON DELETE SET NULL,
            channel TEXT NOT NULL DEFAULT '',
            segment TEXT NOT NULL DEFAULT '',
            baseline REAL,
            baseline_date TEXT,
            target REAL NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('up', 'down')),
            deadline TEXT,
            {BOOKKEEPING}
        );
        CREATE INDEX goal_kpi_goal ON goal_kpi(goal_id);
        CREATE TABLE goal_agency (
            goal_id INTEGER NOT NULL REFERENCES goal(id) ON DELETE CASCADE,
            agency_id INTEGER NOT NULL REFERENCES agency(id) ON DELETE CASCADE,
            PRIMARY KEY (goal_id, agency_id)
        );
        CREATE TABLE goal_journey (
            goal_id INTEGER NOT NULL REFERENCES goal(id) ON DELETE CASCADE,
            journey_id INTEGER NOT NULL REFERENCES journey(id) ON DELETE CASCADE,
            PRIMARY KEY (goal_id, journey_id)
        );
        CREATE TABLE goal_step (
            goal_id INTEGER NOT NULL REFERENCES goal(id) ON DELETE CASCADE,
            step_id INTEGER NOT NULL REFERENCES step(id) ON DELETE CASCADE,
            PRIMARY KEY (goal_id, step_id)
        );
        INSERT INTO goal_kpi (goal_id, kpi_id, journey_id, baseline, target,
            direction, deadline, version, created_at, updated_at, created_by,
            updated_by)
        SELECT goal.id, goal.kpi_id, goal.journey_id, goal.baseline, goal.target,
            CASE kpi.direction WHEN 'down' THEN 'down' ELSE 'up' END,
            goal.deadline, 1, goal.created_at, goal.updated_at, goal.created_by,
            goal.updated_by
        FROM goal JOIN kpi ON kpi.id = goal.kpi_id
        WHERE goal.target IS NOT NULL;
        INSERT INTO goal_journey (goal_id, journey_id)
        SELECT id, journey_id FROM goal WHERE journey_id IS NOT NULL;
        CREATE TABLE survey_response (
            id INTEGER PRIMARY KEY,
            import_id INTEGER NOT NULL REFERENCES import_run(id) ON DELETE CASCADE,
            survey TEXT NOT NULL,
            respondent_id TEXT NOT NULL,
            submitted_at TEXT,
            complete INTEGER NOT NULL CHECK (complete IN (0, 1)),
            journey_id INTEGER REFERENCES journey(id) ON DELETE SET NULL,
            stage_id INTEGER REFERENCES stage(id) ON DELETE SET NULL,
            channel TEXT NOT NULL DEFAULT '',
            period TEXT NOT NULL,
            measure TEXT NOT NULL,
            value REAL NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX survey_response_identity
            ON survey_response(survey, respondent_id, measure);
        CREATE INDEX survey_response_group ON survey_response(
            survey, measure, journey_id, stage_id, channel, period, value
        );
        CREATE TABLE survey_question (
            id INTEGER PRIMARY KEY,
            import_id INTEGER NOT NULL REFERENCES import_run(id) ON DELETE CASCADE,
            survey TEXT NOT NULL,
            measure TEXT NOT NULL,
            question TEXT NOT NULL
        ) STRICT;
        """
    )


@migrations()
def m0006_consultation(db: sqlite_utils.Database) -> None:
    """Consultation sessions, the feedback given in them, and improvement items.

    * ``consultation_session``: a session with its practical details, the
      journeys, personas and agencies it is about (JSON lists of ids), and
      how it is run: ``state`` (planned, open, paused, ended), ``hold_new``
      (new feedback stays off the projected screen until revealed) and the
      ``join_code`` participants type, valid until ``code_expires_at``.
    * ``improvement_item``: a change an agency owns, from idea to evaluated,
      with the date of each status and the evaluation against a KPI.
    * ``feedback``: what a participant said, where in the journey, how it
      felt and their stance on a proposed change (``item_id``). ``source``
      says whether it was typed online, entered from a paper form or typed
      by a facilitator for someone. ``device`` is a hash of the
      participant's browser token, never the token; ``sent_at`` when it was
      sent (or entered), by the clock the limits use. The change log holds a
      placeholder, not the text (see storage/sessions.py).
    * ``feedback_contact``: contact details a participant chose to leave.
      Personal data, so kept apart from the feedback and never logged.
    * ``feedback_item``: which improvement items each piece of feedback led to.
    * ``session_participant``, ``join_attempt``: joins and wrong codes per
      device hash and address hash, for attempt and rate limiting.
    * ``redaction``: who removed personal data from which field and when,
      without the removed text.
    * ``report_share``: tokens for read-only "you said, we did" links.
    """
    db.executescript(
        f"""
        CREATE TABLE consultation_session (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            starts_at TEXT NOT NULL,
            mode TEXT NOT NULL CHECK (mode IN ('in person', 'online', 'hybrid')),
            place TEXT,
            link TEXT,
            host_agency_id INTEGER REFERENCES agency(id) ON DELETE SET NULL,
            agency_ids TEXT NOT NULL DEFAULT '[]',
            journey_ids TEXT NOT NULL DEFAULT '[]',
            persona_ids TEXT NOT NULL DEFAULT '[]',
            proposal_item_ids TEXT NOT NULL DEFAULT '[]',
            agenda TEXT NOT NULL DEFAULT '',
            access_offered TEXT NOT NULL DEFAULT '[]',
            attended_in_person INTEGER CHECK (attended_in_person >= 0),
            attended_online INTEGER CHECK (attended_online >= 0),
            minutes TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL DEFAULT 'planned'
                CHECK (state IN ('planned', 'open', 'paused', 'ended')),
            hold_new INTEGER NOT NULL DEFAULT 0,
            join_code TEXT UNIQUE,
            code_expires_at TEXT,
            opened_at TEXT,
            ended_at TEXT,
            {BOOKKEEPING}
        );
        CREATE TABLE improvement_item (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            problem TEXT NOT NULL DEFAULT '',
            proposed_change TEXT NOT NULL DEFAULT '',
            owning_agency_id INTEGER REFERENCES agency(id) ON DELETE SET NULL,
            journey_id INTEGER REFERENCES journey(id) ON DELETE SET NULL,
            step_ids TEXT NOT NULL DEFAULT '[]',
            persona_ids TEXT NOT NULL DEFAULT '[]',
            kpi_ids TEXT NOT NULL DEFAULT '[]',
            value_score INTEGER CHECK (value_score BETWEEN 1 AND 5),
            effort_score INTEGER CHECK (effort_score BETWEEN 1 AND 5),
            status TEXT NOT NULL DEFAULT 'idea' CHECK (status IN ('idea',
                'prioritised', 'in progress', 'shipped', 'evaluated', 'not doing')),
            prioritised_on TEXT,
            started_on TEXT,
            shipped_on TEXT,
            evaluated_on TEXT,
            not_doing_reason TEXT,
            evaluation_kpi_id INTEGER REFERENCES kpi(id) ON DELETE SET NULL,
            evaluation_scope TEXT,
            baseline REAL,
            baseline_periods TEXT,
            target REAL,
            measured REAL,
            measured_periods TEXT,
            decision TEXT CHECK (decision IN ('keep', 'iterate', 'roll back')),
            evaluation_note TEXT,
            {BOOKKEEPING}
        );
        CREATE INDEX improvement_item_journey ON improvement_item(journey_id);
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL
                REFERENCES consultation_session(id) ON DELETE CASCADE,
            journey_id INTEGER REFERENCES journey(id) ON DELETE SET NULL,
            stage_id INTEGER REFERENCES stage(id) ON DELETE SET NULL,
            step_id INTEGER REFERENCES step(id) ON DELETE SET NULL,
            persona_id INTEGER REFERENCES persona(id) ON DELETE SET NULL,
            what_happened TEXT NOT NULL,
            feeling INTEGER CHECK (feeling BETWEEN -2 AND 2),
            item_id INTEGER REFERENCES improvement_item(id) ON DELETE SET NULL,
            stance TEXT CHECK (stance IN ('in favour', 'neutral', 'against')),
            source TEXT NOT NULL DEFAULT 'online'
                CHECK (source IN ('online', 'paper', 'assisted')),
            paper_ref TEXT,
            device TEXT,
            sent_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'approved', 'hidden', 'merged')),
            merged_into_id INTEGER REFERENCES feedback(id) ON DELETE SET NULL,
            revealed INTEGER NOT NULL DEFAULT 1,
            why_not TEXT,
            {BOOKKEEPING}
        );
        CREATE INDEX feedback_session ON feedback(session_id, id);
        CREATE INDEX feedback_device ON feedback(session_id, device, sent_at);
        CREATE INDEX feedback_journey ON feedback(journey_id);
        CREATE TABLE feedback_contact (
            feedback_id INTEGER PRIMARY KEY
                REFERENCES feedback(id) ON DELETE CASCADE,
            contact TEXT NOT NULL
        );
        CREATE TABLE feedback_item (
            feedback_id INTEGER NOT NULL REFERENCES feedback(id) ON DELETE CASCADE,
            item_id INTEGER NOT NULL
                REFERENCES improvement_item(id) ON DELETE CASCADE,
            PRIMARY KEY (feedback_id, item_id)
        );
        CREATE INDEX feedback_item_item ON feedback_item(item_id);
        CREATE TABLE session_participant (
            session_id INTEGER NOT NULL
                REFERENCES consultation_session(id) ON DELETE CASCADE,
            device TEXT NOT NULL,
            joined_at TEXT NOT NULL,
            PRIMARY KEY (session_id, device)
        );
        CREATE TABLE join_attempt (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            device TEXT NOT NULL,
            address TEXT NOT NULL DEFAULT '',
            ok INTEGER NOT NULL CHECK (ok IN (0, 1))
        );
        CREATE INDEX join_attempt_device ON join_attempt(device, at);
        CREATE INDEX join_attempt_address ON join_attempt(address, at);
        CREATE INDEX join_attempt_at ON join_attempt(at);
        CREATE TABLE redaction (
            id INTEGER PRIMARY KEY,
            table_name TEXT NOT NULL,
            row_id INTEGER NOT NULL,
            field TEXT NOT NULL,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            reason TEXT NOT NULL,
            characters_removed INTEGER NOT NULL
        );
        CREATE INDEX redaction_row ON redaction(table_name, row_id);
        CREATE TABLE report_share (
            token TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('session', 'journey')),
            target_id INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            revoked_at TEXT
        );
        """
    )


@migrations()
def m0007_survey_mappings(db: sqlite_utils.Database) -> None:
    """Survey question mappings saved for reuse.

    * ``survey_mapping``: the measure (``nps``, ``csat``...) a question of a
      survey export was last mapped to, so the next export of the same survey
      comes with its questions preselected. A question is known by its tool
      (``qualtrics``, ``limesurvey``, ``csv``), its id (Qualtrics' ImportId
      such as ``QID1``; '' when the export has none) and its wording, all
      three: Qualtrics numbers every survey's questions QID1, QID2..., so an
      id alone would carry one survey's choices into another.
    """
    db.executescript(
        f"""
        CREATE TABLE survey_mapping (
            id INTEGER PRIMARY KEY,
            tool TEXT NOT NULL,
            question_id TEXT NOT NULL DEFAULT '',
            question TEXT NOT NULL,
            measure TEXT NOT NULL,
            {BOOKKEEPING}
        );
        CREATE UNIQUE INDEX survey_mapping_question
            ON survey_mapping(tool, question_id, question);
        """
    )


# The words m0008 leaves in the change log where minutes were. A copy, not an
# import: a migration that shipped must not change when later code does.
_MINUTES_NOT_LOGGED = "(not logged: minutes are kept only on the session record)"


@migrations()
def m0008_minutes_out_of_the_log(db: sqlite_utils.Database) -> None:
    """Take session minutes out of change-log entries written before they
    were masked.

    Minutes may name the people who spoke, and the change log is shown to
    everyone (recent edits on the home page). Since this release saving a
    session masks them as it writes; older databases still hold them in the
    ``before``/``after`` values of ``consultation_session`` entries.
    """
    found = db.execute(
        "SELECT id, before, after FROM change_log "
        "WHERE table_name = 'consultation_session'"
    ).fetchall()
    for log_id, before, after in found:
        masked = [_without_minutes(values) for values in (before, after)]
        if masked != [before, after]:
            db.execute(
                "UPDATE change_log SET before = ?, after = ? WHERE id = ?",
                [*masked, log_id],
            )


def _without_minutes(values: str | None) -> str | None:
    if values is None:
        return None
    loaded = json.loads(values)
    if loaded.get("minutes") in (None, _MINUTES_NOT_LOGGED):
        return values
    loaded["minutes"] = _MINUTES_NOT_LOGGED
    return json.dumps(loaded, ensure_ascii=False, default=str, sort_keys=True)


@migrations()
def m0009_feedback_sent_from(db: sqlite_utils.Database) -> None:
    """Where recent online feedback was sent from, for the per-address limit.

    * ``feedback_sent_from``: one row per comment sent from a participant's
      device whose network address was known: the session, a hash of the
      address (never the address itself) and when. Not on the feedback row,
      which is kept and logged, and not tied to the feedback it counts: rows
      are deleted once no limit looks back at them, and when the session
      ends.
    """
    db.executescript(
        """
        CREATE TABLE feedback_sent_from (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL
                REFERENCES consultation_session(id) ON DELETE CASCADE,
            address TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX feedback_sent_from_address
            ON feedback_sent_from(session_id, address, at);
        CREATE INDEX feedback_sent_from_at ON feedback_sent_from(at);
        """
    )


@migrations()
def m0010_keyed_address_hashes(db: sqlite_utils.Database) -> None:
    """Forget the network addresses kept as plain hashes.

    Until this release a participant's network address was kept in
    ``join_attempt`` and ``feedback_sent_from`` as a plain SHA-256 hash. There
    are only 2**32 IPv4 addresses, so hashing every one finds the address
    behind such a hash in minutes: it was as good as the address itself.
    Addresses (and device tokens) are now hashed with HMAC-SHA256 under a
    secret of the workspace's own, made on first use and kept in
    ``workspace_setting`` (never exported).

    The old rows are deleted rather than converted: the addresses behind them
    are not known, and they are short-lived records for limits that look back
    10 minutes (wrong codes) and 2 minutes (comments). At worst someone who
    typed wrong codes just before the upgrade gets a few more tries. Successful
    joins were also kept there, never read, with their address: no longer.

    The device hashes in ``session_participant`` and ``feedback`` are kept:
    they hash random 192-bit tokens, which no one can guess. They no longer
    match, so a device that joined a session running through the upgrade
    types the code again.
    """
    db.execute("DELETE FROM join_attempt")
    db.execute("DELETE FROM feedback_sent_from")


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
