"""A device that cannot trust its store any more: offline beyond the tombstone horizon
(test 12: full resync, pending edits survive) and a damaged store file (test 13: outbox
salvaged, store rebuilt from the central database, outbox replayed). Real PostgreSQL."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from salesdesk.services.customers import create_customer
from salesdesk.store.engine import DB_NAME
from salesdesk.sync.recovery import check_store, recover_store, salvage
from salesdesk.sync.session import Retry

from .test_faults import Device, Sleeps, make_world


def set_last_pull(device: Device, when: datetime) -> None:
    with sqlite3.connect(device.store.path) as conn:
        conn.execute("UPDATE sync_state SET value = ? WHERE key = 'last_pull'",
                     (json.dumps(when.isoformat(timespec="seconds")),))


def purge(central, number: str) -> None:
    """The owner purges a tombstone older than the horizon (no login may delete)."""
    with central.connect() as conn:
        conn.execute("UPDATE customer SET deleted_at = now() - interval '100 days' "
                     "WHERE number = %s", (number,))
        conn.execute("DELETE FROM customer WHERE number = %s", (number,))


def central_notes(central, number: str) -> str | None:
    with central.connect() as conn:
        row = conn.execute("SELECT notes FROM customer WHERE number = %s",
                           (number,)).fetchone()
    return None if row is None else row[0]


# -- test 12: offline longer than the tombstone horizon -----------------------------------

def test_12_offline_beyond_the_horizon_resyncs_and_pending_edits_survive(central,
                                                                         tmp_path):
    world = make_world(central, tmp_path, customers=3)
    office, rep, numbers = world["office"], world["rep"], world["numbers"]
    kept, purged = numbers[0], numbers[1]
    rep.edit(kept, notes="im Zug notiert")  # pending while offline
    new = rep.create("Neu unterwegs", representative_id=world["rita"])
    purge(central, purged)  # tombstoned and purged while the rep was away
    # within the horizon an ordinary pull cannot know: the purged row stays
    set_last_pull(rep, datetime.now(UTC) - timedelta(days=89))
    assert rep.outbox() == 2
    report = rep.sync()
    assert not report.resync and rep.query(
        "SELECT count(*) FROM customer WHERE number = ?", (purged,))[0][0] == 1
    rep.edit(kept, notes="im Zug notiert, ergänzt")  # pending again
    set_last_pull(rep, datetime.now(UTC) - timedelta(days=91))  # horizon: 90 days
    report = rep.sync()
    assert report.resync and report.removed == 1
    assert any("longer than 90 days" in warning for warning in report.warnings)
    assert rep.query("SELECT count(*) FROM customer WHERE number = ?", (purged,)) == [(0,)]
    assert {n for (n,) in rep.query("SELECT number FROM customer")} == {
        kept, numbers[2], new}
    assert central_notes(central, kept) == "im Zug notiert, ergänzt"
    assert central_notes(central, new) == ""
    assert rep.outbox() == 0 and rep.query("SELECT count(*) FROM sync_parked") == [(0,)]
    assert rep.query("SELECT count(*) FROM sync_state WHERE key = 'resync'") == [(0,)]
    assert not rep.sync().resync  # the last pull is recent again
    office.close()
    rep.close()


def test_12_a_resync_broken_off_resumes_and_keeps_pending_rows(central, tmp_path):
    world = make_world(central, tmp_path, customers=2)
    office, rep, numbers = world["office"], world["rep"], world["numbers"]
    purge(central, numbers[1])
    new = rep.create("Noch nicht gesendet", representative_id=world["rita"])
    set_last_pull(rep, datetime.now(UTC) - timedelta(days=200))
    calls = []

    def cancel() -> bool:  # the user cancels during the first run's resync pull
        calls.append(1)
        return len(calls) >= 2

    rep.sync(cancel=cancel)
    assert rep.query("SELECT count(*) FROM sync_state WHERE key = 'resync'") == [(1,)]
    assert rep.outbox() == 1  # nothing sent yet
    report = rep.sync()
    assert report.resync and report.removed == 1
    assert {n for (n,) in rep.query("SELECT number FROM customer")} == {numbers[0], new}
    assert central_notes(central, new) == ""
    office.close()
    rep.close()


# -- test 13: the local store is damaged --------------------------------------------------

def _pages(path: Path, table: str) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [n for (n,) in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno",
            (table,))]


def damage(path: Path, table: str, share: float = 0.5, seed: int = 13) -> list[int]:
    """Overwrite ``share`` of ``table``'s leaf pages with noise (the WAL checkpointed
    first, so the pages are in the file)."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = _pages(path, table)
    rng = random.Random(seed)
    hit = sorted(rng.sample(pages, max(1, int(len(pages) * share))))
    with open(path, "r+b") as file:
        for page in hit:
            file.seek((page - 1) * size)
            file.write(rng.randbytes(size))
    return hit


def rep_with_addresses(central, tmp_path, customers: int = 150) -> dict:
    """make_world, and the office gave the rep ``customers`` customers with an address
    and a contact each (so address spans many pages)."""
    world = make_world(central, tmp_path, customers=2)
    office, rep = world["office"], world["rep"]
    with office.store.session() as session:
        for n in range(customers):
            create_customer(session, {"name": f"Filialkunde {n}",
                                      "representative_id": world["rita"]},
                            addresses=[{"street": f"Hauptstraße {n}", "postal_code": "80331",
                                        "city": "München", "country": "DE"}],
                            contacts=[{"first_name": "Eva", "last_name": f"Muster {n}"}])
        session.commit()
    office.sync()
    rep.sync()
    return world


def state(device_path: Path, key: str):
    with sqlite3.connect(device_path / DB_NAME) as conn:
        row = conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
    return None if row is None else json.loads(row[0])


