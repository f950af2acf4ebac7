"""The Conditions page: a customer's condition records as of a day (current, upcoming,
history), new conditions and changes (successors, never edits), the price check, and the
condition sheet (views/sheet_commands.py): preview (Ctrl+P), print, save as PDF, issue,
and reprints of issued ones.

The records and the issued sheets are read on a worker thread with a connection of its
own, so a customer with thousands of list prices never blocks the window.
"""

import uuid

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError
from salesdesk.services import condition_view as cv
from salesdesk.store.engine import Store
from salesdesk.ui.clipboard import copy_selection
from salesdesk.ui.icons import icon
from salesdesk.ui.models.record_table import Cell, RecordTableModel
from salesdesk.ui.ops import Op, read_pool
from salesdesk.ui.pickers import CustomerPicker, PickedCustomer
from salesdesk.ui.print_preview import PdfPreviewDialog
from salesdesk.ui.shortcuts import local_shortcut
from salesdesk.ui.tables import style_record_table
from salesdesk.ui.views.condition_tables import SectionTab
from salesdesk.ui.views.empty_state import EmptyState
from salesdesk.ui.views.price_check import PriceCheckPanel, date_edit
from salesdesk.ui.views.sheet_commands import SheetCommands

RELOAD_DELAY_MS = 250  # typing a filter or stepping the date: read once it pauses
SHEET_LANGUAGES = (("de", "Deutsch"), ("en", "English"), ("fr", "Français"))


