"""Test 15 of the sync issue: a stateful model (hypothesis) of an office PC, two reps'
laptops and an office tool writing plain SQL to the central database. Rules: edit a
field of a customer on a device, sync a device, crash a device mid-push (the central
committed, the answer is lost, the process dies), lose a device's connection mid-push
(retried). At the end everyone syncs twice; then every store holds exactly what the
central database shows its login, nothing waits or is parked, and every edit is the
final value, recorded as a conflict on the device that made it, or overwritten by a
later edit."""

from __future__ import annotations

import json
import shutil
import sqlite3
import uuid
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from salesdesk.services.customers import create_customer
from salesdesk.store.engine import DB_NAME, open_store
from salesdesk.store.models import Customer, UserAccount
from salesdesk.sync import client
from salesdesk.sync.central import add_user
from salesdesk.sync.codec import codec
from salesdesk.sync.session import Retry, run_sync

from .conftest import PASSWORD
from .test_faults import terminate

FIELDS = ("name2", "notes", "website", "legal_form")
DEVICES = ("office", "rep1", "rep2")
NO_WAIT = Retry(sleep=lambda seconds: None)


class Crash(BaseException):
    """The process dies (not an error a retry would catch)."""


def central_rows(conn, table: str) -> dict[str, dict]:
    """The rows of ``table`` this connection's login sees, as the device stores them."""
    coder = codec(table)
    columns = coder.columns
    select = ", ".join(f'"{c}"' for c in columns)
    found = {}
    for row in conn.execute(f'SELECT {select}, version FROM "{table}"'):
        stored = coder.store_row(dict(zip(columns, row[:-1], strict=True)))
        stored["version"] = row[-1]
        found[stored["id"]] = stored
    return found


def local_rows(path: Path, table: str) -> dict[str, dict]:
    columns = [*codec(table).columns, "version"]
    select = ", ".join(f'"{c}"' for c in columns)
    with sqlite3.connect(path) as conn:
        rows = [dict(zip(columns, row, strict=True))
                for row in conn.execute(f'SELECT {select} FROM "{table}"')]
    return {row["id"]: row for row in rows}


class World:
    """What lives across examples: the central database, logins, accounts, a template
    store; each example gets fresh devices and fresh customers."""

    def __init__(self, central, folder: Path):
        self.central, self.folder = central, folder
        self.logins = {name: central.login(name) for name in DEVICES}
        add_user(central.url, self.logins["office"], PASSWORD, "office")
        template = folder / "template"
        open_store(template, user="template").close()
        self.template = template / DB_NAME
        self.setup = self.device("setup", self.logins["office"])
        with self.setup.session() as session:
            accounts = {}
            for rep in ("rep1", "rep2"):
                account = UserAccount(login=self.logins[rep], display_name=rep)
                session.add(account)
                session.flush()
                accounts[rep] = account.id
            session.commit()
        self.accounts = accounts
        self.sync(self.setup, self.logins["office"])
        for rep in ("rep1", "rep2"):
            add_user(central.url, self.logins[rep], PASSWORD, "rep",
                     user_account_id=accounts[rep])
        self.examples = 0

    def device(self, name: str, login: str):
        folder = self.folder / f"{name}-{uuid.uuid4().hex[:8]}"
        folder.mkdir()
        shutil.copyfile(self.template, folder / DB_NAME)
        return open_store(folder, user=login)

    def sync(self, store, login: str):
        return run_sync(store, self.central.login_url(login), retry=NO_WAIT)


