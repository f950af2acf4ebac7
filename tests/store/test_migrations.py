"""Stores made by older versions upgrade at start-up; stores from newer versions are refused."""

import hashlib
import sqlite3
from importlib import resources

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from salesdesk.domain.errors import StoreError
from salesdesk.services.customer_list import CustomerFilter, list_customers
from salesdesk.store.base import Base
from salesdesk.store.engine import (
    CENTRAL_REVISION,
    DB_NAME,
    HEAD_REVISION,
    KNOWN_REVISIONS,
    make_engine,
    open_store,
    stored_revision,
    upgrade,
)
from salesdesk.store.geoindex import GEO_TABLE
from salesdesk.store.logbook_index import LOGBOOK_FTS
from salesdesk.store.search import FTS_TABLE


def _script() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(resources.files("salesdesk.store.migrations")))
    return ScriptDirectory.from_config(config)


def test_head_revision_constant_matches_alembic():
    script = _script()
    assert script.get_heads() == [HEAD_REVISION]
    assert {rev.revision for rev in script.walk_revisions()} == set(KNOWN_REVISIONS)


def test_revisions_after_the_central_one_touch_no_synced_table(tmp_path):
    """The central database's schema version is CENTRAL_REVISION: a later migration that
    changed a synced table would leave clients and the central database apart."""
    from salesdesk.store.outbox import synced_columns

    synced = sorted(synced_columns())
    assert "customer" in synced and "appointment" in synced

    def ddl(revision: str) -> dict[str, list[str]]:
        engine = make_engine(tmp_path / f"{revision}.sqlite3")
        upgrade(engine, revision)
        with sqlite3.connect(tmp_path / f"{revision}.sqlite3") as db:
            rows = db.execute("SELECT tbl_name, coalesce(sql, '') FROM sqlite_master "
                              "WHERE tbl_name IN (%s)" % ",".join("?" * len(synced)),
                              synced).fetchall()
        engine.dispose()
        found: dict[str, list[str]] = {}
        for table, sql in rows:
            found.setdefault(table, []).append(sql)
        return {table: sorted(sqls) for table, sqls in found.items()}

    assert ddl(CENTRAL_REVISION) == ddl(HEAD_REVISION)


def _not_search_index(object_, name, type_, reflected, compare_to):
    # the FTS5 and R*Tree virtual tables and their shadow tables are made by raw SQL
    return not (type_ == "table" and name
                and name.startswith((FTS_TABLE, LOGBOOK_FTS, GEO_TABLE)))


def test_migrations_build_exactly_the_models(store):
    with store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": _not_search_index, "compare_type": True}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def _store_at_first_revision(data_dir):
    """A store as SalesDesk 0001 left it: one customer with a main address, no search index."""
    data_dir.mkdir()
    engine = make_engine(data_dir / DB_NAME)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO customer (id, number, name, name2, legal_form, status, language, "
            "currency, vat_id, tax_number, website, notes, do_not_contact, "
            "do_not_contact_reason, main_postal_code, main_city, main_country, version, "
            "created_at, updated_at, updated_by) VALUES ('0123456789abcdef0123456789abcdef', "
            "'K-000007', 'Bäckerei Öztürk', '', '', 'active', 'de', 'EUR', '', '', '', '', 0, '',"
            " '50667', 'Köln', 'DE', 0, '2025-01-01T00:00:00+00:00', "
            "'2025-01-01T00:00:00+00:00', 'old')"
        )
    engine.dispose()


def test_old_store_is_backed_up_and_upgraded_keeping_data(tmp_path):
    data_dir = tmp_path / "data"
    _store_at_first_revision(data_dir)
    assert stored_revision(data_dir / DB_NAME) == "0001"

    store = open_store(data_dir)
    try:
        assert stored_revision(data_dir / DB_NAME) == HEAD_REVISION
        with store.session() as session:
            rows = list_customers(session, CustomerFilter(search="ozturk"))
        assert [r.number for r in rows] == ["K-000007"]  # indexed by the upgrade
    finally:
        store.close()
    backups = list(data_dir.glob("*.before-0001-upgrade.sqlite3"))
    assert len(backups) == 1
    assert stored_revision(backups[0]) == "0001"


def test_store_from_newer_version_is_refused_and_left_untouched(tmp_path):
    data_dir = tmp_path / "data"
    open_store(data_dir).close()
    path = data_dir / DB_NAME
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    with pytest.raises(StoreError, match="newer SalesDesk.*9999.*update SalesDesk"):
        open_store(data_dir)

    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert not list(data_dir.glob("*upgrade*"))  # no backup, no migration attempted


def test_store_pragmas(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_store_of_0002_gets_geo_index_lists_and_logbook(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    engine = make_engine(data_dir / DB_NAME)
    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO customer (id, number, name, name2, legal_form, status, language, "
            "currency, vat_id, tax_number, website, notes, do_not_contact, "
            "do_not_contact_reason, main_postal_code, main_city, main_country, version, "
            "created_at, updated_at, updated_by) VALUES ('0123456789abcdef0123456789abcdef', "
            "'K-000007', 'Alpen AG', '', '', 'active', 'de', 'EUR', '', '', '', '', 0, '',"
            " '6020', 'Innsbruck', 'AT', 0, '2025-01-01T00:00:00+00:00', "
            "'2025-01-01T00:00:00+00:00', 'old')")
        conn.exec_driver_sql(
            "INSERT INTO address (id, customer_id, kind, is_default, name, street, street2, "
            "postal_code, city, country, latitude, longitude, version, created_at, updated_at,"
            " updated_by) VALUES ('11111111111111111111111111111111', "
            "'0123456789abcdef0123456789abcdef', 'main', 1, '', 'Maria-Theresien-Str. 1', '', "
            "'6020', 'Innsbruck', 'AT', 47.2654, 11.3928, 0, '2025-01-01T00:00:00+00:00', "
            "'2025-01-01T00:00:00+00:00', 'old')")
    engine.dispose()

    store = open_store(data_dir)
    try:
        reader = store.reader()
        assert reader.execute(f"SELECT latitude, longitude, customer_id FROM {GEO_TABLE}"
                              ).fetchall() == [(47.2654, 11.3928,
                                                "0123456789abcdef0123456789abcdef")]
        kinds = [r[0] for r in reader.execute(
            "SELECT code FROM contact_kind ORDER BY sort_order")]
        assert kinds[:3] == ["visit", "phone", "email"]
        assert reader.execute("SELECT count(*) FROM commitment_kind").fetchone()[0] == 7
        assert reader.execute(f"SELECT count(*) FROM {LOGBOOK_FTS}").fetchone()[0] == 0
    finally:
        store.close()
