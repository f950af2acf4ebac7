"""A distribution list as a file for the mail merge: recipients, and apart who is excluded.

xlsx: one workbook, sheet "Recipients" and sheet "Excluded" (customer, contact, reason).
csv: the recipients in the file chosen and the excluded in NAME.excluded.csv beside it,
both UTF-8 with BOM and ';' like every CSV SalesDesk writes (reports/customer_table.py).
Headers and sheet names are in the user's language. Files appear only when complete.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from salesdesk.domain.mailing import Recipient
from salesdesk.i18n import _
from salesdesk.reports.customer_table import file_kind, write_table

# (header, value, width in characters)
_Column = tuple[Callable[[], str], Callable[[Recipient], str], int]

RECIPIENT_COLUMNS: tuple[_Column, ...] = (
    (lambda: _("Customer number"), lambda r: r.number, 12),
    (lambda: _("Name"), lambda r: r.name, 30),
    (lambda: _("Name 2"), lambda r: r.name2, 20),
    (lambda: _("Salutation"), lambda r: r.salutation, 10),
    (lambda: _("Title"), lambda r: r.title, 10),
    (lambda: _("First name"), lambda r: r.first_name, 14),
    (lambda: _("Last name"), lambda r: r.last_name, 16),
    (lambda: _("E-mail"), lambda r: r.email, 28),
    (lambda: _("Phone"), lambda r: r.phone, 16),
    (lambda: _("Mobile"), lambda r: r.mobile, 16),
    (lambda: _("Street"), lambda r: r.street, 26),
    (lambda: _("Street 2"), lambda r: r.street2, 16),
    (lambda: _("Postal code"), lambda r: r.postal_code, 10),
    (lambda: _("City"), lambda r: r.city, 18),
    (lambda: _("Country"), lambda r: r.country, 8),
    (lambda: _("Language"), lambda r: r.language, 8),
    (lambda: _("Note"), lambda r: r.note, 40),
)
EXCLUDED_COLUMNS: tuple[_Column, ...] = (
    (lambda: _("Customer number"), lambda r: r.number, 12),
    (lambda: _("Name"), lambda r: r.name, 30),
    (lambda: _("Contact person"), lambda r: r.contact_name, 24),
    (lambda: _("Reason"), lambda r: r.reason, 60),
)


def headers(columns: Sequence[_Column]) -> list[str]:
    return [header() for header, _value, _width in columns]


def rows(columns: Sequence[_Column], recipients: Sequence[Recipient]) -> list[list[str]]:
    return [[value(r) or "" for _header, value, _width in columns] for r in recipients]


def excluded_path(path: Path) -> Path:
    """Where a CSV export puts the excluded: mailing.csv → mailing.excluded.csv."""
    return path.with_name(f"{path.stem}.excluded{path.suffix}")


def write_mailing(
    path: Path, recipients: Sequence[Recipient], excluded: Sequence[Recipient]
) -> list[Path]:
    """Write the files (xlsx or csv by suffix); returns the paths written."""
    path = Path(path)
    if file_kind(path) == "csv":
        write_table(path, headers(RECIPIENT_COLUMNS), rows(RECIPIENT_COLUMNS, recipients))
        other = excluded_path(path)
        write_table(other, headers(EXCLUDED_COLUMNS), rows(EXCLUDED_COLUMNS, excluded))
        return [path, other]
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        _write_xlsx(temp, recipients, excluded)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return [path]


def _write_xlsx(path: Path, recipients: Sequence[Recipient], excluded: Sequence[Recipient]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    try:
        bold = book.add_format({"bold": True})
        for title, columns, chosen in (
            (_("Recipients"), RECIPIENT_COLUMNS, recipients),
            (_("Excluded"), EXCLUDED_COLUMNS, excluded),
        ):
            sheet = book.add_worksheet(title[:31])
            for position, (_header, _value, width) in enumerate(columns):
                sheet.set_column(position, position, width)
            sheet.freeze_panes(1, 0)
            sheet.write_row(0, 0, headers(columns), bold)
            for number, row in enumerate(rows(columns, chosen), start=1):
                for position, value in enumerate(row):
                    if value:
                        sheet.write_string(number, position, value)
            sheet.autofilter(0, 0, len(chosen), len(columns) - 1)
    finally:
        book.close()
