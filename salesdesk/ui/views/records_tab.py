"""One tab of a customer file: a table of records with buttons under it."""

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from salesdesk.ui.icons import icon
from salesdesk.ui.models.record_table import RecordTableModel


class RecordsTab(QWidget):
    """Buttons are added by name; ``sig_action(name, key)`` says which, on which record."""

    sig_action = Signal(str, object)

    def __init__(self, headers: list[str], empty_text: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.model = RecordTableModel(headers, self)
        self.empty = QLabel(empty_text, self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)
        self._pages = QStackedWidget(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(self._double_clicked)
        self.buttons: dict[str, QPushButton] = {}
        self._row = QHBoxLayout()
        self._row.addStretch(1)
        self._default = ""
        self._pages.addWidget(self.table)
        self._pages.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.addWidget(self._pages, 1)
        layout.addLayout(self._row)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

    def add_button(self, name: str, text: str, icon_name: str, needs_selection: bool = False,
                   default: bool = False) -> QPushButton:
        button = QPushButton(icon(icon_name), text, self)
        button.clicked.connect(lambda: self.sig_action.emit(name, self.current_key()))
        button.setProperty("needs_selection", needs_selection)
        button.setEnabled(not needs_selection)
        self._row.insertWidget(self._row.count() - 1, button)
        self.buttons[name] = button
        if default:
            self._default = name
        return button

    def set_rows(self, rows: list) -> None:
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount()):
            header.resizeSection(column, min(header.sectionSize(column) + 16, 320))
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._pages.setCurrentWidget(self.table if rows else self.empty)
        self._selection_changed()

    def current_key(self) -> object:
        index = self.table.currentIndex()
        return self.model.key_at(index.row()) if index.isValid() else None

    def _selection_changed(self, *args) -> None:
        chosen = bool(self.table.selectionModel().selectedRows())
        for button in self.buttons.values():
            if button.property("needs_selection"):
                button.setEnabled(chosen and button.property("available") is not False)

    def _double_clicked(self, index: QModelIndex) -> None:
        if self._default and index.isValid() and self.buttons[self._default].isEnabled():
            self.sig_action.emit(self._default, self.model.key_at(index.row()))

    def count(self) -> int:
        return self.model.rowCount()

    def select_first(self) -> None:
        if self.model.rowCount():
            self.table.selectRow(0)
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
