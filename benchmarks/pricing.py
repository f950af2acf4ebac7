"""Price resolution over 1,000,000 condition records: lines per second.

    python benchmarks/pricing.py [--records 1000000] [--lines 20000] [--data-dir D]

The store (benchmarks/out/pricing-N, built once) holds 2,000 articles in 40 product
groups under 8 parents, 5,000 customers in 6 customer groups and 4 price groups, and
condition records: list prices, price-group prices with a quantity scale, customer
prices (about 150 articles per customer), customer × product-group discounts, customer-
group × product-group discounts, promotions and turnover bonuses — N in all.

Measured on one day, through services.pricing.price_line on the store's plain sqlite3
reader, after 2,000 other random lines have warmed it up as a running app would be:
- "price check": --lines random (customer, article, quantity), a new ConditionBook per
  line; books share what earlier ones read while the store is unchanged (customers,
  articles, records by key), so a line reads only the records new to it;
- for comparison, a quarter of those lines again with nothing shared between lines;
- "condition sheet": 500 articles each for --lines/1000 customers, one book per customer,
  starting from nothing read (as the first sheet after start-up).
Target: at least 10,000 resolutions per second. Baseline in the same run: one indexed
lookup of a condition record per line (the cheapest possible "price").
"""

import random
import shutil
import sys
import time
from datetime import date
from decimal import Decimal

import benchlib

from salesdesk.domain.ids import new_id
from salesdesk.services import pricing
from salesdesk.services.pricing import ConditionBook, price_line
from salesdesk.store.engine import open_store
from salesdesk.store.models import (
    Article,
    ConditionRecord,
    Customer,
    CustomerGroup,
    PriceGroup,
    ProductGroup,
)
from salesdesk.store.types import utcnow

TARGET_PER_S = 10_000
ARTICLES, CUSTOMERS, GROUPS, PARENTS = 2_000, 5_000, 40, 8
DAY = date(2026, 6, 1)
COMPLETE = "pricing-store-complete"
SHEET_ARTICLES = 500


def _meta() -> dict:
    now = utcnow()
    return {"id": new_id(), "version": 0, "created_at": now, "updated_at": now,
            "updated_by": "benchmark", "deleted_at": None}


