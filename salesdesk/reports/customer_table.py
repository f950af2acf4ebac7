"""Customer tables in xlsx and csv files: the column vocabulary, reading and writing.

CSV files are written as UTF-8 with a byte-order mark and ';' as the delimiter, because
that is what German Excel opens by double-click (with ',' it puts each line into one
cell, and without the BOM it reads umlauts as cp1252). Text that Excel would take for a
formula (=, +, -, @ first) gets a leading apostrophe, which Excel hides and the reader
here removes again. Reading accepts ';' or ',' and UTF-8 with or without BOM, else cp1252.
"""

import codecs
import csv
import io
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path

from salesdesk.domain.errors import DomainError
from salesdesk.i18n import _
from salesdesk.store.models import Address, BankAccount, ContactPerson, Customer

TEXT, MONEY, DATE, BOOL, PERCENT = "text", "money", "date", "bool", "percent"
XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
CSV_DELIMITER = ";"
MONEY_FORMAT = "#,##0.00"  # built-in format: Excel shows the user's own separators
DATE_FORMAT = "mm-dd-yy"  # built-in format 14: Excel shows the user's short date


class TableError(DomainError):
    """A file cannot be read or written as a table."""


@dataclass(frozen=True)
class Column:
    """One column of the customer table: where its value lives and what people call it.

    ``part`` is the record the value belongs to: customer, address (the main address),
    contact (the first contact person), bank (the default account) or lookup (a code).
    """

    key: str
    part: str
    field: str
    english: str
    german: str
    aliases: tuple[str, ...] = ()
    kind: str = TEXT
    width: int = 14

    def header(self, language: str) -> str:
        return self.german if language == "de" else self.english

    def read(self, raw: object) -> object:
        """A cell of this column as a value; ValueError for a date or yes/no it isn't."""
        if self.kind == DATE:
            return cell_date(raw)
        if self.kind == BOOL:
            return cell_bool(raw)
        if self.kind in (MONEY, PERCENT) and not isinstance(raw, str):
            return raw  # a number cell: parse_amount reads it exactly
        return cell_text(raw)


