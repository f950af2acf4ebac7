"""The printed condition sheet: a customer's sheet with 500 article lines as a PDF.

    python benchmarks/condition_sheet.py [--lines 500] [--runs 10] [--language de]

Measures render_condition_sheet (salesdesk.reports.condition_sheet) of a frozen sheet with
--lines articles in 10 product groups (long names that wrap, discounts, every third line
with two quantity scales, terms, notes) into memory: the first render in this process
(includes registering the fonts) and the median and p95 of --runs further renders.
Target: < 1 s (median). No store is needed: the sheet is built in memory.
Then the whole way from the store, as `salesdesk print condition-sheet` does it
(services.condition_sheets.print_sheet): a customer with --lines priced articles (list
prices, a price-group list with quantity scales on every third article, a customer-group
discount, customer prices on every tenth) — every line priced, then rendered; target
< 1 s (median).
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


def build_store(data_dir, lines: int) -> None:
    """A store with one customer whose sheet has ``lines`` articles."""
    from salesdesk.domain.pricing import KeyKind
    from salesdesk.services.customers import create_customer
    from salesdesk.store.engine import open_store
    from salesdesk.store.models import (
        Article,
        ConditionRecord,
        CustomerGroup,
        PriceGroup,
        PriceList,
        ProductGroup,
    )

    store = open_store(data_dir, user="benchmark")
    with store.session() as session:
        groups = [ProductGroup(code=f"G{n:02d}", name=f"Warengruppe {n:02d} – Befestigung")
                  for n in range(GROUPS)]
        price_group = PriceGroup(code="FH", name="Fachhandel")
        customer_group = CustomerGroup(code="BAU", name="Bau")
        session.add_all([*groups, price_group, customer_group])
        session.flush()
        price_list = PriceList(code="FH", name="Fachhandel", price_group_id=price_group.id,
                               valid_from=date(2026, 1, 1))
        session.add(price_list)
        customer = create_customer(session, {
            "name": "Müller Größenhandel GmbH", "language": "de",
            "price_group_id": price_group.id, "customer_group_id": customer_group.id})
        articles = [Article(number=f"A-{100000 + n}", name=f"Größe {n % 9} Edelstahl-Schraube",
                            product_group_id=groups[n * GROUPS // lines].id, unit="pcs")
                    for n in range(lines)]
        session.add_all(articles)
        session.flush()

        def record(kind, key, scales, **extra):
            return ConditionRecord(
                type_code=extra.pop("type_code", "PRICE"), key_kind=kind.value, key1=key[0],
                key2=key[1] if len(key) > 1 else "", valid_from=date(2026, 1, 1),
                released=True, scales="[" + ", ".join(f'["{t}", "{v}"]' for t, v in scales)
                + "]", **extra)

        rows = []
        for n, article in enumerate(articles):
            net = Decimal(5 + n % 90) + Decimal("0.45")
            rows.append(record(KeyKind.ARTICLE, [article.id.hex], [(0, net + 2)]))
            rows.append(record(KeyKind.PRICE_GROUP_ARTICLE, [price_group.id.hex, article.id.hex],
                               [(0, net)] + ([(100, net - 1)] if n % 3 == 0 else []),
                               price_list_id=price_list.id))
            if n % 10 == 0:
                rows.append(record(KeyKind.CUSTOMER_ARTICLE, [customer.id.hex, article.id.hex],
                                   [(0, net - 2)]))
        for group in groups:
            rows.append(record(KeyKind.CUSTOMER_GROUP_PRODUCT_GROUP,
                               [customer_group.id.hex, group.id.hex], [(0, "-5")],
                               type_code="CUSTOMER_GROUP_DISCOUNT"))
        session.add_all(rows)
        session.commit()
    store.close()


def print_from_store(data_dir, number: str) -> int:
    from salesdesk.services.condition_sheets import print_sheet
    from salesdesk.store.engine import open_store

    store = open_store(data_dir, user="benchmark")
    try:
        return print_sheet(store, number, io.BytesIO(), date(2026, 6, 1))
    finally:
        store.close()


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

    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "store"
        build_store(data_dir, args.lines)
        store_first, store_pages = timed(print_from_store, data_dir, "K-000001")
        from_store = [timed(print_from_store, data_dir, "K-000001")[0]
                      for _ in range(max(3, args.runs // 2))]

    print(f"\n{args.lines} lines ({args.language}): {pages} pages; plain: {plain_pages} pages; "
          f"from the store: {store_pages} pages")
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
            benchlib.Row("from the store (price every line, render), first", store_first, "s",
                         baseline=baseline),
            benchlib.Row("from the store (price every line, render), median",
                         statistics.median(from_store), "s", target=TARGET_S,
                         baseline=baseline),
        ],
        f"reportlab alone: {args.lines} rows of the same texts in a plain LongTable "
        "(repeated header, same font, no styling/grouping/wrapping/footers)",
    )


if __name__ == "__main__":
    sys.exit(main())
