"""The tables of the conditions page: condition rows sorted by date and value as such,
and one section (current, upcoming, history) with its empty text and its note."""

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QStackedWidget, QTableView, QVBoxLayout, QWidget

from salesdesk.services import condition_view as cv
from salesdesk.ui.tables import style_record_table

COLUMNS = ("type", "applies_to", "for_whom", "value", "validity", "status", "note")
WIDTHS = {"type": 160, "applies_to": 280, "for_whom": 130, "value": 160, "validity": 185,
          "status": 80, "note": 90}
SORT_ROLE = Qt.ItemDataRole.UserRole
_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


class ConditionTableModel(QAbstractTableModel):
    """Condition rows; the sort role sorts dates and values as such, not as text."""

    def __init__(self, headers: list[str], parent=None):
        super().__init__(parent)
        self._headers = headers
        self.rows: list[cv.ConditionRow] = []
        self.draft_tip = ""

    def set_rows(self, rows: list[cv.ConditionRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: _Index = _ROOT) -> int:  # override
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = _ROOT) -> int:  # override
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        # override
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):  # override
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, column = self.rows[index.row()], COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = row.texts[index.column()]
            if role == Qt.ItemDataRole.ToolTipRole and not row.released:
                return f"{text}\n{self.draft_tip}" if text else self.draft_tip
            return text
        if role == SORT_ROLE:
            if column == "validity":
                return row.valid_from.toordinal()
            if column == "value":
                return float(row.first_value)  # only the order matters here
            return row.texts[index.column()].casefold()
        if role == Qt.ItemDataRole.FontRole and not row.released:
            font = QFont()
            font.setItalic(True)
            return font
        return None


class SectionTab(QWidget):
    """One section (current, upcoming, history): a sortable table, or a sentence when it
    is empty, and a note when shared rows were left out."""

    def __init__(self, headers: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.model = ConditionTableModel(headers, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        style_record_table(self.table, multi=True)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for column, key in enumerate(COLUMNS):
            title = headers[column]
            needed = header.fontMetrics().horizontalAdvance(title) + 28
            header.resizeSection(column, max(WIDTHS[key], needed))
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # as read: own rows first
        self.table.setSortingEnabled(True)
        self.empty = QLabel(self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setEnabled(False)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.table)
        self.pages.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.hint)

    def set_rows(self, rows: list[cv.ConditionRow], empty_text: str, hint: str) -> None:
        chosen = self.current_record()
        self.model.set_rows(rows)
        self.empty.setText(empty_text)
        self.pages.setCurrentWidget(self.table if rows else self.empty)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        if chosen is not None:
            self.select_record(chosen)

    def current_row(self) -> cv.ConditionRow | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(
                index.row(), QModelIndex()):
            return None
        return self.model.rows[self.proxy.mapToSource(index).row()]

    def current_record(self) -> str | None:
        row = self.current_row()
        return row.record_id if row else None

    def select_record(self, record_id: str) -> bool:
        for number, row in enumerate(self.model.rows):
            if row.record_id == record_id:
                self.table.selectRow(self.proxy.mapFromSource(self.model.index(number, 0))
                                     .row())
                return True
        return False