class SyncModel(RuleBasedStateMachine):
    world: World  # set by the test

    def __init__(self):
        super().__init__()
        world = self.world
        world.examples += 1
        with world.setup.session() as session:
            owners = [world.accounts["rep1"], world.accounts["rep1"],
                      world.accounts["rep2"], None]
            made = [create_customer(session, {"name": f"Kunde {world.examples}.{n}",
                                              "representative_id": owner})
                    for n, owner in enumerate(owners)]
            self.customers = [c.id.hex for c in made]
            session.commit()
        world.sync(world.setup, world.logins["office"])
        self.visible = {"office": set(self.customers), "rep1": set(self.customers[:2]),
                        "rep2": {self.customers[2]}}
        self.stores = {}
        for name in DEVICES:
            self.stores[name] = world.device(name, world.logins[name])
            world.sync(self.stores[name], world.logins[name])
        self.edits: list[tuple[str, str, str, str]] = []  # writer, customer, field, value
        self.counter = 0

    def _value(self, writer: str) -> str:
        self.counter += 1
        return f"{writer} {self.counter}"

    def _sync(self, name: str):
        return self.world.sync(self.stores[name], self.world.logins[name])

    @rule(device=st.sampled_from(DEVICES), pick=st.integers(0, 3),
          field=st.sampled_from(FIELDS))
    def edit_on_a_device(self, device, pick, field):
        mine = sorted(self.visible[device])
        customer = mine[pick % len(mine)]
        value = self._value(device)
        store = self.stores[device]
        with store.session() as session:
            row = session.get(Customer, uuid.UUID(customer))
            setattr(row, field, value)
            session.commit()
        self.edits.append((device, customer, field, value))

    @rule(pick=st.integers(0, 3), field=st.sampled_from(FIELDS))
    def office_tool_writes_plain_sql(self, pick, field):
        customer = self.customers[pick]
        value = self._value("sql")
        with self.world.central.connect(self.world.logins["office"]) as conn:
            conn.execute(f'UPDATE customer SET "{field}" = %s WHERE id = %s',
                         (value, uuid.UUID(customer)))
        self.edits.append(("sql", customer, field, value))

    @rule(device=st.sampled_from(DEVICES))
    def sync_a_device(self, device):
        self._sync(device)

    @rule(device=st.sampled_from(DEVICES))
    def crash_mid_push(self, device):
        real = client.apply_batch

        def answer_lost(*args, **kwargs):
            real(*args, **kwargs)  # the central commits …
            raise Crash  # … and the device dies before it hears so

        client.apply_batch = answer_lost
        try:
            self._sync(device)
        except Crash:
            store = self.stores[device]  # restarted: a new process opens the store
            store.close()
            self.stores[device] = open_store(store.data_dir, user=store.user)
        finally:
            client.apply_batch = real

    @rule(device=st.sampled_from(DEVICES))
    def connection_lost_mid_push(self, device):
        real = client._apply_change
        central = self.world.central
        done = []

        def dropped(conn, change, result):
            if not done:
                done.append(1)
                terminate(central, conn.info.backend_pid)
            return real(conn, change, result)

        client._apply_change = dropped
        try:
            report = self._sync(device)
        finally:
            client._apply_change = real
        assert report.retries == len(done)

    @invariant()
    def nothing_parked(self):
        for name, store in self.stores.items():
            with sqlite3.connect(store.path) as conn:
                parked = conn.execute("SELECT tbl, row_id, reason FROM sync_parked").fetchall()
            assert parked == [], (name, parked)

    def teardown(self):
        try:
            for _ in range(2):
                for name in DEVICES:
                    self._sync(name)
            self._check()
        finally:
            for store in self.stores.values():
                store.close()

    def _check(self):
        world = self.world
        tables = list(client.synced_columns())
        for name, store in self.stores.items():
            with sqlite3.connect(store.path) as conn:
                assert conn.execute("SELECT count(*) FROM sync_outbox").fetchone()[0] == 0
            with world.central.connect(world.logins[name]) as conn:
                for table in tables:
                    there, here = central_rows(conn, table), local_rows(store.path, table)
                    assert here == there, (name, table)
        with world.central.connect() as conn:
            final = {}
            for customer in self.customers:
                row = conn.execute(f"SELECT {', '.join(FIELDS)} FROM customer WHERE id = %s",
                                   (uuid.UUID(customer),)).fetchone()
                final[customer] = dict(zip(FIELDS, row, strict=True))
        conflicts = {}
        for name, store in self.stores.items():
            with sqlite3.connect(store.path) as conn:
                conflicts[name] = {(row_id, field, json.loads(local)) for row_id, field, local
                                   in conn.execute("SELECT row_id, field, local_value FROM "
                                                   "sync_conflict")}
        for n, (writer, customer, field, value) in enumerate(self.edits):
            if final[customer][field] == value:
                continue
            if (customer, field, value) in conflicts.get(writer, set()):
                continue
            later = [e for e in self.edits[n + 1:] if e[1:3] == (customer, field)]
            assert later, f"edit lost silently: {writer} set {field} of {customer} to " \
                          f"{value!r}, the central value is {final[customer][field]!r}"


def test_15_devices_and_an_office_tool_converge_and_lose_nothing(central, tmp_path):
    SyncModel.world = World(central, tmp_path)
    run_state_machine_as_test(SyncModel, settings=settings(
        max_examples=10, stateful_step_count=15, deadline=None, database=None,
        derandomize=True, suppress_health_check=list(HealthCheck)))
    assert SyncModel.world.examples >= 10