# Headers are a file format shared by export and import, so both languages are spelled
# out here instead of going through the catalog: an edited translation must never make
# older files unreadable.
COLUMNS: tuple[Column, ...] = (
    Column("number", "key", "number", "Customer number", "Kundennummer",
           ("Kunden-Nr.", "Kundennr", "Customer no.", "Number", "Nummer", "Debitor",
            "Debitorennummer"), width=14),
    Column("name", "customer", "name", "Name", "Firma",
           ("Company", "Company name", "Firmenname", "Name 1", "Kundenname", "Customer name"),
           width=34),
    Column("name2", "customer", "name2", "Name 2", "Namenszusatz", ("Zusatz", "Firmenzusatz")),
    Column("legal_form", "customer", "legal_form", "Legal form", "Rechtsform"),
    Column("status", "customer", "status", "Status", "Status", ("Kundenstatus",), width=10),
    Column("street", "address", "street", "Street", "Straße",
           ("Strasse", "Str.", "Straße und Hausnummer", "Address", "Adresse", "Anschrift",
            "Street address"), width=28),
    Column("street2", "address", "street2", "Address line 2", "Adresszusatz",
           ("Street 2", "Straße 2")),
    Column("postal_code", "address", "postal_code", "Postal code", "PLZ",
           ("Postleitzahl", "ZIP", "ZIP code", "Postcode", "Post code"), width=10),
    Column("city", "address", "city", "City", "Ort", ("Stadt", "Town"), width=20),
    Column("country", "address", "country", "Country", "Land",
           ("Ländercode", "Country code", "Staat"), width=8),
    Column("contact_salutation", "contact", "salutation", "Contact salutation",
           "Ansprechpartner Anrede", ("Anrede", "Salutation")),
    Column("contact_first_name", "contact", "first_name", "Contact first name",
           "Ansprechpartner Vorname", ("Vorname", "First name"), width=16),
    Column("contact_last_name", "contact", "last_name", "Contact last name",
           "Ansprechpartner Nachname", ("Nachname", "Last name", "Surname"), width=18),
    Column("contact_role", "contact", "role", "Contact role", "Ansprechpartner Funktion",
           ("Funktion", "Position", "Role")),
    Column("phone", "contact", "phone", "Phone", "Telefon",
           ("Tel.", "Telefonnummer", "Telephone", "Phone number"), width=18),
    Column("mobile", "contact", "mobile", "Mobile", "Mobil",
           ("Handy", "Mobiltelefon", "Mobile phone", "Mobilnummer"), width=18),
    Column("email", "contact", "email", "Email", "E-Mail",
           ("E-Mail-Adresse", "Mail", "Email address"), width=28),
    Column("vat_id", "customer", "vat_id", "VAT id", "USt-IdNr.",
           ("USt-ID", "UStID", "Umsatzsteuer-ID", "Umsatzsteuer-Identifikationsnummer",
            "VAT number", "VAT no.", "VAT"), width=16),
    Column("tax_number", "customer", "tax_number", "Tax number", "Steuernummer",
           ("St.-Nr.", "StNr")),
    Column("credit_limit", "customer", "credit_limit", "Credit limit", "Kreditlimit",
           ("Kreditrahmen",), MONEY),
    Column("currency", "customer", "currency", "Currency", "Währung", width=9),
    Column("language", "customer", "language", "Language", "Sprache",
           ("Document language", "Belegsprache", "Korrespondenzsprache"), width=9),
    Column("payment_term", "lookup", "payment_term_id", "Payment terms", "Zahlungsbedingung",
           ("Zahlungsbedingungen", "Payment term", "Zahlungsziel")),
    Column("delivery_term", "lookup", "delivery_term_id", "Delivery terms", "Lieferbedingung",
           ("Lieferbedingungen", "Delivery term", "Incoterms")),
    # the number of the customer who gets the invoices (a head office, say)
    Column("invoice_recipient", "lookup", "invoice_recipient_id", "Invoice recipient",
           "Rechnungsempfänger", ("Invoice to", "Bill to", "Rechnung an",
                                  "Rechnungsempfänger Kundennummer"), width=14),
    Column("collection_discount", "customer", "collection_discount", "Collection discount %",
           "Inkassorabatt %", ("Collection discount", "Inkassorabatt"), PERCENT, width=10),
    Column("return_conditions", "customer", "return_conditions", "Return conditions",
           "Rückgabebedingungen", ("Rücknahmebedingungen", "Rücksendebedingungen", "Returns",
                                   "Retouren"), width=30),
    Column("group", "lookup", "customer_group_id", "Customer group", "Kundengruppe",
           ("Gruppe", "Group")),
    Column("price_group", "lookup", "price_group_id", "Price group", "Preisgruppe"),
    Column("territory", "lookup", "territory_id", "Territory", "Gebiet",
           ("Verkaufsgebiet", "Sales territory")),
    Column("representative", "lookup", "representative_id", "Representative", "Vertreter",
           ("Außendienst", "Außendienstmitarbeiter", "Sales rep", "Rep", "Handelsvertreter")),
    Column("iban", "bank", "iban", "IBAN", "IBAN", width=26),
    Column("bic", "bank", "bic", "BIC", "BIC", ("SWIFT", "BIC/SWIFT", "SWIFT-BIC")),
    Column("account_holder", "bank", "holder", "Account holder", "Kontoinhaber", width=24),
    Column("website", "customer", "website", "Website", "Webseite",
           ("Homepage", "Internet", "URL", "Web", "Internetseite"), width=24),
    Column("next_contact", "customer", "next_contact", "Next contact", "Nächster Kontakt",
           ("Wiedervorlage", "Follow-up"), DATE, width=12),
    Column("do_not_contact", "customer", "do_not_contact", "Do not contact", "Sperrvermerk",
           ("Werbesperre", "Kontaktsperre", "Nicht kontaktieren"), BOOL, width=10),
    Column("do_not_contact_reason", "customer", "do_not_contact_reason",
           "Reason for do not contact", "Grund Sperrvermerk",
           ("Sperrgrund", "Do not contact reason"), width=24),
    Column("notes", "customer", "notes", "Notes", "Notizen",
           ("Bemerkung", "Bemerkungen", "Notiz", "Anmerkungen", "Comments", "Remarks"), width=40),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}


def main_address(customer: Customer) -> Address | None:
    """The default main address: the one a row of the table holds."""
    live = [a for a in customer.addresses if a.deleted_at is None and a.kind == "main"]
    return min(live, key=lambda a: (not a.is_default, a.created_at, a.id), default=None)


