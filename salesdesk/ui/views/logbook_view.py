"""The logbook: every visit, call and e-mail, newest first, with filters and a detail pane.

One widget serves two places: the Logbook page of the window (all customers; a
double-click opens the customer) and the Logbook tab of a customer file
(``customer_id`` given: that customer's entries, without the customer column).
"""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError, NotFound
from salesdesk.services.logbook import LogbookFilter, delete_entry
from salesdesk.services.lookups import contact_kinds, users
from salesdesk.store.engine import Store
from salesdesk.ui.attachments import open_stored_document
from salesdesk.ui.clipboard import copy_selection
from salesdesk.ui.formatting import format_count
from salesdesk.ui.forms import fill_combo
from salesdesk.ui.icons import icon
from salesdesk.ui.models.logbook_table import COLUMN_KEYS, LogbookTableModel
from salesdesk.ui.shortcuts import local_shortcut
from salesdesk.ui.tables import style_record_table
from salesdesk.ui.views.empty_state import EmptyState
from salesdesk.ui.views.logbook_detail import (
    CUSTOMER_LINK,
    DOCUMENT_LINK,
    EntryDetail,
    detail_html,
    load_detail,
)

SEARCH_DELAY_MS = 200  # typing pauses shorter than this do not query
PERIOD_ALL, PERIOD_CUSTOM = "all", "custom"
PERIODS_DAYS = {"30d": 30, "90d": 91, "12m": 365}
WIDTHS = {
    "occurred_at": 120,
    "customer": 230,
    "kind": 90,
    "subject": 230,
    "contacts": 150,
    "user": 110,
    "duration": 70,
    "outcome": 200,
}