def build(data_dir, records: int, rng: random.Random) -> None:
    store = open_store(data_dir, user="benchmark")
    with store.session() as session:
        conn = session.connection()
        parents = [_meta() | {"code": f"P{n}", "name": f"Parent {n}", "parent_id": None,
                              "sort_order": n} for n in range(PARENTS)]
        groups = [_meta() | {"code": f"G{n}", "name": f"Group {n}",
                             "parent_id": parents[n % PARENTS]["id"], "sort_order": n}
                  for n in range(GROUPS)]
        conn.execute(ProductGroup.__table__.insert(), parents + groups)
        articles = [_meta() | {"number": f"A-{n:05d}", "name": f"Article {n}", "names": "",
                               "product_group_id": groups[n % GROUPS]["id"], "unit": "pcs",
                               "pack_size": 1, "season": "", "ean": "", "active": True}
                    for n in range(ARTICLES)]
        conn.execute(Article.__table__.insert(), articles)
        cgroups = [_meta() | {"code": f"CG{n}", "name": f"Customer group {n}"}
                   for n in range(6)]
        pgroups = [_meta() | {"code": f"PG{n}", "name": f"Price group {n}"} for n in range(4)]
        conn.execute(CustomerGroup.__table__.insert(), cgroups)
        conn.execute(PriceGroup.__table__.insert(), pgroups)
        customers = [{"id": new_id(), "number": f"K-{n + 1:06d}", "name": f"Customer {n}",
                      "customer_group_id": cgroups[n % 6]["id"],
                      "price_group_id": pgroups[n % 4]["id"]} for n in range(CUSTOMERS)]
        conn.execute(Customer.__table__.insert(), customers)
        rows = []

        def add(type_code, kind, key1, key2, *scales):
            rows.append(_meta() | {
                "type_code": type_code, "key_kind": kind, "key1": key1.hex, "key2":
                key2.hex if key2 else "", "valid_from": date(2026, 1, 1), "valid_to": None,
                "released": True, "currency": "EUR", "price_list_id": None, "note": "",
                "scales": "[" + ", ".join(f'["{t}", "{v}"]' for t, v in scales) + "]"})

        for a in articles:
            add("PRICE", "article", a["id"], None, (0, "12.50"))
            add("PROMOTION", "article", a["id"], None, (0, "-3"))
            for g in pgroups:
                add("PRICE", "price_group_article", g["id"], a["id"], (0, "11.90"),
                    (100, "11.20"))
        for g in groups:
            for c in cgroups:
                add("CUSTOMER_GROUP_DISCOUNT", "customer_group_product_group", c["id"],
                    g["id"], (0, "-5"))
        per_customer = max(1, (records - len(rows)) // CUSTOMERS)
        for c in customers:
            add("TURNOVER_BONUS", "customer", c["id"], None, (0, "0"), (50000, "-1"))
            for g in rng.sample(groups, 20):
                add("GROUP_DISCOUNT", "customer_product_group", c["id"], g["id"], (0, "-10"))
            for a in rng.sample(articles, min(len(articles), max(0, per_customer - 21))):
                add("PRICE", "customer_article", c["id"], a["id"], (0, "10.00"))
            if len(rows) > 50_000:
                conn.execute(ConditionRecord.__table__.insert(), rows)
                rows.clear()
        if rows:
            conn.execute(ConditionRecord.__table__.insert(), rows)
        session.commit()
    store.close()
    (data_dir / COMPLETE).write_text(f"{records}\n")


def main() -> int:
    parser = benchlib.parser(__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=20_000)
    args = parser.parse_args()
    data_dir = (args.data_dir or benchlib.OUT / f"pricing-{args.records}").resolve()
    rng = random.Random(7)
    if not (data_dir / COMPLETE).exists():
        shutil.rmtree(data_dir, ignore_errors=True)
        print(f"building {data_dir} with about {args.records:,} condition records ...",
              flush=True)
        started = time.perf_counter()
        build(data_dir, args.records, rng)
        print(f"built in {time.perf_counter() - started:.1f} s", flush=True)
    store = open_store(data_dir, user="benchmark")
    reader = store.reader()
    total = reader.execute("SELECT count(*) FROM condition_record").fetchone()[0]
    customers = [r[0] for r in reader.execute("SELECT number FROM customer")]
    articles = [r[0] for r in reader.execute("SELECT number FROM article")]
    def random_lines(source: random.Random, count: int) -> list:
        return [(source.choice(customers), source.choice(articles),
                 Decimal(source.randint(1, 150))) for _ in range(count)]

    warm = random.Random(11)
    for customer, article, qty in random_lines(warm, 2000):  # as a running app has
        price_line(reader, customer, article, qty, DAY)  # (page cache, articles, groups)
    lines = random_lines(rng, args.lines)  # other lines than the warm-up's
    started = time.perf_counter()
    for customer, article, qty in lines:
        price_line(reader, customer, article, qty, DAY)
    check_rate = len(lines) / (time.perf_counter() - started)

    cold = lines[: len(lines) // 4]  # for comparison: nothing shared between lines
    started = time.perf_counter()
    for customer, article, qty in cold:
        pricing._SHARED.clear()
        price_line(reader, customer, article, qty, DAY)
    cold_rate = len(cold) / (time.perf_counter() - started)

    # sheets: SHEET_ARTICLES articles for each of a few customers, one book per customer,
    # starting with nothing read (as the first sheet after start-up)
    sheet_customers = rng.sample(customers, max(1, args.lines // SHEET_ARTICLES // 2))
    sheets = [(customer, rng.sample(articles, SHEET_ARTICLES)) for customer in sheet_customers]
    pricing._SHARED.clear()
    started = time.perf_counter()
    for customer, items in sheets:
        book = ConditionBook(reader)
        for article in items:
            price_line(reader, customer, article, Decimal(1), DAY, book=book)
    sheet_lines = sum(len(items) for _, items in sheets)
    sheet_rate = sheet_lines / (time.perf_counter() - started)

    keys = [r for r in reader.execute(
        "SELECT type_code, key_kind, key1, key2 FROM condition_record ORDER BY random() "
        "LIMIT ?", (args.lines,))]
    started = time.perf_counter()
    for key in keys:
        reader.execute("SELECT id, scales FROM condition_record WHERE type_code = ? AND "
                       "key_kind = ? AND key1 = ? AND key2 = ?", key).fetchall()
    baseline = len(keys) / (time.perf_counter() - started)
    store.close()
    print(f"\n{total:,} condition records, {len(lines):,} price checks, {len(sheets)} sheets "
          f"of {SHEET_ARTICLES} lines, {DAY}")
    # rates: higher is better, so the table's "value" is the time per resolution
    rows = [
        benchlib.Row("price check, one line (µs per line)", 1e6 / check_rate, "µs",
                     target=1e6 / TARGET_PER_S, baseline=1e6 / baseline),
        benchlib.Row("for comparison: price check reading everything afresh (µs per line)",
                     1e6 / cold_rate, "µs", baseline=1e6 / baseline),
        benchlib.Row("condition sheet, one book per customer (µs per line)",
                     1e6 / sheet_rate, "µs", target=1e6 / TARGET_PER_S,
                     baseline=1e6 / baseline),
    ]
    print(f"price check: {check_rate:,.0f} lines/s (reading everything afresh: "
          f"{cold_rate:,.0f}/s); condition sheet: {sheet_rate:,.0f} "
          f"lines/s; one indexed lookup: {baseline:,.0f}/s (target >= {TARGET_PER_S:,}/s)")
    return benchlib.report("Price resolution", rows,
                           "one indexed lookup of a condition record per line")


if __name__ == "__main__":
    sys.exit(main())
