"""Customer turnover: the last complete period, sums over it, and the import that replaces
a period imported again and imports nothing when a row is wrong."""

import csv
from datetime import date
from decimal import Decimal as D

import openpyxl
import pytest
from sqlalchemy import func, select

from salesdesk.domain.errors import ValidationFailed
from salesdesk.services.customers import create_customer, delete_customer
from salesdesk.services.turnover import (
    PERIODS,
    import_turnover,
    last_complete_period,
    parse_period,
    turnover_in_period,
)
from salesdesk.store.models import CustomerTurnover


@pytest.mark.parametrize(("on", "expected"), [
    (date(2026, 11, 23), {"month": ("2026-10-01", "2026-10-31"),
                          "quarter": ("2026-07-01", "2026-09-30"),
                          "half_year": ("2026-01-01", "2026-06-30"),
                          "year": ("2025-01-01", "2025-12-31")}),
    (date(2026, 1, 1), {"month": ("2025-12-01", "2025-12-31"),
                        "quarter": ("2025-10-01", "2025-12-31"),
                        "half_year": ("2025-07-01", "2025-12-31"),
                        "year": ("2025-01-01", "2025-12-31")}),
    (date(2026, 12, 31), {"month": ("2026-11-01", "2026-11-30"),
                          "quarter": ("2026-07-01", "2026-09-30"),
                          "half_year": ("2026-01-01", "2026-06-30"),
                          "year": ("2025-01-01", "2025-12-31")}),
    (date(2024, 3, 1), {"month": ("2024-02-01", "2024-02-29"),
                        "quarter": ("2023-10-01", "2023-12-31"),
                        "half_year": ("2023-07-01", "2023-12-31"),
                        "year": ("2023-01-01", "2023-12-31")}),
    (date(2026, 7, 1), {"month": ("2026-06-01", "2026-06-30"),
                        "quarter": ("2026-04-01", "2026-06-30"),
                        "half_year": ("2026-01-01", "2026-06-30"),
                        "year": ("2025-01-01", "2025-12-31")}),
])
def test_the_last_complete_period_ends_before_the_day(on, expected):
    found = {p: tuple(d.isoformat() for d in last_complete_period(p, on)) for p in PERIODS}
    assert found == expected


def test_an_unknown_kind_of_period_is_refused():
    with pytest.raises(ValidationFailed, match="week is not a period"):
        last_complete_period("week", date(2026, 1, 1))


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2026-03", "2026-03-01", "2026-03-31"), ("2026-Q1", "2026-01-01", "2026-03-31"),
    ("2026-q4", "2026-10-01", "2026-12-31"), ("2026-H2", "2026-07-01", "2026-12-31"),
    ("2026", "2026-01-01", "2026-12-31"), (2025, "2025-01-01", "2025-12-31"),
    ("02/2024", "2024-02-01", "2024-02-29"), ("Q2/2026", "2026-04-01", "2026-06-30"),
    (date(2026, 3, 1), "2026-03-01", "2026-03-31"),  # Excel's date for "2026-03"
])
def test_periods_people_write(text, start, end):
    assert tuple(d.isoformat() for d in parse_period(text)) == (start, end)


@pytest.fixture
def customers(store):
    with store.session() as session:
        found = [create_customer(session, {"name": name}) for name in
                 ("Müller Bau GmbH", "Huber KG", "Alt AG")]
        delete_customer(session, found[2])
        session.commit()
    return store, [c.id.hex for c in found]


def _csv(path, rows):
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    return path


def _rows(store):
    with store.session() as session:
        return sorted((r.customer_id.hex, r.period_start, r.period_end, r.amount)
                      for r in session.scalars(select(CustomerTurnover)))


