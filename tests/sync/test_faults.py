"""Faults of the sync issue: a process killed during a local commit (test 3), server
errors and timeouts retried with backoff without applying anything twice (test 14).
The retry tests run against the real central PostgreSQL (tests/sync/conftest.py)."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest

from salesdesk.services.customers import create_customer, get_customer
from salesdesk.store.engine import open_store
from salesdesk.store.models import Customer, UserAccount
from salesdesk.sync import client
from salesdesk.sync.central import add_user
from salesdesk.sync.session import (
    Retry,
    SyncError,
    SyncReport,
    UpdateRequired,
    is_transient,
    run_sync,
)

from .conftest import PASSWORD


class Sleeps(list):
    """A ``sleep`` for Retry that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Device:
    """A laptop or office PC syncing through run_sync (retries without waiting)."""

    def __init__(self, central, path: Path, login: str):
        self.central, self.login, self.path = central, login, path
        self.store = open_store(path, user=login)
        self.url = central.login_url(login)
        self.sleeps = Sleeps()

    def sync(self, **kwargs) -> SyncReport:
        kwargs.setdefault("retry", Retry(sleep=self.sleeps))
        return run_sync(self.store, self.url, **kwargs)

    def customer(self, number: str) -> Customer:
        with self.store.session() as session:
            return get_customer(session, number)

    def edit(self, number: str, **values) -> None:
        with self.store.session() as session:
            customer = get_customer(session, number)
            for name, value in values.items():
                setattr(customer, name, value)
            session.commit()

    def create(self, name: str, **values) -> str:
        with self.store.session() as session:
            number = create_customer(session, {"name": name, **values}).number
            session.commit()
        return number

    def query(self, sql: str, params=()) -> list[tuple]:
        with sqlite3.connect(self.store.path) as conn:
            return conn.execute(sql, params).fetchall()

    def outbox(self) -> int:
        return self.query("SELECT count(*) FROM sync_outbox")[0][0]

    def close(self) -> None:
        self.store.close()


def make_world(central, tmp_path: Path, customers: int = 1) -> dict:
    """An office PC that set up a rep's account and ``customers`` customers of that rep,
    synced; the rep's laptop synced them."""
    office_login, rep_login = central.login("office"), central.login("rita")
    add_user(central.url, office_login, PASSWORD, "office")
    office = Device(central, tmp_path / "office", office_login)
    with office.store.session() as session:
        rita = UserAccount(login=rep_login, display_name="Rita Rep")
        session.add(rita)
        session.flush()
        rita_id = rita.id
        numbers = [create_customer(session, {"name": f"Kunde {n}",
                                             "representative_id": rita_id}).number
                   for n in range(customers)]
        session.commit()
    office.sync()
    add_user(central.url, rep_login, PASSWORD, "rep", user_account_id=rita_id)
    rep = Device(central, tmp_path / "rep", rep_login)
    rep.sync()
    return {"office": office, "rep": rep, "numbers": numbers, "rita": rita_id}


@pytest.fixture
def world(central, tmp_path):
    made = make_world(central, tmp_path, customers=3)
    yield made
    made["office"].close()
    made["rep"].close()


def count_applies(central) -> None:
    """A central trigger (this test's database only) that notes every insert or update
    of a customer that commits: a change applied twice shows as two rows."""
    with central.connect() as conn:
        conn.execute("CREATE TABLE test_applied (seq bigserial, id uuid, op text, "
                     "notes text, number text)")
        conn.execute("""CREATE FUNCTION test_note() RETURNS trigger LANGUAGE plpgsql
            SECURITY DEFINER SET search_path = public AS $$
            BEGIN
              INSERT INTO test_applied (id, op, notes, number)
                VALUES (NEW.id, TG_OP, NEW.notes, NEW.number);
              RETURN NULL;
            END $$""")
        conn.execute("CREATE TRIGGER test_note AFTER INSERT OR UPDATE ON customer "
                     "FOR EACH ROW EXECUTE FUNCTION test_note()")


def applies(central) -> list[tuple]:
    with central.connect() as conn:
        return conn.execute("SELECT number, op, notes FROM test_applied ORDER BY seq"
                            ).fetchall()


def central_customers(central) -> dict[str, tuple]:
    with central.connect() as conn:
        return {number: (notes, version) for number, notes, version in conn.execute(
            "SELECT number, notes, version FROM customer")}


