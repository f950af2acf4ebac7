"""The logbook as a lazy table model: newest entries first, one page at a time.

Like the customer list (customer_table.py) it never holds every row: the first page is
read when the filter is set, the next ones when the view scrolls near the end
(``canFetchMore``/``fetchMore``), through salesdesk.services.logbook on the store's plain
sqlite3 reader. The count is one indexed query, made only when asked for.
"""

from dataclasses import replace

from PySide6.QtCore import QCoreApplication, Qt

from salesdesk.services.logbook import LogbookFilter, LogbookRow, count_entries, list_entries
from salesdesk.services.lookups import contact_kinds
from salesdesk.store.engine import Store
from salesdesk.ui.formatting import format_local_time
from salesdesk.ui.models.paged_table import PagedTableModel

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


class LogbookTableModel(PagedTableModel):
    """Logbook entries matching a filter, newest first, read page by page."""

    COLUMN_KEYS = COLUMN_KEYS

    def __init__(self, store: Store, page_size: int = PAGE_SIZE, parent=None):
        super().__init__(store, page_size, LogbookFilter(), parent)
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

    def _style(self, row: LogbookRow, key: str, role: int):
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

    # -- reading --------------------------------------------------------------------------

    def _page(self, offset: int) -> list[LogbookRow]:
        return list_entries(
            self._store.reader(), self._filter, offset=offset, limit=self._page_size
        )

    def _count(self) -> int:
        return count_entries(self._store.reader(), self._filter)

    def _reloading(self) -> None:
        self._kinds = None  # the office may have named a new kind meanwhile

    @property
    def logbook_filter(self) -> LogbookFilter:
        return replace(self._filter)


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
