"""Customer export: the importer's columns, Excel conventions, and a lossless round trip."""

from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from salesdesk.i18n import set_language
from salesdesk.reports.customer_table import COLUMNS, read_table
from salesdesk.services import customers as cs
from salesdesk.services.customer_export import ExportCancelled, export_customers
from salesdesk.services.customer_import import import_customers
from salesdesk.services.customer_list import CustomerFilter
from salesdesk.store.engine import open_store
from salesdesk.store.models import Customer, CustomerGroup, Territory, UserAccount


def _lookups(session):
    rep = UserAccount(login="rep01", display_name="Rita Rep")
    group, territory = CustomerGroup(code="RET", name="Retail"), Territory(code="T01", name="Süd")
    session.add_all([rep, group, territory])
    session.flush()
    return {"customer_group_id": group.id, "territory_id": territory.id,
            "representative_id": rep.id}


def _fill(session):
    ids = _lookups(session)
    huber = cs.create_customer(
        session, {"name": "Huber Elektro GmbH", "vat_id": "DE136695976", "status": "active",
                  "credit_limit": Decimal("12500.5"), "next_contact": date(2026, 9, 1),
                  "notes": "Zeile 1\nZeile 2", "language": "de", **ids},
        addresses=[{"street": "Sendlinger Str. 1", "postal_code": "80331", "city": "München",
                    "country": "DE"},
                   {"kind": "delivery", "street": "Lager 3", "postal_code": "85748",
                    "city": "Garching", "country": "DE"}],
        contacts=[{"first_name": "Anna", "last_name": "Huber", "phone": "089 1234567",
                   "email": "anna@huber-elektro.de"},
                  {"first_name": "Bernd", "last_name": "Aigner"}])
    cs.save_bank_account(session, huber, {"iban": "DE89 3704 0044 0532 0130 00",
                                          "bic": "COBADEFFXXX", "holder": "Huber Elektro"})
    cs.create_customer(
        session, {"name": "=Formel & Söhne", "do_not_contact": True,
                  "do_not_contact_reason": "Widerspruch", "currency": "CHF",
                  "credit_limit": Decimal("0.05")},
        addresses=[{"street": "Bahnhofstr. 2", "postal_code": "8001", "city": "Zürich",
                    "country": "CH"}],
        contacts=[{"last_name": "Keller", "mobile": "+41 79 123 45 67"}])
    gone = cs.create_customer(session, {"name": "Gelöscht AG"})
    cs.delete_customer(session, gone)
    cs.create_customer(session, {"name": "Nur Name"})
    session.commit()


@pytest.fixture
def filled(store):
    with store.session() as session:
        _fill(session)
    return store


def _file_view(customer: Customer) -> tuple:
    """What a customer file holds that the export carries, without keys and timestamps."""
    main = [(a.street, a.postal_code, a.city, a.country) for a in customer.addresses
            if a.kind == "main"]
    contact = min(customer.contacts, key=lambda c: c.created_at, default=None)
    bank = [(b.iban, b.bic, b.holder) for b in customer.bank_accounts]
    return (customer.number, customer.name, customer.status, customer.vat_id,
            customer.credit_limit, customer.currency, customer.language,
            customer.next_contact, customer.do_not_contact, customer.do_not_contact_reason,
            customer.notes, customer.customer_group and customer.customer_group.code,
            customer.territory and customer.territory.code,
            customer.representative and customer.representative.login, main,
            contact and (contact.first_name, contact.last_name, contact.phone,
                         contact.mobile, contact.email), bank)


def _files(store) -> list[tuple]:
    with store.session() as session:
        query = select(Customer).where(Customer.deleted_at.is_(None)).order_by(Customer.number)
        return [_file_view(c) for c in session.scalars(query)]


@pytest.mark.parametrize(("suffix", "language"), [(".xlsx", "en"), (".csv", "en"),
                                                  (".xlsx", "de")])
def test_round_trip_into_an_empty_store_reproduces_the_customers(filled, tmp_path, suffix,
                                                                 language):
    set_language(language)
    path = tmp_path / f"kunden{suffix}"
    with filled.session() as session:
        assert export_customers(session, path) == 3
    target = open_store(tmp_path / "other", user="tester")
    try:
        with target.session() as session:
            _lookups(session)
            session.commit()
        result = import_customers(target, path)
        assert result.ok and result.created == 3, result.errors
        assert _files(target) == _files(filled)
        again = tmp_path / f"again{suffix}"
        with target.session() as session:
            export_customers(session, again)
        assert read_table(again).rows == read_table(path).rows
    finally:
        target.close()


def test_xlsx_has_a_bold_frozen_filtered_header_and_typed_cells(filled, tmp_path):
    path = tmp_path / "k.xlsx"
    with filled.session() as session:
        export_customers(session, path)
    sheet = openpyxl.load_workbook(path).active
    header = [cell.value for cell in sheet[1]]
    assert header == [c.english for c in COLUMNS]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(COLUMNS)).column_letter}4"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["E"].width
    row = {h: cell for h, cell in zip(header, sheet[2], strict=True)}
    assert row["Customer number"].value == "K-000001"
    assert row["Credit limit"].value == 12500.5 and row["Credit limit"].number_format == \
        "#,##0.00"
    assert row["Next contact"].is_date and row["Next contact"].value.date() == date(2026, 9, 1)
    assert row["Do not contact"].value is False
    assert (row["Contact first name"].value, row["Phone"].value) == ("Anna", "+49891234567")
    assert (row["IBAN"].value, row["Customer group"].value, row["Representative"].value) == (
        "DE89370400440532013000", "RET", "rep01")
    formula = {h: cell for h, cell in zip(header, sheet[3], strict=True)}["Name"]
    assert formula.data_type == "s" and formula.value == "=Formel & Söhne"


def test_csv_is_utf8_with_bom_semicolons_and_decimal_commas(filled, tmp_path):
    path = tmp_path / "k.csv"
    with filled.session() as session:
        export_customers(session, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Customer number;Name;Name 2;")
    assert ";12500,50;" in lines[1] and ";2026-09-01;" in lines[1]
    assert lines[3].split(";")[1] == "'=Formel & Söhne"  # Excel must not run it
    assert read_table(path).rows[1][1][1] == "=Formel & Söhne"


def test_german_headers_when_the_app_speaks_german(filled, tmp_path):
    set_language("de")
    path = tmp_path / "k.xlsx"
    with filled.session() as session:
        export_customers(session, path)
    header = read_table(path).headers
    assert header[:5] == ["Kundennummer", "Firma", "Namenszusatz", "Rechtsform", "Status"]
    assert "PLZ" in header and "USt-IdNr." in header and "Sperrvermerk" in header


def test_filter_search_and_number_order(filled, tmp_path):
    path = tmp_path / "k.csv"
    with filled.session() as session:
        assert export_customers(session, path, CustomerFilter(search="münchen")) == 1
        assert export_customers(session, tmp_path / "all.csv") == 3
    assert [row[1][0] for row in read_table(path).rows] == ["K-000001"]
    assert [row[1][0] for row in read_table(tmp_path / "all.csv").rows] == [
        "K-000001", "K-000002", "K-000004"]


def test_progress_and_cancel_leave_no_file(filled, tmp_path):
    path = tmp_path / "k.xlsx"
    seen = []
    with filled.session() as session:
        export_customers(session, path, progress=lambda d, t: seen.append((d, t)))
        assert seen[-1] == (3, 3)
        path.unlink()
        with pytest.raises(ExportCancelled):
            export_customers(session, path, cancel=lambda: True)
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == []
