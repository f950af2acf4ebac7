"""The sync page's use cases against a real central PostgreSQL: the state it shows, the
conflicts decided each way (the devices converge after syncing), refused changes
discarded or tried again, a wrong password in plain words."""

from __future__ import annotations

import sqlite3

import pytest

from salesdesk.services import sync as service
from salesdesk.services.customers import delete_customer, get_customer
from salesdesk.services.sync_review import ACCEPT_DELETION, BOTH, CENTRAL, MINE, RESTORE
from salesdesk.store.models import CustomerGroup
from salesdesk.sync.central import add_user
from salesdesk.sync.session import SyncError

from . import test_client
from .conftest import PASSWORD
from .test_client import central_row

world = test_client.world  # the fixture: an office PC and a rep's laptop, one customer


def sync_here(device, central) -> None:
    """A run as the sync page starts it (recorded for the page)."""
    service.sync_now(device.store, central.login_url(device.login))


def status(device) -> service.SyncStatus:
    with device.store.session() as session:
        return service.sync_status(device.store, session)


def names(devices, central, number) -> set[str]:
    return {d.customer(number).name for d in devices} | {central_row(central, number)[0]}


def make_name_conflict(world, central):
    office, rep, number = world["office"], world["rep"], world["number"]
    office.edit(number, name="Müller Bau AG")
    rep.edit(number, name="Müller Hoch- und Tiefbau GmbH")
    office.sync()
    sync_here(rep, central)
    (conflict,) = service.list_conflicts(rep.store)
    return office, rep, number, conflict


def test_the_page_shows_last_sync_pending_changes_and_conflicts(world, central):
    office, rep, number = world["office"], world["rep"], world["number"]
    assert status(rep).last_sync is None
    rep.edit(number, name2="Filiale Nord")
    rep.edit(number, notes="zweimal geändert: ein Datensatz")
    state = status(rep)
    assert (state.pending, state.conflicts, state.parked) == (1, 0, 0)
    sync_here(rep, central)
    state = status(rep)
    assert (state.pending, state.conflicts) == (0, 0)
    assert state.last_sync is not None and state.last_pushed == 1 and not state.problem
    office.edit(number, name="Müller Bau AG")
    rep.edit(number, name="Müller Bau KG")
    office.sync()
    sync_here(rep, central)
    assert status(rep).conflicts == 1


def test_a_conflict_reads_as_record_field_and_both_values(world, central):
    _office, _rep, number, conflict = make_name_conflict(world, central)
    assert conflict.record == f"Customer {number} Müller Bau AG"
    assert conflict.label == "Name"
    (values,) = conflict.values
    assert (values.mine, values.central) == ("Müller Hoch- und Tiefbau GmbH", "Müller Bau AG")
    assert conflict.choices == (CENTRAL, MINE, BOTH)
    assert conflict.detected_at is not None


def test_keeping_the_central_value_closes_the_conflict_and_all_agree(world, central):
    office, rep, number, conflict = make_name_conflict(world, central)
    decision = service.resolve_conflict(rep.store, conflict.id, CENTRAL)
    assert not decision.queued and rep.outbox() == 0
    assert service.list_conflicts(rep.store) == []
    sync_here(rep, central)
    office.sync()
    assert names((office, rep), central, number) == {"Müller Bau AG"}


def test_keeping_my_value_sends_it_cleanly_and_all_agree(world, central):
    office, rep, number, conflict = make_name_conflict(world, central)
    assert service.resolve_conflict(rep.store, conflict.id, MINE).queued
    assert status(rep).pending == 1 and status(rep).conflicts == 0
    sync_here(rep, central)
    office.sync()
    assert names((office, rep), central, number) == {"Müller Hoch- und Tiefbau GmbH"}
    assert service.list_conflicts(rep.store) == [] and rep.outbox() == 0


def test_keeping_my_value_before_the_pull_brought_the_central_one(world, central):
    office, rep, number = world["office"], world["rep"], world["number"]
    office.edit(number, name="Müller Bau AG")
    rep.edit(number, name="Müller Bau KG")
    office.sync()
    rep.push()  # the run stopped after the push: this device still shows its own value
    (conflict,) = service.list_conflicts(rep.store)
    assert rep.customer(number).name == "Müller Bau KG"
    assert service.resolve_conflict(rep.store, conflict.id, MINE).queued
    sync_here(rep, central)
    office.sync()
    assert names((office, rep), central, number) == {"Müller Bau KG"}
    assert service.list_conflicts(rep.store) == []


def test_keeping_both_texts_joins_them_and_all_agree(world, central):
    office, rep, number = world["office"], world["rep"], world["number"]
    office.edit(number, notes="Zahlt pünktlich")
    rep.edit(number, notes="Will Rabatt")
    office.sync()
    sync_here(rep, central)
    (conflict,) = service.list_conflicts(rep.store)
    assert conflict.label == "Notes"
    service.resolve_conflict(rep.store, conflict.id, BOTH)
    sync_here(rep, central)
    office.sync()
    expected = "Zahlt pünktlich\n---\nWill Rabatt"
    assert {office.customer(number).notes, rep.customer(number).notes,
            central_row(central, number)[2]} == {expected}


def test_both_single_line_names_side_by_side(world, central):
    office, rep, number, conflict = make_name_conflict(world, central)
    service.resolve_conflict(rep.store, conflict.id, BOTH)
    sync_here(rep, central)
    office.sync()
    assert names((office, rep), central, number) == {
        "Müller Bau AG / Müller Hoch- und Tiefbau GmbH"}


