"""The central schema on a real PostgreSQL (docs/sync.md, the server side): tables,
triggers, row-level security as the rep and office logins see it, logins, the CLI."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from psycopg import errors

from salesdesk.app import main
from salesdesk.store.engine import CENTRAL_REVISION
from salesdesk.sync.central import CentralError, add_user, init_central, schema_version
from salesdesk.sync.central_schema import LOCAL_ONLY_COLUMNS, central_columns
from salesdesk.sync.scope import SCOPES, Writers, synced_tables

PASSWORD = "s3cret-for-tests"  # what conftest.Central.connect uses by default

# -- data ---------------------------------------------------------------------------------


def _ids(*names: str) -> SimpleNamespace:
    return SimpleNamespace(**{name: uuid.uuid4() for name in names})


def seed(central) -> SimpleNamespace:
    """Two reps (A, B), an office login, two territories and four customers:

    own      representative A            → A by representative
    north    territory north (A's)       → A by territory
    assigned representative B, assigned  → A by assignment (and B by representative)
    other    representative B, south     → B only
    Each customer has an address, a contact and a logbook entry with that contact; tasks:
    one on each customer assigned to its rep, one without customer assigned to A.
    """
    k = _ids("account_a", "account_b", "north", "south", "own", "north_customer", "assigned",
             "other", "task_a_alone", "article", "condition")
    customers = {"own": (k.own, "K-000001", k.account_a, None),
                 "north": (k.north_customer, "K-000002", None, k.north),
                 "assigned": (k.assigned, "K-000003", k.account_b, k.south),
                 "other": (k.other, "K-000004", k.account_b, k.south)}
    k.customers = {name: row[0] for name, row in customers.items()}
    k.entries, k.contacts, k.addresses, k.tasks = {}, {}, {}, {}
    with central.connect() as conn:
        conn.execute("INSERT INTO user_account (id, login, display_name) VALUES "
                     "(%s, 'anna', 'Anna A'), (%s, 'bert', 'Bert B')", (k.account_a, k.account_b))
        conn.execute("INSERT INTO territory (id, code, name) VALUES "
                     "(%s, 'NORTH', 'North'), (%s, 'SOUTH', 'South')", (k.north, k.south))
        for name, (key, number, rep, territory) in customers.items():
            conn.execute("INSERT INTO customer (id, number, name, representative_id, "
                         "territory_id) VALUES (%s, %s, %s, %s, %s)",
                         (key, number, f"Customer {name}", rep, territory))
            k.addresses[name] = conn.execute(
                "INSERT INTO address (customer_id, city) VALUES (%s, 'Town') RETURNING id",
                (key,)).fetchone()[0]
            k.contacts[name] = conn.execute(
                "INSERT INTO contact_person (customer_id, last_name) VALUES (%s, 'Doe') "
                "RETURNING id", (key,)).fetchone()[0]
            k.entries[name] = conn.execute(
                "INSERT INTO logbook_entry (customer_id, occurred_at, kind, subject) "
                "VALUES (%s, now(), 'visit', 'Hello') RETURNING id", (key,)).fetchone()[0]
            conn.execute("INSERT INTO logbook_contact (entry_id, contact_id) VALUES (%s, %s)",
                         (k.entries[name], k.contacts[name]))
            k.tasks[name] = conn.execute(
                "INSERT INTO task (title, customer_id, assignee_id) VALUES ('Call', %s, %s) "
                "RETURNING id", (key, rep or k.account_a)).fetchone()[0]
        conn.execute("INSERT INTO task (id, title, assignee_id) VALUES (%s, 'Alone', %s)",
                     (k.task_a_alone, k.account_a))
        for task in [*k.tasks.values(), k.task_a_alone]:
            conn.execute("INSERT INTO task_transition (task_id, to_status) "
                         "VALUES (%s, 'assigned')", (task,))
        conn.execute("INSERT INTO article (id, number, name) VALUES (%s, 'A-1', 'Gloves')",
                     (k.article,))
        conn.execute("INSERT INTO condition_record (id, type_code, key_kind, key1, valid_from, "
                     "scales) VALUES (%s, 'base_price', 'article', 'A-1', '2024-01-01', "
                     "'[[\"1\", \"9.90\"]]')", (k.condition,))
    k.rep_a, k.rep_b, k.office = (central.login(n) for n in ("rep_a", "rep_b", "office"))
    add_user(central.url, k.rep_a, PASSWORD, "rep", user_account_id=k.account_a,
             territories=[k.north], customers=[k.assigned])
    add_user(central.url, k.rep_b, PASSWORD, "rep", user_account_id=k.account_b)
    add_user(central.url, k.office, PASSWORD, "office")
    return k


def _column(conn, sql: str, params=()) -> list:
    return [row[0] for row in conn.execute(sql, params)]


def _keys(conn, table: str) -> set:
    return set(_column(conn, f"SELECT id FROM {table}"))


# -- schema ------------------------------------------------------------------------------

CATALOG_DUMP = {
    "columns": """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), col_description(c.oid, a.attnum)
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped""",
    "relations": """