def first_contact(customer: Customer) -> ContactPerson | None:
    """The contact person created first."""
    live = [c for c in customer.contacts if c.deleted_at is None]
    return min(live, key=lambda c: (c.created_at, c.id), default=None)


def default_bank_account(customer: Customer) -> BankAccount | None:
    """The default bank account, else the one added first."""
    live = [b for b in customer.bank_accounts if b.deleted_at is None]
    return min(live, key=lambda b: (not b.is_default, b.created_at, b.id), default=None)


PART_RECORD = {"address": main_address, "contact": first_contact, "bank": default_bank_account}

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_NOT_WORD = re.compile(r"[\W_]+")


def header_key(header: object) -> str:
    """A header reduced for matching: case, spaces, dashes, dots, ß and umlauts ignored."""
    return _NOT_WORD.sub("", str(header).casefold().translate(_UMLAUTS))


def _alias_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for column in COLUMNS:
        for name in (column.key, column.english, column.german, *column.aliases):
            known = table.setdefault(header_key(name), column.key)
            if known != column.key:
                raise ValueError(f"header {name!r} would mean both {known} and {column.key}")
    return table


_ALIASES = _alias_table()


@dataclass
class HeaderMap:
    """Which position in a row holds which column, and the headers that were not used."""

    index: dict[str, int] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # key → header as in the file
    unknown: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)


def map_headers(headers: Sequence[object]) -> HeaderMap:
    """Match a file's headers to columns, tolerant of order, case and spelling."""
    found = HeaderMap()
    for position, header in enumerate(headers):
        text = "" if header is None else str(header).strip()
        if not text:
            continue
        key = _ALIASES.get(header_key(text))
        if key is None:
            found.unknown.append(text)
        elif key in found.index:
            found.repeated.append(text)
        else:
            found.index[key] = position
            found.headers[key] = text
    return found


@dataclass
class Table:
    """A sheet's header and its data rows, each with the row number Excel shows."""

    headers: list[object]
    rows: list[tuple[int, list[object]]]


def file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    if suffix in CSV_SUFFIXES:
        return "csv"
    raise TableError(_("{file}: unsupported file type {suffix} (use .xlsx or .csv)").format(
        file=path, suffix=path.suffix or "?"))


def read_table(path: Path) -> Table:
    """The first sheet (xlsx) or the file (csv) as header + rows; blank rows are skipped."""
    kind = file_kind(path)
    lines = _xlsx_lines(path) if kind == "xlsx" else _csv_lines(path)
    headers: list[object] | None = None
    rows = []
    for number, line in enumerate(lines, start=1):
        if not any(_present(v) for v in line):
            continue
        if headers is None:
            headers = list(line)
        else:
            rows.append((number, list(line)))
    if headers is None:
        raise TableError(_("{file} is empty.").format(file=path))
    return Table(headers, rows)


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _xlsx_lines(path: Path) -> Iterator[tuple]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise TableError(_("{file} cannot be read as an Excel workbook ({detail}).").format(
            file=path, detail=exc)) from exc
    try:
        sheet = book.active or book.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong size; read what is there
        yield from sheet.iter_rows(min_row=1, values_only=True)
    finally:
        book.close()


def _csv_lines(path: Path) -> Iterator[list]:
    text = _decode(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        for line in reader:
            yield [_unguard(v) if v != "" else None for v in line]
    except csv.Error as exc:
        raise TableError(_("{file} cannot be read as CSV (line {line}: {detail}).").format(
            file=path, line=reader.line_num, detail=exc)) from exc


def _decode(raw: bytes) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")  # Excel's "Unicode text" (tab-separated)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")  # what Excel on a German Windows saves as "CSV"
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _delimiter(text: str) -> str:
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rfind("\n")]  # a cut line would mislead the sniffer
    first = sample.split("\n", 1)[0]
    try:
        found = csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        found = ""
    if found and found in first:
        return found
    return max((";", ",", "\t"), key=first.count) if any(d in first for d in ";,\t") else ";"


_FORMULA_START = ("=", "+", "-", "@")


