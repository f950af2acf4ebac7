"""Devices pushing and pulling against a real central PostgreSQL (tests/sync/conftest.py
starts it): the fault and correctness cases of the sync issue that concern one or two
devices and the central database."""

from __future__ import annotations

import json
import sqlite3
import threading

import psycopg
import pytest

from salesdesk.services.customers import create_customer, get_customer
from salesdesk.store.engine import open_store
from salesdesk.store.models import Customer, UserAccount
from salesdesk.sync import client
from salesdesk.sync.central import add_user

from .conftest import PASSWORD


class Device:
    """A laptop or office PC: its own local store and its login."""

    def __init__(self, central, path, login: str):
        self.central, self.login = central, login
        self.store = open_store(path, user=login)

    def connect(self) -> psycopg.Connection:
        return self.central.connect(self.login, autocommit=True)

    def push(self) -> client.PushResult:
        with self.connect() as conn:
            return client.push(self.store, conn)

    def pull(self) -> client.PullResult:
        with self.connect() as conn:
            return client.pull(self.store, conn)

    def sync(self) -> None:
        with self.connect() as conn:
            while client.push(self.store, conn).sent:
                pass
            client.pull(self.store, conn)

    def customer(self, number: str) -> Customer:
        with self.store.session() as session:
            return get_customer(session, number)

    def edit(self, number: str, **values) -> None:
        with self.store.session() as session:
            customer = get_customer(session, number)
            for name, value in values.items():
                setattr(customer, name, value)
            session.commit()

    def outbox(self) -> int:
        with sqlite3.connect(self.store.path) as conn:
            return conn.execute("SELECT count(*) FROM sync_outbox").fetchone()[0]

    def conflicts(self) -> list[tuple]:
        with sqlite3.connect(self.store.path) as conn:
            return conn.execute("SELECT tbl, field, local_value, central_value FROM "
                                "sync_conflict ORDER BY field").fetchall()

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def world(central, tmp_path):
    """An office PC that set up a rep's account and one customer of that rep, pushed;
    the rep's laptop pulled it."""
    office_login, rep_login = central.login("office"), central.login("rita")
    add_user(central.url, office_login, PASSWORD, "office")
    office = Device(central, tmp_path / "office", office_login)
    with office.store.session() as session:
        rita = UserAccount(login=rep_login, display_name="Rita Rep")
        session.add(rita)
        session.flush()
        customer = create_customer(session, {"name": "Müller Bau GmbH",
                                             "representative_id": rita.id})
        number = customer.number
        session.commit()
    office.sync()
    add_user(central.url, rep_login, PASSWORD, "rep", user_account_id=rita.id)
    rep = Device(central, tmp_path / "rep", rep_login)
    rep.sync()
    yield {"office": office, "rep": rep, "number": number}
    office.close()
    rep.close()


def central_row(central, number: str) -> tuple:
    with central.connect() as conn:
        return conn.execute("SELECT name, name2, notes, version FROM customer WHERE number "
                            "= %s", (number,)).fetchone()


def test_a_customer_travels_office_to_rep_and_an_edit_back(world, central):
    office, rep, number = world["office"], world["rep"], world["number"]
    assert rep.customer(number).name == "Müller Bau GmbH"
    assert rep.outbox() == 0  # what a pull applied is not sent back
    rep.edit(number, name2="Niederlassung Süd")
    rep.sync()
    office.sync()
    assert office.customer(number).name2 == "Niederlassung Süd"
    assert central_row(central, number)[1] == "Niederlassung Süd"
    assert rep.outbox() == 0 and office.outbox() == 0


def test_5_different_fields_on_both_sides_both_survive_without_conflict(world, central):
    office, rep, number = world["office"], world["rep"], world["number"]
    rep.edit(number, name2="Filiale Nord")
    office.edit(number, notes="Zahlt pünktlich")
    office.sync()
    rep.sync()
    office.sync()
    for device in (office, rep):
        customer = device.customer(number)
        assert (customer.name2, customer.notes) == ("Filiale Nord", "Zahlt pünktlich")
        assert device.conflicts() == []


def test_6_the_same_field_on_both_sides_is_a_conflict_and_all_converge(world, central):
    office, rep, number = world["office"], world["rep"], world["number"]
    office.edit(number, name="Müller Bau AG")
    rep.edit(number, name="Müller Hoch- und Tiefbau GmbH")
    office.sync()
    rep.sync()  # rep's push meets the office's change
    assert [(t, f) for t, f, _, _ in rep.conflicts()] == [("customer", "name")]
    _, _, mine, theirs = rep.conflicts()[0]
    assert (json.loads(mine), json.loads(theirs)) == ("Müller Hoch- und Tiefbau GmbH",
                                                      "Müller Bau AG")
    assert rep.customer(number).name == "Müller Bau AG"  # the central value stayed
    # the rep decides for their name: an ordinary edit that now applies cleanly
    rep.edit(number, name="Müller Hoch- und Tiefbau GmbH")
    rep.sync()
    office.sync()
    names = {office.customer(number).name, rep.customer(number).name,
             central_row(central, number)[0]}
    assert names == {"Müller Hoch- und Tiefbau GmbH"}


