"""The result of a radius search as a route list (xlsx): one row per customer, nearest
first, with the address to drive to and a phone number to call ahead.

Written with XlsxWriter (the project's xlsx writer, see README); the distance is a real
number with one decimal shown, so Excel can sort and filter it. The place and radius
go into the printed page header.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from salesdesk.domain.customer import AddressKind
from salesdesk.i18n import _


@dataclass(frozen=True)
class RouteRow:
    number: str
    name: str
    address: str
    postal_code: str
    city: str
    country: str
    distance_km: float
    phone: str = ""
    do_not_contact: bool = False
    address_kind: str = "main"


def route_headers() -> list[str]:
    return [
        _("Customer number"),
        _("Name"),
        _("Address"),
        _("Postal code"),
        _("City"),
        _("Country"),
        _("Distance (km)"),
        _("Phone"),
        _("Address type"),
        _("Do not contact"),
    ]


WIDTHS = (14, 36, 32, 11, 22, 8, 13, 20, 16, 14)


def _kind_label(kind: str) -> str:
    try:
        return AddressKind(kind).label
    except ValueError:
        return kind


def write_route_xlsx(
    path: Path, rows: list[RouteRow], *, place: str = "", radius_km: float | None = None
) -> None:
    """Write the route list to ``path`` (an .xlsx file)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    try:
        sheet = book.add_worksheet(_("Route")[:31])
        bold = book.add_format({"bold": True})
        km = book.add_format({"num_format": "0.0"})
        for column, width in enumerate(WIDTHS):
            sheet.set_column(column, column, width)
        sheet.write_row(0, 0, route_headers(), bold)
        sheet.freeze_panes(1, 0)
        yes = _("Yes")
        for line, row in enumerate(rows, start=1):
            for column, text in enumerate(
                (row.number, row.name, row.address, row.postal_code, row.city, row.country)
            ):
                if text:
                    sheet.write_string(line, column, text)
            sheet.write_number(line, 6, round(row.distance_km, 1), km)
            if row.phone:
                sheet.write_string(line, 7, row.phone)
            sheet.write_string(line, 8, _kind_label(row.address_kind))
            if row.do_not_contact:
                sheet.write_string(line, 9, yes)
        sheet.autofilter(0, 0, max(len(rows), 1), len(WIDTHS) - 1)
        if place:
            title = (
                place
                if radius_km is None
                else _("{radius} km around {place}").format(radius=f"{radius_km:g}", place=place)
            )
            sheet.set_header("&L" + title.replace("&", "&&") + "&R&D")
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)
    finally:
        book.close()
