"""The customer list page: filters, the lazy table, the column chooser."""

import uuid
from functools import cached_property

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QMenu,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from salesdesk.services.customer_list import CustomerFilter, count_customers
from salesdesk.store.engine import Store
from salesdesk.ui.choices import status_items
from salesdesk.ui.clipboard import copy_selection
from salesdesk.ui.models.customer_table import COLUMN_KEYS, CustomerTableModel
from salesdesk.ui.settings import Settings
from salesdesk.ui.shortcuts import local_shortcut
from salesdesk.ui.tables import style_record_table
from salesdesk.ui.views.empty_state import EmptyState
from salesdesk.ui.views.filter_bar import CustomerFilterBar

HEADER_KEY = "customer_list/header"
FILTER_KEY = "customer_list/filters"
ALWAYS_SHOWN = ("number", "name")
WIDTHS = {"number": 80, "name": 200, "postal_code": 70, "city": 120, "country": 60,
          "status": 70, "group": 60, "territory": 70, "representative": 140,
          "next_contact": 100, "credit_limit": 100, "do_not_contact": 120}
HIDDEN_AT_FIRST = ("group", "territory")  # one right-click on the header shows them
DEMO_CUSTOMERS = 2000  # "Fill with demo data" on an empty store


class CustomerListView(QWidget):
    """Customers matching the filters; Enter or double-click opens a customer file."""

    sig_open_customer = Signal(object)  # customer id
    sig_count_changed = Signal(int)  # customers matching the filters
    sig_selection_changed = Signal()
    # what the empty store offers; the window does them
    sig_new_customer = Signal()
    sig_import = Signal()
    sig_demo_data = Signal()

    def __init__(self, store: Store, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self._store, self._settings = store, settings
        self.filters = CustomerFilterBar(store, self)
        self.model = CustomerTableModel(store, parent=self)
        self._fit_pending = True
        self.table = QTableView(self)
        self._pages = QStackedWidget(self)
        self._busy = False
        self._build()
        self.filters.sig_changed.connect(self.apply_filter)
        self.model.sig_reloaded.connect(self._reloaded)
        self.table.doubleClicked.connect(self._open_index)
        self.table.selectionModel().selectionChanged.connect(self.sig_selection_changed)
        self.table.selectionModel().currentRowChanged.connect(self.sig_selection_changed)

    def _build(self) -> None:
        table = self.table
        table.setModel(self.model)
        style_record_table(table)
        header = table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        self._default_columns()
        for keys in (QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)):
            local_shortcut(keys, table, self.open_current,
                      context=Qt.ShortcutContext.WidgetShortcut)
        self._pages.addWidget(table)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.filters)
        layout.addWidget(self._pages, 1)

    @cached_property
    def welcome(self) -> EmptyState:
        """A fresh install: no customers at all (built when first shown)."""
        page = EmptyState("customers", self.tr("No customers yet"), self.tr(
            "Create your first customer file, import your customers from a spreadsheet "
            "(Excel or CSV), or fill SalesDesk with made-up demo customers to try it out."),
            self)
        page.add_button("new", self.tr("New customer…"), "customer-new",
                        self.tr("Create a customer file (Ctrl+N)")).clicked.connect(
            self.sig_new_customer)
        page.add_button("import", self.tr("Import…"), "import",
                        self.tr("Import customers from an Excel or CSV file")).clicked.connect(
            self.sig_import)
        page.add_button("demo", self.tr("Fill with demo data"), "add", self.tr(
            "Add {count} made-up customers with contacts and addresses, to try SalesDesk "
            "out").format(count=DEMO_CUSTOMERS)).clicked.connect(self.sig_demo_data)
        self._pages.addWidget(page)
        self._show_busy(page)
        return page

    @cached_property
    def no_match(self) -> EmptyState:
        """Customers exist, but the search or the filters hide them all (built when needed)."""
        page = EmptyState("search", self.tr("No customers match"), self.tr(
            "No customer matches the search and the filters above. Check the spelling, "
            "search for fewer words, or show all customers again."), self)
        page.add_button("reset", self.tr("Reset filters"), "refresh",
                        self.tr("Clear the search and the filters: show all customers")
                        ).clicked.connect(self.filters.reset)
        self._pages.addWidget(page)
        return page

    def set_busy(self, busy: bool) -> None:
        """While an import or the demo data run, the empty store offers nothing else."""
        self._busy = busy
        if "welcome" in self.__dict__:  # built already
            self._show_busy(self.welcome)

    def _show_busy(self, page: EmptyState) -> None:
        for button in page.buttons.values():
            button.setEnabled(not self._busy)

    # -- state ----------------------------------------------------------------------------

    def load(self) -> None:
        """Restore the user's columns and filters, then read the first page (once)."""
        header = self.table.horizontalHeader()
        header.setSortIndicator(COLUMN_KEYS.index("name"), Qt.SortOrder.AscendingOrder)
        saved = self._settings.blob(HEADER_KEY)
        if saved is not None and header.restoreState(saved):
            self._fit_pending = False
        else:
            self._default_columns()
            header.setSortIndicator(COLUMN_KEYS.index("name"), Qt.SortOrder.AscendingOrder)
        for key in ALWAYS_SHOWN:
            header.setSectionHidden(COLUMN_KEYS.index(key), False)
        self.filters.restore(self._settings.mapping(FILTER_KEY))
        self.model.configure(self.filters.customer_filter())
        self.table.setSortingEnabled(True)  # sorts by the indicator: the first (only) query
        self.model.ensure_loaded()

    def save_state(self) -> None:
        self._settings.set_blob(HEADER_KEY, self.table.horizontalHeader().saveState())
        self._settings.set_mapping(FILTER_KEY, self.filters.state())

    # -- reading ------------------------------------------------------------------------

    def apply_filter(self) -> None:
        self.model.set_filter(self.filters.customer_filter())

    def refresh(self) -> None:
        """Read again from the store, keeping the current customer selected if shown."""
        current = self.current_customer_id()
        self.model.reload()
        if current is not None:
            self.select_customer(current)

    def after_bulk_change(self) -> None:
        """Many customers came (import, demo data): new groups and territories too."""
        self.filters.reload_choices()
        self.model.forget_names()
        self.refresh()

    def _reloaded(self) -> None:
        if self.model.rowCount() > 0:
            self._pages.setCurrentWidget(self.table)
        elif self.model.customer_filter != CustomerFilter() and self._has_customers():
            self._pages.setCurrentWidget(self.no_match)
        else:
            self._pages.setCurrentWidget(self.welcome)
        QTimer.singleShot(0, self, self._count)  # counting can wait until the page is drawn

    def _has_customers(self) -> bool:
        return count_customers(self._store.reader(), CustomerFilter()) > 0

    def empty_page(self) -> EmptyState | None:
        """The page shown instead of the table, if any (welcome or no match)."""
        page = self._pages.currentWidget()
        return page if isinstance(page, EmptyState) else None

    def _count(self) -> None:
        self.sig_count_changed.emit(self.model.total())

    # -- selection and opening ----------------------------------------------------------

    def current_customer_id(self) -> uuid.UUID | None:
        row = self.model.row_at(self.table.currentIndex().row())
        return row.id if row else None

    def selected_rows(self) -> list:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.row_at(r) for r in rows if self.model.row_at(r)]

    def select_customer(self, customer_id: uuid.UUID) -> bool:
        row = self.model.row_of(customer_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def step(self, delta: int) -> uuid.UUID | None:
        """Make the next (+1) or previous (-1) customer current; its id, or None at an end."""
        row = self.table.currentIndex().row() + delta
        if row >= self.model.rowCount() and self.model.canFetchMore(QModelIndex()):
            self.model.fetchMore(QModelIndex())
        if not 0 <= row < self.model.rowCount():
            return None
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return self.model.row_at(row).id

    def open_current(self) -> None:
        self._open_index(self.table.currentIndex())

    def _open_index(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row()) if index.isValid() else None
        if row is not None:
            self.sig_open_customer.emit(row.id)

    def copy(self) -> int:
        return copy_selection(self.table)

    # -- columns ------------------------------------------------------------------------

    def column_menu(self, menu: QMenu | None = None) -> QMenu:
        """Checkable entries to show or hide each column (header context menu, View menu)."""
        menu = menu or QMenu(self)
        menu.clear()
        header = self.table.horizontalHeader()
        for column, key in enumerate(COLUMN_KEYS):
            action = menu.addAction(self.model.headerData(column, Qt.Orientation.Horizontal))
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.setEnabled(key not in ALWAYS_SHOWN)
            action.toggled.connect(lambda shown, c=column: header.setSectionHidden(c, not shown))
        menu.addSeparator()
        menu.addAction(self.tr("Reset columns"), self.reset_columns)
        return menu

    def _header_menu(self, position: QPoint) -> None:
        menu = self.column_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.table.horizontalHeader().mapToGlobal(position))

    def _default_columns(self) -> None:
        header = self.table.horizontalHeader()
        for column, key in enumerate(COLUMN_KEYS):
            header.setSectionHidden(column, key in HIDDEN_AT_FIRST)
            header.moveSection(header.visualIndex(column), column)
            header.resizeSection(column, self._default_width(column, key))
        self._fit_pending = True

    def _default_width(self, column: int, key: str) -> int:
        """The planned width, or more when the language's words are longer."""
        title = self.model.headerData(column, Qt.Orientation.Horizontal)
        needed = self.table.horizontalHeader().fontMetrics().horizontalAdvance(title) + 28
        if key == "status":
            metrics = self.table.fontMetrics()
            needed = max([needed] + [metrics.horizontalAdvance(label) + 16
                                     for label, _value in status_items()])
        return max(WIDTHS[key], needed)

    def reset_columns(self) -> None:
        self._default_columns()
        self._fit_name_column()

    def _fit_name_column(self) -> None:
        """Default layout: the name column takes the room the other columns leave."""
        self._fit_pending = False
        header = self.table.horizontalHeader()
        name = COLUMN_KEYS.index("name")
        others = sum(header.sectionSize(c) for c in range(header.count())
                     if c != name and not header.isSectionHidden(c))
        room = self.table.viewport().width() - others
        header.resizeSection(name, max(WIDTHS["name"], room))

    def showEvent(self, event) -> None:  # override
        super().showEvent(event)
        if self._fit_pending:
            QTimer.singleShot(0, self, self._fit_name_column)  # once the layout knows the width

    def focus_search(self) -> None:
        self.filters.focus_search()
