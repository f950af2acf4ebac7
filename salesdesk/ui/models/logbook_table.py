"""The logbook as a lazy table model: newest entries first, one page at a time.

Like the customer list (customer_table.py) it never holds every row: the first page is
read when the filter is set, the next ones when the view scrolls near the end
(``canFetchMore``/``fetchMore``), through salesdesk.services.logbook on the store's plain
sqlite3 reader. The count is one indexed query, made only when asked for.
"""

import uuid
from dataclasses import replace

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from salesdesk.services.logbook import LogbookFilter, LogbookRow, count_entries, list_entries
from salesdesk.services.lookups import contact_kinds
from salesdesk.store.engine import Store
from salesdesk.ui.formatting import format_local_time

PAGE_SIZE = 200
# column keys in their order; "customer" is hidden when the view shows one customer
COLUMN_KEYS = (
    "occurred_at",
    "customer",
    "kind",
    "subject",
    "contacts",
    "user",
    "duration",
    "outcome",
)
TOOLTIP_CHARS = 600
_Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_ROOT = QModelIndex()


class LogbookTableModel(QAbstractTableModel):
    """Logbook entries matching a filter, newest first, read page by page."""

    sig_reloaded = Signal()  # rows were replaced (filter or refresh)

    def __init__(self, store: Store, page_size: int = PAGE_SIZE, parent=None):
        super().__init__(parent)
        self._store = store
        self._page_size = page_size
        self._filter = LogbookFilter()
        self._rows: list[LogbookRow] = []
        self._more = False
        self._loaded = False
        self._total: int | None = None
        self._kinds: dict[str, str] | None = None
        self._titles = {
            "occurred_at": self.tr("Date"),
            "customer": self.tr("Customer"),
            "kind": self.tr("Kind"),
            "subject": self.tr("Subject"),
            "contacts": self.tr("Contact persons"),
            "user": self.tr("User"),
            "duration": self.tr("Duration"),
            "outcome": self.tr("Outcome"),
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
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "duration":
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def _text(self, row: LogbookRow, key: str) -> str:
        if key == "occurred_at":
            return format_local_time(row.occurred_at)
        if key == "customer":
            return f"{row.customer_number} {row.customer_name}".strip()
        if key == "kind":
            return self.kind_label(row.kind)
        if key == "duration":
            return format_duration(row.duration_minutes)
        if key == "user":
            return row.user_name
        if key == "outcome":
            return _one_line(row.outcome)
        return _one_line(getattr(row, key))

    def _tooltip(self, row: LogbookRow, key: str) -> str | None:
        if key == "subject" and row.notes:
            return _shortened(f"{row.subject}\n\n{row.notes}")
        if key == "outcome" and row.outcome:
            return _shortened(row.outcome)
        if key in ("customer", "contacts", "subject") and self._text(row, key):
            return self._text(row, key)
        return None

    def kind_label(self, code: str) -> str:
        """The kind of contact as the office named it (or the built-in label)."""
        if self._kinds is None:
            self._kinds = {
                e.code: e.label for e in contact_kinds(self._store.reader(), with_inactive=True)
            }
        return self._kinds.get(code, code)

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

    def _page(self, offset: int) -> list[LogbookRow]:
        return list_entries(
            self._store.reader(), self._filter, offset=offset, limit=self._page_size
        )

    def reload(self) -> None:
        """Read the first page again (after a filter or a change)."""
        page = self._page(0)
        self.beginResetModel()
        self._rows = page
        self._more = len(page) == self._page_size
        self._loaded, self._total = True, None
        self._kinds = None  # the office may have named a new kind meanwhile
        self.endResetModel()
        self.sig_reloaded.emit()

    # -- for the view ---------------------------------------------------------------------

    @property
    def logbook_filter(self) -> LogbookFilter:
        return replace(self._filter)

    def set_filter(self, flt: LogbookFilter) -> None:
        """Show the entries matching ``flt`` (reads the first page if anything changed)."""
        if flt != self._filter or not self._loaded:
            self._filter = replace(flt)
            self.reload()

    def is_loaded(self) -> bool:
        return self._loaded

    def total(self) -> int:
        """How many entries match the filter (counted once per reload)."""
        if self._total is None:
            self._total = count_entries(self._store.reader(), self._filter)
        return self._total

    def row_at(self, row: int) -> LogbookRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, entry_id: uuid.UUID) -> int | None:
        return next((n for n, r in enumerate(self._rows) if r.id == entry_id), None)

    def column_of(self, key: str) -> int:
        return COLUMN_KEYS.index(key)


def format_duration(minutes: int | None) -> str:
    """45 → "45 min", 90 → "1 h 30 min", 0 → "" (not recorded)."""
    if not minutes:
        return ""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return translate("LogbookTableModel", "{minutes} min").format(minutes=rest)
    if not rest:
        return translate("LogbookTableModel", "{hours} h").format(hours=hours)
    return translate("LogbookTableModel", "{hours} h {minutes} min").format(
        hours=hours, minutes=rest
    )


def translate(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


def _one_line(text: str) -> str:
    """A multi-line text in one table cell: its lines joined."""
    return " ".join(part.strip() for part in (text or "").splitlines() if part.strip())


def _shortened(text: str) -> str:
    return text if len(text) <= TOOLTIP_CHARS else text[:TOOLTIP_CHARS].rstrip() + " …"
