"""The logbook on a full store: a customer's logbook with 5,000 entries, a new entry.

    python benchmarks/history.py [--customers N] [--data-dir D] [--runs 30]

Store: `salesdesk demo` with 100k customers (about 1M logbook entries, 200k tasks). One
customer gets 5,000 logbook entries (added once, marked in the store).

Measures (median and p95 of --runs, warm cache as in a running app):
- "logbook of a customer with 5,000 entries": what opening the tab does — count plus the
  first page of 200 rows through services.logbook (target < 100 ms); and the real Qt
  view (LogbookView) built offscreen and shown with its first page.
  Baseline: the bare indexed SELECT of the same 200 rows.
(The agenda is measured by benchmarks/agenda.py.)
- "new entry with follow-up task": services.logbook.create_entry with a task, committed
  (target < 20 ms, one transaction). Baseline: the commit of a one-row insert (fsync).
"""

import os
import sqlite3
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import benchlib

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from salesdesk.services import logbook  # noqa: E402
from salesdesk.services.logbook import FollowUps, LogbookFilter  # noqa: E402
from salesdesk.store.engine import open_store  # noqa: E402

BIG = 5000
MARK = "benchmark: 5000 entries"


def big_customer(store) -> uuid.UUID:
    """The customer with 5,000 entries, made once (bulk, through the insert triggers)."""
    reader = store.reader()
    row = reader.execute("SELECT customer_id FROM logbook_entry WHERE outcome = ? LIMIT 1",
                         (MARK,)).fetchone()
    if row:
        return uuid.UUID(hex=row[0])
    customer = reader.execute("SELECT id FROM customer WHERE deleted_at IS NULL "
                              "ORDER BY number LIMIT 1").fetchone()[0]
    from salesdesk.domain.ids import new_id
    from salesdesk.store.models import LogbookEntry
    from salesdesk.store.types import utcnow

    now = utcnow()
    rows = [{"id": new_id(), "version": 0, "created_at": now, "updated_at": now,
             "updated_by": "benchmark", "deleted_at": None, "customer_id": uuid.UUID(hex=customer),
             "user_id": None, "author": "benchmark",
             "occurred_at": now - timedelta(hours=3 * n), "duration_minutes": 15,
             "kind": "phone", "subject": f"Anruf {n}", "notes": "Bestellung besprochen",
             "outcome": MARK, "reason_code": "", "follow_up_on": None, "mailing_id": None,
             "delete_reason": "", "search_key": None} for n in range(BIG)]
    with store.session() as session:
        session.connection().execute(LogbookEntry.__table__.insert(), rows)
        logbook.refresh_last_contact(session, [uuid.UUID(hex=customer)])
        session.commit()
    return uuid.UUID(hex=customer)


def timed(fn, runs: int) -> list[float]:
    for _ in range(3):
        fn()
    values = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        values.append((time.perf_counter() - started) * 1000)
    return values


def main() -> int:
    parser = benchlib.parser(__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    data_dir = benchlib.ensure_store(args)
    store = open_store(data_dir, user="benchmark")
    reader = store.reader()
    counts = {t: reader.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("customer", "logbook_entry", "task", "appointment")}
    print("store:", ", ".join(f"{n:,} {t}" for t, n in counts.items()))
    customer_id = big_customer(store)
    flt = LogbookFilter(customer_id=customer_id)
    print("entries of the big customer:", logbook.count_entries(reader, flt))
    raw = sqlite3.connect(f"{store.path.as_uri()}?mode=ro", uri=True)

    def open_logbook():
        logbook.count_entries(reader, flt)
        logbook.list_entries(reader, flt, 0, 200)

    def bare_page():
        raw.execute("SELECT * FROM logbook_entry WHERE customer_id = ? AND deleted_at IS NULL "
                    "ORDER BY occurred_at DESC LIMIT 200", (customer_id.hex,)).fetchall()

    today = date.today()

    from PySide6.QtWidgets import QApplication

    from salesdesk.ui.views.logbook_view import LogbookView

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from PySide6.QtCore import qInstallMessageHandler

    # the offscreen platform warns about window size hints on every show(); not ours
    qInstallMessageHandler(lambda mode, context, message: None
                           if "propagateSizeHints" in message else print(message))

    def logbook_view():
        view = LogbookView(store, None, customer_id=customer_id)
        view.resize(1100, 700)
        view.show()
        app.processEvents()
        view.close()
        view.deleteLater()

    customers = [uuid.UUID(hex=r[0]) for r in reader.execute(
        "SELECT id FROM customer WHERE deleted_at IS NULL ORDER BY random() LIMIT ?",
        (args.runs + 3,))]
    pending = iter(customers)

    def new_entry():
        with store.session() as session:
            logbook.create_entry(
                session, next(pending),
                {"occurred_at": datetime.now(UTC), "kind": "visit", "duration_minutes": 30,
                 "subject": "Besuch", "notes": "Neue Kollektion vorgestellt."},
                follow_ups=FollowUps(task={"title": "Angebot senden",
                                           "due_on": today + timedelta(days=7),
                                           "kind": "send_offer"}))
            session.commit()

    scratch = sqlite3.connect(store.path, isolation_level=None)
    scratch.execute("PRAGMA synchronous = FULL")  # as the app's connections

    def bare_commit():
        scratch.execute("BEGIN IMMEDIATE")
        scratch.execute("INSERT INTO app_setting (key, value, updated_at) VALUES "
                        "('benchmark.commit', ?, '') ON CONFLICT (key) DO UPDATE SET "
                        "value = excluded.value", (str(time.perf_counter()),))
        scratch.execute("COMMIT")

    results = {}
    for name, fn in (("logbook service", open_logbook), ("logbook bare", bare_page),
                     ("logbook view", logbook_view), ("new entry", new_entry),
                     ("bare commit", bare_commit)):
        results[name] = timed(fn, args.runs)
        print(f"  {name:16} p50 {benchlib.median(results[name]):7.2f} ms  "
              f"p95 {benchlib.percentile(results[name], 0.95):7.2f} ms")
    p95 = {k: benchlib.percentile(v, 0.95) for k, v in results.items()}
    rows = [
        benchlib.Row("logbook 5,000 entries: count + page (p95)", p95["logbook service"], "ms",
                     target=100, baseline=p95["logbook bare"]),
        benchlib.Row("logbook 5,000 entries: Qt view shown (p95)", p95["logbook view"], "ms",
                     target=100, baseline=p95["logbook bare"]),
        benchlib.Row("new entry + follow-up task, committed (p95)", p95["new entry"], "ms",
                     target=20, baseline=p95["bare commit"]),
    ]
    store.close()
    return benchlib.report(
        "Logbook and new entries", rows,
        "bare indexed SELECT of the same page / commit of a one-row update")


if __name__ == "__main__":
    sys.exit(main())