def test_1_a_lost_answer_after_the_central_commit_applies_nothing_twice(world, central,
                                                                         monkeypatch):
    rep, number = world["rep"], world["number"]
    rep.edit(number, notes="Rückruf vereinbart")
    real = client.apply_batch

    def answer_lost(*args, **kwargs):
        real(*args, **kwargs)  # the central commits …
        raise ConnectionError("connection lost before the answer")  # … the answer is lost

    monkeypatch.setattr(client, "apply_batch", answer_lost)
    with pytest.raises(ConnectionError):
        rep.push()
    version = central_row(central, number)[3]
    assert rep.outbox() == 1  # still queued, with its batch key
    monkeypatch.setattr(client, "apply_batch", real)
    again = rep.push()
    assert again.replayed and again.sent == 1
    assert central_row(central, number)[3] == version  # not applied a second time
    assert rep.outbox() == 0


def test_2_a_pull_killed_while_applying_a_page_keeps_the_old_checkpoint(world, central,
                                                                        monkeypatch):
    office, rep = world["office"], world["rep"]
    with office.store.session() as session:
        rita = session.query(UserAccount).filter_by(login=rep.login).one()
        for n in range(5):
            create_customer(session, {"name": f"Kunde {n}", "representative_id": rita.id})
        session.commit()
    office.sync()
    with sqlite3.connect(rep.store.path) as conn:
        before = conn.execute("SELECT value FROM sync_state WHERE key = 'pull'").fetchone()
        customers = conn.execute("SELECT count(*) FROM customer").fetchone()[0]
    real = client._apply_page

    def killed(conn, table, rows, checkpoint, **options):
        if table == "customer":
            conn.execute("BEGIN IMMEDIATE")  # half a page written, then the process dies
            conn.execute("UPDATE customer SET name = 'half written'")
            raise KeyboardInterrupt
        return real(conn, table, rows, checkpoint, **options)

    monkeypatch.setattr(client, "_apply_page", killed)
    with pytest.raises(KeyboardInterrupt):
        rep.pull()
    rep.store.close()  # the connection that died is gone; its transaction with it
    with sqlite3.connect(rep.store.path) as conn:
        assert conn.execute("SELECT value FROM sync_state WHERE key = 'pull'").fetchone() \
            == before
        assert conn.execute("SELECT count(*) FROM customer").fetchone()[0] == customers
        assert conn.execute("SELECT count(*) FROM customer WHERE name = 'half written'"
                            ).fetchone()[0] == 0
    monkeypatch.setattr(client, "_apply_page", real)
    rep.pull()
    rep.pull()  # idempotent
    with sqlite3.connect(rep.store.path) as conn:
        assert conn.execute("SELECT count(*) FROM customer").fetchone()[0] == customers + 5


def test_4_a_transaction_that_commits_late_is_not_skipped(world, central):
    """Transaction A takes its number first and commits after B; a pull in between does
    not move its checkpoint past A (it serves only what is below the oldest running
    transaction), so the next pull brings A and B. Two real connections."""
    office, rep, number = world["office"], world["rep"], world["number"]
    with office.store.session() as session:
        rita = session.query(UserAccount).filter_by(login=rep.login).one()
        second = create_customer(session, {"name": "Zweiter Kunde",
                                           "representative_id": rita.id}).number
        session.commit()
    office.sync()
    rep.pull()
    slow = central.connect(world["office"].login, autocommit=False)
    slow.execute("UPDATE customer SET notes = 'langsam' WHERE number = %s", (number,))
    slow_xid = int(slow.execute("SELECT pg_current_xact_id()::text").fetchone()[0])
    fast = central.connect(world["office"].login, autocommit=False)
    fast.execute("UPDATE customer SET notes = 'schnell' WHERE number = %s", (second,))
    fast_xid = int(fast.execute("SELECT pg_current_xact_id()::text").fetchone()[0])
    fast.commit()
    assert slow_xid < fast_xid  # A took the lower number and is still running
    rep.pull()  # between the two commits
    with sqlite3.connect(rep.store.path) as conn:
        done = int(json.loads(conn.execute(
            "SELECT value FROM sync_state WHERE key = 'pull'").fetchone()[0])["done"])
    assert done <= slow_xid  # the checkpoint did not move past the running transaction
    assert rep.customer(number).notes == ""
    slow.commit()
    rep.pull()
    assert rep.customer(number).notes == "langsam"  # not skipped
    assert rep.customer(second).notes == "schnell"
    slow.close()
    fast.close()


