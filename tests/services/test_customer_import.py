"""Customer import: checked first, all or nothing, idempotent, and safe against kills."""

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from select import select as wait_readable

import openpyxl
import pytest
from sqlalchemy import func
from sqlalchemy import select as sql_select

from salesdesk.app import main
from salesdesk.domain.errors import DomainError
from salesdesk.reports.customer_table import map_headers, read_table
from salesdesk.services import customers as cs
from salesdesk.services.customer_import import ImportCancelled, import_customers
from salesdesk.store.engine import DB_NAME, open_store
from salesdesk.store.models import (
    AuditEntry,
    Customer,
    CustomerGroup,
    NumberSequence,
    Territory,
    UserAccount,
)

HEADERS = ["Customer number", "Name", "Street", "Postal code", "City", "Country",
           "Contact first name", "Contact last name", "Phone", "Email", "IBAN", "VAT id",
           "Credit limit", "Customer group", "Territory", "Representative"]
GOOD_IBAN = "DE89 3704 0044 0532 0130 00"


def _row(n: int, **changes) -> list:
    values = {
        "Customer number": None, "Name": f"Firma {n} GmbH", "Street": f"Hauptstr. {n}",
        "Postal code": "80331", "City": "München", "Country": "DE",
        "Contact first name": "Anna", "Contact last name": f"Huber{n}",
        "Phone": f"089 12345{n % 100:02d}", "Email": f"anna{n}@firma{n}.de",
        "IBAN": GOOD_IBAN, "VAT id": None, "Credit limit": 1000 + n,
        "Customer group": "RET", "Territory": "T01", "Representative": "rep01",
    } | changes
    return [values[h] for h in HEADERS]


def _xlsx(path, headers, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _csv(path, headers, rows, delimiter=";", encoding="utf-8-sig"):
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(headers)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    return path


def _report_rows(path):
    if path.suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path).active
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


@pytest.fixture
def lookups(store):
    with store.session() as session:
        session.add_all([CustomerGroup(code="RET", name="Retail"),
                         Territory(code="T01", name="Süd"),
                         UserAccount(login="rep01", display_name="Rita Rep")])
        session.commit()
    return store


def _count(store, model=Customer) -> int:
    with store.session() as session:
        return session.scalar(sql_select(func.count()).select_from(model))


def test_one_bad_iban_imports_nothing_and_the_report_names_row_column_and_problem(
        lookups, tmp_path):
    rows = [_row(n) for n in range(20)]
    rows[5] = _row(5, IBAN="DE89 3704 0044 0532 0130 01")  # row 7 in Excel (header is 1)
    result = import_customers(lookups, _xlsx(tmp_path / "kunden.xlsx", HEADERS, rows))
    assert not result.ok and result.created == 0 and result.invalid == 1
    assert _count(lookups) == 0 and _count(lookups, AuditEntry) == 3  # only the lookups
    assert result.report_path == tmp_path / "kunden.errors.xlsx"
    report = _report_rows(result.report_path)
    assert report[0] == ["Row", "Column", "Value", "Problem", "Severity"]
    assert len(report) == 2
    row, column, value, problem, severity = report[1]
    assert (row, column, value, severity) == (7, "IBAN", "DE89 3704 0044 0532 0130 01", "error")
    assert problem.startswith("not a valid IBAN")
    assert "Nothing was imported: 1 of 20 rows" in result.summary()


def test_bad_vat_id_bad_phone_and_unknown_codes_are_each_reported(lookups, tmp_path):
    rows = [_row(1, **{"VAT id": "DE123"}), _row(2, Phone="0"),
            _row(3, **{"Customer group": "XXL", "Representative": "nobody"}), _row(4)]
    result = import_customers(lookups, _csv(tmp_path / "in.csv", HEADERS, rows))
    found = {(e.row, e.column): (e.value, e.message) for e in result.errors}
    assert found[(2, "VAT id")][0] == "DE123"
    assert found[(2, "VAT id")][1].startswith("not a valid VAT id")
    assert found[(3, "Phone")] == ("0", "not a phone number")
    assert found[(4, "Customer group")] == ("XXL", "there is no customer group XXL")
    assert found[(4, "Representative")] == ("nobody", "there is no user with the login nobody")
    assert result.invalid == 3 and _count(lookups) == 0
    report = _report_rows(tmp_path / "in.errors.csv")
    assert report[0][:4] == ["Row", "Column", "Value", "Problem"]
    assert report[1][:3] == ["2", "VAT id", "DE123"]


