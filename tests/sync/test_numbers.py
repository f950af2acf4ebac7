"""Business numbers made offline never collide between devices (DESIGN.md, "Data
rules"): blocks from the central database, provisional numbers with the device's suffix
when the blocks run out, renumbered at the next sync. A store that never synced numbers
as it always did."""

from __future__ import annotations

import json

from salesdesk.services.customers import create_customer
from salesdesk.store.engine import open_store
from salesdesk.store.numbering import block_key, device_suffix, take_numbers
from salesdesk.sync import numbers
from salesdesk.sync.central import add_user

from .conftest import PASSWORD
from .test_faults import Device, make_world


def central_numbers(central) -> list[str]:
    with central.connect() as conn:
        return [n for (n,) in conn.execute("SELECT number FROM customer ORDER BY number")]


def central_blocks(central) -> list[tuple]:
    with central.connect() as conn:
        return conn.execute("SELECT name, device, first, last FROM sync_number_block "
                            "ORDER BY name, first").fetchall()


def test_a_store_that_never_synced_numbers_from_its_own_counter(tmp_path):
    store = open_store(tmp_path, user="solo")
    with store.session() as session:
        made = [create_customer(session, {"name": f"Kunde {n}"}).number for n in range(2)]
        session.commit()
    with store.session() as session:
        made += take_numbers(session, "customer", "K", 2)
        session.commit()
    assert made == ["K-000001", "K-000002", "K-000003", "K-000004"]
    assert numbers.blocks_of(store) == {}
    store.close()


def test_the_suffix_is_the_first_block_number_in_base_36():
    assert [device_suffix(n) for n in (1, 6, 35, 36, 1001, 46656)] == [
        "01", "06", "0Z", "10", "RT", "1000"]


def test_two_devices_with_blocks_create_offline_without_collisions(central, tmp_path):
    world = make_world(central, tmp_path, customers=2)
    office, rep = world["office"], world["rep"]
    # the office numbered K-000001 and K-000002 before its first sync: its block starts
    # after them; the rep's block after the office's
    blocks = central_blocks(central)
    customer_blocks = [(first, last) for name, _, first, last in blocks if name == "customer"]
    assert customer_blocks == [(3, 102), (103, 202)]
    assert {name for name, *_ in blocks} == {"customer", "condition_sheet"}
    offline_office = [office.create(f"Büro {n}", representative_id=world["rita"])
                      for n in range(3)]
    offline_rep = [rep.create(f"Messe {n}", representative_id=world["rita"])
                   for n in range(3)]
    assert offline_office == ["K-000003", "K-000004", "K-000005"]
    assert offline_rep == ["K-000103", "K-000104", "K-000105"]
    for device in (rep, office, rep):
        report = device.sync()
        assert report.parked == 0 and report.renumbered == {}
    assert central_numbers(central) == sorted(
        [*world["numbers"], *offline_office, *offline_rep])
    assert rep.query("SELECT count(*) FROM customer")[0][0] == 8
    assert len(central_blocks(central)) == 4  # nobody needed a second block
    office.close()
    rep.close()


def test_numbers_run_out_offline_provisional_then_renumbered_at_sync(central, tmp_path,
                                                                    monkeypatch):
    monkeypatch.setattr(numbers, "BLOCK_SIZE", 3)
    monkeypatch.setattr(numbers, "LOW_WATER", 1)
    world = make_world(central, tmp_path, customers=2)
    office, rep = world["office"], world["rep"]
    made = [rep.create(f"Messe {n}", representative_id=world["rita"]) for n in range(5)]
    # block 6..8, then the device's counter with its suffix (6 in base 36)
    assert made == ["K-000006", "K-000007", "K-000008", "K-000001-06", "K-000002-06"]
    report = rep.sync()
    assert report.renumbered == {"K-000001-06": "K-000009", "K-000002-06": "K-000010"}
    assert report.parked == 0 and rep.outbox() == 0
    # 3..5: the office's block, unused
    assert central_numbers(central) == [f"K-{n:06d}" for n in (1, 2, 6, 7, 8, 9, 10)]
    names = dict(rep.query("SELECT name, number FROM customer"))
    assert names["Messe 3"] == "K-000009" and names["Messe 4"] == "K-000010"
    audit = rep.query("SELECT old_value, new_value FROM audit_entry WHERE field = 'number'")
    assert sorted(audit) == [("K-000001-06", "K-000009"), ("K-000002-06", "K-000010")]
    office.sync()
    assert office.customer("K-000010").name == "Messe 4"
    office.close()
    rep.close()


def test_an_explicit_number_is_cut_out_of_the_block(tmp_path):
    store = open_store(tmp_path, user="rep")
    with store.session() as session:  # as a sync leaves it
        session.connection().exec_driver_sql(
            "INSERT INTO sync_state (key, value) VALUES (?, ?)",
            (block_key("customer"), json.dumps({"suffix": "2X", "blocks": [[103, 106]]})))
        session.commit()
    with store.session() as session:
        create_customer(session, {"name": "Importiert"}, number="K-000104")
        made = [create_customer(session, {"name": f"Neu {n}"}).number for n in range(3)]
        made += take_numbers(session, "customer", "K", 2)
        session.commit()
    assert made == ["K-000103", "K-000105", "K-000106", "K-000105-2X", "K-000106-2X"]
    store.close()


def test_a_block_starts_above_every_number_the_device_holds(central, tmp_path):
    explicit = "K-000500"  # imported from the old system before the first sync
    office_login = central.login("office")
    add_user(central.url, office_login, PASSWORD, "office")
    office = Device(central, tmp_path / "office", office_login)
    with office.store.session() as session:
        create_customer(session, {"name": "Altkunde"}, number=explicit)
        session.commit()
    office.sync()
    assert [(f, last) for name, _, f, last in central_blocks(central)
            if name == "customer"] == [(501, 600)]
    assert office.create("Neu") == "K-000501"
    office.close()