def test_a_local_edit_made_while_a_pull_runs_survives(world, central, monkeypatch):
    office, rep, number = world["office"], world["rep"], world["number"]
    office.edit(number, name2="aus dem Büro", notes="Büro-Notiz")
    office.sync()
    real = client._apply_page
    edited = threading.Event()

    def edit_first(conn, table, rows, checkpoint, **options):
        if table == "customer" and not edited.is_set():
            rep.edit(number, notes="unterwegs notiert")  # the rep types during the pull
            edited.set()
        return real(conn, table, rows, checkpoint, **options)

    monkeypatch.setattr(client, "_apply_page", edit_first)
    rep.pull()
    customer = rep.customer(number)
    assert (customer.name2, customer.notes) == ("aus dem Büro", "unterwegs notiert")
    assert rep.outbox() == 1


def test_a_freshly_synced_laptop_finds_its_customers_by_search(world):
    from salesdesk.services.customer_list import CustomerFilter, list_customers

    rep, number = world["rep"], world["number"]
    with rep.store.session() as session:
        found = list_customers(session, CustomerFilter(search="muller bau"))
    assert [c.number for c in found] == [number]


def test_pages_follow_the_transaction_numbers_as_numbers(world, central):
    """Pages are read in (sync_xid, id) order as numbers, straight from the index: text
    order would put 100000 before 99999 and skip or repeat rows across pages."""
    office, rep = world["office"], world["rep"]
    with office.store.session() as session:
        rita = session.query(UserAccount).filter_by(login=rep.login).one()
        numbers = [create_customer(session, {"name": f"Kunde {n}",
                                             "representative_id": rita.id}).number
                   for n in range(5)]
        session.commit()
    office.sync()
    for n, number in enumerate(numbers):  # five transactions, five sync_xids
        office.edit(number, notes=f"Notiz {n}")
        office.sync()
    seen = []

    class Spy:
        def __init__(self, conn):
            self.conn = conn

        def __getattr__(self, name):
            return getattr(self.conn, name)

        def execute(self, sql, params=None):
            if "ORDER BY" in sql and "sync_xid" in sql:
                seen.append((sql, params))
            return self.conn.execute(sql, params)

    with rep.connect() as conn:
        pulled = client.pull(rep.store, Spy(conn), page=2)
    assert pulled.rows >= 5
    with sqlite3.connect(rep.store.path) as conn:
        notes = dict(conn.execute("SELECT number, notes FROM customer"))
    assert [notes[number] for number in numbers] == [f"Notiz {n}" for n in range(5)]
    sql, params = next(item for item in seen if item[0].startswith('SELECT') and
                       '"customer"' in item[0])
    with central.connect() as conn:
        plan = "\n".join(row[0] for row in conn.execute("EXPLAIN " + sql, params))
    sort_keys = [line for line in plan.splitlines() if "Sort Key" in line]
    assert all("::text" not in line for line in sort_keys), plan


def test_a_first_pull_indexes_the_logbook_once_and_a_killed_one_is_finished_at_start(
        central, tmp_path):
    from salesdesk.services.logbook import create_entry
    from salesdesk.store.types import utcnow
    from salesdesk.sync.central import add_user as add

    login = central.login("office")
    add(central.url, login, PASSWORD, "office")
    office = Device(central, tmp_path / "office", login)
    with office.store.session() as session:
        customer = create_customer(session, {"name": "Müller Bau GmbH"})
        session.flush()
        for n in range(5):
            create_entry(session, customer.id, {"occurred_at": utcnow(), "kind": "visit",
                                                "subject": f"Besuch Straße {n}"})
        session.commit()
    office.sync()
    laptop = Device(central, tmp_path / "laptop", login)
    laptop.sync()

    def indexed(device) -> tuple:
        with sqlite3.connect(device.store.path) as conn:
            return (conn.execute("SELECT count(*) FROM logbook_entry WHERE search_key IS "
                                 "NOT NULL").fetchone()[0],
                    conn.execute("SELECT count(*) FROM logbook_fts WHERE logbook_fts MATCH "
                                 "'strasse*'").fetchone()[0],
                    conn.execute("SELECT count(*) FROM sqlite_master WHERE name = "
                                 "'logbook_entry_index_insert'").fetchone()[0])

    assert indexed(laptop) == (5, 5, 1)
    # a first pull killed in the middle of the logbook: trigger off, entries unindexed
    laptop.close()
    with sqlite3.connect(laptop.store.path) as conn:
        conn.execute("DROP TRIGGER logbook_entry_index_insert")
        conn.execute("UPDATE logbook_entry SET search_key = NULL")
        conn.execute("DELETE FROM logbook_fts")
        conn.execute("INSERT INTO sync_state (key, value) VALUES ('bulk_logbook', 'true')")
    reopened = Device(central, tmp_path / "laptop", login)  # opening the store finishes it
    assert indexed(reopened) == (5, 5, 1)
    reopened.close()
    office.close()