def test_german_headers_in_another_order(lookups, tmp_path):
    headers = ["PLZ", "Ort", "Firma", "Kunden-Nr.", "Kreditlimit", "Telefon",
               "Ansprechpartner Nachname", "Ansprechpartner Vorname", "Gruppe", "Vertreter",
               "Gebiet", "Straße", "Land", "USt-IdNr.", "Sperrvermerk", "Grund Sperrvermerk",
               "Nächster Kontakt", "Status", "Webseite", "Notizen"]
    row = ["10115", "Berlin", "Müller Bau GmbH", "k-000123", "1.234,50", "030 1234567",
           "Müller", "Jörg", "ret", "REP01", "t01", "Invalidenstr. 1", "de", "DE 123456788",
           "ja", "Widerspruch per Brief", date(2026, 7, 1), "Aktiv", "www.mueller-bau.de",
           "Zeile 1\nZeile 2"]
    result = import_customers(lookups, _xlsx(tmp_path / "de.xlsx", headers, [row]))
    assert result.ok and result.created == 1, result.errors
    with lookups.session() as session:
        customer = cs.get_customer(session, "K-000123")
        assert (customer.name, customer.credit_limit, customer.vat_id, customer.status) == (
            "Müller Bau GmbH", Decimal("1234.50"), "DE123456788", "active")
        assert customer.customer_group.code == "RET" and customer.territory.code == "T01"
        assert customer.representative.login == "rep01"
        assert (customer.do_not_contact, customer.next_contact) == (True, date(2026, 7, 1))
        assert customer.notes == "Zeile 1\nZeile 2"
        address, contact = customer.addresses[0], customer.contacts[0]
        assert (address.street, address.postal_code, address.city, address.country) == (
            "Invalidenstr. 1", "10115", "Berlin", "DE")
        assert (contact.first_name, contact.last_name, contact.phone) == (
            "Jörg", "Müller", "+49301234567")


def test_csv_with_semicolons_and_bom(lookups, tmp_path):
    path = _csv(tmp_path / "excel.csv", HEADERS, [_row(1, Name="Bäckerei Öztürk & Söhne",
                                                       **{"Credit limit": "2.500,75"})])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = import_customers(lookups, path)
    assert result.ok and result.created == 1
    with lookups.session() as session:
        customer = cs.get_customer(session, "K-000001")
        assert (customer.name, customer.credit_limit) == ("Bäckerei Öztürk & Söhne",
                                                          Decimal("2500.75"))


def test_csv_with_commas_in_cp1252(lookups, tmp_path):
    path = _csv(tmp_path / "alt.csv", ["Name", "Ort", "PLZ", "Straße"],
                [["Größenwahn KG", "Köln", "50667", "Hohe Straße 1"]], delimiter=",",
                encoding="cp1252")
    result = import_customers(lookups, path)
    assert result.ok and result.created == 1
    with lookups.session() as session:
        customer = cs.get_customer(session, "K-000001")
        assert (customer.name, customer.main_city) == ("Größenwahn KG", "Köln")