def test_a_decided_conflict_cannot_be_decided_again(world, central):
    _office, rep, _number, conflict = make_name_conflict(world, central)
    service.resolve_conflict(rep.store, conflict.id, CENTRAL)
    with pytest.raises(Exception, match="decided already"):
        service.resolve_conflict(rep.store, conflict.id, MINE)


def make_deletion_conflict(world, central):
    office, rep, number = world["office"], world["rep"], world["number"]
    with office.store.session() as session:
        delete_customer(session, get_customer(session, number))
        session.commit()
    rep.edit(number, notes="Besuch am Montag")
    office.sync()
    sync_here(rep, central)
    (conflict,) = service.list_conflicts(rep.store)
    return office, rep, number, conflict


def test_deleted_centrally_while_changed_here_reads_as_such(world, central):
    _office, _rep, number, conflict = make_deletion_conflict(world, central)
    assert conflict.deleted_centrally and conflict.label == "Deleted centrally"
    assert conflict.choices == (ACCEPT_DELETION, RESTORE)
    assert conflict.deleted_at is not None
    assert [(v.label, v.mine, v.central) for v in conflict.values] == [
        ("Notes", "Besuch am Montag", "")]


def test_accepting_the_deletion_and_all_agree(world, central):
    office, rep, number, conflict = make_deletion_conflict(world, central)
    assert not service.resolve_conflict(rep.store, conflict.id, ACCEPT_DELETION).queued
    sync_here(rep, central)
    office.sync()
    assert rep.customer(number).deleted_at is not None
    assert rep.outbox() == 0 and service.list_conflicts(rep.store) == []


def test_restoring_with_my_changes_and_all_agree(world, central):
    office, rep, number, conflict = make_deletion_conflict(world, central)
    assert service.resolve_conflict(rep.store, conflict.id, RESTORE).queued
    assert rep.customer(number).deleted_at is None
    sync_here(rep, central)
    office.sync()
    for device in (office, rep):
        customer = device.customer(number)
        assert (customer.deleted_at, customer.notes) == (None, "Besuch am Montag")
    assert service.list_conflicts(rep.store) == []


@pytest.fixture
def refused(world, central):
    """The rep renamed a customer group: only the office may; the change is parked."""
    office, rep = world["office"], world["rep"]
    with office.store.session() as session:
        session.add(CustomerGroup(code="GH", name="Großhandel"))
        session.commit()
    office.sync()
    rep.sync()
    with rep.store.session() as session:
        session.query(CustomerGroup).filter_by(code="GH").one().name = "Großhandel Süd"
        session.commit()
    sync_here(rep, central)
    (parked,) = service.list_parked(rep.store)
    return parked


def group_name(device) -> str:
    with sqlite3.connect(device.store.path) as conn:
        return conn.execute("SELECT name FROM customer_group WHERE code = 'GH'").fetchone()[0]


def test_a_refused_change_is_shown_with_its_reason_in_words(world, central, refused):
    assert refused.record == "Customer group Großhandel Süd"
    assert refused.action == "Change"
    assert refused.reason.startswith("You may not change this record")
    assert "permission denied" in refused.detail
    assert status(world["rep"]).parked == 1


def test_discarding_a_refused_change_brings_back_the_central_version(world, central,
                                                                     refused):
    rep = world["rep"]
    service.discard_parked(rep.store, refused.id)
    assert service.list_parked(rep.store) == []
    sync_here(rep, central)
    assert group_name(rep) == "Großhandel" and rep.outbox() == 0


def test_trying_again_after_the_office_gave_the_rights(world, central, refused):
    office, rep = world["office"], world["rep"]
    add_user(central.url, rep.login, PASSWORD, "office")  # now the rep may
    service.retry_parked(rep.store, refused.id)
    assert service.list_parked(rep.store) == [] and status(rep).pending == 1
    sync_here(rep, central)
    # the base of a retried change is what was sent: the central value differs, so it
    # comes back as a conflict to decide rather than being overwritten unseen
    (conflict,) = service.list_conflicts(rep.store)
    assert conflict.label == "Name"
    service.resolve_conflict(rep.store, conflict.id, MINE)
    sync_here(rep, central)
    office.sync()
    assert group_name(rep) == group_name(office) == "Großhandel Süd"
    assert service.list_parked(rep.store) == []


def test_a_wrong_password_is_said_in_plain_words_and_recorded(world, central):
    rep = world["rep"]
    rep.edit(world["number"], notes="bleibt hier")
    with pytest.raises(SyncError) as raised:
        service.sync_now(rep.store, central.login_url(rep.login, "wrong"))
    text, offline = service.explain_failure(raised.value)
    assert text.startswith("The central database did not accept the login and password")
    assert not offline and "wrong" not in text
    state = status(rep)
    assert state.problem == text and state.pending == 1 and not state.offline


def test_an_unreachable_server_is_offline_not_an_error(store):
    url = "host=127.0.0.1 port=1 dbname=salesdesk user=rita connect_timeout=3"
    with pytest.raises(SyncError) as raised:
        service.sync_now(store, url)
    assert service.explain_failure(raised.value)[1]
    assert status_of(store).offline


def status_of(store) -> service.SyncStatus:
    with store.session() as session:
        return service.sync_status(store, session)


def test_check_connection_says_ok_or_why_not(world, central):
    rep = world["rep"]
    bare = service.connection_url(central.login_url(rep.login, "x"))
    assert "Connected to" in service.check_connection(bare, PASSWORD)
    with pytest.raises(SyncError, match="did not accept the login and password"):
        service.check_connection(bare, "wrong")
