"""The two lists of the Sync page that need a person: conflicts (with a panel to decide
each, buttons saying what they do) and refused changes (with their reasons, Discard and
Try again). The panes only show and ask; the page runs the decisions off the GUI thread.
"""

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from salesdesk.services.sync_review import (
    ACCEPT_DELETION,
    BOTH,
    CENTRAL,
    MINE,
    RESTORE,
    ConflictItem,
    ParkedItem,
)
from salesdesk.ui.formatting import format_local_time
from salesdesk.ui.models.record_table import Cell, RecordTableModel
from salesdesk.ui.tables import style_record_table
from salesdesk.ui.views.empty_state import EmptyState
from salesdesk.ui.views.file_rows import show_value


def one_line(value: object) -> str:
    """A value for a table cell: several lines joined."""
    return " ⏎ ".join(show_value(value).splitlines()) or show_value(value)


def fit_columns(table: QTableView, stretch: int, most: int) -> None:
    """Columns as wide as their contents (at most ``most`` pixels); ``stretch`` takes
    the rest, so nothing hides behind a horizontal scroll bar."""
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    table.resizeColumnsToContents()
    for column in range(table.model().columnCount()):
        if column == stretch:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        else:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            table.setColumnWidth(column, max(header.sectionSizeHint(column),
                                             min(table.columnWidth(column), most)))


