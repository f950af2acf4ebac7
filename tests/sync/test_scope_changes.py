"""Customers moving between reps, and deletions meeting offline edits."""

from __future__ import annotations

import sqlite3

from salesdesk.services.customers import create_customer, get_customer
from salesdesk.services.logbook import create_entry
from salesdesk.store.models import Customer, UserAccount
from salesdesk.store.types import utcnow
from salesdesk.sync.central import add_user

from .conftest import PASSWORD
from .test_client import Device


def _count(device, table: str, customer_id: str) -> int:
    column = "id" if table == "customer" else "customer_id"
    with sqlite3.connect(device.store.path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?",
                            (customer_id,)).fetchone()[0]


def test_9_a_customer_moved_from_rep_a_to_rep_b(central, tmp_path):
    office_login, anna_login, ben_login = (central.login(n) for n in ("office", "anna", "ben"))
    add_user(central.url, office_login, PASSWORD, "office")
    office = Device(central, tmp_path / "office", office_login)
    with office.store.session() as session:
        anna = UserAccount(login=anna_login, display_name="Anna")
        ben = UserAccount(login=ben_login, display_name="Ben")
        session.add_all([anna, ben])
        session.flush()
        moving = create_customer(
            session, {"name": "Wandert GmbH", "representative_id": anna.id},
            addresses=[{"street": "Hauptstraße 1", "postal_code": "80331", "city": "München",
                        "country": "DE"}], contacts=[{"last_name": "Huber"}])
        staying = create_customer(session, {"name": "Bleibt KG", "representative_id": anna.id})
        session.flush()
        create_entry(session, moving.id, {"occurred_at": utcnow(), "kind": "visit",
                                          "subject": "Erstbesuch"})
        number, cid = moving.number, moving.id.hex
        session.commit()
    office.sync()
    add_user(central.url, anna_login, PASSWORD, "rep", user_account_id=anna.id)
    add_user(central.url, ben_login, PASSWORD, "rep", user_account_id=ben.id)
    rep_a = Device(central, tmp_path / "anna", anna_login)
    rep_b = Device(central, tmp_path / "ben", ben_login)
    rep_a.sync()
    rep_b.sync()
    assert _count(rep_a, "customer", cid) == 1 and _count(rep_a, "logbook_entry", cid) == 1
    assert _count(rep_b, "customer", cid) == 0
    # Anna notes something offline; meanwhile the office gives the customer to Ben
    rep_a.edit(number, notes="Anna war hier")
    office.edit(number, representative_id=ben.id)
    office.sync()
    rep_a.sync()
    rep_b.sync()
    for table in ("customer", "address", "contact_person", "logbook_entry"):
        assert _count(rep_a, table, cid) == 0, table  # explicit removal
        assert _count(rep_b, table, cid) == 1, table  # everything, children included
    assert rep_b.customer(number).name == "Wandert GmbH"
    assert rep_a.customer(staying.number).name == "Bleibt KG"  # untouched
    with sqlite3.connect(rep_a.store.path) as conn:  # Anna's note: kept and reported
        parked = conn.execute("SELECT tbl, reason FROM sync_parked").fetchall()
    assert [t for t, _ in parked] == ["customer"]
    for device in (office, rep_a, rep_b):
        device.close()


def test_7_a_customer_deleted_in_the_office_and_edited_offline(central, tmp_path):
    office_login, rep_login = central.login("office"), central.login("rita")
    add_user(central.url, office_login, PASSWORD, "office")
    office = Device(central, tmp_path / "office", office_login)
    with office.store.session() as session:
        rita = UserAccount(login=rep_login, display_name="Rita")
        session.add(rita)
        session.flush()
        number = create_customer(session, {"name": "Weg GmbH",
                                           "representative_id": rita.id}).number
        session.commit()
    office.sync()
    add_user(central.url, rep_login, PASSWORD, "rep", user_account_id=rita.id)
    rep = Device(central, tmp_path / "rep", rep_login)
    rep.sync()
    rep.edit(number, notes="Großauftrag in Aussicht")  # offline
    with office.store.session() as session:  # the office deletes the customer file
        get_customer(session, number).deleted_at = utcnow()
        session.commit()
    office.sync()
    rep.sync()
    conflicts = rep.conflicts()
    assert [(t, f) for t, f, _, _ in conflicts] == [("customer", "")]  # shown
    assert "Großauftrag in Aussicht" in conflicts[0][2]  # the rep's edit is kept there
    with central.connect() as conn:  # no silent resurrection
        deleted, notes = conn.execute("SELECT deleted_at, notes FROM customer WHERE number "
                                      "= %s", (number,)).fetchone()
    assert deleted is not None and notes == ""
    with rep.store.session() as session:
        assert session.query(Customer).filter_by(number=number).one().deleted_at is not None
    office.close()
    rep.close()


def test_8_two_reps_create_the_same_customer_offline(central, tmp_path):
    """Same company, same VAT id, entered on two laptops offline: both are stored (no
    one's work is lost) and the office sees them as duplicates to merge."""
    from salesdesk.services.duplicates import find_duplicates

    from .test_faults import Device as SyncDevice
    from .test_faults import make_world

    world = make_world(central, tmp_path)
    office, anna = world["office"], world["rep"]
    ben_login = central.login("ben")
    with office.store.session() as session:
        ben_account = UserAccount(login=ben_login, display_name="Ben")
        session.add(ben_account)
        session.commit()
        ben_id = ben_account.id
    office.sync()
    add_user(central.url, ben_login, PASSWORD, "rep", user_account_id=ben_id)
    ben = SyncDevice(central, tmp_path / "ben", ben_login)
    ben.sync()
    vat = "DE136695976"
    first = anna.create("Schmidt Elektro GmbH", vat_id=vat, representative_id=world["rita"])
    second = ben.create("Elektro Schmidt GmbH", vat_id=vat, representative_id=ben_id)
    for device in (anna, ben, office):
        report = device.sync()
        assert report.parked == 0
    with central.connect() as conn:
        stored = conn.execute("SELECT number FROM customer WHERE vat_id = %s ORDER BY number",
                              (vat,)).fetchall()
    assert [n for (n,) in stored] == sorted([first, second])
    with office.store.session() as session:
        kept = get_customer(session, first)
        found = find_duplicates(session, kept.name, vat_id=vat, exclude_id=kept.id)
        assert [c.number for c in found] == [second]
    for device in (office, anna, ben):
        device.close()