def test_reimporting_the_same_file_creates_nothing_and_changes_nothing(lookups, tmp_path):
    path = _xlsx(tmp_path / "k.xlsx", HEADERS, [_row(n) for n in range(10)])
    first = import_customers(lookups, path)
    assert first.created == 10
    from salesdesk.services.customer_export import export_customers

    with lookups.session() as session:
        export_customers(session, tmp_path / "numbered.xlsx")
    audit = _count(lookups, AuditEntry)
    again = import_customers(lookups, tmp_path / "numbered.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)
    assert _count(lookups) == 10 and _count(lookups, AuditEntry) == audit
    assert "0 created, 0 updated, 10 unchanged" in again.summary()


def test_a_row_with_a_known_number_updates_that_customer_field_by_field(lookups, tmp_path):
    with lookups.session() as session:
        customer = cs.create_customer(
            session, {"name": "Huber Elektro GmbH", "vat_id": "DE136695976"},
            addresses=[{"street": "Sendlinger Str. 1", "postal_code": "80331",
                        "city": "München", "country": "DE"}],
            contacts=[{"first_name": "Anna", "last_name": "Huber", "phone": "089 1234567"}])
        session.commit()
        audit = session.scalar(sql_select(func.count()).select_from(AuditEntry))
    path = _xlsx(tmp_path / "u.xlsx", ["Kundennummer", "Firma", "Ort", "PLZ", "Telefon",
                                       "Kreditlimit"],
                 [["K-000001", "Huber Elektro GmbH", "Garching", "85748", "+49 89 1234567",
                   5000]])
    result = import_customers(lookups, path)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    with lookups.session() as session:
        customer = cs.get_customer(session, "K-000001")
        assert len(customer.addresses) == 1 and len(customer.contacts) == 1
        assert (customer.main_city, customer.addresses[0].street) == ("Garching",
                                                                      "Sendlinger Str. 1")
        assert customer.vat_id == "DE136695976"  # no column: left alone
        changes = session.execute(
            sql_select(AuditEntry.field, AuditEntry.old_value, AuditEntry.new_value)
            .where(AuditEntry.action == "update").order_by(AuditEntry.field)).all()
        assert changes == [("city", "München", "Garching"), ("credit_limit", None, "5000"),
                           ("postal_code", "80331", "85748")]
        assert session.scalar(sql_select(func.count()).select_from(AuditEntry)) == audit + 3


def test_stored_values_are_not_checked_again_but_changes_are(lookups, tmp_path):
    with lookups.session() as session:  # written before today's checks existed
        session.add(Customer(number="K-000001", name="Alt GmbH", website="kaputt"))
        cs.create_customer(session, {"name": "Wien GmbH"}, number="K-000002",
                           addresses=[{"postal_code": "80331", "city": "Wien",
                                       "country": "DE"}])
        session.commit()
    headers = ["Kundennummer", "Firma", "Webseite", "Land", "Ort"]
    same = _xlsx(tmp_path / "same.xlsx", headers, [["K-000001", "Alt GmbH", "kaputt", None,
                                                     None]])
    assert import_customers(lookups, same).unchanged == 1
    moved = _xlsx(tmp_path / "moved.xlsx", headers, [["K-000002", "Wien GmbH", None, "AT",
                                                      "Wien"]])
    result = import_customers(lookups, moved)
    assert [(e.column, e.value) for e in result.errors] == [("Postal code", None)]
    assert result.errors[0].message.startswith("not a postal code of AT")


def test_only_valid_imports_the_valid_rows_and_reports_the_others(lookups, tmp_path):
    rows = [_row(1), _row(2, Email="kein-at"), _row(3), _row(4, City=None), _row(5)]
    result = import_customers(lookups, _xlsx(tmp_path / "o.xlsx", HEADERS, rows),
                              only_valid=True)
    assert result.ok and (result.created, result.invalid) == (3, 2)
    assert {(e.row, e.column) for e in result.errors} == {(3, "Email"), (5, "City")}
    assert _count(lookups) == 3
    assert "3 created" in result.summary() and "2 rows with errors" in result.summary()


def test_dry_run_checks_and_reports_but_writes_nothing(lookups, tmp_path):
    good = _xlsx(tmp_path / "good.xlsx", HEADERS, [_row(n) for n in range(5)])
    result = import_customers(lookups, good, dry_run=True)
    assert result.ok and result.created == 5 and not result.imported
    assert result.report_path is None
    bad = _xlsx(tmp_path / "bad.xlsx", HEADERS, [_row(1, Phone="12")])
    report = tmp_path / "elsewhere.csv"
    failed = import_customers(lookups, bad, dry_run=True, report_path=report)
    assert not failed.ok and failed.report_path == report and report.exists()
    assert _count(lookups) == 0 and _count(lookups, AuditEntry) == 3
    with lookups.session() as session:
        assert session.get(NumberSequence, "customer") is None


def test_rows_without_number_are_numbered_after_the_given_ones(lookups, tmp_path):
    rows = [_row(1, **{"Customer number": "K-000050"}), _row(2)]
    assert import_customers(lookups, _xlsx(tmp_path / "n.xlsx", HEADERS, rows)).created == 2
    with lookups.session() as session:
        numbers = session.scalars(sql_select(Customer.number).order_by(Customer.number)).all()
    assert numbers == ["K-000050", "K-000051"]


def test_a_number_twice_in_the_file_is_an_error(lookups, tmp_path):
    rows = [_row(1, **{"Customer number": "K-000007"}),
            _row(2, **{"Customer number": "k-000007"})]
    result = import_customers(lookups, _xlsx(tmp_path / "d.xlsx", HEADERS, rows))
    assert [(e.row, e.column) for e in result.errors] == [(3, "Customer number")]
    assert "also in row 2" in result.errors[0].message


def test_probable_duplicates_are_warnings_not_errors(lookups, tmp_path):
    with lookups.session() as session:
        cs.create_customer(session, {"name": "Huber Elektro GmbH"},
                           addresses=[{"postal_code": "80331", "city": "München",
                                       "country": "DE"}])
        cs.create_customer(session, {"name": "Anders AG", "vat_id": "DE136695976"})
        session.commit()
    rows = [_row(1, Name="Elektro Huber"), _row(2, **{"VAT id": "DE 136 695 976"}), _row(3)]
    result = import_customers(lookups, _xlsx(tmp_path / "w.xlsx", HEADERS, rows))
    assert result.ok and result.created == 3
    messages = {w.row: w.message for w in result.warnings}
    assert "K-000001 Huber Elektro GmbH" in messages[2]
    assert "K-000002 Anders AG (same VAT id DE136695976)" in messages[3]
    assert 4 not in messages
    report = _report_rows(result.report_path)
    assert [r[4] for r in report[1:]] == ["warning", "warning"]


def test_unknown_columns_warn_and_a_missing_name_column_is_fatal(lookups, tmp_path):
    path = _xlsx(tmp_path / "x.xlsx", ["Firma", "Lieblingsfarbe"], [["A GmbH", "blau"]])
    result = import_customers(lookups, path)
    assert result.created == 1
    assert [(w.row, w.column, w.message) for w in result.warnings] == [
        (1, "Lieblingsfarbe", "unknown column, ignored")]
    nameless = _xlsx(tmp_path / "y.xlsx", ["PLZ", "Ort"], [["80331", "München"]])
    with pytest.raises(DomainError, match="y.xlsx has no column for the customer name"):
        import_customers(lookups, nameless)


def test_header_matching_ignores_case_spaces_and_spelling():
    found = map_headers(["KUNDEN_NR", " e-mail ", "Strasse", "ZIP", "USt-ID", "Stadt",
                         "company", "Straße"])
    assert found.index == {"number": 0, "email": 1, "street": 2, "postal_code": 3,
                           "vat_id": 4, "city": 5, "name": 6}
    assert found.repeated == ["Straße"]


def test_excel_unicode_text_and_multi_line_cells_keep_excel_row_numbers(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes('Name\tNotizen\n"A GmbH"\t"zwei\nZeilen"\nB AG\t\n'.encode("utf-16"))
    table = read_table(path)
    assert table.headers == ["Name", "Notizen"]
    assert table.rows == [(2, ["A GmbH", "zwei\nZeilen"]), (3, ["B AG", None])]


@pytest.mark.parametrize(("raw", "expected"), [
    ("2026-05-04", date(2026, 5, 4)), ("04.05.2026", date(2026, 5, 4)),
    ("2026-05-04T00:00:00", date(2026, 5, 4)), (None, None), ("morgen", ValueError)])
def test_date_cells(raw, expected):
    from salesdesk.reports.customer_table import cell_date

    if expected is ValueError:
        with pytest.raises(ValueError, match="not a date"):
            cell_date(raw)
    else:
        assert cell_date(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("ja", True), ("X", True), (1, True), (True, True), ("nein", False), ("", False),
    (None, False), (0, False)])
def test_yes_no_cells(raw, expected):
    from salesdesk.reports.customer_table import cell_bool

    assert cell_bool(raw) is expected


def test_cancel_leaves_the_store_unchanged(lookups, tmp_path):
    path = _xlsx(tmp_path / "c.xlsx", HEADERS, [_row(n) for n in range(1200)])
    seen = []

    def cancel():
        return bool(seen) and seen[-1][0] > 1200  # once writing has begun

    with pytest.raises(ImportCancelled, match="nothing was changed"):
        import_customers(lookups, path, progress=lambda d, t: seen.append((d, t)),
                         cancel=cancel)
    assert seen[0] == (500, 2400)
    assert _count(lookups) == 0 and _count(lookups, AuditEntry) == 3
    with lookups.session() as session:
        assert session.get(NumberSequence, "customer") is None


def test_unreadable_files_fail_with_a_clear_message(lookups, tmp_path):
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook")
    with pytest.raises(DomainError, match="cannot be read as an Excel workbook"):
        import_customers(lookups, fake)
    with pytest.raises(DomainError, match="unsupported file type .ods"):
        read_table(tmp_path / "x.ods")
    good = _xlsx(tmp_path / "k.xlsx", HEADERS, [_row(1)])
    with pytest.raises(DomainError, match="must not overwrite k.xlsx"):
        import_customers(lookups, good, report_path=tmp_path / "." / "k.xlsx")


def test_cli_reports_an_invalid_file_on_one_line_and_exits_non_zero(tmp_path):
    bad = _csv(tmp_path / "ohne-name.csv", ["PLZ", "Ort"], [["80331", "München"]])
    result = subprocess.run(
        [sys.executable, "-m", "salesdesk", "customers", "import", str(bad), "--data-dir",
         str(tmp_path / "d")], capture_output=True, text=True)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ohne-name.csv has no column")


def test_cli_import_with_bad_rows_exits_non_zero_and_names_the_report(tmp_path, capsys):
    data = str(tmp_path / "d")
    path = _csv(tmp_path / "k.csv", ["Name", "E-Mail", "Ansprechpartner Nachname"],
                [["A GmbH", "a@a.de", "Alt"], ["B GmbH", "falsch", "Bert"]])
    assert main(["customers", "import", str(path), "--data-dir", data]) == 1
    out = capsys.readouterr().out
    assert "Nothing was imported: 1 of 2 rows" in out and "k.errors.csv" in out
    assert main(["customers", "import", str(path), "--only-valid", "--data-dir", data]) == 0
    assert main(["customers", "list", "--format", "csv", "--data-dir", data]) == 0
    assert "A GmbH" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL and a pty")
def test_a_kill_during_the_import_leaves_the_store_as_it_was(tmp_path):
    import pty

    data = tmp_path / "d"
    store = open_store(data)
    with store.session() as session:
        session.add_all([CustomerGroup(code="RET", name="Retail"),
                         Territory(code="T01", name="Süd"),
                         UserAccount(login="rep01", display_name="Rita Rep")])
        cs.create_customer(session, {"name": "Schon da GmbH"})
        session.commit()
    store.close()
    rows = 4000
    path = _xlsx(tmp_path / "big.xlsx", HEADERS, [_row(n) for n in range(rows)])
    # progress goes to stderr only on a terminal: give the child one
    master, slave = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "salesdesk", "customers", "import", str(path), "--data-dir",
         str(data)], stderr=slave, stdout=subprocess.DEVNULL)
    os.close(slave)
    try:
        written = _wait_for_writing(master, rows, child)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        os.close(master)
        if child.poll() is None:
            child.kill()
    assert written, "the import ended before it could be killed while writing"
    assert child.returncode == -signal.SIGKILL
    connection = sqlite3.connect(data / DB_NAME)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("SELECT count(*) FROM customer").fetchone()[0] == 1
    finally:
        connection.close()
    store = open_store(data)
    try:
        with store.session() as session:
            assert [c.name for c in session.scalars(sql_select(Customer))] == ["Schon da GmbH"]
    finally:
        store.close()


