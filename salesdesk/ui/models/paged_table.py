"""A lazy table model over a store query: one page at a time, never every row.

Qt asks ``canFetchMore``/``fetchMore`` when the view scrolls near the end; each call
reads the next page. A new filter (or sort) re-reads from the first page; the count is
one query, made only when asked for. Subclasses name their columns (``COLUMN_KEYS``,
``_titles``) and say how to read a page (``_page``), count (``_count``) and show a cell
(``_text``, ``_tooltip``, ``_style``).
"""

from dataclasses import replace

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

_Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_ROOT = QModelIndex()  # the invisible root: a table has no children


class PagedTableModel(QAbstractTableModel):
    COLUMN_KEYS: tuple[str, ...] = ()

    sig_reloaded = Signal()  # rows were replaced (filter, sort or refresh)

    def __init__(self, store, page_size: int, initial_filter, parent=None):
        super().__init__(parent)
        self._store = store
        self._page_size = page_size
        self._filter = initial_filter
        self._rows: list = []
        self._more = False
        self._loaded = False
        self._total: int | None = None
        self._titles: dict[str, str] = {}

    # -- for subclasses -------------------------------------------------------------------

    def _page(self, offset: int) -> list:
        raise NotImplementedError

    def _count(self) -> int:
        raise NotImplementedError

    def _text(self, row, key: str) -> str:
        raise NotImplementedError

    def _tooltip(self, row, key: str) -> str | None:
        return None

    def _style(self, row, key: str, role: int):
        """Alignment, colour, font or icon of a cell (None: the view's default)."""
        return None

    def _reloading(self) -> None:
        """Inside the reset of a reload: forget cached names, re-read today's date…"""

    # -- what the view asks -------------------------------------------------------------

    def rowCount(self, parent: _Index = _ROOT) -> int:  # override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = _ROOT) -> int:  # override
        return 0 if parent.isValid() else len(self.COLUMN_KEYS)

    def headerData(self, section: int, orientation, role: int = _DISPLAY):  # override
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.COLUMN_KEYS):
            return None
        if role in (_DISPLAY, Qt.ItemDataRole.ToolTipRole):
            return self._titles[self.COLUMN_KEYS[section]]
        return None

    def data(self, index: _Index, role: int = _DISPLAY):  # override
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, key = self._rows[index.row()], self.COLUMN_KEYS[index.column()]
        if role == _DISPLAY:
            return self._text(row, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, key)
        return self._style(row, key, role)

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

    def reload(self) -> None:
        """Read the first page again (after a filter, a sort or a change elsewhere)."""
        page = self._page(0)
        self.beginResetModel()
        self._rows = page
        self._more = len(page) == self._page_size
        self._loaded, self._total = True, None
        self._reloading()
        self.endResetModel()
        self.sig_reloaded.emit()

    # -- for the view ---------------------------------------------------------------------

    def set_filter(self, flt) -> None:
        """Show the rows matching ``flt`` (reads the first page if anything changed)."""
        if flt != self._filter or not self._loaded:
            self._filter = replace(flt)
            self.reload()

    def is_loaded(self) -> bool:
        return self._loaded

    def total(self) -> int:
        """How many rows match the filter (counted once per reload)."""
        if self._total is None:
            self._total = self._count()
        return self._total

    def row_at(self, row: int):
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, key) -> int | None:
        return next((n for n, r in enumerate(self._rows) if r.id == key), None)

    def column_of(self, key: str) -> int:
        return self.COLUMN_KEYS.index(key)
