"""Opening the workspace database, and running writes in transactions.

Rules that hold for every connection (see PITFALLS 4, 12, 13, 14):

* one connection per caller: never share a connection through a cache;
* WAL mode, so readers never wait for the one writer;
* ``foreign_keys=ON`` and a busy timeout on every connection;
* writes run inside ``BEGIN IMMEDIATE``, so a read-then-write takes the write
  lock before it reads, and a second editor waits instead of failing at once.
"""

import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from storage.errors import DatabaseBusy

logger = logging.getLogger(__name__)

DEFAULT_DB_PATH = "data/joinedup.db"
# Seconds a writer waits for another writer before giving up.
BUSY_TIMEOUT_SECONDS = 15.0


def database_path() -> Path:
    """The database file: ``$JOINEDUP_DB``, or ``data/joinedup.db``."""
    return Path(os.environ.get("JOINEDUP_DB") or DEFAULT_DB_PATH)


def connect(
    path: str | Path | None = None,
    *,
    timeout: float = BUSY_TIMEOUT_SECONDS,
    migrate: bool = True,
) -> sqlite_utils.Database:
    """Open the database, creating it and its folder if needed.

    Parameters
    ----------
    path:
        The database file, ``":memory:"`` for a throwaway database, or None for
        `database_path()`.
    timeout:
        Seconds to wait for another writer before raising `DatabaseBusy`.
    migrate:
        Apply pending schema migrations (the default). Tests of the migration
        machinery itself pass False.
    """
    path = database_path() if path is None else path
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, the driver must
    # not open transactions behind our back. check_same_thread=False because
    # Streamlit may run one session's reruns on different threads; each
    # connection is still used by one session only.
    conn = sqlite3.connect(
        str(path), timeout=timeout, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    db = sqlite_utils.Database(conn)
    if migrate:
        from storage.schema import migrate_to_latest

        migrate_to_latest(db)
    return db


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run a block of writes as one ``BEGIN IMMEDIATE`` transaction.

    Everything inside is committed together or rolled back together. Nested
    calls join the outer transaction through a savepoint.

    Raises
    ------
    DatabaseBusy
        Another writer kept the lock for longer than the busy timeout.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    try:
        db.conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as err:
        raise _busy_or_raise(err) from err
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    try:
        db.conn.execute("COMMIT")
    except sqlite3.Error as err:
        # A deferred foreign key or a busy disk fails at COMMIT: undo it all.
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        if isinstance(err, sqlite3.OperationalError):
            raise _busy_or_raise(err) from err
        raise


def _busy_or_raise(err: sqlite3.OperationalError) -> Exception:
    if "locked" in str(err) or "busy" in str(err):
        logger.warning("database busy: %s", err)
        return DatabaseBusy(
            "Another person is saving a large change right now. "
            "Nothing was saved: wait a few seconds and save again."
        )
    return err