def _guard(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _unguard(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:2] in _FORMULA_START else text


def write_table(
    path: Path,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    kinds: Sequence[str] | None = None,
    widths: Sequence[int] | None = None,
    title: str = "",
) -> int:
    """Write a table (xlsx or csv by suffix) via a temporary file; returns the data rows.

    The file appears only when complete: an error, a cancel (an exception raised by
    ``rows``) or a kill never leaves a half-written file under ``path``.
    """
    kind = file_kind(path)
    kinds = list(kinds or [TEXT] * len(headers))
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        if kind == "xlsx":
            count = _write_xlsx(temp, headers, rows, kinds, widths, title)
        else:
            count = _write_csv(temp, headers, rows)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return count


def _write_csv(path: Path, headers: Sequence[str], rows: Iterable) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=CSV_DELIMITER)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_csv_value(v) for v in row])
            count += 1
    return count


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")  # German Excel's decimal comma
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        value = value.date()
    if isinstance(value, date | datetime):
        return value.isoformat()  # Excel reads ISO dates in every locale
    if isinstance(value, int | float):
        return str(value)
    return _guard(str(value))


def _write_xlsx(path: Path, headers: Sequence[str], rows: Iterable, kinds: list[str],
                widths: Sequence[int] | None, title: str) -> int:
    """Stream rows into an xlsx with XlsxWriter (constant memory: each row goes to disk).

    XlsxWriter, not openpyxl, writes: openpyxl's write-only mode needed 27 s for 100k
    customers on our reference machine against a target of 20 s (see README).
    """
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False,
                                           "strings_to_urls": False})
    try:
        sheet = book.add_worksheet((title or "Sheet")[:31])
        formats = {MONEY: book.add_format({"num_format": MONEY_FORMAT}),
                   DATE: book.add_format({"num_format": DATE_FORMAT})}
        rows = iter(rows)
        if widths is None:
            first = list(islice(rows, 200))  # sized by what the first rows hold
            widths = _guess_widths(headers, first)
            rows = chain(first, rows)
        for position, width in enumerate(widths):
            sheet.set_column(position, position, width)
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, headers, book.add_format({"bold": True}))
        count = _write_rows(sheet, rows, kinds, formats)
        sheet.autofilter(0, 0, count, max(len(headers), 1) - 1)
    finally:
        book.close()  # also after a cancel: XlsxWriter removes its temporary files
    return count


def _write_rows(sheet, rows: Iterable, kinds: list[str], formats: dict) -> int:
    count = 0
    for count, row in enumerate(rows, start=1):
        for column, (value, kind) in enumerate(zip(row, kinds, strict=True)):
            _write_cell(sheet, count, column, value, kind, formats)
    return count


def _write_cell(sheet, row: int, column: int, value: object, kind: str, formats: dict) -> None:
    if value is None or value == "":
        return
    if isinstance(value, str):
        # text, never a formula; XlsxWriter escapes control characters itself
        sheet.write_string(row, column, value)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, Decimal | int):
        # the xlsx format keeps every number as a double; Decimal goes in as its digits
        sheet.write_number(row, column, value, formats.get(kind) if kind == MONEY else None)
    elif isinstance(value, date):
        sheet.write_datetime(row, column, value, formats[DATE])
    else:
        sheet.write_string(row, column, str(value))


def _guess_widths(headers: Sequence[str], rows: list[Sequence[object]]) -> list[int]:
    widths = [len(str(h)) + 3 for h in headers]
    for row in rows:
        for position, value in enumerate(row):
            if value is not None:
                widths[position] = max(widths[position], min(len(str(value)) + 2, 60))
    return widths


def cell_text(value: object) -> str | None:
    """A cell as text: numbers without a spurious '.0', dates in ISO form, blanks as None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime) and value.time() != datetime.min.time():
        return value.isoformat()
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    text = str(value).strip()
    return text or None


_DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y")


def cell_date(value: object) -> date | None:
    """A date cell, or text in ISO (2026-05-04) or German (04.05.2026) form."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        with suppress(ValueError):
            return datetime.fromisoformat(value.strip()).date()  # also 2026-05-04T00:00
        for pattern in _DATE_FORMATS:
            with suppress(ValueError):
                return datetime.strptime(value.strip(), pattern).date()
    raise ValueError(_("not a date (use 2026-05-04 or 04.05.2026)"))


_YES = {"1", "x", "ja", "j", "yes", "y", "true", "wahr", "oui"}
_NO = {"0", "nein", "n", "no", "false", "falsch", "non", "-"}


def cell_bool(value: object) -> bool:
    """A yes/no cell: a boolean, 1/0, x, ja/nein, yes/no, true/false; blank is no."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if not text or text in _NO:
        return False
    if text in _YES:
        return True
    raise ValueError(_("must be yes or no"))