class _ListPane(QWidget):
    """A table of items or, when there are none, a friendly sentence."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.items: list = []

    def _setup(self, headers: list[str], empty: EmptyState) -> None:
        self.model = RecordTableModel(headers, self)
        self.table = style_record_table(QTableView(self), multi=False)
        self.table.setModel(self.model)
        self.empty = empty
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)

    def current(self):
        """The selected item (None: nothing selected)."""
        index = self.table.currentIndex()
        key = self.model.key_at(index.row()) if index.isValid() else None
        return next((item for item in self.items if item.id == key), None)

    def _show_rows(self, items: list, rows: list) -> None:
        chosen = self.current()
        self.items = items
        self.model.set_rows(rows)
        self.stack.setCurrentIndex(1 if items else 0)
        keys = [item.id for item in items]
        row = keys.index(chosen.id) if chosen is not None and chosen.id in keys else 0
        if items:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)


class ConflictsPane(_ListPane):
    """Open conflicts and, beside them, the decision for the selected one."""

    sig_decide = Signal(object, str)  # conflict id, choice

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._setup([self.tr("Record"), self.tr("Field"), self.tr("On this computer"),
                     self.tr("In the central database")],
                    EmptyState("sync", self.tr("No conflicts"), self.tr(
                        "When you and someone else change the same field before "
                        "synchronising, the central value stays and both values are kept "
                        "here for you to decide."), self))
        self.table.setAccessibleName(self.tr("Conflicts"))
        self.panel = DecisionPanel(self)
        self.panel.sig_decide.connect(self.sig_decide)
        splitter = QSplitter(self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(1, False)
        splitter.setSizes([720, 380])
        self.stack.addWidget(splitter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.table.selectionModel().currentRowChanged.connect(
            lambda *_: self.panel.show_item(self.current()))

    def set_items(self, items: list[ConflictItem]) -> None:
        rows = []
        for item in items:
            if item.deleted_centrally:
                mine = self.tr("changed: {fields}").format(
                    fields=", ".join(v.label for v in item.values)) if item.values else \
                    self.tr("changed")
                central = self.tr("deleted")
            else:
                mine, central = (one_line(item.values[0].mine),
                                 one_line(item.values[0].central))
            full = (show_value(item.values[0].mine), show_value(item.values[0].central)) \
                if not item.deleted_centrally else (None, None)
            rows.append((item.id, [Cell(item.record, item.record), item.label,
                                   Cell(mine, full[0]), Cell(central, full[1])]))
        self._show_rows(items, rows)
        fit_columns(self.table, stretch=0, most=150)
        self.panel.show_item(self.current())

    def set_enabled_decisions(self, enabled: bool) -> None:
        self.panel.set_enabled_decisions(enabled)


class DecisionPanel(QWidget):
    """One conflict in full, and a button for each way to decide it."""

    sig_decide = Signal(object, str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.item: ConflictItem | None = None
        self.title = QLabel(self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.explanation = QLabel(self)
        self.explanation.setWordWrap(True)
        self.values = QFormLayout()
        self.values.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        texts = self._button_texts()
        self.buttons: dict[str, QPushButton] = {}
        for choice, (text, tip) in texts.items():
            button = QPushButton(text, self)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, c=choice: self._decide(c))
            self.buttons[choice] = button
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.explanation)
        layout.addLayout(self.values)
        for button in self.buttons.values():
            layout.addWidget(button)
        layout.addStretch(1)
        self.show_item(None)

    def _button_texts(self) -> dict[str, tuple[str, str]]:
        return {
            CENTRAL: (self.tr("Keep the central value"),
                      self.tr("Your value is dropped; this computer shows the central one")),
            MINE: (self.tr("Keep my value"),
                   self.tr("Your value replaces the central one with the next "
                           "synchronisation")),
            BOTH: (self.tr("Keep both texts"),
                   self.tr("The central text and yours, one after the other; sent with the "
                           "next synchronisation")),
            ACCEPT_DELETION: (self.tr("Accept the deletion"),
                              self.tr("The record is deleted here too; your changes to it "
                                      "are dropped")),
            RESTORE: (self.tr("Restore with my changes"),
                      self.tr("The record comes back, with your changes, for everyone, with "
                              "the next synchronisation")),
        }

    def show_item(self, item: ConflictItem | None) -> None:
        self.item = item
        while self.values.rowCount():
            self.values.removeRow(0)
        for choice, button in self.buttons.items():
            button.setVisible(item is not None and choice in item.choices)
        if item is None:
            self.title.setText(self.tr("Select a conflict to decide it."))
            self.explanation.clear()
            return
        self.title.setText(f"{item.record}\n{item.label}")
        if item.deleted_centrally:
            deleted = format_local_time(item.deleted_at) if item.deleted_at else ""
            self.explanation.setText(self.tr(
                "Someone deleted this record in the central database ({when}) while you "
                "changed it here. Your version differs in:").format(when=deleted))
            for values in item.values:
                self._value_row(values.label, self.tr("{mine}\nCentral: {central}").format(
                    mine=show_value(values.mine), central=show_value(values.central)))
        else:
            self.explanation.setText(self.tr(
                "You and someone else changed this field. The central value stays until you "
                "decide."))
            (values,) = item.values
            self._value_row(self.tr("On this computer:"), show_value(values.mine))
            self._value_row(self.tr("In the central database:"), show_value(values.central))
        self._value_row(self.tr("Found:"), format_local_time(item.detected_at))

    def _value_row(self, label: str, text: str) -> None:
        value = QLabel(text, self)
        value.setWordWrap(True)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.values.addRow(label, value)

    def set_enabled_decisions(self, enabled: bool) -> None:
        for button in self.buttons.values():
            button.setEnabled(enabled)

    def _decide(self, choice: str) -> None:
        if self.item is not None:
            self.sig_decide.emit(self.item.id, choice)


class RefusedPane(_ListPane):
    """Changes the central database refused, with why; Discard or Try again."""

    sig_discard = Signal(object)  # parked id
    sig_retry = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._setup([self.tr("Record"), self.tr("Change"), self.tr("Reason"),
                     self.tr("Refused on")],
                    EmptyState("sync", self.tr("No refused changes"), self.tr(
                        "A change the central database does not accept (no rights, a value "
                        "it does not allow) is kept here with the reason; it never holds up "
                        "your other changes."), self))
        self.table.setAccessibleName(self.tr("Refused changes"))
        self.discard_button = QPushButton(self.tr("&Discard change…"), self)
        self.discard_button.setToolTip(self.tr(
            "Give up this change; the central version of the record comes back with the "
            "next synchronisation"))
        self.discard_button.clicked.connect(self._discard)
        self.retry_button = QPushButton(self.tr("Try &again"), self)
        self.retry_button.setToolTip(self.tr(
            "Send this change again with the next synchronisation (after the office gave "
            "you the rights, say); values changed centrally meanwhile come back as "
            "conflicts to decide"))
        self.retry_button.clicked.connect(self._retry)
        page = QWidget(self)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.discard_button)
        inner = QVBoxLayout(page)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self.table)
        inner.addLayout(buttons)
        self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    def set_items(self, items: list[ParkedItem]) -> None:
        self._show_rows(items, [(item.id, [item.record, item.action,
                                           Cell(item.reason, f"{item.reason}\n\n{item.detail}"),
                                           format_local_time(item.parked_at)])
                                for item in items])
        fit_columns(self.table, stretch=2, most=320)

    def set_enabled_decisions(self, enabled: bool) -> None:
        self.discard_button.setEnabled(enabled)
        self.retry_button.setEnabled(enabled)

    def _discard(self) -> None:
        item = self.current()
        if item is None:
            return
        buttons = QMessageBox.StandardButton
        if QMessageBox.question(
                self, self.tr("Discard change"),
                self.tr("Discard your change to {record}? The central version comes back "
                        "with the next synchronisation.").format(record=item.record),
                buttons.Yes | buttons.Cancel, buttons.Cancel) == buttons.Yes:
            self.sig_discard.emit(item.id)

    def _retry(self) -> None:
        item = self.current()
        if item is not None:
            self.sig_retry.emit(item.id)
