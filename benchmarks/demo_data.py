"""Time `salesdesk demo --customers N` against bare sqlite3 inserts: customers only
(`--without-history`, target < 60 s for 100k) and with their history (about 10 logbook
entries, 2 tasks and 0.3 appointments per customer; no target, rows per second shown).

    python benchmarks/demo_data.py [--customers N] [--data-dir D]

The demo always runs into a fresh folder (timed from process start: imports, migrations,
Faker pools, inserts, search indexes); the full run then becomes the cached store the
other benchmarks reuse, unless one is there already. Baseline: the same number of bare
customer rows inserted with sqlite3 executemany into a one-table schema, same pragmas,
one transaction.
"""

import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

import benchlib

TARGET_S = 60.0


def bare_inserts(customers: int) -> float:
    """Seconds for sqlite3 executemany of ``customers`` rows into a one-table file store."""
    with tempfile.TemporaryDirectory(dir=benchlib.OUT) as tmp:
        conn = sqlite3.connect(Path(tmp) / "bare.sqlite3", isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("CREATE TABLE customer (id TEXT PRIMARY KEY, number TEXT UNIQUE, "
                     "name TEXT, city TEXT)")
        rows = [(uuid.uuid4().hex, f"K-{n:06d}", f"Customer {n}", "Berlin")
                for n in range(1, customers + 1)]
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO customer VALUES (?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
        seconds = time.perf_counter() - started
        conn.close()
    return seconds


def main() -> int:
    args = benchlib.parser(__doc__.splitlines()[0]).parse_args()
    benchlib.OUT.mkdir(parents=True, exist_ok=True)
    bare = Path(tempfile.mkdtemp(prefix="demo-run-", dir=benchlib.OUT))
    try:
        print(f"salesdesk demo --customers {args.customers} --without-history ...", flush=True)
        customers_only = benchlib.demo_store(bare, args.customers, "--without-history")
    finally:
        shutil.rmtree(bare, ignore_errors=True)
    fresh = Path(tempfile.mkdtemp(prefix="demo-run-", dir=benchlib.OUT))
    try:
        print(f"salesdesk demo --customers {args.customers} --data-dir {fresh} ...", flush=True)
        seconds = benchlib.demo_store(fresh, args.customers)
        size_mb = (fresh / "salesdesk.sqlite3").stat().st_size / 1e6
        conn = sqlite3.connect(fresh / "salesdesk.sqlite3")
        history_rows = sum(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                           for table in ("logbook_entry", "logbook_contact", "task",
                                         "task_transition", "appointment"))
        conn.close()
        cache = benchlib.store_dir(args)
        if not benchlib.is_complete(cache, args.customers) and not (
            cache.exists() and any(cache.iterdir())
        ):
            cache.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(cache, ignore_errors=True)
            fresh.rename(cache)
            print(f"kept as the benchmark store: {cache}")
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    baseline = bare_inserts(args.customers)
    rows = [
        benchlib.Row(f"demo --customers {args.customers} --without-history", customers_only,
                     "s", target=TARGET_S if args.customers <= 100_000 else None,
                     baseline=baseline),
        benchlib.Row("customers per second", args.customers / customers_only, "/s"),
        benchlib.Row(f"demo --customers {args.customers} (with history)", seconds, "s",
                     baseline=baseline),
        benchlib.Row(f"history rows ({history_rows:,}) per second",
                     history_rows / max(0.001, seconds - customers_only), "/s"),
        benchlib.Row("store file with history", size_mb, "MB"),
    ]
    return benchlib.report(
        f"Demo data: {args.customers} customers (contacts, addresses, bank data, search "
        "index; then also logbook, tasks, appointments, mailing lists)", rows,
        f"sqlite3 executemany of {args.customers} bare rows, one table, one transaction",
    )


if __name__ == "__main__":
    sys.exit(main())