class LogbookView(QWidget):
    """Logbook entries with filters, New/Edit/Delete and the selected entry in full."""

    sig_open_customer = Signal(object)  # customer id (the global logbook)
    sig_changed = Signal(object)  # customer id: an entry was written, corrected or deleted
    sig_count_changed = Signal(int)  # entries matching the filters

    def __init__(
        self,
        store: Store,
        parent: QWidget | None = None,
        customer_id: uuid.UUID | None = None,
        *,
        global_view: bool | None = None,
    ):
        """``global_view`` False: a customer file's tab, whose customer comes later with
        set_customer (default: global exactly when no customer is given)."""
        super().__init__(parent)
        self.store = store
        self.customer_id = customer_id
        self.global_view = customer_id is None if global_view is None else global_view
        self.dialog = None  # the open dialog, if any (tests, and to keep it alive)
        self.detail_entry: EntryDetail | None = None
        self._stale = True
        self.model = LogbookTableModel(store, parent=self)
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.apply_filter)
        self._detail_timer = QTimer(self, singleShot=True, interval=0)
        self._detail_timer.timeout.connect(self._load_detail)
        self._build_filters()
        self._build_table()
        self._build_buttons()
        self.detail = QTextBrowser(self)
        self.detail.setOpenLinks(False)
        self.detail.anchorClicked.connect(self._link_clicked)
        self.detail.setMinimumWidth(260)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([660, 340])  # scaled to the width the page gets
        self.splitter.setChildrenCollapsible(False)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.splitter)
        layout = QVBoxLayout(self)
        if self.global_view:
            layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self.filter_row)
        layout.addWidget(self.pages, 1)
        layout.addLayout(self.button_row)
        self.model.sig_reloaded.connect(self._reloaded)
        self._update_buttons()

    # -- building -------------------------------------------------------------------------

    def _build_filters(self) -> None:
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search the logbook…"))
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setToolTip(
            self.tr("Finds entries by words in their subject, notes and outcome, as you type")
        )
        self.search.setMinimumWidth(180)
        self.search.textChanged.connect(self._timer.start)
        self.kind = self._combo(self.tr("Filter by kind of contact"))
        self.user = self._combo(self.tr("Filter by the user who wrote the entry"))
        self.period = self._combo(self.tr("Show the entries of a period"))
        fill_combo(
            self.period,
            [
                (self.tr("All time"), PERIOD_ALL),
                (self.tr("Last 30 days"), "30d"),
                (self.tr("Last 3 months"), "90d"),
                (self.tr("Last 12 months"), "12m"),
                (self.tr("Custom period…"), PERIOD_CUSTOM),
            ],
        )
        today = QDate.currentDate()
        self.date_from = self._date(today.addMonths(-1), self.tr("First day of the period"))
        self.date_to = self._date(today, self.tr("Last day of the period"))
        self.to_label = QLabel(self.tr("to"), self)
        self.reset_button = QToolButton(self)
        self.reset_button.setText(self.tr("Reset filters"))
        self.reset_button.setToolTip(self.tr("Show all entries again"))
        self.reset_button.clicked.connect(self.reset_filters)
        self._fill_choices()
        self._show_custom_dates()
        self.filter_row = QHBoxLayout()
        self.filter_row.addWidget(self.search, 2)
        for widget in (
            self.kind,
            self.user,
            self.period,
            self.date_from,
            self.to_label,
            self.date_to,
            self.reset_button,
        ):
            self.filter_row.addWidget(widget)
        self.period.currentIndexChanged.connect(self._show_custom_dates)
        # connected once filled: building the bar must not read the store
        for combo in (self.kind, self.user, self.period):
            combo.currentIndexChanged.connect(self.apply_filter)
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self.apply_filter)

    def _combo(self, tip: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setToolTip(tip)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(12)
        return combo

    def _date(self, value: QDate, tip: str) -> QDateEdit:
        edit = QDateEdit(value, self)
        edit.setCalendarPopup(True)
        edit.setToolTip(tip)
        return edit

    def _fill_choices(self) -> None:
        """The kinds and users to filter by, from the store (keeps what is chosen)."""
        reader = self.store.reader()
        for combo, everything, items in (
            (
                self.kind,
                self.tr("All kinds"),
                [(e.label, e.code) for e in contact_kinds(reader, with_inactive=True)],
            ),
            (self.user, self.tr("All users"), [(e.name, str(e.id)) for e in users(reader)]),
        ):
            chosen = combo.currentData()
            combo.blockSignals(True)
            fill_combo(combo, items, empty=everything)
            combo.setCurrentIndex(max(combo.findData(chosen), 0) if chosen else 0)
            combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)
            combo.blockSignals(False)

    def _build_table(self) -> None:
        table = self.table = QTableView(self)
        table.setModel(self.model)
        style_record_table(table)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsMovable(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        char = table.fontMetrics().averageCharWidth()
        for column, key in enumerate(COLUMN_KEYS):
            header.resizeSection(
                column,
                max(
                    WIDTHS[key],
                    char * len(self.model.headerData(column, Qt.Orientation.Horizontal)) + 24,
                ),
            )
        header.setSectionHidden(COLUMN_KEYS.index("customer"), not self.global_view)
        table.doubleClicked.connect(self._activated)
        table.selectionModel().currentRowChanged.connect(self._current_changed)
        table.selectionModel().selectionChanged.connect(self._update_buttons)
        for keys in (QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)):
            local_shortcut(
                keys,
                table,
                lambda: self._activated(table.currentIndex()),
                context=Qt.ShortcutContext.WidgetShortcut,
            )
        local_shortcut(
            QKeySequence(QKeySequence.StandardKey.Delete),
            table,
            self.delete_current,
            context=Qt.ShortcutContext.WidgetShortcut,
        )

    def _build_buttons(self) -> None:
        self.new_button = QPushButton(icon("add"), self.tr("New entry…"), self)
        self.new_button.setToolTip(
            self.tr("Write down a visit, call or e-mail, and what follows from it")
        )
        self.new_button.clicked.connect(self.new_entry)
        self.edit_button = QPushButton(icon("customer-edit"), self.tr("Edit…"), self)
        self.edit_button.clicked.connect(self.edit_current)
        self.delete_button = QPushButton(icon("delete"), self.tr("Delete…"), self)
        self.delete_button.clicked.connect(self.delete_current)
        self.count_label = QLabel(self)
        self.count_label.setEnabled(False)  # quiet
        self.button_row = QHBoxLayout()
        self.button_row.addWidget(self.count_label)
        self.button_row.addStretch(1)
        for button in (self.new_button, self.edit_button, self.delete_button):
            self.button_row.addWidget(button)

    @cached_property
    def empty(self) -> EmptyState:
        """No entries at all (of this customer): what the logbook is for (built when needed)."""
        if self.global_view:
            title = self.tr("No logbook entries yet")
            text = self.tr(
                "The logbook keeps every visit, phone call and e-mail with your customers: "
                "who took part, what it was about and what follows. Write the first entry "
                "with New entry…, or from the Logbook tab of a customer file."
            )
        else:
            title = self.tr("No logbook entries for this customer yet")
            text = self.tr(
                "Write down each visit, phone call or e-mail with New entry…: who took part, "
                "what it was about, and the task, appointment or next contact that follows."
            )
        page = EmptyState("logbook", title, text, self)
        page.add_button(
            "new", self.tr("New entry…"), "add", self.tr("Write the first logbook entry")
        ).clicked.connect(self.new_entry)
        self.pages.addWidget(page)
        return page

    @cached_property
    def no_match(self) -> EmptyState:
        page = EmptyState(
            "search",
            self.tr("No entries match"),
            self.tr(
                "No logbook entry matches the search and the filters above. Check the spelling, "
                "choose a longer period, or show all entries again."
            ),
            self,
        )
        page.add_button(
            "reset",
            self.tr("Reset filters"),
            "refresh",
            self.tr("Clear the search and the filters: show all entries"),
        ).clicked.connect(self.reset_filters)
        self.pages.addWidget(page)
        return page

    # -- filters --------------------------------------------------------------------------

    def logbook_filter(self) -> LogbookFilter:
        """What the filter bar asks for (period bounds in UTC, from local midnight)."""
        kind = self.kind.currentData()
        user = self.user.currentData()
        start, end = self._period()
        return LogbookFilter(
            customer_id=self.customer_id,
            kinds=(kind,) if kind else (),
            user_id=uuid.UUID(user) if user else None,
            start=start,
            end=end,
            text=self.search.text().strip(),
        )

    def _period(self) -> tuple[datetime | None, datetime | None]:
        period = self.period.currentData()
        if period in PERIODS_DAYS:
            return _local_midnight(date.today() - timedelta(days=PERIODS_DAYS[period])), None
        if period == PERIOD_CUSTOM:
            first, last = self.date_from.date().toPython(), self.date_to.date().toPython()
            return _local_midnight(first), _local_midnight(last + timedelta(days=1))
        return None, None

    def _show_custom_dates(self) -> None:
        custom = self.period.currentData() == PERIOD_CUSTOM
        for widget in (self.date_from, self.to_label, self.date_to):
            widget.setVisible(custom)

    def is_filtered(self) -> bool:
        return self.logbook_filter() != LogbookFilter(customer_id=self.customer_id)

    def apply_filter(self) -> None:
        self._timer.stop()
        if not self.global_view and self.customer_id is None:
            return
        self.model.set_filter(self.logbook_filter())
        self._stale = False

    def reset_filters(self) -> None:
        self.restore({})
        self.apply_filter()

    def state(self) -> dict:
        """The filters, to remember between sessions (ids as text, never shown)."""
        return {
            "search": self.search.text(),
            "kind": self.kind.currentData() or "",
            "user": self.user.currentData() or "",
            "period": self.period.currentData() or PERIOD_ALL,
            "from": self.date_from.date().toString(Qt.DateFormat.ISODate),
            "to": self.date_to.date().toString(Qt.DateFormat.ISODate),
        }

    def restore(self, state: dict) -> None:
        """Put remembered filters back without reading the store for each one."""
        widgets = (self.search, self.kind, self.user, self.period, self.date_from, self.date_to)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.search.setText(str(state.get("search", "")))
            for combo, key, default in (
                (self.kind, "kind", None),
                (self.user, "user", None),
                (self.period, "period", PERIOD_ALL),
            ):
                combo.setCurrentIndex(max(combo.findData(state.get(key) or default), 0))
            for edit, key in ((self.date_from, "from"), (self.date_to, "to")):
                day = QDate.fromString(str(state.get(key, "")), Qt.DateFormat.ISODate)
                if day.isValid():
                    edit.setDate(day)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._timer.stop()
        self._show_custom_dates()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # -- reading --------------------------------------------------------------------------

    def set_customer(self, customer_id: uuid.UUID) -> None:
        """Show another customer's logbook (the customer file was refilled)."""
        self.customer_id = customer_id
        self._stale = True
        if self.isVisible():
            self.reload()

    def showEvent(self, event) -> None:  # override
        super().showEvent(event)
        if self._stale:
            self.reload()

    def ensure_loaded(self) -> None:
        """Read the first page now if the filters or the customer changed since."""
        if self._stale or not self.model.is_loaded():
            self.reload()

    def reload(self, select: uuid.UUID | None = None) -> None:
        """Read again from the store, keeping the current entry (or ``select``) selected."""
        if not self.global_view and self.customer_id is None:
            return  # a customer file's tab before its customer is known
        current = select or self.current_entry_id()
        self._stale = False
        flt = self.logbook_filter()
        if flt != self.model.logbook_filter or not self.model.is_loaded():
            self.model.set_filter(flt)
        else:
            self.model.reload()
        if current is not None:
            self.select_entry(current)

    def refresh(self) -> None:
        """Read the filter choices and the entries again (F5)."""
        self._fill_choices()
        self.reload()

    def _reloaded(self) -> None:
        rows = self.model.rowCount()
        if rows:
            self.pages.setCurrentWidget(self.splitter)
            self.table.selectRow(0)
        elif self.is_filtered():
            self.pages.setCurrentWidget(self.no_match)
        else:
            self.pages.setCurrentWidget(self.empty)
        self._show_filters(rows > 0 or self.is_filtered())
        if not rows:
            self._show_detail(None)
        QTimer.singleShot(0, self, self._count)  # counting can wait until the page is drawn

    def _show_filters(self, shown: bool) -> None:
        """An empty logbook has nothing to filter: the welcome page alone."""
        for widget in (
            self.search,
            self.kind,
            self.user,
            self.period,
            self.reset_button,
            self.count_label,
            self.new_button,
            self.edit_button,
            self.delete_button,
        ):
            widget.setVisible(shown)
        if shown:
            self._show_custom_dates()
        else:
            for widget in (self.date_from, self.to_label, self.date_to):
                widget.setVisible(False)

    def _count(self) -> None:
        total = self.model.total()
        text = self.tr("{count} entry") if total == 1 else self.tr("{count} entries")
        self.count_label.setText(text.format(count=format_count(total)))
        self.sig_count_changed.emit(total)

    def empty_page(self) -> EmptyState | None:
        """The page shown instead of the table, if any."""
        page = self.pages.currentWidget()
        return page if isinstance(page, EmptyState) else None

    # -- selection and the detail pane ----------------------------------------------------

    def current_entry_id(self) -> uuid.UUID | None:
        row = self.model.row_at(self.table.currentIndex().row())
        return row.id if row else None

    def select_entry(self, entry_id: uuid.UUID) -> bool:
        row = self.model.row_of(entry_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def _current_changed(self, *args) -> None:
        """The pane follows the current row once the table is drawn (and only for the row
        the user stops at when moving fast)."""
        self.detail_entry = None
        self._update_buttons()
        self._detail_timer.start()

    def load_detail_now(self) -> EntryDetail | None:
        """Read the current entry into the pane (if not done yet); the entry shown."""
        if self._detail_timer.isActive() or (
            self.detail_entry is None and self.current_entry_id() is not None
        ):
            self._detail_timer.stop()
            self._load_detail()
        return self.detail_entry

    def _load_detail(self) -> None:
        row = self.model.row_at(self.table.currentIndex().row())
        if row is None:
            self._show_detail(None)
            return
        try:
            self._show_detail(load_detail(self.store, row.id))
        except NotFound:
            self._show_detail(None)

    def _show_detail(self, detail: EntryDetail | None) -> None:
        self.detail_entry = detail
        if detail is None:
            hint = self.tr("Select an entry to read it in full.")
            self.detail.setHtml(f"<p style='color:gray'>{hint}</p>")
        else:
            self.detail.setHtml(detail_html(detail, link_customer=self.global_view))
        self._update_buttons()

    def _update_buttons(self, *args) -> None:
        detail = self.detail_entry
        chosen = detail is not None and len(self.table.selectionModel().selectedRows()) <= 1
        refusal = detail.refusal if detail is not None else None
        for button, tip in (
            (self.edit_button, self.tr("Correct the selected entry")),
            (self.delete_button, self.tr("Delete the selected entry (a reason is asked for)")),
        ):
            button.setEnabled(chosen and refusal is None)
            if not chosen:
                button.setToolTip(self.tr("Select an entry first"))
            else:
                button.setToolTip(refusal or tip)

    def _link_clicked(self, url: QUrl) -> None:
        target = url.toString()
        if target.startswith(CUSTOMER_LINK):
            self.sig_open_customer.emit(uuid.UUID(target.removeprefix(CUSTOMER_LINK)))
        elif target.startswith(DOCUMENT_LINK):
            self.open_document(uuid.UUID(target.removeprefix(DOCUMENT_LINK)))

    def open_document(self, document_id: uuid.UUID) -> None:
        """Open an attachment with the system's viewer (a copy under its own name)."""
        open_stored_document(self, self.store, document_id)

    def _activated(self, index: QModelIndex) -> None:
        """Double-click or Enter: the global logbook opens the customer, a file's tab the
        entry (when it can still be corrected)."""
        row = self.model.row_at(index.row()) if index.isValid() else None
        if row is None:
            return
        if self.global_view:
            self.sig_open_customer.emit(row.customer_id)
        elif self.edit_button.isEnabled():
            self.edit_current()

    def copy(self) -> int:
        return copy_selection(self.table)

    # -- writing --------------------------------------------------------------------------

    def new_entry(self) -> None:
        from salesdesk.ui.dialogs.logbook_entry import LogbookEntryDialog

        dialog = LogbookEntryDialog(self.store, customer_id=self.customer_id, parent=self)
        self._run_dialog(dialog, lambda: self._written(dialog.saved_id, dialog.customer_id))

    def edit_current(self) -> None:
        detail = self.load_detail_now()
        if detail is None or detail.refusal is not None:
            return
        from salesdesk.ui.dialogs.logbook_entry import LogbookEntryDialog

        dialog = LogbookEntryDialog(self.store, entry_id=detail.id, parent=self)
        self._run_dialog(dialog, lambda: self._written(detail.id, detail.customer_id))

    def delete_current(self) -> None:
        detail = self.load_detail_now()
        if detail is None or not self.delete_button.isEnabled():
            return
        from salesdesk.ui.dialogs.logbook_entry import DeleteEntryDialog

        when = self.model.data(self.table.currentIndex().siblingAtColumn(0))
        label = f"{detail.subject} ({when})"
        dialog = DeleteEntryDialog(label, self)
        self._run_dialog(dialog, lambda: self._delete(detail, dialog.reason()))

    def _run_dialog(self, dialog, on_accepted) -> None:
        self.dialog = dialog
        dialog.accepted.connect(on_accepted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _delete(self, detail: EntryDetail, reason: str) -> None:
        try:
            with self.store.session() as session:
                delete_entry(session, detail.id, reason)
                session.commit()
        except DomainError as exc:
            QMessageBox.warning(self, self.tr("Delete logbook entry"), str(exc))
            return
        self.reload()
        self.sig_changed.emit(detail.customer_id)

    def _written(self, entry_id: uuid.UUID | None, customer_id: uuid.UUID | None) -> None:
        self._fill_choices()  # a first entry of a new user adds them to the user filter
        self.reload(select=entry_id)
        if entry_id is not None and self.model.row_of(entry_id) is None and self.is_filtered():
            # the filters hide the entry just saved: show it rather than let it vanish
            self.restore({})
            self.reload(select=entry_id)
        self.sig_changed.emit(customer_id)


def _local_midnight(day: date) -> datetime:
    """The start of ``day`` on this computer's clock, as UTC."""
    return datetime.combine(day, time()).astimezone().astimezone(UTC)
