"""Export of 100k customers to xlsx and import of 10k rows, through the CLI.

    python benchmarks/import_export.py [--customers N] [--data-dir D] [--import-rows 10000]

Export: `salesdesk customers export X.xlsx` over the cached 100k store (target < 20 s).
Import: `salesdesk customers import X.xlsx` of a 10k-row export (made from a cached 10k
demo store) into a store without customers (target < 15 s). An import resolves payment
terms, groups, territories and representatives by code, so the target store gets the
demo's master data first (`salesdesk demo --customers 0`); it holds no customers.
It runs with --only-valid: a few demo rows fail the import's own checks (see
the README). Both timed from process start. Baseline: openpyxl write_only writing the same number of
rows (same columns, the values of the export's first row) in this process.
"""

import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import benchlib
import openpyxl

EXPORT_TARGET_S = 20.0
IMPORT_TARGET_S = 15.0


def first_rows(path: Path) -> tuple[list, list]:
    """The header and first data row of a workbook (read-only: stops early)."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        return list(next(rows)), list(next(rows))
    finally:
        book.close()


def baseline_write(path: Path, header: list, row: list, count: int) -> float:
    """Seconds for openpyxl write_only to write ``count`` plain rows like ``row``."""
    started = time.perf_counter()
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Customers")
    sheet.append(header)
    for n in range(1, count + 1):
        sheet.append([f"K-{n:06d}", *row[1:]])
    book.save(path)
    return time.perf_counter() - started


def baseline_read(path: Path) -> float:
    started = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True)
    for _ in book.worksheets[0].iter_rows(values_only=True):
        pass
    book.close()
    return time.perf_counter() - started


def customers_in(data_dir: Path) -> int:
    conn = sqlite3.connect(data_dir / "salesdesk.sqlite3")
    try:
        return conn.execute("SELECT count(*) FROM customer").fetchone()[0]
    finally:
        conn.close()


def main() -> int:
    parser = benchlib.parser(__doc__.splitlines()[0])
    parser.add_argument("--import-rows", type=int, default=10_000)
    args = parser.parse_args()
    source = benchlib.ensure_store(args)
    small = benchlib.ensure_demo_store(
        benchlib.OUT / f"store-{args.import_rows}-{benchlib.DEMO_VERSION}", args.import_rows)
    with tempfile.TemporaryDirectory(dir=benchlib.OUT) as tmp:
        tmp = Path(tmp)
        export_file = tmp / f"customers-{args.customers}.xlsx"
        print(f"export of {args.customers} customers ...", flush=True)
        export_s = benchlib.timed_salesdesk("customers", "export", str(export_file),
                                            "--data-dir", str(source))
        export_mb = export_file.stat().st_size / 1e6
        import_file = tmp / f"customers-{args.import_rows}.xlsx"
        benchlib.run_salesdesk("customers", "export", str(import_file), "--data-dir", str(small))
        target = tmp / "import-target"
        benchlib.run_salesdesk("demo", "--customers", "0", "--data-dir", str(target))
        print(f"import of {args.import_rows} rows ...", flush=True)
        import_s = benchlib.timed_salesdesk("customers", "import", str(import_file),
                                            "--only-valid", "--data-dir", str(target))
        imported = customers_in(target)
        if imported < 0.99 * args.import_rows:
            raise SystemExit(f"import created {imported} customers of {args.import_rows}")
        header, row = first_rows(export_file)
        base_export = baseline_write(tmp / "baseline-export.xlsx", header, row, args.customers)
        base_import = baseline_write(tmp / "baseline-import.xlsx", header, row,
                                     args.import_rows)
        read_s = baseline_read(import_file)
        shutil.rmtree(target)
    rows = [
        benchlib.Row(f"export {args.customers} customers to xlsx", export_s, "s",
                     target=EXPORT_TARGET_S if args.customers <= 100_000 else None,
                     baseline=base_export),
        benchlib.Row(f"import {args.import_rows} rows from xlsx ({imported} valid)", import_s, "s",
                     target=IMPORT_TARGET_S if args.import_rows <= 10_000 else None,
                     baseline=base_import),
        benchlib.Row(f"(openpyxl read_only read of the {args.import_rows}-row file)", read_s,
                     "s"),
    ]
    print(f"\nexport file: {export_mb:.1f} MB, {len(header)} columns")
    return benchlib.report(
        "Customer import and export through the CLI", rows,
        f"openpyxl write_only writing the same number of rows, {len(header)} plain values "
        "each, in this process",
    )


if __name__ == "__main__":
    sys.exit(main())