class ConditionsView(SheetCommands, QWidget):
    """The page; ``show_customer`` opens it for a customer (number or id)."""

    sig_open_customer = Signal(object)  # customer id
    sig_message = Signal(str)  # a short note for the status bar
    sig_changed = Signal(object)  # customer id: a condition was saved or a sheet issued

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.customer: cv.ConditionCustomer | None = None
        self.overview: cv.ConditionOverview | None = None
        self.issued: list = []
        self.dialog = None  # the open dialog (condition or preview), for tests
        self.preview: PdfPreviewDialog | None = None
        self.op: Op | None = None  # a sheet command running (sheet_commands.py)
        self.last_issued = None
        self._loading: Op | None = None
        self.picker = CustomerPicker(self)
        self.picker.set_source(store.reader)
        self.as_of = date_edit(self)
        self.general = QCheckBox(self.tr("&All-customer conditions"), self)
        self.filter = QLineEdit(self)
        self.title = QLabel(self)
        self.facts = QLabel(self)
        self.buttons: dict[str, QPushButton] = {}
        self.language = QComboBox(self)
        self.sections: dict[str, SectionTab] = {}
        self.tabs = QTabWidget(self)
        self.issued_model = RecordTableModel([self.tr("Number"), self.tr("Issued on"),
                                              self.tr("As of"), self.tr("Language"),
                                              self.tr("Pages")], self)
        self.issued_table = QTableView(self)
        self.price_check = PriceCheckPanel(store, self)
        self.empty = EmptyState("conditions", self.tr("Choose a customer"), self.tr(
            "Type a customer number or name above to see the customer's prices, discounts "
            "and terms as of a day, check a price, and print the condition sheet."), self)
        self.status = QLabel(self)
        self._pages = QStackedWidget(self)
        self._timer = QTimer(self, singleShot=True, interval=RELOAD_DELAY_MS)
        self._build()
        self._connect()
        self._show_customer_facts()
        self._update_buttons()

    # -- building -------------------------------------------------------------------------

    def _build(self) -> None:
        self.general.setChecked(True)
        self.general.setToolTip(self.tr("Also show the list prices and product-group "
                                        "conditions that apply to every customer"))
        self.filter.setPlaceholderText(self.tr("Filter by article or product group"))
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName(self.tr("Filter"))
        self.as_of.setToolTip(self.tr("The day whose conditions are shown; history as of "
                                      "any day"))
        self.picker.setAccessibleName(self.tr("Customer"))
        self.picker.setMinimumWidth(self.fontMetrics().averageCharWidth() * 36)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts.setWordWrap(True)
        self.status.setWordWrap(True)
        self._build_buttons()
        self.language.addItem(self.tr("Customer's language"), None)
        for code, name in SHEET_LANGUAGES:
            self.language.addItem(name, code)
        self.language.setToolTip(self.tr("The language the condition sheet is printed in"))
        headers = [self.tr("Condition"), self.tr("Applies to"), self.tr("For"),
                   self.tr("Value"), self.tr("Valid"), self.tr("Status"), self.tr("Note")]
        for name in cv.SECTIONS:
            section = SectionTab(headers, self)
            section.model.draft_tip = self.tr("Draft: not used for prices until released")
            self.sections[name] = section
            self.tabs.addTab(section, "")
        self.tabs.addTab(self._issued_tab(), "")
        self.tabs.setTabIcon(self.tabs.indexOf(self.sections[cv.HISTORY]), icon("history"))
        self._tab_titles()
        self.empty.add_button("find", self.tr("Find a customer"), "search", self.tr(
            "Type a customer number or name (Ctrl+F)")).clicked.connect(self.focus_search)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self._records_pane())
        splitter.addWidget(self.price_check)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setCollapsible(0, False)
        splitter.setSizes([600, 220])
        self.splitter = splitter
        self._pages.addWidget(self.empty)
        self._pages.addWidget(splitter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 4)
        layout.addLayout(self._top_row())
        layout.addLayout(self._title_row())
        layout.addWidget(self.facts)
        layout.addWidget(self._pages, 1)
        layout.addWidget(self.status)

    def _top_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        for text, widget in ((self.tr("C&ustomer"), self.picker),
                             (self.tr("As &of"), self.as_of)):
            label = QLabel(text, self)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
        row.addWidget(self.buttons["today"])
        row.addSpacing(12)
        row.addWidget(self.filter, 1)
        row.addWidget(self.general)
        return row

    def _title_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(self.title, 1)
        row.addWidget(self.buttons["file"])
        return row

    def _records_pane(self) -> QWidget:
        pane = QWidget(self)
        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        for name in ("new", "change"):
            actions.addWidget(self.buttons[name])
        actions.addStretch(1)
        for name in ("preview", "print", "pdf", "issue"):
            actions.addWidget(self.buttons[name])
        language = QLabel(self.tr("&Language"), pane)
        language.setBuddy(self.language)
        actions.addWidget(language)
        actions.addWidget(self.language)
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(actions)
        layout.addWidget(self.tabs, 1)
        return pane

    def _build_buttons(self) -> None:
        specs = {
            "today": (self.tr("&Today"), "calendar", self.tr("Show the conditions as of today")),
            "file": (self.tr("Customer &file"), "open", self.tr("Open the customer file")),
            "new": (self.tr("&New condition…"), "add",
                    self.tr("A new price, discount or surcharge for this customer, its groups "
                            "or all customers")),
            "change": (self.tr("C&hange…"), "customer-edit",
                       self.tr("Change the chosen condition from a day on: a new record "
                               "follows it, the old one keeps its values (Enter)")),
            "preview": (self.tr("Print pre&view…"), "print",
                        self.tr("Show the condition sheet as it will print (Ctrl+P)")),
            "print": (self.tr("&Print…"), "print",
                      self.tr("Choose a printer and print the condition sheet")),
            "pdf": (self.tr("Save as P&DF…"), "save",
                    self.tr("Save the condition sheet as a PDF file, without issuing it")),
            "issue": (self.tr("&Issue sheet…"), "document",
                      self.tr("Give the sheet a number and file the PDF in the customer's "
                              "documents (it can be reprinted unchanged later)")),
            "reprint": (self.tr("&Reprint…"), "print",
                        self.tr("Show the chosen issued sheet exactly as it was issued, to "
                                "print or save it again")),
        }
        for name, (text, icon_name, tip) in specs.items():
            button = QPushButton(icon(icon_name), text, self)
            button.setToolTip(tip)
            self.buttons[name] = button

    def _issued_tab(self) -> QWidget:
        tab = QWidget(self)
        table = self.issued_table
        table.setModel(self.issued_model)
        style_record_table(table, multi=False)
        table.horizontalHeader().setStretchLastSection(True)
        table.setAccessibleName(self.tr("Issued condition sheets"))
        for column, width in enumerate((130, 130, 130, 100)):
            table.horizontalHeader().resizeSection(column, width)
        self.issued_empty = QLabel(self.tr(
            "No condition sheet was issued for this customer yet. “Issue sheet…” gives the "
            "sheet a number and files it in the customer's documents."), tab)
        self.issued_empty.setWordWrap(True)
        self.issued_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.issued_empty.setEnabled(False)
        self.issued_pages = QStackedWidget(tab)
        self.issued_pages.addWidget(table)
        self.issued_pages.addWidget(self.issued_empty)
        row = QHBoxLayout()
        row.addWidget(self.buttons["reprint"])
        row.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.issued_pages, 1)
        layout.addLayout(row)
        return tab

    def _connect(self) -> None:
        b = self.buttons
        b["today"].clicked.connect(lambda: self.as_of.setDate(QDate.currentDate()))
        b["file"].clicked.connect(self._open_file)
        b["new"].clicked.connect(self.new_condition)
        b["change"].clicked.connect(self.change_condition)
        b["preview"].clicked.connect(self.print_preview)
        b["print"].clicked.connect(self.print_sheet)
        b["pdf"].clicked.connect(self.save_pdf)
        b["issue"].clicked.connect(self.issue_sheet)
        b["reprint"].clicked.connect(self.reprint)
        self.picker.sig_edited.connect(self._picked)
        self.as_of.dateChanged.connect(self._day_changed)
        self.filter.textChanged.connect(lambda *_: self._timer.start())
        self.general.toggled.connect(lambda *_: self.reload())
        self._timer.timeout.connect(self.reload)
        self.tabs.currentChanged.connect(self._update_buttons)
        for section in self.sections.values():
            section.table.doubleClicked.connect(lambda *_: self.change_condition())
            section.table.selectionModel().selectionChanged.connect(self._update_buttons)
            section.table.selectionModel().currentRowChanged.connect(
                lambda current, _previous, s=section: self._row_chosen(s, current))
            for keys in (QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)):
                local_shortcut(keys, section.table, self.change_condition)
        self.issued_table.doubleClicked.connect(lambda *_: self.reprint())
        self.issued_table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.preview_shortcut = local_shortcut(
            QKeySequence(QKeySequence.StandardKey.Print), self, self.print_preview,
            Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # -- choosing the customer --------------------------------------------------------------

    def show_customer(self, key: str | uuid.UUID) -> None:
        """Open the page for a customer by number or id (NotFound for an unknown one)."""
        customer = cv.find_customer(self.store.reader(), key)
        self.picker.blockSignals(True)  # chosen here, not typed: no second round
        self.picker.set_field_value(PickedCustomer(uuid.UUID(hex=customer.id), customer.label))
        self.picker.blockSignals(False)
        self._set_customer(customer)

    def show_number(self, number: str) -> None:
        self.show_customer(number)

    def _picked(self) -> None:
        value = self.picker.field_value()
        if value is None:
            if not self.picker.text().strip():
                self._set_customer(None)
            return
        if self.customer is None or value.hex != self.customer.id:
            self.show_customer(value)

    def _set_customer(self, customer: cv.ConditionCustomer | None) -> None:
        self.customer = customer
        self.overview = None
        self.issued = []
        self.price_check.set_customer(customer.id if customer else None,
                                      self.as_of.date().toPython())
        self._show_customer_facts()
        self.reload()

    def current_number(self) -> str:
        return self.customer.number if self.customer else ""

    def _show_customer_facts(self) -> None:
        customer = self.customer
        self._pages.setCurrentWidget(self.splitter if customer else self.empty)
        self.title.setVisible(customer is not None)
        self.facts.setVisible(customer is not None)
        self.buttons["file"].setVisible(customer is not None)
        if customer is None:
            return
        self.title.setText(f"{customer.number}   {customer.name}")
        facts = [self.tr("Price group: {group}").format(
                     group=customer.price_group.label if customer.price_group else "–"),
                 self.tr("Customer group: {group}").format(
                     group=customer.customer_group.label if customer.customer_group else "–"),
                 self.tr("Payment: {terms}").format(terms=customer.payment_terms or "–"),
                 self.tr("Currency: {currency}").format(currency=customer.currency)]
        self.facts.setText("   ·   ".join(facts))

    def _day_changed(self, day: QDate) -> None:
        self.price_check.set_day(day.toPython())
        self._timer.start()

    def _row_chosen(self, section: SectionTab, current: QModelIndex) -> None:
        """The price check follows the chosen record's article."""
        if not current.isValid():
            return
        row = section.model.rows[section.proxy.mapToSource(current).row()]
        if row.article:
            self.price_check.show_article(row.article)

    # -- reading ----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Still reading or working in the background."""
        return self._loading is not None or self.op is not None

    def refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the customer's records as of the chosen day, and its issued sheets."""
        self._timer.stop()
        if self._loading is not None:
            self._loading.cancel()
            self._loading = None
        if self.customer is None:
            self._update_buttons()
            return
        from salesdesk.services.condition_sheets import issued_sheets
        from salesdesk.store.engine import connect
        from salesdesk.ui.print_preview import PDFIUM

        path, key, on = self.store.path, self.customer.id, self.as_of.date().toPython()
        general, search = self.general.isChecked(), self.filter.text()

        def work(progress, cancelled):
            conn = connect(path)  # a connection of this worker thread
            try:
                overview = cv.customer_conditions(conn, key, on, include_general=general,
                                                  search=search)
                with PDFIUM:  # the page counts are read from the filed PDFs
                    issued = issued_sheets(conn, key)
                return overview, issued
            finally:
                conn.close()

        op = Op(work, self)
        op.sig_succeeded.connect(lambda result, op=op: self._loaded(op, result))
        op.sig_failed.connect(lambda exc, op=op: self._load_failed(op, exc))
        self._loading = op
        if not self.status.text() or self.status.text() == self._reading_text():
            self.status.setText(self._reading_text())
        self._update_buttons()
        op.start(read_pool())

    def _loaded(self, op: Op, result) -> None:
        if op is not self._loading:
            return  # overtaken by a newer read
        self._loading = None
        self.overview, self.issued = result
        on = cv.date_text(self.overview.on)
        empty = {cv.CURRENT: self.tr("No condition is in force on {date}."),
                 cv.UPCOMING: self.tr("Nothing starts after {date}, and there are no drafts."),
                 cv.HISTORY: self.tr("No condition had ended before {date}.")}
        for name, section in self.sections.items():
            hidden = self.overview.hidden.get(name, 0)
            hint = self.tr("{count} more conditions shared with other customers are not "
                           "listed; type an article or product group in the filter to find "
                           "them.").format(count=hidden) if hidden else ""
            section.set_rows(self.overview.section(name), empty[name].format(date=on), hint)
        languages = dict(SHEET_LANGUAGES)
        self.issued_model.set_rows([(sheet.id, [
            sheet.number, cv.date_text(sheet.issued_on), cv.date_text(sheet.as_of),
            languages.get(sheet.language, sheet.language),
            Cell("" if sheet.pages is None else str(sheet.pages), right=True)])
            for sheet in self.issued])
        self.issued_pages.setCurrentWidget(self.issued_table if self.issued
                                           else self.issued_empty)
        self._tab_titles()
        current = self.sections[cv.CURRENT]
        if current.current_row() is None and current.model.rows:
            current.table.selectRow(0)  # a first price in the price check
        if self.status.text() == self._reading_text():
            self.status.setText("")
        self._update_buttons()

    def _reading_text(self) -> str:
        return self.tr("Reading the conditions…")

    def _load_failed(self, op: Op, exc: Exception) -> None:
        if op is not self._loading:
            return
        self._loading = None
        self.status.setText(str(exc) if isinstance(exc, DomainError) else self.tr(
            "Cannot read the conditions: {error}").format(error=exc))
        self._update_buttons()

    def _tab_titles(self) -> None:
        titles = {cv.CURRENT: self.tr("Current"), cv.UPCOMING: self.tr("Upcoming"),
                  cv.HISTORY: self.tr("Ended")}
        for name, section in self.sections.items():
            count = len(self.overview.section(name)) if self.overview else None
            title = titles[name] if count is None else f"{titles[name]} ({count})"
            self.tabs.setTabText(self.tabs.indexOf(section), title)
        issued = self.tr("Issued sheets")
        self.tabs.setTabText(self.tabs.count() - 1,
                             f"{issued} ({len(self.issued)})" if self.overview else issued)

    def _update_buttons(self, *args) -> None:
        ready = self.customer is not None and self.overview is not None
        working = self.op is not None
        section = self.current_section()
        chosen = section is not None and section.current_row() is not None
        b = self.buttons
        b["new"].setEnabled(ready)
        b["change"].setEnabled(ready and chosen)
        for name in ("preview", "print", "pdf", "issue"):
            b[name].setEnabled(ready and not working)
        b["reprint"].setEnabled(ready and not working and self._chosen_issued() is not None)
        self.language.setEnabled(ready)

    def current_section(self) -> SectionTab | None:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, SectionTab) else None

    def show_section(self, name: str) -> SectionTab:
        section = self.sections[name]
        self.tabs.setCurrentWidget(section)
        return section

    def _chosen_issued(self):
        rows = self.issued_table.selectionModel().selectedRows()
        return self.issued_model.key_at(rows[0].row()) if rows else None

    # -- conditions -------------------------------------------------------------------------

    def new_condition(self) -> None:
        if self.customer is None:
            return
        from salesdesk.ui.dialogs.condition_dialog import ConditionDialog

        self._open_dialog(ConditionDialog(self.store, self.customer.id, None, self,
                                          on=self.as_of.date().toPython()))

    def change_condition(self) -> None:
        section = self.current_section()
        row = section.current_row() if section else None
        if row is None or self.customer is None:
            return
        from salesdesk.ui.dialogs.condition_dialog import ConditionDialog

        try:
            dialog = ConditionDialog(self.store, self.customer.id, row.record_id, self,
                                     on=self.as_of.date().toPython())
        except DomainError as exc:
            QMessageBox.warning(self, self.tr("Change condition"), str(exc))
            self.reload()
            return
        self._open_dialog(dialog)

    def _open_dialog(self, dialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._condition_saved(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _condition_saved(self, dialog) -> None:
        self.dialog = None
        self.sig_message.emit(self.tr("Condition saved."))
        self.reload()
        if self.customer is not None:
            self.sig_changed.emit(uuid.UUID(hex=self.customer.id))

    # -- window commands --------------------------------------------------------------------

    def _open_file(self) -> None:
        if self.customer is not None:
            self.sig_open_customer.emit(uuid.UUID(hex=self.customer.id))

    def focus_search(self) -> None:
        """Ctrl+F: choose another customer."""
        self.picker.setFocus()
        self.picker.selectAll()

    def copy(self) -> int:
        """Copy the chosen rows of the shown table as tab-separated text."""
        section = self.current_section()
        return copy_selection(section.table if section else self.issued_table)
