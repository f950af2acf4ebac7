"""Search-as-you-type over the customer list: one list page + count per keystroke.

    python benchmarks/search.py [--customers N] [--data-dir D] [--words 200] [--seed 7]

About 200 random words are taken from the store (customer names, cities, postal codes,
contact surnames) and typed key by key, lower case, the way people type into a search box:
"müller" → m, mü, mül, …; without an umlaut key also "muller" and "mueller". Each
keystroke runs list_customers(session, CustomerFilter(search=prefix), limit=200) and
count_customers(...), as the customer list does. Target: p95 < 30 ms.
Baseline: a plain indexed `SELECT id, number, name FROM customer WHERE name LIKE 'Prefix%'
LIMIT 200` (case-sensitive LIKE, so SQLite uses the name index) for the same keystrokes.
"""

import random
import sqlite3
import sys
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import benchlib
from sqlalchemy import text

from salesdesk.services import customer_list
from salesdesk.services.customer_list import CustomerFilter, count_customers, list_customers
from salesdesk.store.engine import open_store
from salesdesk.store.search import match_expression

TARGET_MS = 30.0
GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# (kind, SQL giving one word per row, share of the sample)
SOURCES = [
    ("name", "SELECT name FROM customer WHERE deleted_at IS NULL", 0.3),
    ("city", "SELECT main_city FROM customer WHERE deleted_at IS NULL", 0.25),
    ("postal code", "SELECT main_postal_code FROM customer WHERE deleted_at IS NULL", 0.2),
    ("contact", "SELECT last_name FROM contact_person WHERE deleted_at IS NULL", 0.25),
]


@dataclass(frozen=True)
class Keystroke:
    kind: str
    word: str  # as stored, for the baseline
    typed: str  # what is in the search box after this key