def test_13_damaged_store_outbox_salvaged_rebuilt_from_central_and_replayed(central,
                                                                            tmp_path):
    world = rep_with_addresses(central, tmp_path)
    office, rep, numbers = world["office"], world["rep"], world["numbers"]
    rep.edit(numbers[0], notes="vor dem Schaden")
    new = rep.create("Neu vor dem Schaden", representative_id=world["rita"])
    queued = rep.outbox()
    device, blocks = state(rep.path, "device"), state(rep.path, "numbers:customer")
    addresses = rep.query("SELECT count(*) FROM address")[0][0]
    rep.close()
    path = rep.path / DB_NAME
    hit = damage(path, "address")
    problems = check_store(path)
    assert problems, f"pages {hit} overwritten, but quick_check finds nothing"
    sleeps = Sleeps()
    store, report = recover_store(rep.path, rep.login, rep.url, problems=problems,
                                  retry=Retry(sleep=sleeps))
    assert report.synced and report.sync_error == ""
    assert report.salvaged == queued and report.lost == []
    assert report.damaged_copy.exists() and report.damaged_copy != path
    assert not report.outbox_damaged
    assert f"waiting changes kept: {queued}." in report.summary()
    assert check_store(path) == [] and check_store(path, full=True) == []
    rep.store = store
    assert central_notes(central, numbers[0]) == "vor dem Schaden"
    assert central_notes(central, new) == ""
    assert rep.outbox() == 0
    assert rep.query("SELECT count(*) FROM address")[0][0] == addresses  # from central
    assert rep.customer(numbers[0]).notes == "vor dem Schaden"
    assert state(rep.path, "device") == device  # the same device, its blocks kept
    assert state(rep.path, "numbers:customer")["suffix"] == blocks["suffix"]
    assert rep.create("Nach dem Schaden", representative_id=world["rita"]) \
        == f"K-{int(new[2:]) + 1:06d}"
    office.close()
    rep.close()


def test_13_a_changed_row_that_cannot_be_read_is_reported_lost_not_dropped_silently(
        central, tmp_path):
    world = rep_with_addresses(central, tmp_path)
    office, rep, numbers = world["office"], world["rep"], world["numbers"]
    rep.edit(numbers[0], notes="unlesbar geworden")
    rep.close()
    path = rep.path / DB_NAME
    damage(path, "customer", share=1.0)
    found = salvage(path)
    assert len(found.outbox) == 1 and found.rows == {}
    store, report = recover_store(rep.path, rep.login, rep.url, retry=Retry(sleep=Sleeps()))
    rep.store = store
    assert report.problems and report.synced
    assert report.salvaged == 0 and len(report.lost) == 1
    assert report.lost[0].startswith("customer ")
    assert "could not be read from the damaged file: 1;" in report.summary()
    assert rep.query("SELECT count(*) FROM customer")[0][0] == 152  # from central
    assert central_notes(central, numbers[0]) == ""
    office.close()
    rep.close()


def test_13_a_file_that_is_no_database_any_more_is_rebuilt_from_central(central,
                                                                        tmp_path):
    world = make_world(central, tmp_path, customers=2)
    office, rep = world["office"], world["rep"]
    rep.edit(world["numbers"][0], notes="weg")
    rep.close()
    path = rep.path / DB_NAME
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with open(path, "r+b") as file:
        file.write(b"\0" * 100)  # the header
    assert check_store(path)
    store, report = recover_store(rep.path, rep.login, rep.url, retry=Retry(sleep=Sleeps()))
    rep.store = store
    assert report.synced and report.unreadable and report.salvaged == 0
    assert report.outbox_damaged and "could not all be read" in report.summary()
    assert {n for (n,) in rep.query("SELECT number FROM customer")} == set(world["numbers"])
    office.close()
    rep.close()


def test_13_recovery_offline_keeps_the_salvage_for_the_next_sync(central, tmp_path):
    world = make_world(central, tmp_path, customers=2)
    office, rep, numbers = world["office"], world["rep"], world["numbers"]
    rep.edit(numbers[1], notes="offline gerettet")
    rep.close()
    path = rep.path / DB_NAME
    store, report = recover_store(rep.path, rep.login, "host=/nonexistent dbname=x",
                                  problems=["simulated"], retry=Retry(sleep=Sleeps()))
    rep.store = store
    assert not report.synced and "Cannot connect" in report.sync_error
    assert report.salvaged == 1 and rep.outbox() == 1
    assert rep.customer(numbers[1]).notes == "offline gerettet"
    rep.sync()  # back online
    assert central_notes(central, numbers[1]) == "offline gerettet"
    assert rep.outbox() == 0
    assert check_store(path) == []
    office.close()
    rep.close()


def test_13_a_damaged_outbox_gives_up_only_the_rows_on_broken_pages(tmp_path):
    from salesdesk.store.engine import open_store

    store = open_store(tmp_path, user="rep")
    with store.session() as session:
        for n in range(400):
            create_customer(session, {"name": f"Offline {n} " + "x" * 150})
        session.commit()
    store.close()
    path = tmp_path / DB_NAME
    with sqlite3.connect(path) as conn:
        queued = conn.execute("SELECT count(*) FROM sync_outbox").fetchone()[0]
    hit = damage(path, "sync_outbox", share=0.1)
    assert check_store(path)
    found = salvage(path)
    assert 0 < len(found.outbox) < queued  # most rows read around the broken pages
    assert any(problem.startswith("sync_outbox") for problem in found.unreadable), hit
    assert found.outbox_damaged
    assert len(found.rows) == len({(t, r) for _, t, r, *_ in found.outbox})