def _wait_for_writing(fd: int, rows: int, child, timeout: float = 120) -> bool:
    """Read the child's progress until it reports rows being written (done > rows)."""
    end, seen = time.monotonic() + timeout, b""
    while time.monotonic() < end and child.poll() is None:
        ready, _, _ = wait_readable([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            seen += os.read(fd, 4096)
        except OSError:
            return False
        for report in seen.replace(b"\r", b"\n").split(b"\n")[:-1]:
            done = report.decode(errors="replace").rsplit(" ", 1)[-1].split("/")[0]
            if done.isdigit() and rows < int(done) < 2 * rows:
                return True
    return False


# -- invoice recipient, collection discount, return conditions -------------------------------

TERMS_HEADERS = ["Kundennummer", "Firma", "Rechnungsempfänger", "Inkassorabatt %",
                 "Rückgabebedingungen"]


def test_invoice_recipient_discount_and_returns_round_trip_into_an_empty_store(
        lookups, tmp_path):
    """A branch may name a head office further down the file; both arrive linked."""
    from salesdesk.services.customer_export import export_customers

    rows = [["K-000001", "Filiale Nord", "K-000003", 1.5, "Nur originalverpackt.\nBinnen 14 "
                                                          "Tagen."],
            ["K-000002", "Filiale Süd", "k-000003", "2,25", None],
            ["K-000003", "Zentrale GmbH", None, "3", None]]
    result = import_customers(lookups, _xlsx(tmp_path / "t.xlsx", TERMS_HEADERS, rows))
    assert result.ok and result.created == 3, result.errors

    def terms(store):
        with store.session() as session:
            return [(c.number, c.invoice_recipient_id and session.get(
                Customer, c.invoice_recipient_id).number, c.collection_discount,
                c.return_conditions) for c in session.scalars(
                sql_select(Customer).order_by(Customer.number))]

    assert terms(lookups) == [
        ("K-000001", "K-000003", Decimal("1.5"), "Nur originalverpackt.\nBinnen 14 Tagen."),
        ("K-000002", "K-000003", Decimal("2.25"), ""), ("K-000003", None, Decimal("3"), "")]
    for suffix in (".xlsx", ".csv"):
        exported = tmp_path / f"export{suffix}"
        with lookups.session() as session:
            export_customers(session, exported)
        headers = read_table(exported).headers
        assert {"Invoice recipient", "Collection discount %", "Return conditions"} <= set(headers)
        target = open_store(tmp_path / f"other{suffix}", user="tester")
        try:
            again = import_customers(target, exported)
            assert again.ok and again.created == 3, again.errors
            assert terms(target) == terms(lookups)
        finally:
            target.close()
        assert import_customers(lookups, exported).unchanged == 3  # nothing changed


def test_bad_invoice_recipients_and_discounts_are_reported_and_nothing_is_imported(
        lookups, tmp_path):
    with lookups.session() as session:
        gone = cs.create_customer(session, {"name": "Weg AG"})  # K-000001
        cs.delete_customer(session, gone)
        session.commit()
    rows = [["K-000002", "Selbst GmbH", "K-000002", None, None],
            ["K-000003", "Hat Weg", "K-000001", None, None],
            ["K-000004", "Unbekannt", "K-999999", None, None],
            ["K-000005", "Zu viel", None, 150, None]]
    result = import_customers(lookups, _xlsx(tmp_path / "b.xlsx", TERMS_HEADERS, rows))
    assert not result.ok and result.invalid == 4
    found = {(e.row, e.column): e.message for e in result.errors}
    assert found[(2, "Rechnungsempfänger")].startswith(
        "a customer cannot be its own invoice recipient")
    assert found[(3, "Rechnungsempfänger")] == "customer K-000001 has been deleted"
    assert found[(4, "Rechnungsempfänger")] == "there is no customer K-999999"
    assert found[(5, "Inkassorabatt %")] == "must be more than 0 % and less than 100 %"
    assert _count(lookups) == 1  # only the deleted one from before


def test_a_branch_whose_head_office_row_fails_is_not_imported_either(lookups, tmp_path):
    rows = [["K-000001", "Filiale", "K-000002", None, None],
            ["K-000002", "Zentrale", None, "100", None],
            ["K-000003", "Andere", None, None, None]]
    result = import_customers(lookups, _xlsx(tmp_path / "c.xlsx", TERMS_HEADERS, rows),
                              only_valid=True)
    assert result.ok and result.created == 1
    assert {(e.row, e.column) for e in result.errors} == {(2, "Rechnungsempfänger"),
                                                          (3, "Inkassorabatt %")}
    assert "customer K-000002 is not imported" in result.errors[-1].message
    with lookups.session() as session:
        assert session.scalars(sql_select(Customer.number)).all() == ["K-000003"]