SELECT relname, relkind, relrowsecurity, relforcerowsecurity, relacl::text,
       obj_description(oid, 'pg_class'), {oid}
FROM pg_class WHERE relnamespace = 'public'::regnamespace""",
    "constraints": """
SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid),
       obj_description(oid, 'pg_constraint'), {oid}
FROM pg_constraint WHERE connamespace = 'public'::regnamespace""",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "triggers": """
SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid),
       obj_description(oid, 'pg_trigger'), {oid}
FROM pg_trigger WHERE NOT tgisinternal""",
    "policies": """
SELECT p.tablename, p.policyname, p.cmd, p.roles::text, p.qual, p.with_check,
       obj_description(o.oid, 'pg_policy'), {o_oid}
FROM pg_policies p JOIN pg_policy o ON o.polname = p.policyname
     AND o.polrelid = (p.schemaname || '.' || p.tablename)::regclass
WHERE p.schemaname = 'public'""",
    "functions": """
SELECT proname, pg_get_functiondef(oid), proacl::text, obj_description(oid, 'pg_proc'), {oid}
FROM pg_proc WHERE pronamespace = 'public'::regnamespace""",
    "roles": """
SELECT r.rolname, r.rolcanlogin, m.rolname FROM pg_roles r
LEFT JOIN pg_auth_members a ON a.member = r.oid LEFT JOIN pg_roles m ON m.oid = a.roleid
WHERE r.rolname LIKE 'salesdesk\\_%%'""",
    "meta": "SELECT key, value FROM sync_meta",
}


def catalog(central, *, oids: bool = True) -> dict[str, list]:
    """Tables, columns, constraints, indexes, triggers, policies, functions, grants, roles
    and sync_meta; with ``oids`` also the objects' ids (a drop and re-create shows)."""
    dump = {}
    with central.connect() as conn:
        for name, query in CATALOG_DUMP.items():
            query = query.format(oid="oid" if oids else "0", o_oid="o.oid" if oids else "0")
            dump[name] = sorted(conn.execute(query).fetchall(), key=repr)
    return dump


