"""Radius search: customers within 50 km of a city in the 100k-customer store.

    python benchmarks/radius.py [--customers N] [--data-dir D] [--radius-km 50] [--runs 30]
                                [--cities München Berlin Hamburg Wien Zürich]

Per city, what the radius view does before it can show the result: customers_near(reader,
lat, lon, R) (plain sqlite3 reader; the R*Tree pre-filter, covering indexes, exact WGS84
geodesic distances in one vectorised pyproj call) and the first page of 200 rows read;
repeated --runs times after 3 warm-up runs: median and p95. Also shown: the same with
every row read (what the command line and the export need).
Baseline in the same run: customers_near_bruteforce with every row read, which reads
every address and computes every distance with the same function; both answers must be
equal (same customers, order, distances, names, addresses). Target: median < 50 ms.
"""

import statistics
import sys
import time

import benchlib

from salesdesk.domain.geo import bounding_boxes
from salesdesk.services.geo import resolve_place
from salesdesk.services.radius import (
    _box_params,
    _candidates_sql,
    customers_near,
    customers_near_bruteforce,
)
from salesdesk.store.engine import open_store

TARGET_MS = 50.0
CITIES = ("München", "Berlin", "Hamburg", "Wien", "Zürich")


def first_page(reader, *centre):
    """The search as the view shows it: ranked, and the first page of rows read."""
    found = customers_near(reader, *centre)
    found[: found.PAGE]
    return found


def every_row(function, reader, *centre):
    return list(function(reader, *centre))


def timed(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)
    return (time.perf_counter() - started) * 1000, result


def main() -> int:
    parser = benchlib.parser(__doc__.splitlines()[0])
    parser.add_argument("--radius-km", type=float, default=50.0)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--baseline-runs", type=int, default=5)
    parser.add_argument("--cities", nargs="+", default=list(CITIES))
    args = parser.parse_args()
    data_dir = benchlib.ensure_store(args)
    store = open_store(data_dir, user="benchmark")  # upgrades an older cached store
    rows, failures = [], []
    try:
        reader = store.reader()
        total = reader.execute("SELECT count(*) FROM address_geo").fetchone()[0]
        sql = _candidates_sql(reader)
        print(f"\n{total} geocoded addresses in the index; radius {args.radius_km:g} km\n")
        print(
            f"{'city':10} {'found':>6} {'in box':>7} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'max ms':>8} {'brute ms':>9} {'ratio':>6}  equal"
        )
        for name in args.cities:
            place = resolve_place(reader, name)
            centre = (place.latitude, place.longitude, args.radius_km)
            boxes = bounding_boxes(*centre)
            in_box = sum(
                reader.execute(
                    "SELECT count(*) FROM address_geo WHERE max_lat >= ? AND min_lat <= ? "
                    "AND max_lon >= ? AND min_lon <= ?",
                    box,
                ).fetchone()[0]
                for box in boxes
            )
            for _ in range(3):  # warm the page cache, as a running app has it
                customers_near(reader, *centre)
            times, full = [], []
            for _ in range(args.runs):
                ms, found = timed(first_page, reader, *centre)
                times.append(ms)
            for _ in range(max(3, args.runs // 3)):
                ms, _rows = timed(every_row, customers_near, reader, *centre)
                full.append(ms)
            brute = []
            for _ in range(args.baseline_runs):
                ms, reference = timed(every_row, customers_near_bruteforce, reader, *centre)
                brute.append(ms)
            equal = list(found) == reference
            if not equal:
                failures.append(name)
            p50, p95 = benchlib.median(times), benchlib.percentile(times, 0.95)
            base = statistics.median(brute)
            print(
                f"{place.label:10} {len(found):6d} {in_box:7d} {p50:8.1f} {p95:8.1f} "
                f"{max(times):8.1f} {base:9.1f} {base / p50:5.1f}x  {equal}   "
                f"(every row read: median {benchlib.median(full):.1f} ms)"
            )
            rows.append(
                benchlib.Row(
                    f"{place.label}, {args.radius_km:g} km: median",
                    p50,
                    "ms",
                    target=TARGET_MS,
                    baseline=base,
                )
            )
            rows.append(
                benchlib.Row(
                    f"{place.label}, {args.radius_km:g} km: every row read, median",
                    benchlib.median(full),
                    "ms",
                    baseline=base,
                )
            )
            rows.append(
                benchlib.Row(
                    f"{place.label}, {args.radius_km:g} km: p95",
                    p95,
                    "ms",
                    baseline=benchlib.percentile(brute, 0.95),
                )
            )
        print("\nquery plan of the candidate query:")
        for plan in reader.execute(f"EXPLAIN QUERY PLAN {sql}", _box_params(*centre)[0]):
            print(f"   {plan[-1]}")
    finally:
        store.close()
    status = benchlib.report(
        f"Radius search ({args.radius_km:g} km) over {total} geocoded addresses",
        rows,
        "customers_near_bruteforce: every address, the same distance function "
        "(ratio = indexed / full scan)",
    )
    if failures:
        print(f"\nFAIL: the indexed search and the full scan differ for {failures}")
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
