"""After sync: counts and a hash of (id, version) per table; a difference re-downloads."""

import sqlite3

from salesdesk.sync import client, integrity

from .test_client import world  # noqa: F401  (fixture)


def _verify(device, repair=True):
    conn = client.local_connection(device.store)
    try:
        with device.connect() as central:
            return integrity.verify(conn, central, repair=repair)
    finally:
        conn.close()


def test_a_synced_device_matches_the_central(world):  # noqa: F811
    assert _verify(world["rep"]) == []
    assert _verify(world["office"]) == []


def test_a_lost_row_and_a_stray_row_are_found_and_repaired(world):  # noqa: F811
    rep, number = world["rep"], world["number"]
    with sqlite3.connect(rep.store.path) as conn:
        conn.execute("INSERT INTO sync_apply_guard (id) VALUES (1)")
        customer_id = conn.execute("SELECT id FROM customer WHERE number = ?",
                                   (number,)).fetchone()[0]
        conn.execute("DELETE FROM address WHERE customer_id = ?", (customer_id,))  # lost
        conn.execute("UPDATE customer SET name = 'falsch', version = version + 7")  # stale
        conn.execute("INSERT INTO customer_segment (id, version, created_at, updated_at, "
                     "updated_by, customer_id, segment) VALUES ('ab' || hex(randomblob(15)), "
                     "3, '', '', '', ?, 'Geist')", (customer_id,))  # stray
        conn.execute("DELETE FROM sync_apply_guard")
    assert set(_verify(rep, repair=False)) >= {"customer", "customer_segment"}
    assert set(_verify(rep)) >= {"customer", "customer_segment"}
    assert _verify(rep) == []
    assert rep.customer(number).name == "Müller Bau GmbH"
    assert rep.outbox() == 0
    with sqlite3.connect(rep.store.path) as conn:
        assert conn.execute("SELECT count(*) FROM customer_segment WHERE segment = 'Geist'"
                            ).fetchone() == (0,)


def test_rows_with_pending_changes_are_left_alone(world):  # noqa: F811
    rep, number = world["rep"], world["number"]
    rep.edit(number, notes="noch nicht gesendet")
    assert _verify(rep) == []
    assert rep.customer(number).notes == "noch nicht gesendet" and rep.outbox() == 1
