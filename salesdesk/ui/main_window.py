"""The main window: navigation on the left, the current page, menus, status bar."""

import logging
import uuid
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QWidget,
)

from salesdesk.domain.errors import DomainError, NotFound
from salesdesk.store.engine import Store
from salesdesk.ui import actions as window_actions
from salesdesk.ui.clipboard import copy_selection
from salesdesk.ui.formatting import customers_count
from salesdesk.ui.settings import Settings
from salesdesk.ui.transfer import CustomerTransfer
from salesdesk.ui.views import customer_list
from salesdesk.ui.views.customer_list import CustomerListView
from salesdesk.ui.views.placeholder import placeholder_pages
from salesdesk.ui.views.progress_panel import ProgressPanel

log = logging.getLogger(__name__)
FILE_PAGE = "customer"
_KEY = Qt.ItemDataRole.UserRole


class MainWindow(QMainWindow):
    def __init__(self, store: Store, settings: Settings, log_path: Path | None = None):
        super().__init__()
        self.store, self.settings, self.log_path = store, settings, log_path
        self.setWindowTitle("SalesDesk")
        self.setObjectName("main_window")
        self.actions = window_actions.create_actions(self)
        self.list_view = CustomerListView(store, settings, self)
        self.file_view = None  # built when the first customer file is opened
        self.pages = QStackedWidget(self)
        self.nav = QListWidget(self)
        self._page_widgets: dict[str, QWidget] = {"customers": self.list_view}
        self.columns_menu = QMenu(self)
        self.progress = ProgressPanel(self)
        self.count_label = QLabel(self)
        self.transfer = CustomerTransfer(store, self.progress,
                                         lambda: self.list_view.model.customer_filter, self)
        self.dialog = None  # the open dialog, for tests and to keep it alive
        self._build()
        self._connect()
        self.show_page("customers")

    # -- building -------------------------------------------------------------------------

    def _build(self) -> None:
        window_actions.build_menus(self, self.actions, self.columns_menu)
        window_actions.build_toolbar(self, self.actions)
        self.pages.addWidget(self.list_view)
        for key, page in placeholder_pages(self).items():
            self.pages.addWidget(page)
            self._page_widgets[key] = page
        self._build_navigation()
        splitter = QSplitter(self)
        splitter.addWidget(self.nav)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(1, False)
        splitter.setSizes([140, 1140])
        self.setCentralWidget(splitter)
        self._build_status_bar()

    def _build_navigation(self) -> None:
        nav = self.nav
        nav.setIconSize(QSize(20, 20))
        nav.setSpacing(2)
        nav.setMinimumWidth(120)
        nav.setMaximumWidth(240)
        nav.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        nav.setAccessibleName(self.tr("Navigation"))
        for key in window_actions.NAVIGATION:
            action = self.actions[f"go_{key}"]
            item = QListWidgetItem(action.icon(), action.text(), nav)
            item.setData(_KEY, key)
            item.setToolTip(action.toolTip())
            item.setSizeHint(QSize(0, nav.fontMetrics().height() + 14))

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        place = QLabel(self.tr("Data: {folder}").format(folder=self.store.data_dir), self)
        place.setEnabled(False)  # quiet
        place.setToolTip(self.tr("The folder with your SalesDesk data"))
        bar.addWidget(place, 1)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.count_label)

    def _connect(self) -> None:
        a = self.actions
        slots = {
            "new_customer": self.new_customer, "import": self.transfer.ask_import,
            "export": self.transfer.ask_export, "settings": self.open_settings,
            "quit": self.close, "edit_customer": self.edit_customer,
            "delete_customer": self.delete_customers, "merge": self.merge_customer,
            "copy": self.copy, "find": self.find, "refresh": self.refresh,
            "back": lambda: self.show_page("customers"),
            "next_record": lambda: self.step(1), "previous_record": lambda: self.step(-1),
            "open_log": self.open_log, "about": self.about,
        }
        for name, slot in slots.items():
            a[name].triggered.connect(slot)
        for key in window_actions.NAVIGATION:
            a[f"go_{key}"].triggered.connect(lambda *_, k=key: self.show_page(k))
        self.nav.currentItemChanged.connect(self._nav_changed)
        self.columns_menu.aboutToShow.connect(lambda: self.list_view.column_menu(
            self.columns_menu))
        self.list_view.sig_open_customer.connect(self.open_customer)
        self.list_view.sig_count_changed.connect(self._show_count)
        self.list_view.sig_selection_changed.connect(self._update_actions)
        self.list_view.sig_new_customer.connect(self.new_customer)
        self.list_view.sig_import.connect(self.transfer.ask_import)
        self.list_view.sig_demo_data.connect(self.fill_demo_data)
        self.transfer.sig_imported.connect(self.list_view.after_bulk_change)
        self.transfer.sig_message.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.transfer.sig_busy_changed.connect(self._update_actions)

    # -- pages ----------------------------------------------------------------------------

    def show_page(self, key: str) -> None:
        """Show a navigation page ("customers", "logbook"…) or the open customer file."""
        self.pages.setCurrentWidget(self._page_widgets[key])
        nav_key = "customers" if key == FILE_PAGE else key
        for row in range(self.nav.count()):
            if self.nav.item(row).data(_KEY) == nav_key and self.nav.currentRow() != row:
                self.nav.blockSignals(True)
                self.nav.setCurrentRow(row)
                self.nav.blockSignals(False)
        if key == "customers":
            self.list_view.table.setFocus()
        on_file = key == FILE_PAGE and self.file_view is not None
        self.setWindowTitle(f"{self.file_view.label} – SalesDesk" if on_file else "SalesDesk")
        self._update_actions()

    def _nav_changed(self, item: QListWidgetItem | None, _previous) -> None:
        if item is not None:
            self.show_page(item.data(_KEY))

    def current_page(self) -> str:
        widget = self.pages.currentWidget()
        return next(key for key, page in self._page_widgets.items() if page is widget)

    def current_view(self) -> str:
        """The view as the command line names it: customers, customer:K-000001, logbook…"""
        page = self.current_page()
        if page == FILE_PAGE and self.file_view.label:
            return f"customer:{self.file_view.label.split()[0]}"
        return page

    def show_view(self, view: str) -> None:
        """Show a view named as on the command line; NotFound/ValueError when unknown."""
        kind, _, key = view.partition(":")
        aliases = {"agenda": "tasks", "customer": FILE_PAGE}
        kind = aliases.get(kind, kind)
        if kind == FILE_PAGE:
            self._file_view().show_number(key)
            self.show_page(FILE_PAGE)
        elif kind in window_actions.NAVIGATION:
            self.show_page(kind)
        else:
            raise ValueError(self.tr("There is no view {view}; known views: customers, "
                                     "customer:K-000001, logbook, tasks, conditions, "
                                     "agents, sync.").format(view=view))

    def _file_view(self):
        if self.file_view is None:
            from salesdesk.ui.views.customer_file import CustomerFileView

            self.file_view = CustomerFileView(self.store, self)
            self.file_view.sig_back.connect(lambda: self.show_page("customers"))
            self.file_view.sig_changed.connect(lambda _id: self.list_view.refresh())
            self.file_view.sig_open_customer.connect(self.open_customer)
            self.pages.addWidget(self.file_view)
            self._page_widgets[FILE_PAGE] = self.file_view
        return self.file_view

    def open_customer(self, customer_id: uuid.UUID) -> None:
        try:
            self._file_view().show_customer(customer_id)
        except DomainError as exc:
            QMessageBox.warning(self, self.tr("Customer file"), str(exc))
            return
        self.list_view.select_customer(customer_id)
        self.show_page(FILE_PAGE)

    def step(self, delta: int) -> None:
        """Next/previous record: in the list, and in the open file along the list."""
        customer_id = self.list_view.step(delta)
        if customer_id is not None and self.current_page() == FILE_PAGE:
            self.open_customer(customer_id)

    # -- commands -------------------------------------------------------------------------

    def new_customer(self) -> None:
        from salesdesk.ui.dialogs.customer_edit import CustomerDialog

        dialog = CustomerDialog(self.store, None, self)
        dialog.sig_open_customer.connect(self.open_customer)
        dialog.accepted.connect(lambda: self._created(dialog.saved_id))
        self._open_dialog(dialog)

    def fill_demo_data(self) -> None:
        if not self.transfer.busy:
            self.transfer.start_demo(customer_list.DEMO_CUSTOMERS)

    def _created(self, customer_id: uuid.UUID | None) -> None:
        self.list_view.refresh()
        if customer_id is not None:
            self.open_customer(customer_id)

    def edit_customer(self) -> None:
        if self.current_page() == FILE_PAGE:
            self.file_view.edit_customer()
            return
        customer_id = self.list_view.current_customer_id()
        if customer_id is not None:
            from salesdesk.ui.dialogs.customer_edit import CustomerDialog

            dialog = CustomerDialog(self.store, customer_id, self)
            dialog.accepted.connect(self.list_view.refresh)
            self._open_dialog(dialog)

    def merge_customer(self) -> None:
        if self.current_page() == FILE_PAGE:
            self.file_view.merge()

    def _open_dialog(self, dialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def delete_customers(self) -> None:
        """Tombstone the selected customers (or the open file) after asking."""
        if self.current_page() == FILE_PAGE:
            targets = [(self.file_view.customer_id, self.file_view.label)]
        elif self.current_page() == "customers":
            targets = [(r.id, f"{r.number} {r.name}") for r in self.list_view.selected_rows()]
        else:
            return
        if not targets or not self._confirm_delete([label for _, label in targets]):
            return
        from salesdesk.services.customers import delete_customer, get_customer

        with self.store.session() as session:
            for customer_id, _label in targets:
                delete_customer(session, get_customer(session, customer_id))
            session.commit()
        log.info("deleted customer files %s", ", ".join(label for _, label in targets))
        self.statusBar().showMessage(self.tr("Deleted {count} customer files.").format(
            count=len(targets)), 10000)
        self.list_view.refresh()
        self.show_page("customers")

    def _confirm_delete(self, labels: list[str]) -> bool:
        if len(labels) == 1:
            text = self.tr("Delete the customer file {file}?").format(file=labels[0])
        else:
            text = self.tr("Delete these {count} customer files?\n{files}").format(
                count=len(labels), files="\n".join(labels[:10] + (["…"] if len(labels) > 10
                                                                  else [])))
        text += "\n\n" + self.tr("Deleted files disappear from lists and search; their "
                                 "history is kept.")
        buttons = QMessageBox.StandardButton
        return QMessageBox.question(self, self.tr("Delete"), text, buttons.Yes | buttons.Cancel,
                                    buttons.Cancel) == buttons.Yes

    def copy(self) -> None:
        widget = self.focusWidget()
        if isinstance(widget, QTableView):
            rows = copy_selection(widget)
            if rows:
                self.statusBar().showMessage(self.tr("Copied {count} rows.").format(count=rows),
                                             5000)

    def find(self) -> None:
        self.show_page("customers")
        self.list_view.focus_search()

    def refresh(self) -> None:
        self.list_view.refresh()
        if self.current_page() == FILE_PAGE:
            try:
                self.file_view.reload()
            except NotFound:
                self.show_page("customers")

    def open_settings(self) -> None:
        from salesdesk.ui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self.store.data_dir, self, store=self.store)
        self._open_dialog(dialog)

    def open_log(self) -> None:
        if self.log_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_path)))

    def about(self) -> None:
        from salesdesk import __version__

        QMessageBox.about(self, self.tr("About SalesDesk"), self.tr(
            "SalesDesk {version}\nThe desktop client for field sales.\n\nData folder: {folder}"
        ).format(version=__version__, folder=self.store.data_dir))

    # -- state ----------------------------------------------------------------------------

    def _show_count(self, count: int) -> None:
        self.count_label.setText(customers_count(count))

    def _update_actions(self, *args) -> None:
        page = self.current_page() if self.pages.count() else "customers"
        busy = self.transfer.busy
        on_list, on_file = page == "customers", page == FILE_PAGE
        chosen = on_list and self.list_view.current_customer_id() is not None
        a = self.actions
        a["edit_customer"].setEnabled(not busy and (on_file or chosen))
        a["delete_customer"].setEnabled(not busy and (on_file or chosen))
        a["merge"].setEnabled(not busy and on_file)
        a["new_customer"].setEnabled(not busy)
        a["import"].setEnabled(not busy)
        a["export"].setEnabled(not busy)
        self.list_view.set_busy(busy)
        a["back"].setEnabled(on_file)
        a["next_record"].setEnabled(on_list or on_file)
        a["previous_record"].setEnabled(on_list or on_file)

    def restore(self) -> None:
        """Geometry, toolbar, columns, filters and the last view, as the user left them."""
        geometry = self.settings.blob("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        state = self.settings.blob("window/state")
        if state is not None:
            self.restoreState(state)
        self.list_view.load()
        try:
            self.show_view(self.settings.text("window/last_view", "customers"))
        except (DomainError, ValueError):
            self.show_page("customers")

    def save_state(self) -> None:
        self.settings.set_blob("window/geometry", self.saveGeometry())
        self.settings.set_blob("window/state", self.saveState())
        self.settings.set_text("window/last_view", self.current_view())
        self.list_view.save_state()
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # override
        if self.transfer.busy and not self._may_stop_work():
            event.ignore()
            return
        self.transfer.cancel_and_wait()
        self.save_state()
        super().closeEvent(event)

    def _may_stop_work(self) -> bool:
        buttons = QMessageBox.StandardButton
        return QMessageBox.question(
            self, self.tr("Quit SalesDesk"),
            self.tr("An import or export is still running. Stop it and quit? Nothing is "
                    "changed by a stopped import."),
            buttons.Yes | buttons.No, buttons.No) == buttons.Yes

    def load_list(self) -> None:
        """First page of the list without restoring anything (screenshots, tests)."""
        self.list_view.load()
        QTimer.singleShot(0, self, self._update_actions)