def terminate(central, pid: int) -> None:
    """End a backend from a superuser connection, and wait until it is gone."""
    with central.connect() as conn:
        conn.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))


# -- test 3: killed during a local commit -------------------------------------------------

CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from salesdesk.services.customers import create_customer
    from salesdesk.store.engine import open_store

    store = open_store(Path(sys.argv[1]), user="killed")
    mode = sys.argv[2]
    with store.session() as session:
        if mode == "big":
            print("begin", flush=True)
            for n in range(1000):
                create_customer(session, {"name": f"Massenkunde {n}"},
                                addresses=[{"street": f"Weg {n}", "postal_code": "10115",
                                            "city": "Berlin", "country": "DE"}])
            session.commit()
            print("committed", flush=True)
            sys.stdin.read()  # wait to be killed
        create_customer(session, {"name": "Fast gespeichert"})
        session.flush()  # every statement ran, the outbox rows are written too
        if mode == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        session.commit()
        if mode == "after":
            os.kill(os.getpid(), signal.SIGKILL)
""")


def _child(folder: Path, mode: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(folder), mode],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _store_counts(folder: Path) -> dict:
    store = open_store(folder, user="check")  # opening recovers from the WAL
    store.close()
    with sqlite3.connect(folder / "salesdesk.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {
            "customers": conn.execute("SELECT count(*) FROM customer").fetchone()[0],
            "addresses": conn.execute("SELECT count(*) FROM address").fetchone()[0],
            "outbox": conn.execute("SELECT count(*) FROM sync_outbox").fetchone()[0],
            "customer rows without outbox row": conn.execute(
                "SELECT count(*) FROM customer c WHERE NOT EXISTS (SELECT 1 FROM sync_outbox "
                "o WHERE o.tbl = 'customer' AND o.row_id = c.id AND o.op = 'I')").fetchone()[0],
            "outbox rows without row": conn.execute(
                "SELECT count(*) FROM sync_outbox o WHERE o.tbl = 'customer' AND NOT EXISTS "
                "(SELECT 1 FROM customer c WHERE c.id = o.row_id)").fetchone()[0],
            "audit": conn.execute("SELECT count(*) FROM audit_entry").fetchone()[0],
        }


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    open_store(folder, user="template").close()
    return folder / "salesdesk.sqlite3"


def _fresh(empty_store: Path, folder: Path) -> Path:
    folder.mkdir()
    (folder / "salesdesk.sqlite3").write_bytes(empty_store.read_bytes())
    return folder


@pytest.mark.parametrize(("mode", "present"), [("before", False), ("after", True)])
def test_3_killed_around_the_commit_change_and_outbox_row_go_together(
        empty_store, tmp_path, mode, present):
    folder = _fresh(empty_store, tmp_path / mode)
    child = _child(folder, mode)
    child.communicate(timeout=120)
    assert child.returncode == -9  # SIGKILL, no clean-up ran
    counts = _store_counts(folder)
    assert counts["customer rows without outbox row"] == 0
    assert counts["outbox rows without row"] == 0
    if present:
        assert (counts["customers"], counts["outbox"]) == (1, 1)
        assert counts["audit"] > 0
    else:
        assert (counts["customers"], counts["outbox"], counts["audit"]) == (0, 0, 0)


def test_3_killed_at_random_moments_of_a_big_transaction_all_or_nothing(empty_store,
                                                                        tmp_path):
    """1,000 customers with an address each in one transaction, killed at a random
    moment (seeded): either nothing or everything with its outbox rows, never a part."""
    rng = random.Random(20240603)
    timing = _fresh(empty_store, tmp_path / "timing")
    child = _child(timing, "big")
    assert child.stdout.readline().strip() == "begin"
    started = time.monotonic()
    assert child.stdout.readline().strip() == "committed"
    duration = time.monotonic() - started
    child.kill()
    child.wait()
    complete = _store_counts(timing)  # what the whole transaction leaves
    assert (complete["customers"], complete["addresses"]) == (1000, 1000)
    assert complete["outbox"] >= 2000  # an insert each, plus the main-address updates
    outcomes = []
    for run in range(4):
        folder = _fresh(empty_store, tmp_path / f"run{run}")
        child = _child(folder, "big")
        assert child.stdout.readline().strip() == "begin"
        time.sleep(rng.uniform(0.05, 1.1) * duration)
        child.kill()  # SIGKILL
        child.wait()
        counts = _store_counts(folder)
        assert counts["customer rows without outbox row"] == 0
        assert counts["outbox rows without row"] == 0
        if counts["customers"]:
            assert counts == complete
        else:
            assert (counts["addresses"], counts["outbox"], counts["audit"]) == (0, 0, 0)
        outcomes.append(counts["customers"])
    assert set(outcomes) <= {0, 1000}


# -- test 14: server errors and timeouts --------------------------------------------------

def test_transient_errors_are_told_from_permanent_ones():
    errors = psycopg.errors
    for error in (errors.SerializationFailure("x"), errors.DeadlockDetected("x"),
                  errors.AdminShutdown("x"), errors.QueryCanceled("x"),
                  errors.LockNotAvailable("x"), errors.ConnectionFailure("x"),
                  psycopg.OperationalError("server closed the connection unexpectedly"),
                  psycopg.OperationalError("consuming input failed: EOF detected"),
                  ConnectionResetError(), TimeoutError()):
        assert is_transient(error), error
    for error in (errors.InvalidPassword("x"), errors.InsufficientPrivilege("x"),
                  errors.UniqueViolation("x"), errors.CheckViolation("x"),
                  psycopg.OperationalError('connection failed: FATAL:  password '
                                           'authentication failed for user "rita"'),
                  SyncError("gate"), UpdateRequired("update"), ValueError("bug")):
        assert not is_transient(error), error


def test_backoff_doubles_up_to_the_cap_with_jitter():
    low = Retry(base=1, cap=8, jitter=lambda a, b: a)
    high = Retry(base=1, cap=8, jitter=lambda a, b: b)
    assert [low.delay(n) for n in range(1, 6)] == [0.5, 1, 2, 4, 4]
    assert [high.delay(n) for n in range(1, 6)] == [1, 2, 4, 8, 8]
    real = Retry()
    assert all(0.25 <= real.delay(1) <= 0.5 for _ in range(50))
    started = time.monotonic()
    real.wait(20, cancel=lambda: True)  # the default wait ends when the user cancels
    assert time.monotonic() - started < 1


def test_14_connection_dropped_mid_push_is_retried_and_applied_once(world, central,
                                                                    monkeypatch):
    rep, numbers = world["rep"], world["numbers"]
    count_applies(central)
    for n, number in enumerate(numbers):
        rep.edit(number, notes=f"Besuch {n}")
    new = rep.create("Neukunde unterwegs", representative_id=world["rita"])
    real = client._apply_change
    calls = []

    def dropped(central_conn, change, result):
        calls.append(change.row_id)
        if len(calls) == 2:  # the second row: the connection dies under it
            terminate(central, central_conn.info.backend_pid)
        return real(central_conn, change, result)

    monkeypatch.setattr(client, "_apply_change", dropped)
    report = rep.sync()
    assert report.retries == 1 and len(rep.sleeps) == 1
    assert report.pushed == 4 and report.parked == 0 and report.conflicts == 0
    assert rep.outbox() == 0
    assert rep.query("SELECT count(*) FROM sync_parked")[0][0] == 0
    done = applies(central)  # one commit: each change exactly once
    assert sorted(done) == sorted([(number, "UPDATE", f"Besuch {n}")
                                   for n, number in enumerate(numbers)]
                                  + [(new, "INSERT", "")])
    there = central_customers(central)
    for n, number in enumerate(numbers):
        assert there[number][0] == f"Besuch {n}"
        assert rep.customer(number).version == there[number][1]  # pulled back
    with central.connect() as conn:
        assert conn.execute("SELECT count(*) FROM sync_batch WHERE login = %s",
                            (rep.login,)).fetchone()[0] == 1


def test_14_answer_lost_after_the_central_commit_is_replayed_not_applied_again(
        world, central, monkeypatch):
    rep, numbers = world["rep"], world["numbers"]
    count_applies(central)
    rep.edit(numbers[0], notes="Angebot geschickt")
    new = rep.create("Messekontakt", representative_id=world["rita"])
    real = client.apply_batch
    lost = []

    def answer_lost(central_conn, key, changes):
        result = real(central_conn, key, changes)  # the central commits …
        if not lost:
            lost.append(key)
            terminate(central, central_conn.info.backend_pid)  # … the answer never comes
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return result

    monkeypatch.setattr(client, "apply_batch", answer_lost)
    report = rep.sync()
    assert report.retries == 1
    assert report.pushed == 2 and report.batches == 1  # the replay counts once
    assert sorted(applies(central)) == sorted([(numbers[0], "UPDATE", "Angebot geschickt"),
                                               (new, "INSERT", "")])
    assert rep.outbox() == 0
    assert rep.query("SELECT count(*) FROM sync_parked")[0][0] == 0


def test_14_a_statement_timeout_is_retried_after_a_backoff(world, central):
    rep, numbers = world["rep"], world["numbers"]
    count_applies(central)
    rep.edit(numbers[1], notes="Rückruf Montag")
    with central.connect() as conn:
        conn.execute(f'ALTER ROLE "{rep.login}" SET statement_timeout = 300')
    blocker = central.connect(autocommit=False)  # e.g. a long office job on sync_batch
    blocker.execute("LOCK TABLE sync_batch IN ACCESS EXCLUSIVE MODE")

    def sleep(seconds):
        rep.sleeps.append(seconds)
        blocker.commit()  # the job ends while the device waits

    report = rep.sync(retry=Retry(sleep=sleep))
    blocker.close()
    assert report.retries == 1 and len(rep.sleeps) == 1
    assert applies(central) == [(numbers[1], "UPDATE", "Rückruf Montag")]
    assert rep.outbox() == 0


def test_14_a_row_lock_timeout_is_retried_not_parked(world, central):
    rep, numbers = world["rep"], world["numbers"]
    count_applies(central)
    rep.edit(numbers[2], notes="Preisliste mitgenommen")
    with central.connect() as conn:
        conn.execute(f'ALTER ROLE "{rep.login}" SET statement_timeout = 300')
    blocker = central.connect(autocommit=False)  # the office holds the row
    blocker.execute("SELECT 1 FROM customer WHERE number = %s FOR UPDATE", (numbers[2],))

    def sleep(seconds):
        rep.sleeps.append(seconds)
        blocker.commit()

    report = rep.sync(retry=Retry(sleep=sleep))
    blocker.close()
    assert report.parked == 0 and report.retries == 1
    assert applies(central) == [(numbers[2], "UPDATE", "Preisliste mitgenommen")]


def test_14_a_refused_login_and_the_schema_gate_are_not_retried(world, central):
    rep, numbers = world["rep"], world["numbers"]
    rep.edit(numbers[0], notes="bleibt hier")
    sleeps = Sleeps()
    wrong = central.login_url(rep.login, password="falsch")
    with pytest.raises(SyncError, match="password authentication failed"):
        run_sync(rep.store, wrong, retry=Retry(sleep=sleeps))
    with central.connect() as conn:
        conn.execute("UPDATE sync_meta SET value = '9999' WHERE key = 'schema_version'")
    with pytest.raises(UpdateRequired):
        rep.sync(retry=Retry(sleep=sleeps))
    assert sleeps == [] and rep.outbox() == 1


def test_14_gives_up_after_the_attempts_with_growing_waits(world, central, monkeypatch):
    rep, numbers = world["rep"], world["numbers"]
    rep.edit(numbers[0], notes="wartet")

    def always_lost(*args, **kwargs):
        raise psycopg.errors.AdminShutdown("terminating connection due to administrator "
                                           "command")

    monkeypatch.setattr(client, "apply_batch", always_lost)
    sleeps = Sleeps()
    with pytest.raises(SyncError, match="administrator command") as caught:
        rep.sync(retry=Retry(attempts=4, base=1, sleep=sleeps, jitter=lambda a, b: b))
    assert isinstance(caught.value.__cause__, psycopg.errors.AdminShutdown)
    assert sleeps == [1, 2, 4]
    assert rep.outbox() == 1  # kept for the next run
    sleeps.clear()
    with pytest.raises(SyncError):  # the total time is a limit too
        rep.sync(retry=Retry(attempts=10, base=1, total=5, sleep=sleeps,
                             jitter=lambda a, b: b))
    assert sleeps == [1, 2]  # a third wait (4 s) would pass 5 s in all