def test_months_add_up_to_the_quarter_and_a_reimport_replaces_the_amount(customers, tmp_path):
    store, (mueller, huber, _old) = customers
    path = _csv(tmp_path / "umsatz.csv", [
        ["Kundennummer", "Zeitraum", "Betrag", "Währung"],
        ["K-000001", "2026-07", "10.000,50", "EUR"], ["K-000001", "2026-08", "5000", ""],
        ["k-000001", "2026-09", "4999,50", ""], ["K-000002", "2026-Q3", "700", "EUR"]])
    result = import_turnover(store, path)
    assert result.ok and (result.created, result.updated, result.unchanged) == (4, 0, 0)
    nov = date(2026, 11, 23)
    assert turnover_in_period(store.reader(), mueller, "quarter", nov) == D("20000.00")
    assert turnover_in_period(store.reader(), mueller, "month", nov) == D("0")  # no October
    assert turnover_in_period(store.reader(), huber, "quarter", nov) == D("700")
    assert turnover_in_period(store.reader(), mueller, "half_year", nov) == D("0")
    assert turnover_in_period(store.reader(), mueller, "quarter", date(2026, 10, 1)) == \
        D("20000.00")  # the quarter is complete on its next day

    again = _csv(tmp_path / "korrektur.csv", [
        ["Customer number", "From", "To", "Amount"],
        ["K-000001", "2026-08-01", "31.08.2026", "6000"],  # the same month, other spelling
        ["K-000002", "2026-07-01", "2026-09-30", "700"]])
    result = import_turnover(store, again)
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 1, 1)
    rows = _rows(store)
    assert len(rows) == 4
    assert (mueller, date(2026, 8, 1), date(2026, 8, 31), D(6000)) in rows
    assert turnover_in_period(store.reader(), mueller, "quarter", nov) == D("21000.00")


def test_a_bad_file_imports_nothing_and_the_report_names_the_problems(customers, tmp_path):
    store, _ids = customers
    _csv(tmp_path / "alt.csv", [["Customer number", "Period", "Amount"],
                                ["K-000001", "2026-Q2", "100"]])
    assert import_turnover(store, tmp_path / "alt.csv").ok
    before = _rows(store)
    book = openpyxl.Workbook()
    for row in (["Customer number", "Period", "Amount", "Currency"],
                ["K-000001", "2026-07", 100, None],  # fine
                ["K-000999", "2026-07", 100, None],
                ["K-000002", "2026-13", 100, None],
                ["K-000002", "2026-08", "viel", None],
                ["K-000002", "2026-09", 1.005, None],
                ["K-000001", "2026-05", 10, None],  # inside the stored Q2
                ["K-000002", "2026-10", 10, "CHF"],
                ["K-000003", "2026", 10, None],
                ["K-000001", "2026-07", 100, None]):
        book.active.append(row)
    book.save(tmp_path / "umsatz.xlsx")
    result = import_turnover(store, tmp_path / "umsatz.xlsx")
    assert not result.ok and not result.imported and result.created == 0
    assert _rows(store) == before
    report = [list(r) for r in openpyxl.load_workbook(result.report_path).active.iter_rows(
        values_only=True)]
    assert result.report_path == tmp_path / "umsatz.errors.xlsx"
    assert report[0] == ["Row", "Customer", "Column", "Value", "Problem", "Severity"]
    assert [r[:3] + r[4:5] for r in report[1:]] == [
        [3, "K-000999", "Customer number", "there is no customer K-000999"],
        [4, "K-000002", "Period", "not a period (use 2026-03, 2026-Q1, 2026-H1 or 2026)"],
        [5, "K-000002", "Amount", "is not a number"],
        [6, "K-000002", "Amount", "has more decimal places than EUR allows"],
        [7, "K-000001", "Period", "overlaps the turnover stored for 2026-04-01 to 2026-06-30"],
        [8, "K-000002", "Currency", "must be the customer's currency EUR"],
        [9, "K-000003", "Customer number", "customer K-000003 has been deleted"],
        [10, "K-000001", "Period",
         "this period appears twice for the customer (also in row 2)"]]
    assert "No turnover was imported: 8 of 9 rows" in result.summary()


def test_a_dry_run_counts_without_writing(customers, tmp_path):
    store, _ids = customers
    path = _csv(tmp_path / "u.csv", [["Kunde", "Jahr", "Umsatz"], ["K-000001", "2025", "1"]])
    result = import_turnover(store, path, dry_run=True)
    assert result.ok and result.created == 1 and not result.imported
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(CustomerTurnover)) == 0