def plain(word: str) -> str:
    """Without diacritics: what people type without an umlaut or accent key."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def sample_words(conn: sqlite3.Connection, count: int, rng: random.Random) -> list[tuple]:
    words = []
    for kind, sql, share in SOURCES:
        values = sorted({row[0].split()[0] for row in conn.execute(sql) if row[0].strip()})
        words += [(kind, w) for w in rng.sample(values, min(len(values), round(count * share)))]
    return words


def keystrokes(words: list[tuple]) -> list[Keystroke]:
    typed = []
    for kind, word in words:
        lower = word.lower()
        for spelling in dict.fromkeys((lower, plain(lower), lower.translate(GERMAN))):
            typed += [Keystroke(kind, word, spelling[:n]) for n in range(1, len(spelling) + 1)]
    return typed


def app_search(session, typed: str) -> tuple[float, int]:
    """Milliseconds for one keystroke: the first page and the count."""
    flt = CustomerFilter(search=typed)
    started = time.perf_counter()
    list_customers(session, flt, limit=200)
    total = count_customers(session, flt)
    return (time.perf_counter() - started) * 1000, total


def baseline_search(conn: sqlite3.Connection, stroke: Keystroke) -> float:
    prefix = stroke.word[: len(stroke.typed)]
    started = time.perf_counter()
    conn.execute("SELECT id, number, name FROM customer WHERE name LIKE ? LIMIT 200",
                 (prefix.replace("%", "").replace("_", "") + "%",)).fetchall()
    return (time.perf_counter() - started) * 1000


def summary(values: list[float]) -> str:
    return (f"p50 {benchlib.median(values):6.1f}  p95 {benchlib.percentile(values, 0.95):6.1f}  "
            f"max {max(values):6.1f} ms  (n={len(values)})")


def shape(session, typed: str, total: int) -> str:
    """Which query shape customer_list picks for this search (see BROAD_SHARE there)."""
    hits = customer_list.search_hits(session, match_expression(typed))
    return "broad" if hits > customer_list.BROAD_SHARE * total else "narrow"


def breakdown(strokes: list[Keystroke], times: list[float], shapes: list[str]) -> None:
    groups = defaultdict(list)
    for stroke, ms, kind in zip(strokes, times, shapes, strict=True):
        groups[f"kind {stroke.kind}"].append(ms)
        groups[f"shape {kind}"].append(ms)
        groups[f"{min(len(stroke.typed), 4)}{'+' if len(stroke.typed) >= 4 else ''} "
               "characters typed"].append(ms)
    print("\nper group:")
    for name in sorted(groups):
        print(f"  {name:22} {summary(groups[name])}")


def explain(store, typed: str) -> None:
    """EXPLAIN QUERY PLAN of the statements one keystroke runs (traced on the reader)."""
    conn = store.reader()
    statements: list[str] = []
    conn.set_trace_callback(statements.append)  # SQL with the parameters filled in
    try:
        app_search(conn, typed)
    finally:
        conn.set_trace_callback(None)
    for statement in statements:
        if not statement.lstrip().startswith("SELECT") or "'main'." in statement:
            continue  # FTS5's own bookkeeping statements
        print(f"\n-- {' '.join(statement.split())[:400]}")
        for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}"):
            print(f"   {row[-1]}")


def main() -> int:
    parser = benchlib.parser(__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--broad-share", type=float,
                        help="try another customer_list.BROAD_SHARE (default: the app's)")
    args = parser.parse_args()
    if args.broad_share is not None:
        customer_list.BROAD_SHARE = args.broad_share
    data_dir = benchlib.ensure_store(args)
    raw = sqlite3.connect(f"{(data_dir / 'salesdesk.sqlite3').as_uri()}?mode=ro", uri=True)
    raw.execute("PRAGMA case_sensitive_like = ON")  # LIKE 'Ab%' may use the name index
    rng = random.Random(args.seed)
    strokes = keystrokes(sample_words(raw, args.words, rng))
    store = open_store(data_dir, user="benchmark")
    try:
        with store.session() as session:
            for stroke in strokes[:30]:  # warm the page cache, as a running app has it
                app_search(session, stroke.typed)
            measured = [app_search(session, stroke.typed) for stroke in strokes]
            total = session.execute(text("SELECT count(*) FROM customer")).scalar_one()
            shapes = [shape(session, stroke.typed, total) for stroke in strokes]
        times = [ms for ms, _ in measured]
        misses = sorted({s.typed for s, (_, n) in zip(strokes, measured, strict=True) if n == 0})
        for stroke in strokes[:30]:
            baseline_search(raw, stroke)
        base = [baseline_search(raw, stroke) for stroke in strokes]
        plan = raw.execute("EXPLAIN QUERY PLAN SELECT id, number, name FROM customer "
                           "WHERE name LIKE 'Mü%' LIMIT 200").fetchall()
        print(f"\n{len(strokes)} keystrokes from {args.words} words; app: {summary(times)}")
        print(f"baseline: {summary(base)}; plan: {plan[-1][-1]}")
        print(f"keystrokes that found nothing: {len(misses)} {misses[:12]}")
        breakdown(strokes, times, shapes)
        slowest = max(zip(times, strokes, strict=True), key=lambda pair: pair[0])[1]
        print(f"\nquery plans of the slowest keystroke {slowest.typed!r} ({slowest.kind}, "
              f"BROAD_SHARE {customer_list.BROAD_SHARE}):")
        explain(store, slowest.typed)
    finally:
        store.close()
        raw.close()
    rows = [
        benchlib.Row("keystroke p50 (page + count)", benchlib.median(times), "ms",
                     baseline=benchlib.median(base)),
        benchlib.Row("keystroke p95 (page + count)", benchlib.percentile(times, 0.95), "ms",
                     target=TARGET_MS, baseline=benchlib.percentile(base, 0.95)),
        benchlib.Row("keystroke max", max(times), "ms", baseline=max(base)),
    ]
    return benchlib.report(f"Search as you type over {total} customers", rows,
                           "indexed SELECT ... WHERE name LIKE 'Prefix%' LIMIT 200, same "
                           "keystrokes")


if __name__ == "__main__":
    sys.exit(main())
