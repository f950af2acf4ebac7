"""The printed condition sheet: a customer's sheet with 500 article lines as a PDF.

    python benchmarks/condition_sheet.py [--lines 500] [--runs 10] [--language de]

Measures render_condition_sheet (salesdesk.reports.condition_sheet) of a frozen sheet with
--lines articles in 10 product groups (long names that wrap, discounts, every third line
with two quantity scales, terms, notes) into memory: the first render in this process
(includes registering the fonts) and the median and p95 of --runs further renders.
Target: < 1 s (median). No store is needed: the sheet is built in memory.
Baseline in the same run: reportlab alone laying out the same number of rows of the same
seven texts (already formatted) as one plain LongTable with a repeated header row, the
same font, no styling, grouping, wrapping, letterhead or page footers.
"""

import io
import statistics
import sys
import time
from datetime import date
from decimal import Decimal

import benchlib
from reportlab.lib.pagesizes import A4
from reportlab.platypus import LongTable, SimpleDocTemplate

from salesdesk.domain.condition_sheet import (
    ConditionSheet,
    SheetCompany,
    SheetCustomer,
    SheetLine,
    SheetTerms,
)
from salesdesk.reports.condition_sheet import FONT, register_fonts, render_condition_sheet

TARGET_S = 1.0
GROUPS = 10


def make_sheet(lines: int, language: str) -> ConditionSheet:
    items = []
    for n in range(lines):
        net = Decimal(5 + n % 90) + Decimal("0.45")
        items.append(
            SheetLine(
                article_number=f"A-{100000 + n}",
                article_name=f"Größe {n % 9} Edelstahl-Schraube Straßenbau"
                + (" mit besonders langem Namen für den Umbruch" if n % 4 == 0 else ""),
                product_group=f"Warengruppe {n * GROUPS // lines + 1:02d} – Befestigung",
                unit="Stk.",
                pack_size=Decimal(50) if n % 2 else None,
                list_price=net + Decimal("2.10"),
                net_price=net,
                discount_text="−10 % + −5 % (kaskadierend)" if n % 2 else "−12 %",
                scales=((Decimal(100), net - Decimal("0.50")), (Decimal(1000), net - 1))
                if n % 3 == 0
                else (),
            )
        )
    return ConditionSheet(
        number="KB-2027-0001",
        company=SheetCompany(
            "Vertrieb Süd GmbH",
            ("Bahnhofstraße 12", "70173 Stuttgart"),
            "+49 711 123456",
            "info@vertrieb-sued.example",
            "www.vertrieb-sued.example",
            "DE123456789",
        ),
        customer=SheetCustomer(
            "K-000123",
            "Müller Größenhandel GmbH",
            ("Hauptstraße 5", "80331 München"),
            "Jörg Müller",
        ),
        language=language,
        currency="EUR",
        issued_on=date(2027, 1, 15),
        valid_from=date(2027, 2, 1),
        valid_to=date(2027, 12, 31),
        lines=tuple(items),
        terms=SheetTerms(
            payment=("30 Tage netto; 2 % Skonto innerhalb von 14 Tagen",),
            delivery=("DAP Incoterms 2020; frei Haus ab 500,00 € Warenwert",),
            invoice_recipient=("Müller Größenhandel GmbH, Buchhaltung",),
            returns=("Rückgabe originalverpackter Ware innerhalb von 30 Tagen",),
        ),
        notes=("Sonderpreise gelten nur für die Filiale Hauptstraße.",),
    )


def render_sheet(sheet: ConditionSheet) -> int:
    return render_condition_sheet(sheet, io.BytesIO())


def render_plain(rows: list[list[str]]) -> int:
    """The baseline: the same texts as a bare LongTable, nothing else on the pages."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4)
    table = LongTable(rows, repeatRows=1)
    table.setStyle([("FONT", (0, 0), (-1, -1), FONT, 8)])
    doc.build([table])
    return doc.page


def plain_rows(sheet: ConditionSheet) -> list[list[str]]:
    header = ["Art.-Nr.", "Artikel", "Einheit", "Listenpreis", "Ihr Preis", "Rabatt", "Staffeln"]
    return [header] + [
        [
            line.article_number,
            line.article_name[:30],
            line.unit,
            f"{line.list_price} €",
            f"{line.net_price} €",
            line.discount_text,
            " ".join(f"{q}: {p} €" for q, p in line.scales),
        ]
        for line in sheet.lines
    ]


def timed(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def main() -> int:
    parser = benchlib.argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--language", default="de", choices=("de", "en", "fr"))
    args = parser.parse_args()

    sheet = make_sheet(args.lines, args.language)
    first, pages = timed(render_sheet, sheet)
    warm = [timed(render_sheet, sheet)[0] for _ in range(args.runs)]

    register_fonts()
    rows = plain_rows(sheet)
    render_plain(rows)  # warm-up
    plain = [timed(render_plain, rows) for _ in range(args.runs)]
    plain_times = [seconds for seconds, _ in plain]
    plain_pages = plain[0][1]

    print(f"\n{args.lines} lines ({args.language}): {pages} pages; plain: {plain_pages} pages")
    baseline = statistics.median(plain_times)
    return benchlib.report(
        f"Condition sheet PDF with {args.lines} article lines",
        [
            benchlib.Row("first render in the process", first, "s", baseline=baseline),
            benchlib.Row(
                "render, median", statistics.median(warm), "s", target=TARGET_S, baseline=baseline
            ),
            benchlib.Row(
                "render, p95",
                benchlib.percentile(warm, 0.95),
                "s",
                baseline=benchlib.percentile(plain_times, 0.95),
            ),
        ],
        f"reportlab alone: {args.lines} rows of the same texts in a plain LongTable "
        "(repeated header, same font, no styling/grouping/wrapping/footers)",
    )


if __name__ == "__main__":
    sys.exit(main())
