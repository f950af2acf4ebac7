"""The outbox: every change to a synced row is queued in the same transaction."""

import json
import sqlite3

import pytest

from salesdesk.services.customers import create_customer
from salesdesk.store.models import Customer
from salesdesk.store.outbox import PREFIX, expected_triggers, synced_columns


def outbox(store) -> list[tuple]:
    with sqlite3.connect(store.path) as conn:
        return [(tbl, op, json.loads(old)) for tbl, op, old in conn.execute(
            "SELECT tbl, op, old FROM sync_outbox ORDER BY seq")]


def test_insert_update_and_delete_are_queued_with_the_old_values(store):
    with store.session() as session:
        customer = create_customer(session, {"name": "Müller Bau GmbH"})
        session.commit()
        queued = outbox(store)
        assert ("customer", "I", {}) in queued
        assert all(op == "I" for _, op, _ in queued)
        before = len(queued)
        customer.name = "Müller Bau AG"
        customer.credit_limit = 5000
        session.commit()
    changes = outbox(store)[before:]
    updates = [old for tbl, op, old in changes if tbl == "customer" and op == "U"]
    assert updates and updates[0]["name"] == "Müller Bau GmbH"
    assert updates[0]["credit_limit"] is None and "number" not in updates[0]
    assert "version" not in updates[0] and "search_key" not in updates[0]


def test_a_rolled_back_change_leaves_no_outbox_row(store):
    with store.session() as session:
        create_customer(session, {"name": "Huber KG"})
        session.rollback()
    assert outbox(store) == []


def test_changes_applied_under_the_guard_are_not_queued(store):
    with store.session() as session:
        create_customer(session, {"name": "Huber KG"})
        session.commit()
    before = outbox(store)
    conn = sqlite3.connect(store.path, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO sync_apply_guard (id) VALUES (1)")
    conn.execute("UPDATE customer SET name = 'Huber & Söhne KG'")
    conn.execute("DELETE FROM sync_apply_guard")
    conn.execute("COMMIT")
    conn.execute("UPDATE customer SET name2 = 'Filiale'")  # no guard: queued
    conn.close()
    after = outbox(store)
    assert after[: len(before)] == before
    assert after[len(before):] == [("customer", "U", {"name2": ""})]


def test_the_installed_triggers_are_those_the_models_ask_for(store):
    with sqlite3.connect(store.path) as conn:
        installed = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = "
                                      "'trigger' AND name LIKE ?", (PREFIX + "%",)))
    assert installed == expected_triggers()
    assert len(installed) == 3 * len(synced_columns())


@pytest.mark.parametrize("table", ["customer", "logbook_entry", "condition_record"])
def test_every_synced_column_but_the_local_ones_is_carried(table):
    from salesdesk.store.base import Base

    columns = {c.name for c in Base.metadata.tables[table].columns}
    assert set(synced_columns()[table]) == columns - {"version", "search_key", "geo_key"}


def test_a_change_to_a_local_index_key_only_is_not_queued(store):
    with store.session() as session:
        create_customer(session, {"name": "Huber KG"})
        session.commit()
        before = outbox(store)
    with sqlite3.connect(store.path) as conn:  # as the search index's triggers do
        conn.execute("UPDATE customer SET search_key = 999")
    with store.session() as session:  # a save that changed nothing but the stamp
        session.query(Customer).update({Customer.updated_by: "someone"})
        session.commit()
    assert outbox(store) == before


def test_demo_data_is_not_queued_for_the_central_database(store):
    from salesdesk.services.demo import make_demo_data

    make_demo_data(store, customers=20, history=True)
    assert outbox(store) == []
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT count(*) FROM sync_apply_guard").fetchone() == (0,)


def test_shipped_list_entries_have_the_same_key_on_every_device(tmp_path):
    from salesdesk.domain.ids import builtin_id
    from salesdesk.store.engine import open_store

    keys = []
    for name in ("laptop", "office"):
        store = open_store(tmp_path / name, user="tester")
        with sqlite3.connect(store.path) as conn:
            keys.append(dict(conn.execute("SELECT code, id FROM contact_kind WHERE name = ''")))
        store.close()
    assert keys[0] == keys[1]
    assert keys[0]["visit"] == builtin_id("contact_kind", "visit").hex
