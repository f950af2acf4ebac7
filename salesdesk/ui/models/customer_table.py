"""The customer list as a lazy table model: one page at a time, never every row.

Qt asks ``canFetchMore``/``fetchMore`` when the view scrolls near the end; each call
reads the next page from salesdesk.services.customer_list. Sorting and filtering
re-query from the first page.
"""

from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from salesdesk.domain.customer import CustomerStatus
from salesdesk.services.customer_list import (
    PAGE_SIZE,
    CustomerFilter,
    CustomerRow,
    count_customers,
    list_customers,
)
from salesdesk.services.lookups import customer_groups, territories
from salesdesk.store.engine import Store
from salesdesk.ui.choices import country_name
from salesdesk.ui.formatting import format_date, format_money
from salesdesk.ui.icons import icon
from salesdesk.ui.models.paged_table import PagedTableModel

# column keys, in the default order; each is a CustomerRow field and a SORT_COLUMNS key
COLUMN_KEYS = ("number", "name", "postal_code", "city", "country", "status", "group",
               "territory", "representative", "next_contact", "credit_limit", "do_not_contact")
DO_NOT_CONTACT_RED = QColor("#c62828")


class CustomerTableModel(PagedTableModel):
    """Customers matching a filter, sorted, read page by page from the store."""

    COLUMN_KEYS = COLUMN_KEYS

    def __init__(self, store: Store, page_size: int = PAGE_SIZE, parent=None):
        super().__init__(store, page_size, CustomerFilter(), parent)
        self._sort, self._descending = "name", False
        self._titles = self._column_titles()
        self._names: dict[str, dict[str, str]] = {}
        self._dnc_icon = icon("do-not-contact")

    def _column_titles(self) -> dict[str, str]:
        return {
            "number": self.tr("Number"), "name": self.tr("Name"),
            "postal_code": self.tr("Postal code"), "city": self.tr("City"),
            "country": self.tr("Country"), "status": self.tr("Status"),
            "group": self.tr("Group"), "territory": self.tr("Territory"),
            "representative": self.tr("Representative"),
            "next_contact": self.tr("Next contact"), "credit_limit": self.tr("Credit limit"),
            "do_not_contact": self.tr("Contact"),
        }

    def _style(self, row: CustomerRow, key: str, role: int):
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "credit_limit":
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if key == "do_not_contact" and row.do_not_contact:
            if role == Qt.ItemDataRole.DecorationRole:
                return self._dnc_icon
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(DO_NOT_CONTACT_RED)
        return None

    def _text(self, row: CustomerRow, key: str) -> str:
        value = getattr(row, key)
        if key == "status":
            return status_label(value)
        if key == "credit_limit":
            return format_money(value, row.currency)
        if key == "next_contact":
            return format_date(value)
        if key == "do_not_contact":
            return self.tr("Do not contact") if value else ""
        return "" if value is None else str(value)

    def _tooltip(self, row: CustomerRow, key: str) -> str | None:
        if key == "do_not_contact" and row.do_not_contact:
            return self.tr("Do not contact this customer. The reason is in the customer file.")
        if key == "country" and row.country:
            return country_name(row.country)
        if key in ("group", "territory") and getattr(row, key):
            return self._lookup_names(key).get(getattr(row, key))
        if key == "next_contact" and row.next_contact and row.next_contact < date.today():
            return self.tr("Overdue")
        return None

    def forget_names(self) -> None:
        """Read group and territory names again (new ones came with an import)."""
        self._names.clear()

    def _lookup_names(self, key: str) -> dict[str, str]:
        if key not in self._names:
            load = customer_groups if key == "group" else territories
            self._names[key] = {e.code: e.name for e in load(self._store.reader())}
        return self._names[key]

    # -- reading --------------------------------------------------------------------------

    def _page(self, offset: int) -> list[CustomerRow]:
        return list_customers(self._store.reader(), self._filter, sort=self._sort,
                              descending=self._descending, offset=offset,
                              limit=self._page_size)

    def _count(self) -> int:
        return count_customers(self._store.reader(), self._filter)

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:  # override
        if not 0 <= column < len(COLUMN_KEYS):
            return
        key, descending = COLUMN_KEYS[column], order == Qt.SortOrder.DescendingOrder
        if self._loaded and (key, descending) == (self._sort, self._descending):
            return
        self._sort, self._descending = key, descending
        self.reload()  # a reset, not a layout change: the new order has its own first page

    # -- for the view ---------------------------------------------------------------------

    @property
    def customer_filter(self) -> CustomerFilter:
        return replace(self._filter)

    def configure(self, flt: CustomerFilter) -> None:
        """Set the filter before the first read (the first sort() then reads once)."""
        self._filter = replace(flt)

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.reload()

    @property
    def sort_key(self) -> tuple[str, bool]:
        return self._sort, self._descending


def status_label(value: str) -> str:
    try:
        return CustomerStatus(value).label
    except ValueError:
        return value
