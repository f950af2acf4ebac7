"""Opening the local store: schema check, backup, migrations, pragmas, sessions.

A store from a newer SalesDesk is refused before anything writes to it. A store from an
older one is backed up, then upgraded inside one transaction (SQLite DDL is
transactional once we issue BEGIN ourselves), so a kill mid-upgrade leaves the old
schema intact.
"""

import getpass
import sqlite3
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from salesdesk.domain.errors import StoreError
from salesdesk.i18n import _
from salesdesk.store import hooks
from salesdesk.store.search import search_variants

DB_NAME = "salesdesk.sqlite3"
# The newest schema this build knows; tests/store check it equals Alembic's head.
HEAD_REVISION = "0002"
KNOWN_REVISIONS = ("0001", "0002")


@dataclass
class Store:
    data_dir: Path
    engine: Engine
    user: str
    sessions: sessionmaker = field(repr=False)

    @property
    def path(self) -> Path:
        return self.data_dir / DB_NAME

    def session(self) -> Session:
        session = self.sessions()
        session.info["user"] = self.user
        return session

    def close(self) -> None:
        self.engine.dispose()


def stored_revision(path: Path) -> str | None:
    """The schema revision of a store file, read without changing it (None: no schema)."""
    if not path.exists():
        return None
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()
    return row[0] if row else None


def _on_connect(dbapi_connection, connection_record) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see module doc)
    dbapi_connection.create_function("sd_search_variants", 1, search_variants, deterministic=True)
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
                   "busy_timeout=10000", "cache_size=-32000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    return engine


def _backup(path: Path, revision: str) -> Path:
    target = path.with_name(f"{path.stem}.before-{revision}-upgrade.sqlite3")
    source = sqlite3.connect(path)
    try:
        dest = sqlite3.connect(target)
        with dest:
            source.backup(dest)
        dest.close()
    finally:
        source.close()
    return target


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run Alembic migrations up to ``revision`` in one transaction.

    Foreign keys are switched off for the migration (SQLite's table rebuilds would
    trip them; the pragma only works outside a transaction) and checked before commit.
    """
    from alembic import command
    from alembic.config import Config

    with engine.connect() as connection:
        connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config = Config()
                config.set_main_option(
                    "script_location", str(resources.files("salesdesk.store.migrations"))
                )
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise StoreError(f"migration to {revision} broke references: {broken[:5]}")
        finally:
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")


def open_store(data_dir: Path, user: str | None = None) -> Store:
    """Open (creating or upgrading) the store in ``data_dir``."""
    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DB_NAME
    revision = stored_revision(path)
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise StoreError(
            _("The data in {path} was written by a newer SalesDesk (schema {revision}). "
              "Please update SalesDesk; the data has not been changed.").format(
                path=path, revision=revision)
        )
    engine = make_engine(path)
    if revision != HEAD_REVISION:
        if revision is not None:
            _backup(path, revision)
        upgrade(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    hooks.install(sessions)
    return Store(data_dir, engine, user or getpass.getuser(), sessions)
