"""Synchronisation against an embedded PostgreSQL: initial sync, incremental sync, push.

    python benchmarks/sync.py [--customers 100000] [--data-dir D] [--kill-after 5] [--profile]

Set up once and cached in benchmarks/out/central-N (gitignored): `salesdesk demo
--customers N --seed 1` into central-N/demo, an embedded PostgreSQL in central-N/pgdata
(salesdesk.sync.pgserver.serve), `init_central`, and the demo store's synced tables
loaded with COPY as the superuser in one transaction (stored values → Python values by
salesdesk.sync.codec, so the central triggers stamp every row as for any insert), then
VACUUM ANALYZE; two logins of role office (they see everything). Each run checks the
schema with init_central (idempotent) and counts the central rows per table.

Measured (every local store is made afresh in central-N/run, removed at the end):
- initial sync: `client.pull` into an empty store (open_store on a new folder) as the
  office login, in a child process that does only that: rows per second over all synced
  tables (target >= 20,000/s) and the child's peak RSS (getrusage maxrss, < 300 MB).
  Baseline in the same run, also in a child, as the same login: for every synced table
  `COPY (SELECT the pulled columns, version) TO STDOUT` — each column rendered by
  PostgreSQL in the form SQLite stores it (hex ids, money in ten-thousandths, ISO UTC
  times, 0/1), read with psycopg's copy.rows() as text, nothing converted in Python but
  the two float columns (float(), as SQLite's text → REAL may be an ulp off) —
  and `executemany` of the pull's upsert (INSERT … ON CONFLICT (id) DO UPDATE: a new
  store holds the shipped list entries already) into another empty store made by
  open_store (indexes and local triggers kept, outbox triggers silenced by
  sync_apply_guard as a pull does), one SQLite transaction per 2,000 rows as the pull
  commits a page. Both stores must then hold the same values with the same SQLite types
  (compared with EXCEPT).
- resumability: another empty store pulls as the second login; the child is killed with
  SIGKILL after --kill-after seconds (earlier if half the rows are in), a new child pulls
  again; every synced table must then hold exactly the central row count.
- incremental sync on that synced pair (store 1: office login, store 2: the resumed one,
  second login): 100 customers' notes edited on each, then one `session.run_sync` per
  device, timed (store 1: push 100, pull 100; store 2: push 100, pull 200), target < 1 s
  each; store 1 syncs again and must hold store 2's notes. Before the edits each store
  syncs once with nothing to do: that first run_sync after a pull also runs the daily
  integrity check (sync/integrity.py), shown without a target.
- 10,000 offline changes (customers' notes) on store 2, one run_sync (push in batches of
  client.PUSH_ROWS, then the pull of the same rows), target < 10 s.
  Baseline of both: the same UPDATEs (same values) sent with psycopg executemany
  (pipelined) in one transaction as the same login, including the connection.
--profile adds a pull under cProfile into a scratch store and prints where its time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import benchlib

TARGET_ROWS_PER_S = 20_000
TARGET_RSS_MB = 300
TARGET_INCREMENTAL_S = 1.0
TARGET_PUSH_S = 10.0
INCREMENTAL_CHANGES = 100
OFFLINE_CHANGES = 10_000
PASSWORD = "benchmark-Sync-2026"
LOGINS = ("bench_office", "bench_office2")
COMPLETE = "central-complete.json"
PAGE = 2000  # rows per SQLite transaction in the baseline (client.PULL_PAGE)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def login_url(url: str, login: str) -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(url, user=login, password=PASSWORD)


# -- the cached central database ------------------------------------------------------

def builtins_fixed(source: Path) -> bool:
    """Whether the shipped list entries of the store in ``source`` have the keys the
    central database gives them (stores made before keys were fixed have others)."""
    from salesdesk.domain.ids import builtin_id
    from salesdesk.store.seeds import BUILTIN_LISTS

    conn = sqlite3.connect(f"{(source / 'salesdesk.sqlite3').as_uri()}?mode=ro", uri=True)
    try:
        return all(row_id == builtin_id(table, code).hex
                   for table, codes in BUILTIN_LISTS.items()
                   for row_id, code in conn.execute(f"SELECT id, code FROM {table} WHERE "
                                                    f"name = ''")
                   if code in codes)
    finally:
        conn.close()


def demo_source(data_dir: Path, customers: int) -> Path:
    """A finished `salesdesk demo` of ``customers``: the other benchmarks' cached store if
    it is there and current, else one built in data_dir/demo (kept for a rebuild)."""
    shared = benchlib.store_dir(argparse.Namespace(data_dir=None, customers=customers))
    if benchlib.is_complete(shared, customers) and builtins_fixed(shared):
        return shared
    own = data_dir / "demo"
    if own.exists() and not builtins_fixed(own):
        shutil.rmtree(own)
    return benchlib.ensure_demo_store(own, customers)


def load_central(url: str, source: Path) -> dict[str, int]:
    """Copy the synced tables of the store in ``source`` into the central database, in one
    transaction (foreign keys are deferred to its commit), parents first. Rows init_central
    made already (the shipped list entries, same keys) are left out."""
    import psycopg

    from salesdesk.store.outbox import synced_columns
    from salesdesk.sync.codec import codec

    local = sqlite3.connect(f"{(source / 'salesdesk.sqlite3').as_uri()}?mode=ro", uri=True)
    counts: dict[str, int] = {}
    with psycopg.connect(url) as central, central.transaction():
        cursor = central.cursor()
        for table in synced_columns():
            coder = codec(table)
            columns = coder.columns
            names = ", ".join(quote(c) for c in columns)
            load = coder.load
            present = {r[0].hex for r in cursor.execute(f"SELECT id FROM {quote(table)}")}
            at = columns.index("id")
            started = time.perf_counter()
            n = 0
            with cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in local.execute(f"SELECT {names} FROM {quote(table)}"):
                    if row[at] in present:
                        continue
                    copy.write_row([load(c, v) for c, v in zip(columns, row, strict=True)])
                    n += 1
            counts[table] = n + len(present)
            print(f"  {table:<26} {n:>9,} rows  {time.perf_counter() - started:6.1f} s",
                  flush=True)
        print("  committing (deferred foreign-key checks) ...", flush=True)
    local.close()
    with psycopg.connect(url, autocommit=True) as central:
        central.execute("VACUUM ANALYZE")
    return counts


def ensure_central(data_dir: Path, customers: int):
    """The running embedded server with the filled central database: (url, server)."""
    import psycopg
    from psycopg import sql

    from salesdesk.store.engine import HEAD_REVISION
    from salesdesk.sync.central import add_user, init_central
    from salesdesk.sync.pgserver import DATABASE, serve

    data_dir.mkdir(parents=True, exist_ok=True)
    marker = data_dir / COMPLETE
    url, server = serve(data_dir / "pgdata")
    wanted = {"customers": customers, "demo": benchlib.DEMO_VERSION}
    done = json.loads(marker.read_text()) if marker.exists() else {}
    if {k: done.get(k) for k in wanted} != wanted:
        marker.unlink(missing_ok=True)
        with psycopg.connect(server.get_uri(), autocommit=True) as conn:  # start afresh
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(DATABASE)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        source = demo_source(data_dir, customers)
        started = time.perf_counter()
        init_central(url)
        print(f"loading {source} into the central database ...", flush=True)
        counts = load_central(url, source)
        seconds = time.perf_counter() - started
        print(f"central database filled in {seconds:.1f} s", flush=True)
        marker.write_text(json.dumps(wanted | {"load_seconds": round(seconds, 1),
                                               "schema": HEAD_REVISION, "rows": counts}))
    result = init_central(url)  # a newer local schema: the central follows (idempotent)
    if not result.nothing_to_do:
        print(f"central schema updated: {', '.join(result.changes)}", flush=True)
    for login in LOGINS:
        add_user(url, login, PASSWORD, "office")
    return url, server


def central_counts(url: str) -> dict[str, int]:
    import psycopg

    from salesdesk.store.outbox import synced_columns

    with psycopg.connect(url, autocommit=True) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {quote(t)}").fetchone()[0]
                for t in synced_columns()}


def local_counts(store_dir: Path) -> dict[str, int]:
    from salesdesk.store.engine import DB_NAME
    from salesdesk.store.outbox import synced_columns

    conn = sqlite3.connect(store_dir / DB_NAME)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {quote(t)}").fetchone()[0]
                for t in synced_columns()}
    finally:
        conn.close()


def different_rows(store_dir: Path, other_dir: Path) -> dict[str, int]:
    """Per synced table: rows (all pulled columns and version, with their SQLite types)
    of the first store that the second does not hold."""
    from salesdesk.store.engine import DB_NAME
    from salesdesk.sync.codec import codec

    conn = sqlite3.connect(store_dir / DB_NAME)
    conn.execute("ATTACH DATABASE ? AS other", (str(other_dir / DB_NAME),))
    try:
        found = {}
        for table in local_counts(store_dir):
            names = ", ".join(quote(c) for c in [*codec(table).columns, "version"])
            types = ", ".join(f"typeof({quote(c)})" for c in codec(table).columns)
            n = conn.execute(f"SELECT count(*) FROM (SELECT {names}, {types} FROM main."
                             f"{quote(table)} EXCEPT SELECT {names}, {types} FROM other."
                             f"{quote(table)})").fetchone()[0]
            if n:
                found[table] = n
        return found
    finally:
        conn.close()


def empty_store(path: Path, login: str) -> Path:
    from salesdesk.store.engine import open_store

    shutil.rmtree(path, ignore_errors=True)
    open_store(path, user=login).close()  # creates the schema (migrations) here, not in the child
    return path


# -- child processes (peak RSS is their own) ------------------------------------------

def child_pull(store_dir: Path, url: str, progress: bool, profile: Path | None) -> dict:
    import resource

    from salesdesk.store.engine import open_store
    from salesdesk.sync import client
    from salesdesk.sync.session import connect

    store = open_store(store_dir)
    report = (lambda rows: print(f"rows {rows}", flush=True)) if progress else None
    profiler = cProfile.Profile() if profile else None
    with connect(url) as central:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = client.pull(store, central, progress=report)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
    store.close()
    if profiler:
        profiler.dump_stats(profile)
    return {"rows": result.rows, "pages": result.pages, "seconds": seconds,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def stored_form(table: str, column: str) -> str:
    """A SELECT expression giving ``column`` as the local store keeps it (the text of it:
    SQLite's column affinity makes numbers of digits), so no value is converted in
    Python: hex ids, money in ten-thousandths, ISO times in UTC, 0/1."""
    from sqlalchemy import Boolean, Date, Uuid

    from salesdesk.domain.money import STORAGE_PLACES
    from salesdesk.store.base import Base
    from salesdesk.store.types import Money, UTCDateTime

    kind = Base.metadata.tables[table].columns[column].type
    name = quote(column)
    if isinstance(kind, Money):
        return f"({name} * {10 ** STORAGE_PLACES})::bigint"
    if isinstance(kind, UTCDateTime):  # types.stored_time
        return f"""to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""
    if isinstance(kind, Uuid):
        return f"replace({name}::text, '-', '')"
    if isinstance(kind, Boolean):
        return f"{name}::int"
    if isinstance(kind, Date):
        return f"to_char({name}, 'YYYY-MM-DD')"
    return name


def child_baseline(store_dir: Path, url: str) -> dict:
    """COPY out of PostgreSQL, executemany into SQLite: the same rows, no conversion in
    Python (PostgreSQL writes them in the stored form)."""
    import resource

    import psycopg
    from sqlalchemy import Double

    from salesdesk.store.base import Base
    from salesdesk.store.engine import connect
    from salesdesk.store.outbox import synced_columns
    from salesdesk.sync.codec import codec

    local = connect(store_dir / "salesdesk.sqlite3")
    local.execute("PRAGMA foreign_keys=OFF")  # as client.local_connection
    rows = 0
    with psycopg.connect(url) as central:
        started = time.perf_counter()
        with central.transaction():
            central.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor = central.cursor()
            for table in synced_columns():
                columns = [*codec(table).columns, "version"]
                names = ", ".join(quote(c) for c in columns)
                assign = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in columns
                                   if c != "id")
                insert = (f"INSERT INTO {quote(table)} ({names}) VALUES "  # as the pull's
                          f"({', '.join('?' * len(columns))}) ON CONFLICT (id) DO UPDATE "
                          f"SET {assign}")

                def flush(batch: list, insert: str = insert) -> None:
                    local.execute("BEGIN IMMEDIATE")
                    local.execute("INSERT INTO sync_apply_guard (id) VALUES (1)")
                    local.executemany(insert, batch)
                    local.execute("DELETE FROM sync_apply_guard")
                    local.execute("COMMIT")

                # SQLite's own text → REAL conversion may be an ulp off: floats as floats
                doubles = [n for n, c in enumerate(columns[:-1])
                           if isinstance(Base.metadata.tables[table].columns[c].type, Double)]
                batch: list = []
                select = ", ".join([*(stored_form(table, c) for c in columns[:-1]),
                                    "version"])
                with cursor.copy(f"COPY (SELECT {select} FROM {quote(table)}) TO STDOUT"
                                 ) as copy:
                    for row in copy.rows():
                        if doubles:
                            row = list(row)
                            for n in doubles:
                                row[n] = None if row[n] is None else float(row[n])
                        batch.append(row)
                        if len(batch) == PAGE:
                            flush(batch)
                            rows += len(batch)
                            batch = []
                if batch:
                    flush(batch)
                    rows += len(batch)
        seconds = time.perf_counter() - started
    local.close()
    return {"rows": rows, "seconds": seconds,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_child(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"child {args[:2]} failed (exit {done.returncode}):\n"
                         f"{done.stdout[-2000:]}{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def killed_and_resumed(store_dir: Path, url: str, total: int, kill_after: float) -> dict:
    """Pull, SIGKILL after ``kill_after`` s (or once half the rows are in), pull again."""
    child = subprocess.Popen([sys.executable, __file__, "--child", "pull", "--store",
                              str(store_dir), "--url", url, "--progress"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = time.perf_counter()
    applied = 0
    killed = False
    for line in child.stdout:  # a line per committed page
        if line.startswith("rows "):
            applied = int(line.split()[1])
        if time.perf_counter() - started >= kill_after or applied >= total // 2:
            os.kill(child.pid, signal.SIGKILL)
            killed = True
            break
    child.stdout.close()
    child.wait()
    child.stderr.close()
    first = time.perf_counter() - started
    again = run_child("--child", "pull", "--store", str(store_dir), "--url", url)
    return {"killed": killed, "after_s": first, "applied": applied, "again": again}


# -- incremental sync -------------------------------------------------------------------

def edit_notes(store, numbers: list[str], text: str) -> dict[str, str]:
    """Set the notes of the customers ``numbers`` through the ORM (outbox triggers, audit,
    search index, as an edit in the app); the stored id → the new notes."""
    from sqlalchemy import select

    from salesdesk.store.models import Customer

    values = {}
    with store.session() as session:
        for start in range(0, len(numbers), 500):
            chunk = numbers[start : start + 500]
            for customer in session.scalars(select(Customer).where(Customer.number.in_(chunk))):
                customer.notes = f"{text} {customer.number}"
                values[customer.id.hex] = customer.notes
        session.commit()
    return values


def timed_sync(store, url: str) -> tuple[float, float, object]:
    """One run_sync: (seconds in all, seconds until the last push batch, its report)."""
    from salesdesk.sync.session import run_sync

    started = time.perf_counter()
    pushed_at = [started]

    def progress(stage: str, _count: int) -> None:
        if stage == "push":
            pushed_at[0] = time.perf_counter()

    report = run_sync(store, url, progress=progress)
    return time.perf_counter() - started, pushed_at[0] - started, report


def raw_updates(url: str, values: dict[str, str]) -> float:
    """Seconds to connect and send the same UPDATEs with executemany in one transaction."""
    import uuid

    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.transaction():
        conn.cursor().executemany("UPDATE customer SET notes = %s WHERE id = %s",
                                  [(notes, uuid.UUID(key)) for key, notes in values.items()])
    return time.perf_counter() - started


def outbox_size(store) -> int:
    with sqlite3.connect(store.path) as conn:
        return conn.execute("SELECT count(*) FROM sync_outbox").fetchone()[0]


def notes_of(store, ids: list[str]) -> dict[str, str]:
    conn = sqlite3.connect(store.path)
    try:
        found = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            found.update(conn.execute(
                f"SELECT id, notes FROM customer WHERE id IN ({', '.join('?' * len(chunk))})",
                chunk).fetchall())
        return found
    finally:
        conn.close()


# -- profile ----------------------------------------------------------------------------

def print_profile(path: Path, lines: int = 30) -> None:
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.sort_stats("tottime").print_stats(lines)
    stats.sort_stats("cumulative").print_stats(lines)
    print(out.getvalue())


# -- main -------------------------------------------------------------------------------

def main() -> int:
    parser = benchlib.parser(__doc__.splitlines()[0])
    parser.add_argument("--kill-after", type=float, default=5.0,
                        help="seconds before the resumability pull is killed")
    parser.add_argument("--profile", action="store_true",
                        help="also pull under cProfile and print where the time goes")
    parser.add_argument("--child", choices=("pull", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--progress", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "pull":
        print(json.dumps(child_pull(args.store, args.url, args.progress, args.profile_to)))
        return 0
    if args.child == "baseline":
        print(json.dumps(child_baseline(args.store, args.url)))
        return 0

    from salesdesk.sync.pgserver import stop

    data_dir = (args.data_dir or benchlib.OUT / f"central-{args.customers}").resolve()
    started = time.perf_counter()
    url, server = ensure_central(data_dir, args.customers)
    print(f"central database ready in {time.perf_counter() - started:.1f} s: {url}",
          flush=True)
    try:
        return measure(args, data_dir, url)
    finally:
        stop(server)


def measure(args: argparse.Namespace, data_dir: Path, url: str) -> int:
    from salesdesk.store.engine import open_store

    failed = 0
    counts = central_counts(url)
    total = sum(counts.values())
    print(f"\ncentral rows per synced table ({total:,} in all):")
    for table, n in counts.items():
        print(f"  {table:<26} {n:>9,}")
    run = data_dir / "run"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir()
    office_url, second_url = (login_url(url, login) for login in LOGINS)

    # initial sync, and its baseline
    print("\ninitial sync into an empty store (child process) ...", flush=True)
    first = empty_store(run / "office", LOGINS[0])
    pull = run_child("--child", "pull", "--store", str(first), "--url", office_url)
    rate = pull["rows"] / pull["seconds"]
    size_mb = (first / "salesdesk.sqlite3").stat().st_size / 1e6
    print(f"  {pull['rows']:,} rows in {pull['pages']:,} pages, {pull['seconds']:.1f} s: "
          f"{rate:,.0f} rows/s; peak RSS {pull['rss_mb']:.0f} MB; store {size_mb:,.0f} MB")
    with sqlite3.connect(first / "salesdesk.sqlite3") as conn:  # not a target: a remark
        indexed = conn.execute("SELECT count(*) FROM customer_fts").fetchone()[0]
    print(f"  customer search index after the pull: {indexed:,} of {counts['customer']:,} "
          f"customers")
    wrong = {t: (n, counts[t]) for t, n in local_counts(first).items() if n != counts[t]}
    if wrong or pull["rows"] != total:
        print(f"  WRONG: the pull served {pull['rows']:,} rows for {total:,} central rows "
              f"(more: some twice); tables whose (local, central) counts differ: {wrong}")
        failed = 1
    print("baseline: COPY out + executemany into an empty store (child process) ...",
          flush=True)
    raw_store = empty_store(run / "baseline", LOGINS[0])
    raw = run_child("--child", "baseline", "--store", str(raw_store), "--url", office_url)
    raw_rate = raw["rows"] / raw["seconds"]
    print(f"  {raw['rows']:,} rows, {raw['seconds']:.1f} s: {raw_rate:,.0f} rows/s; "
          f"peak RSS {raw['rss_mb']:.0f} MB")
    differ = different_rows(first, raw_store)
    print("  the baseline's store holds the same rows as the pulled one: " + (
        "yes" if not differ else f"NO, rows only in the pulled store per table: {differ}"))
    shutil.rmtree(raw_store, ignore_errors=True)

    # resumability: kill a pull, pull again, compare the counts
    print(f"\nresumability: pull as {LOGINS[1]}, SIGKILL after {args.kill_after:g} s, "
          f"pull again ...", flush=True)
    second = empty_store(run / "second", LOGINS[1])
    resume = killed_and_resumed(second, second_url, total, args.kill_after)
    wrong = {t: (n, counts[t]) for t, n in local_counts(second).items() if n != counts[t]}
    again = resume["again"]
    print(f"  {'killed' if resume['killed'] else 'NOT killed (finished first)'} after "
          f"{resume['after_s']:.1f} s with {resume['applied']:,} rows committed; the next "
          f"pull brought {again['rows']:,} rows in {again['seconds']:.1f} s; per-table "
          f"counts {'equal the central ones' if not wrong else f'DIFFER: {wrong}'}")
    if wrong or not resume["killed"] or again["rows"] >= total:
        failed = 1

    # incremental sync on the pair
    print("\nincremental sync ...", flush=True)
    one, two = open_store(first, user=LOGINS[0]), open_store(second, user=LOGINS[1])
    # the first run_sync after a pull also runs the daily integrity check (sync/integrity.py)
    idle = [timed_sync(store, u) for store, u in ((one, office_url), (two, second_url))]
    print(f"  first run_sync after the initial pull, nothing to push or pull: "
          f"{idle[0][0]:.2f} s / {idle[1][0]:.2f} s (integrity check run: "
          f"{'yes' if getattr(idle[0][2], 'verified', False) else 'no'}; tables "
          f"repaired: {getattr(idle[0][2], 'repaired', None) or 'none'})")
    numbers = [r[0] for r in one.reader().execute("SELECT number FROM customer ORDER BY number")]
    rng = random.Random(5)
    picked = rng.sample(numbers, 2 * INCREMENTAL_CHANGES)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    mine = edit_notes(one, picked[:INCREMENTAL_CHANGES], f"bench {stamp} from 1")
    theirs = edit_notes(two, picked[INCREMENTAL_CHANGES:], f"bench {stamp} from 2")
    queued = (outbox_size(one), outbox_size(two))
    inc_one, _, rep_one = timed_sync(one, office_url)
    inc_two, _, rep_two = timed_sync(two, second_url)
    print(f"  outbox {queued[0]} / {queued[1]} rows; store 1: pushed {rep_one.pushed}, "
          f"pulled {rep_one.pulled} in {inc_one:.2f} s; store 2: pushed {rep_two.pushed}, "
          f"pulled {rep_two.pulled} in {inc_two:.2f} s")
    back, _, rep_back = timed_sync(one, office_url)
    arrived = notes_of(one, list(theirs)) == theirs and notes_of(two, list(mine)) == mine
    print(f"  store 1 again: pulled {rep_back.pulled} in {back:.2f} s; both stores hold "
          f"both sides' notes: {'yes' if arrived else 'NO'}")
    conflicts = sum(r.conflicts + r.parked for r in (rep_one, rep_two, rep_back))
    if not arrived or conflicts:
        print(f"  WRONG: {conflicts} conflicts or parked rows")
        failed = 1
    raw_inc = raw_updates(office_url, mine)

    # 10,000 offline changes
    count = min(OFFLINE_CHANGES, len(numbers))
    print(f"\npush of {count:,} offline changes ...", flush=True)
    offline = edit_notes(two, rng.sample(numbers, count), f"bench {stamp} offline")
    queued = outbox_size(two)
    push_s, push_part, rep_push = timed_sync(two, second_url)
    print(f"  outbox {queued:,} rows; run_sync: pushed {rep_push.pushed:,} in "
          f"{rep_push.batches} batches ({push_part:.1f} s), pulled {rep_push.pulled:,}, "
          f"{push_s:.1f} s in all; conflicts {rep_push.conflicts}, parked {rep_push.parked}")
    if rep_push.pushed != count or rep_push.conflicts or rep_push.parked or outbox_size(two):
        failed = 1
    recv_s, _, rep_recv = timed_sync(one, office_url)
    print(f"  store 1 receives them: pulled {rep_recv.pulled:,} in {recv_s:.1f} s")
    if notes_of(one, list(offline)) != offline:
        print("  WRONG: store 1 does not hold the pushed notes")
        failed = 1
    raw_push = raw_updates(second_url, offline)
    print(f"  baseline: the same {count:,} UPDATEs, executemany: {raw_push:.2f} s")
    one.close()
    two.close()

    if args.profile:
        print("\nprofile of a pull (cProfile; slower than unprofiled) ...", flush=True)
        scratch = empty_store(run / "profiled", LOGINS[0])
        stats_path = run.parent / "pull.prof"
        profiled = run_child("--child", "pull", "--store", str(scratch), "--url", office_url,
                             "--profile-to", str(stats_path))
        print(f"  {profiled['rows']:,} rows in {profiled['seconds']:.1f} s under the "
              f"profiler; stats in {stats_path}")
        print_profile(stats_path)
    shutil.rmtree(run, ignore_errors=True)

    print(f"\ninitial sync: {rate:,.0f} rows/s (target >= {TARGET_ROWS_PER_S:,}/s), "
          f"baseline {raw_rate:,.0f} rows/s; {total:,} rows")
    # rates: higher is better, so the table's "value" is the time per row
    rows = [
        benchlib.Row(f"initial sync, {total:,} rows (µs per row)", 1e6 / rate, "µs",
                     target=1e6 / TARGET_ROWS_PER_S, baseline=1e6 / raw_rate),
        benchlib.Row("initial sync: peak RSS of the pulling process", pull["rss_mb"], "MB",
                     target=TARGET_RSS_MB, baseline=raw["rss_mb"]),
        benchlib.Row("rest of the pull after SIGKILL (µs per row)",
                     1e6 * again["seconds"] / max(1, again["rows"]), "µs",
                     baseline=1e6 / raw_rate),
        benchlib.Row("first run_sync after the initial pull (daily integrity check)",
                     idle[0][0], "s"),
        benchlib.Row(f"incremental: {INCREMENTAL_CHANGES} changes each way, store 1 "
                     f"(run_sync)", inc_one, "s", target=TARGET_INCREMENTAL_S,
                     baseline=raw_inc),
        benchlib.Row(f"incremental: {INCREMENTAL_CHANGES} changes each way, store 2 "
                     f"(run_sync)", inc_two, "s", target=TARGET_INCREMENTAL_S,
                     baseline=raw_inc),
        benchlib.Row(f"{count:,} offline changes: run_sync (push + pull)", push_s, "s",
                     target=TARGET_PUSH_S, baseline=raw_push),
        benchlib.Row(f"{count:,} offline changes: of which the push", push_part, "s",
                     baseline=raw_push),
        benchlib.Row(f"the other store pulls those {count:,} (run_sync)", recv_s, "s"),
    ]
    code = benchlib.report(
        "Synchronisation", rows,
        "initial sync: COPY (SELECT …) TO STDOUT + sqlite3 executemany into the same "
        "schema (triggers kept, outbox silenced), 2,000 rows per transaction; incremental "
        "and push: connect + the same UPDATEs by psycopg executemany in one transaction")
    if failed:
        print("\nFAILED: a correctness check above did not hold (see WRONG / NOT killed)")
    return code or failed


if __name__ == "__main__":
    sys.exit(main())