def test_init_creates_every_synced_table_with_sync_xid_triggers_and_policies(central_db):
    assert schema_version(central_db.url) is None
    result = init_central(central_db.url)
    assert result.previous_version is None and result.schema_version == CENTRAL_REVISION
    assert not result.nothing_to_do and "created table customer" in result.changes
    assert schema_version(central_db.url) == CENTRAL_REVISION
    with central_db.connect() as conn:
        tables = {name: (rls, forced) for name, rls, forced in conn.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'")}
        xid = dict(conn.execute("SELECT table_name, is_nullable FROM information_schema.columns "
                                "WHERE column_name = 'sync_xid' AND data_type = 'xid8'"))
        triggers = set(conn.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
                                    "WHERE NOT tgisinternal").fetchall())
        policies = set(conn.execute("SELECT tablename, policyname FROM pg_policies"))
        indexes = set(_column(conn, "SELECT indexname FROM pg_indexes"))
        fks = conn.execute("SELECT conrelid::regclass::text, conname, condeferrable, "
                           "condeferred FROM pg_constraint WHERE contype = 'f'").fetchall()
        types = dict(((t, c), d) for t, c, d in conn.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public'"))
        meta = dict(conn.execute("SELECT key, value FROM sync_meta"))
        groups = dict(conn.execute("SELECT rolname, rolcanlogin FROM pg_roles "
                                   "WHERE rolname LIKE 'salesdesk\\_%'"))
    for table in synced_tables():
        assert tables[table] == (True, True), table
        assert xid[table] == "NO", table
        assert f"ix_{table}_sync_xid" in indexes
        assert {(table, "zz_salesdesk_stamp"), (table, "salesdesk_refuse_delete"),
                (table, "salesdesk_refuse_truncate")} <= triggers, table
        expected = {"salesdesk_office_all", "salesdesk_rep_read"}
        if SCOPES[table].writers is Writers.SCOPE:
            expected |= {"salesdesk_rep_insert", "salesdesk_rep_update"}
        assert {p for t, p in policies if t == table} == expected, table
    for table in ("sync_batch", "sync_meta", "sync_user", "sync_user_territory",
                  "sync_customer_assignment", "sync_scope_log", "sync_number_block"):
        assert table in tables
    assert {("customer", "salesdesk_scope_insert"), ("customer", "salesdesk_scope_update"),
            ("sync_user_territory", "salesdesk_scope"),
            ("sync_customer_assignment", "salesdesk_scope")} <= triggers
    assert fks and all(deferrable and deferred for _t, _n, deferrable, deferred in fks)
    assert types["customer", "id"] == "uuid"
    assert types["customer", "credit_limit"] == "numeric"  # Money: exact, not REAL/integer
    assert types["customer", "created_at"] == "timestamp with time zone"
    assert types["customer", "next_contact"] == "date"
    assert types["customer", "do_not_contact"] == "boolean"
    assert types["customer", "name"] == "character varying"
    assert types["customer", "notes"] == "text"
    assert types["customer", "version"] == "bigint"
    assert types["address", "latitude"] == "double precision"
    assert ("customer", "search_key") not in types and ("address", "geo_key") not in types
    assert meta == {"schema_version": CENTRAL_REVISION, "min_client_schema": CENTRAL_REVISION,
                    "tombstone_horizon_days": "90"}
    assert groups == {"salesdesk_rep": False, "salesdesk_office": False,
                      "salesdesk_admin": False}


def test_init_twice_changes_nothing(central):
    before = catalog(central)
    again = init_central(central.url)
    assert again.nothing_to_do and again.changes == ()
    assert again.previous_version == CENTRAL_REVISION
    assert catalog(central) == before


def test_init_upgrades_an_outdated_schema_to_the_same_catalog(central):
    fresh = catalog(central, oids=False)
    with central.connect() as conn:
        conn.execute("UPDATE sync_meta SET value = '0005' WHERE key IN "
                     "('schema_version', 'min_client_schema')")
        conn.execute("ALTER TABLE customer DROP COLUMN website")
        conn.execute("ALTER TABLE customer ALTER COLUMN notes DROP DEFAULT")
        conn.execute("COMMENT ON TABLE customer IS 'SalesDesk old'")
        conn.execute("DROP POLICY salesdesk_rep_update ON address")
        conn.execute("ALTER TABLE address NO FORCE ROW LEVEL SECURITY")
        conn.execute("COMMENT ON FUNCTION salesdesk_visible_customer(uuid) IS 'SalesDesk old'")
        conn.execute("CREATE POLICY salesdesk_obsolete ON address FOR SELECT USING (false)")
        conn.execute("COMMENT ON POLICY salesdesk_obsolete ON address IS 'SalesDesk old'")
        conn.execute("GRANT DELETE ON customer TO salesdesk_rep")
        conn.execute("GRANT EXECUTE ON FUNCTION salesdesk_stamp() TO PUBLIC")
    result = init_central(central.url)
    assert result.previous_version == "0005"
    assert {"updated table customer", "created policy address.salesdesk_rep_update",
            "dropped policy address.salesdesk_obsolete",
            "updated function salesdesk_visible_customer",
            "row-level security forced on address", "schema version 0005 → " + CENTRAL_REVISION,
            "revoked DELETE on customer from salesdesk_rep"} <= set(result.changes)
    upgraded = catalog(central, oids=False)
    # a re-added column comes last; everything else is as a fresh init made it
    assert upgraded == fresh
    assert init_central(central.url).nothing_to_do


def test_a_database_owner_without_superuser_rights_runs_init_and_sees_everything(central_db):
    """FORCE ROW LEVEL SECURITY binds the owner too: init makes it an admin member."""
    owner = central_db.login("owner")
    with central_db.connect() as conn:
        conn.execute(f"CREATE ROLE {owner} LOGIN CREATEROLE PASSWORD '{PASSWORD}'")
        # the group roles exist already (roles are cluster-wide): a DBA lets the owner
        # hand them out, as PostgreSQL 16+ does by itself for roles the owner creates
        conn.execute("DO $$ BEGIN CREATE ROLE salesdesk_rep; CREATE ROLE salesdesk_office; "
                     "CREATE ROLE salesdesk_admin; EXCEPTION WHEN duplicate_object THEN NULL; "
                     "END $$")
        conn.execute(f"GRANT salesdesk_rep, salesdesk_office, salesdesk_admin TO {owner} "
                     "WITH ADMIN OPTION, INHERIT FALSE, SET FALSE")
        dbname = conn.info.dbname
        conn.execute(f"ALTER DATABASE {dbname} OWNER TO {owner}")
    owner_url = central_db.login_url(owner)
    result = init_central(owner_url)
    assert f"grant salesdesk_admin to {owner}" in result.changes
    assert init_central(owner_url).nothing_to_do
    with psycopg.connect(owner_url, autocommit=True) as conn:
        account = conn.execute("INSERT INTO user_account (login, display_name) "
                               "VALUES ('anna', 'Anna') RETURNING id").fetchone()[0]
        conn.execute("INSERT INTO customer (number, name) VALUES ('K-000001', 'A'), "
                     "('K-000002', 'B')")
        assert len(_keys(conn, "customer")) == 2  # the owner is not locked out
    rep = central_db.login("rep")
    add_user(owner_url, rep, PASSWORD, "rep", user_account_id=account)
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute("UPDATE customer SET representative_id = %s WHERE number = 'K-000002'",
                     (account,))
        assert conn.execute("SELECT count(*) FROM sync_scope_log").fetchone()[0] == 3
    with central_db.connect(rep) as conn:
        assert _column(conn, "SELECT number FROM customer") == ["K-000002"]


def test_a_newer_central_schema_is_refused_with_update_salesdesk(central, tmp_path, capsys):
    with central.connect() as conn:
        conn.execute("UPDATE sync_meta SET value = '9999' WHERE key = 'schema_version'")
    before = catalog(central)
    with pytest.raises(CentralError, match="Please update SalesDesk") as refused:
        init_central(central.url)
    assert "9999" in str(refused.value)
    assert main(["central", "init", central.url, "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "update SalesDesk" in err[0]
    assert catalog(central) == before


def test_local_and_central_synced_tables_have_the_same_columns(central, store):
    with central.connect() as conn:
        remote = {}
        for table, column in conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public'"):
            remote.setdefault(table, set()).add(column)
    local_conn = store.reader()
    for table in synced_tables():
        local = {row[1] for row in local_conn.execute(f"PRAGMA table_info({table})")}
        excluded = LOCAL_ONLY_COLUMNS.get(table, frozenset())
        assert excluded <= local, table  # the exclusions name real local columns
        assert remote[table] - {"sync_xid"} == local - excluded, table
        assert set(central_columns(table)) == local - excluded


def test_every_column_the_models_call_never_synced_is_excluded():
    source = (Path(__file__).resolve().parents[2] / "salesdesk" / "store" / "models.py")
    lines = source.read_text(encoding="utf-8").splitlines()
    declared = set()
    for number, line in enumerate(lines):
        if "never synced" in line and line.startswith(" "):  # a comment above a column
            following = next(t for t in lines[number + 1:] if not t.strip().startswith("#"))
            declared.add(re.match(r"\s+(\w+): Mapped", following).group(1))
    excluded = {column for columns in LOCAL_ONLY_COLUMNS.values() for column in columns}
    assert declared and declared == excluded


# -- triggers -------------------------------------------------------------------------------

def test_plain_sql_update_by_office_gets_new_version_and_sync_xid(central):
    k = seed(central)
    key = k.customers["other"]
    with central.connect() as conn:
        old_version, old_xid = conn.execute(
            "SELECT version, sync_xid::text::bigint FROM customer WHERE id = %s",
            (key,)).fetchone()
    with central.connect(k.office, autocommit=False) as office:
        updated = office.execute("UPDATE customer SET name = 'Renamed' WHERE id = %s", (key,))
        assert updated.rowcount == 1
        xact = office.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0]
        office.commit()
    with central.connect() as conn:
        name, version, xid = conn.execute(
            "SELECT name, version, sync_xid::text::bigint FROM customer WHERE id = %s",
            (key,)).fetchone()
        newest = conn.execute("SELECT last_value FROM sync_version").fetchone()[0]
    assert name == "Renamed"
    assert version > old_version and version == newest
    assert xid == xact and xid > old_xid


def test_delete_is_refused_and_rows_stay(central):
    k = seed(central)
    key = k.customers["own"]
    with central.connect(k.office) as office, pytest.raises(errors.InsufficientPrivilege):
        office.execute("DELETE FROM customer WHERE id = %s", (key,))
    with central.connect() as owner:
        with pytest.raises(errors.RestrictViolation, match="set deleted_at instead"):
            owner.execute("DELETE FROM address WHERE customer_id = %s", (key,))
        with pytest.raises(errors.RestrictViolation, match="tombstoned"):
            owner.execute("TRUNCATE logbook_contact")
        assert owner.execute("SELECT count(*) FROM address WHERE customer_id = %s",
                             (key,)).fetchone()[0] == 1
        # a tombstone older than the horizon (90 days) may be purged, a fresh one not
        owner.execute("UPDATE task_transition SET deleted_at = now() - interval '91 days' "
                      "WHERE task_id = %s", (k.task_a_alone,))
        owner.execute("UPDATE task_transition SET deleted_at = now() WHERE task_id = %s",
                      (k.tasks["own"],))
        assert owner.execute("DELETE FROM task_transition WHERE task_id = %s",
                             (k.task_a_alone,)).rowcount == 1
        with pytest.raises(errors.RestrictViolation):
            owner.execute("DELETE FROM task_transition WHERE task_id = %s", (k.tasks["own"],))


def test_an_id_never_changes(central):
    k = seed(central)
    with central.connect(k.office) as office, pytest.raises(errors.CheckViolation):
        office.execute("UPDATE article SET id = %s WHERE id = %s", (uuid.uuid4(), k.article))


def test_money_keeps_at_most_four_places(central):
    seed(central)
    with central.connect() as conn:
        conn.execute("UPDATE customer SET credit_limit = 1234.5678 WHERE number = 'K-000001'")
        with pytest.raises(errors.CheckViolation):
            conn.execute("UPDATE customer SET credit_limit = 1.23456 WHERE number = 'K-000001'")


def test_plain_sql_insert_gets_the_app_defaults(central):
    k = seed(central)
    with central.connect(k.office) as office:
        row = office.execute(
            "INSERT INTO customer (number, name) VALUES ('K-000099', 'Plain') RETURNING "
            "id, status, currency, do_not_contact, version, created_at, deleted_at").fetchone()
    key, status, currency, blocked, version, created, deleted = row
    assert key.version == 7 and (status, currency, blocked) == ("prospect", "EUR", False)
    assert version > 0 and created is not None and deleted is None


# -- row-level security ----------------------------------------------------------------------

def test_rep_reads_only_their_customers_and_their_rows_office_reads_all(central):
    k = seed(central)
    mine = {"own", "north", "assigned"}
    with central.connect(k.rep_a) as rep:
        assert _keys(rep, "customer") == {k.customers[n] for n in mine}
        assert _keys(rep, "address") == {k.addresses[n] for n in mine}  # CHILD
        assert _keys(rep, "contact_person") == {k.contacts[n] for n in mine}
        assert set(_column(rep, "SELECT entry_id FROM logbook_contact")) == {  # VIA
            k.entries[n] for n in mine}
        # task: the visible customers' tasks and the one without customer assigned to A
        assert _keys(rep, "task") == {k.tasks[n] for n in mine} | {k.task_a_alone}
        assert set(_column(rep, "SELECT task_id FROM task_transition")) == _keys(rep, "task")
        assert _keys(rep, "article") == {k.article}  # OFFICE tables: read by everyone
        assert len(_keys(rep, "user_account")) == 2  # SHARED
        # the function the client asks agrees with the policies
        assert {key for key in k.customers.values() if rep.execute(
            "SELECT salesdesk_visible_customer(%s)", (key,)).fetchone()[0]} == {
            k.customers[n] for n in mine}
    with central.connect(k.rep_b) as rep:
        assert _keys(rep, "customer") == {k.customers["assigned"], k.customers["other"]}
        assert _keys(rep, "task") == {k.tasks["assigned"], k.tasks["other"]}
    with central.connect(k.office) as office:
        assert _keys(office, "customer") == set(k.customers.values())
        assert len(_keys(office, "logbook_contact")) == 4
        assert office.execute("SELECT salesdesk_visible_customer(%s)",
                              (k.customers["other"],)).fetchone()[0] is True


def test_rep_writing_another_reps_customer_is_refused_by_the_database(central):
    k = seed(central)
    other = k.customers["other"]
    with central.connect(k.rep_a) as rep:
        # UPDATE: the row is invisible to A, so the statement finds nothing
        updated = rep.execute("UPDATE customer SET name = 'Hijacked' WHERE id = %s", (other,))
        assert updated.rowcount == 0
        # INSERT of an address for B's customer: refused by the policy's WITH CHECK
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            rep.execute("INSERT INTO address (customer_id, city) VALUES (%s, 'X')", (other,))
        # nor may A move an address of their own customer to B's
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            rep.execute("UPDATE address SET customer_id = %s WHERE id = %s",
                        (other, k.addresses["own"]))
        # nor give their own customer away (it would leave their scope)
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            rep.execute("UPDATE customer SET representative_id = %s WHERE id = %s",
                        (k.account_b, k.customers["own"]))
        # their own customers they may write, and add new ones of their own
        assert rep.execute("UPDATE customer SET name = 'Mine' WHERE id = %s",
                           (k.customers["own"],)).rowcount == 1
        assert rep.execute("INSERT INTO address (customer_id, city) VALUES (%s, 'Y')",
                           (k.customers["north"],)).rowcount == 1
        new = uuid.uuid4()
        rep.execute("INSERT INTO customer (id, number, name, representative_id) "
                    "VALUES (%s, 'K-000010', 'New', %s)", (new, k.account_a))
        assert new in _keys(rep, "customer")
        assert new in _column(rep, "SELECT customer_id FROM sync_scope_log")
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            rep.execute("INSERT INTO customer (number, name, representative_id) "
                        "VALUES ('K-000011', 'For B', %s)", (k.account_b,))
    with central.connect() as conn:
        assert conn.execute("SELECT name FROM customer WHERE id = %s",
                            (other,)).fetchone()[0] == "Customer other"
        assert conn.execute("SELECT count(*) FROM address WHERE customer_id = %s",
                            (other,)).fetchone()[0] == 1


def test_rep_cannot_write_articles_or_condition_records(central):
    k = seed(central)
    with central.connect(k.rep_a) as rep:
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
            rep.execute("UPDATE condition_record SET released = true WHERE id = %s",
                        (k.condition,))
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
            rep.execute("INSERT INTO article (number, name) VALUES ('A-2', 'Boots')")
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
            rep.execute("UPDATE customer_turnover SET amount = 1")  # CHILD, office writes
    with central.connect(k.office) as office:
        assert office.execute("UPDATE condition_record SET released = true WHERE id = %s",
                              (k.condition,)).rowcount == 1


def test_logins_read_only_their_own_batches_and_scope(central):
    k = seed(central)
    with central.connect(k.rep_a) as rep:
        rep.execute("INSERT INTO sync_batch (key, result) VALUES (%s, '{}')", (uuid.uuid4(),))
        assert _column(rep, "SELECT login FROM sync_user") == [k.rep_a]
        assert _column(rep, "SELECT customer_id FROM sync_customer_assignment") == [
            k.customers["assigned"]]
    with central.connect(k.rep_b) as rep:
        assert _column(rep, "SELECT key FROM sync_batch") == []
        with pytest.raises(errors.InsufficientPrivilege):
            rep.execute("INSERT INTO sync_batch (key, login) VALUES (%s, %s)",
                        (uuid.uuid4(), k.rep_a))


# -- scope log ------------------------------------------------------------------------------

def test_changing_a_customers_representative_writes_the_scope_log(central):
    k = seed(central)
    other = k.customers["other"]
    with central.connect() as conn:
        last = conn.execute("SELECT max(seq) FROM sync_scope_log").fetchone()[0]
    with central.connect(k.office, autocommit=False) as office:
        office.execute("UPDATE customer SET name = 'Only a name' WHERE id = %s", (other,))
        office.execute("UPDATE customer SET representative_id = %s WHERE id = %s",
                       (k.account_a, other))
        xact = office.execute("SELECT pg_current_xact_id()").fetchone()[0]
        office.commit()
    with central.connect(k.rep_a) as rep:  # reps read the log
        logged = rep.execute("SELECT customer_id, login, sync_xid FROM sync_scope_log "
                             "WHERE seq > %s", (last,)).fetchall()
        assert logged == [(other, None, xact)]
        assert other in _keys(rep, "customer")  # entered A's scope


def test_territory_and_assignment_changes_log_the_customers_they_move(central):
    k = seed(central)
    with central.connect() as conn:
        last = conn.execute("SELECT max(seq) FROM sync_scope_log").fetchone()[0]
    add_user(central.url, k.rep_a, PASSWORD, "rep", user_account_id=k.account_a,
             territories=[k.south], customers=[])
    with central.connect() as conn:
        logged = conn.execute("SELECT customer_id, login FROM sync_scope_log WHERE seq > %s",
                              (last,)).fetchall()
    moved = {k.customers["north"], k.customers["assigned"], k.customers["other"]}
    assert {c for c, _login in logged} == moved and {w for _c, w in logged} == {k.rep_a}
    with central.connect(k.rep_a) as rep:
        assert _keys(rep, "customer") == {k.customers["own"], k.customers["assigned"],
                                          k.customers["other"]}


def test_number_blocks_never_overlap(central):
    k = seed(central)
    device = uuid.uuid4()
    with central.connect(k.rep_a) as rep:
        first = rep.execute("SELECT first, last FROM salesdesk_take_number_block("
                            "'customer', %s, 100, 500)", (device,)).fetchone()
        second = rep.execute("SELECT first, last FROM salesdesk_take_number_block("
                             "'customer', %s, 100)", (device,)).fetchone()
        with pytest.raises(errors.InsufficientPrivilege):
            rep.execute("INSERT INTO sync_number_block (name, device, first, last) "
                        "VALUES ('customer', %s, 1, 1)", (device,))
    assert first == (500, 599) and second == (600, 699)


# -- logins -----------------------------------------------------------------------------------

def test_add_user_twice_updates_role_scope_and_password(central):
    k = seed(central)
    login = central.login("carla")
    created = add_user(central.url, login, "first-pw", "rep", user_account_id=k.account_a,
                       territories=[k.north, k.south], customers=[k.customers["own"]])
    assert created.created and created.role == "rep"
    with central.connect(login, "first-pw") as rep:
        assert len(_keys(rep, "customer")) == 4
    again = add_user(central.url, login, "second-pw", "office")
    assert not again.created and again.role == "office"
    with central.connect() as conn:
        assert conn.execute("SELECT role, user_account_id FROM sync_user WHERE login = %s",
                            (login,)).fetchone() == ("office", None)
        assert _column(conn, "SELECT territory_id FROM sync_user_territory WHERE login = %s",
                       (login,)) == []
        groups = set(_column(conn, "SELECT g.rolname FROM pg_auth_members m "
                                   "JOIN pg_roles g ON g.oid = m.roleid "
                                   "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s",
                             (login,)))
        assert groups == {"salesdesk_office"}
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        central.connect(login, "first-pw")
    with central.connect(login, "second-pw") as office:
        assert office.execute("SELECT session_user").fetchone()[0] == login


@pytest.mark.parametrize(("login", "role", "message"), [
    ("Anna!", "rep", "lower-case"),
    ("postgres", "rep", "reserved"),
    ("salesdesk_rep", "rep", "reserved"),
    ("anna", "boss", "must be one of rep, office, admin"),
])
def test_add_user_refuses_bad_logins_and_roles(central, login, role, message):
    with pytest.raises(CentralError, match=message):
        add_user(central.url, login, PASSWORD, role)


def test_add_user_names_a_missing_key(central):
    missing = uuid.uuid4()
    with pytest.raises(CentralError, match=f"territory {missing}"):
        add_user(central.url, central.login("dora"), PASSWORD, "rep", territories=[missing])
    with central.connect() as conn:  # nothing was left behind
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s",
                            (central.login("dora"),)).fetchone()[0] == 0


# -- command line ------------------------------------------------------------------------------

def test_cli_central_init_twice(central_db, tmp_path, capsys):
    args = ["central", "init", central_db.url, "--data-dir", str(tmp_path)]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert f"set up with schema {CENTRAL_REVISION}" in first and "password" not in first
    assert main(args) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_cli_add_user_maps_names_to_keys(central, tmp_path, capsys, monkeypatch):
    k = seed(central)
    monkeypatch.setenv("SALESDESK_NEW_PASSWORD", "from-env")
    login = central.login("erik")
    assert main(["central", "add-user", central.url, login, "--role", "rep",
                 "--user-account", "anna", "--territory", "NORTH", "--customer", "K-000004",
                 "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"Login {login} created: role rep, user account anna, territories: NORTH, " \
           "customers: K-000004." in out
    with central.connect(login, "from-env") as rep:
        assert _keys(rep, "customer") == {k.customers["own"], k.customers["north"],
                                          k.customers["other"]}
    assert main(["central", "add-user", central.url, login, "--role", "rep", "--territory",
                 "WEST", "--customer", "K-999999", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "territory WEST" in err[0] and "customer K-999999" in err[0]


def test_cli_central_serve_runs_until_interrupted(tmp_path, server_tmp):
    folder = server_tmp / "pg"
    env = dict(os.environ, SALESDESK_DATA_DIR=str(tmp_path / "data"))
    process = subprocess.Popen([sys.executable, "-m", "salesdesk", "central", "serve", "--dir",
                                str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    try:
        lines = []
        while not any("Ctrl+C" in line for line in lines):
            line = process.stdout.readline()
            assert line, process.stderr.read()
            lines.append(line)
        url = next(line.split(": ", 1)[1].strip() for line in lines if "URL:" in line)
        assert schema_version(url) == CENTRAL_REVISION
        process.send_signal(signal.SIGINT)
        out, _err = process.communicate(timeout=60)
        assert process.returncode == 0 and "PostgreSQL stopped." in out
        assert not (folder / "postmaster.pid").exists()
    finally:
        if process.poll() is None:
            process.kill()
