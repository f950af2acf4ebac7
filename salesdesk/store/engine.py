"""Opening the local store: schema check, backup, migrations, pragmas, sessions.

A store from a newer SalesDesk is refused before anything writes to it. A store from an
older one is backed up, then upgraded inside one transaction (SQLite DDL is
transactional once we issue BEGIN ourselves), so a kill mid-upgrade leaves the old
schema intact.

SQLAlchemy is imported only when the first session or engine is wanted: opening a
current store and reading the customer list use plain sqlite3 (``Store.reader``), which
keeps the desktop app's start fast (benchmarks/startup.py).
"""

from __future__ import annotations

import getpass
import sqlite3
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from salesdesk.domain.errors import StoreError
from salesdesk.i18n import _

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

DB_NAME = "salesdesk.sqlite3"
# The newest schema this build knows; tests/store check it equals Alembic's head.
HEAD_REVISION = "0009"
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009")
# The newest revision that changed a synced table: the central database's schema version.
# A migration of device-local tables only (0008: the Exchange links) needs no central init;
# tests/store checks that no later revision touches a synced table.
CENTRAL_REVISION = "0009"
_PRAGMAS = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=10000",
            "cache_size=-32000")


class Store:
    """The opened local store of one data dir, for one user."""

    def __init__(self, data_dir: Path, user: str):
        self.data_dir = data_dir
        self.user = user
        self._reader: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        return f"Store({str(self.data_dir)!r}, user={self.user!r})"

    @property
    def path(self) -> Path:
        return self.data_dir / DB_NAME

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.path)

    @cached_property
    def sessions(self) -> sessionmaker:
        from sqlalchemy.orm import sessionmaker

        from salesdesk.store import hooks

        factory = sessionmaker(self.engine, expire_on_commit=False)
        hooks.install(factory)
        return factory

    def session(self) -> Session:
        session = self.sessions()
        session.info["user"] = self.user
        return session

    def reader(self) -> sqlite3.Connection:
        """A plain sqlite3 connection for reading lists on the GUI thread (autocommit:
        every query sees the latest committed data)."""
        if self._reader is None:
            self._reader = connect(self.path)
        return self._reader

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if "engine" in self.__dict__:
            self.engine.dispose()


def configure(dbapi_connection: sqlite3.Connection) -> None:
    """Pragmas and functions every connection to the store needs."""
    from salesdesk.store.search import search_variants

    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see module doc)
    dbapi_connection.create_function("sd_search_variants", 1, search_variants, deterministic=True)
    for pragma in _PRAGMAS:
        dbapi_connection.execute(f"PRAGMA {pragma}")


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    configure(connection)
    return connection


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


def make_engine(path: Path) -> Engine:
    from sqlalchemy import create_engine, event

    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", lambda dbapi_connection, record: configure(dbapi_connection))
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
                if revision == "head":  # the outbox triggers follow the models (outbox.py)
                    from salesdesk.store.outbox import install_triggers
                    from salesdesk.store.seeds import fix_builtin_ids

                    install_triggers(connection.exec_driver_sql)
                    fix_builtin_ids(connection.exec_driver_sql)
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise StoreError(f"migration to {revision} broke references: {broken[:5]}")
        finally:
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")


def open_store(data_dir: Path, user: str | None = None) -> Store:
    """Open (creating or upgrading) the store in ``data_dir``."""
    data_dir = Path(data_dir).expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DB_NAME
    revision = stored_revision(path)
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise StoreError(
            _("The data in {path} was written by a newer SalesDesk (schema {revision}). "
              "Please update SalesDesk; the data has not been changed.").format(
                path=path, revision=revision)
        )
    store = Store(data_dir, user or getpass.getuser())
    if revision != HEAD_REVISION:
        if revision is not None:
            _backup(path, revision)
        upgrade(store.engine)
    _finish_interrupted_bulk_load(path)
    return store


def _finish_interrupted_bulk_load(path: Path) -> None:
    """A first sync killed while it loaded the logbook in bulk left entries unindexed and
    the index trigger off (store/logbook_index.py): finish that before anyone writes."""
    from salesdesk.store.logbook_index import finish_pending_bulk_load

    conn = connect(path)
    try:
        finish_pending_bulk_load(conn)
    finally:
        conn.close()


def dbapi(source) -> sqlite3.Connection:
    """The sqlite3 connection behind a Session (same transaction), or ``source`` itself."""
    if isinstance(source, sqlite3.Connection):
        return source
    return source.connection().connection.driver_connection


def named_marks(prefix: str, values, params: dict) -> str:
    """":p0, :p1, …" for an IN list, with the values added to ``params`` under those names."""
    names = [f"{prefix}{n}" for n in range(len(values))]
    params.update(zip(names, values, strict=True))
    return ", ".join(f":{name}" for name in names)
