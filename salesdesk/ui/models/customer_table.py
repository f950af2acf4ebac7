"""The customer list as a lazy table model: one page at a time, never every row.

Qt asks ``canFetchMore``/``fetchMore`` when the view scrolls near the end; each call
reads the next page from salesdesk.services.customer_list. Sorting and filtering
re-query from the first page.
"""

from dataclasses import replace
from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
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

# column keys, in the default order; each is a CustomerRow field and a SORT_COLUMNS key
COLUMN_KEYS = ("number", "name", "postal_code", "city", "country", "status", "group",
               "territory", "representative", "next_contact", "credit_limit", "do_not_contact")
DO_NOT_CONTACT_RED = QColor("#c62828")
_Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_ROOT = QModelIndex()  # the invisible root: a table has no children


class CustomerTableModel(QAbstractTableModel):
    """Customers matching a filter, sorted, read page by page from the store."""

    sig_reloaded = Signal()  # rows were replaced (filter, sort or refresh)

    def __init__(self, store: Store, page_size: int = PAGE_SIZE, parent=None):
        super().__init__(parent)
        self._store = store
        self._page_size = page_size
        self._filter = CustomerFilter()
        self._sort, self._descending = "name", False
        self._rows: list[CustomerRow] = []
        self._more = False
        self._loaded = False
        self._total: int | None = None
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

    # -- what the view asks -------------------------------------------------------------

    def rowCount(self, parent: _Index = _ROOT) -> int:  # override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = _ROOT) -> int:  # override
        return 0 if parent.isValid() else len(COLUMN_KEYS)

    def headerData(self, section: int, orientation, role: int = _DISPLAY):  # override
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMN_KEYS):
            return None
        if role in (_DISPLAY, Qt.ItemDataRole.ToolTipRole):
            return self._titles[COLUMN_KEYS[section]]
        return None

    def data(self, index: _Index, role: int = _DISPLAY):  # override
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, key = self._rows[index.row()], COLUMN_KEYS[index.column()]
        if role == _DISPLAY:
            return self._text(row, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, key)
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

    # -- paging ---------------------------------------------------------------------------

    def canFetchMore(self, parent: _Index = _ROOT) -> bool:  # override
        return not parent.isValid() and self._more

    def fetchMore(self, parent: _Index = _ROOT) -> None:  # override
        if parent.isValid() or not self._more:
            return
        page = self._page(len(self._rows))
        self._more = len(page) == self._page_size
        if page:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()

    def _page(self, offset: int) -> list[CustomerRow]:
        return list_customers(self._store.reader(), self._filter, sort=self._sort,
                              descending=self._descending, offset=offset,
                              limit=self._page_size)

    def reload(self) -> None:
        """Read the first page again (after a filter, a sort or a change elsewhere)."""
        page = self._page(0)
        self.beginResetModel()
        self._rows = page
        self._more = len(page) == self._page_size
        self._loaded, self._total = True, None
        self.endResetModel()
        self.sig_reloaded.emit()

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

    def set_filter(self, flt: CustomerFilter) -> None:
        if flt != self._filter or not self._loaded:
            self._filter = replace(flt)
            self.reload()

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.reload()

    @property
    def sort_key(self) -> tuple[str, bool]:
        return self._sort, self._descending

    def total(self) -> int:
        """How many customers match the filter (counted once per reload)."""
        if self._total is None:
            self._total = count_customers(self._store.reader(), self._filter)
        return self._total

    def row_at(self, row: int) -> CustomerRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, customer_id) -> int | None:
        return next((n for n, r in enumerate(self._rows) if r.id == customer_id), None)

    def column_of(self, key: str) -> int:
        return COLUMN_KEYS.index(key)


def status_label(value: str) -> str:
    try:
        return CustomerStatus(value).label
    except ValueError:
        return value
