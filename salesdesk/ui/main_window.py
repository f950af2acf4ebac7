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
    QToolButton,
    QWidget,
)

from salesdesk.domain.errors import DomainError, NotFound
from salesdesk.store.engine import Store
from salesdesk.ui import actions as window_actions
from salesdesk.ui.clipboard import copy_selection
from salesdesk.ui.formatting import customers_count, records_count
from salesdesk.ui.settings import Settings
from salesdesk.ui.sync_runner import SyncRunner, SyncStatusButton
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
        self.sync = SyncRunner(store, self)  # background and automatic synchronisation
        self.sync_state = SyncStatusButton(self.sync, self)  # the status bar's quiet line
        self._counts: dict[str, str] = {}  # the status bar's count text per page
        self.transfer = CustomerTransfer(store, self.progress,
                                         lambda: self.list_view.model.customer_filter, self)
        self.dialog = None  # the open dialog, for tests and to keep it alive
        self.reminders = None  # ReminderCenter, started shortly after the window shows
        self.reminders_panel = None
        self.reminder_button = None
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
        self.reminder_button = QToolButton(self)
        self.reminder_button.setDefaultAction(self.actions["reminders"])
        self.reminder_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.reminder_button.setAutoRaise(True)
        self.reminder_button.hide()  # shown while reminders are due
        bar.addPermanentWidget(self.reminder_button)
        self.sync_state.clicked.connect(lambda: self.show_page("sync"))
        bar.addPermanentWidget(self.sync_state)
        bar.addPermanentWidget(self.count_label)
        self.addAction(self.sync.action)  # F9 from every page

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
            "new_entry": self.new_entry, "new_task": self.new_task,
            "new_appointment": self.new_appointment, "reminders": self.show_reminders,
            "print": self.print_current,
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
        self.sync.sig_finished.connect(self._sync_finished)

    # -- pages ----------------------------------------------------------------------------

    def page(self, key: str) -> QWidget:
        """The page of a navigation key, built on first use (keeps the start fast)."""
        if key not in self._page_widgets:
            widget = self._make_page(key)
            self.pages.addWidget(widget)
            self._page_widgets[key] = widget
        return self._page_widgets[key]

    def _make_page(self, key: str) -> QWidget:
        if key == "agenda":
            from salesdesk.ui.views.agenda_view import AgendaView

            widget = AgendaView(self.store, self)
            widget.sig_changed.connect(self._work_changed)
        elif key == "calendar":
            from salesdesk.ui.views.calendar_view import CalendarView

            widget = CalendarView(self.store, self)
            widget.sig_changed.connect(self._work_changed)
        elif key == "logbook":
            from salesdesk.ui.views.logbook_view import LogbookView

            widget = LogbookView(self.store, self)
            widget.sig_changed.connect(lambda _id: self.list_view.refresh())
            widget.sig_count_changed.connect(self._show_page_count)
            widget.restore(self.settings.mapping("logbook/filters"))
        elif key == "tasks":
            from salesdesk.ui.views.tasks_view import TasksView

            widget = TasksView(self.store, self)
            widget.sig_changed.connect(self._work_changed)
            widget.sig_message.connect(lambda text: self.statusBar().showMessage(text, 10000))
            widget.sig_count_changed.connect(self._show_page_count)
            widget.restore(self.settings.mapping("tasks/filters"))
            widget.load()
        elif key == "lists":
            from salesdesk.ui.views.distribution_lists import DistributionListsView

            widget = DistributionListsView(self.store, self)
            widget.sig_message.connect(lambda text: self.statusBar().showMessage(text, 15000))
            widget.load()
        elif key == "conditions":
            widget = self._conditions_page()
        elif key == "sync":
            from salesdesk.ui.views.sync_view import SyncView

            widget = SyncView(self.store, self.sync, self)
            widget.sig_message.connect(lambda text: self.statusBar().showMessage(text, 10000))
            widget.sig_changed.connect(self.list_view.refresh)
        elif key == "nearby":
            from salesdesk.ui.views.radius_search import RadiusSearchView

            widget = RadiusSearchView(self.store, self)
            widget.sig_message.connect(lambda text: self.statusBar().showMessage(text, 15000))
        else:
            raise KeyError(key)
        if hasattr(widget, "sig_open_customer"):
            widget.sig_open_customer.connect(self.open_customer)
        return widget

    def _conditions_page(self) -> QWidget:
        from salesdesk.ui.views.conditions_view import ConditionsView

        widget = ConditionsView(self.store, self)
        widget.sig_message.connect(lambda text: self.statusBar().showMessage(text, 15000))
        widget.sig_changed.connect(self._conditions_changed)
        widget.preview_shortcut.setEnabled(False)  # the window's Print action (Ctrl+P) does it
        return widget

    def _conditions_changed(self, customer_id) -> None:
        """A sheet was issued (filed among the documents) or a condition saved."""
        if self.file_view is not None and self.file_view.customer_id == customer_id:
            self.file_view.reload()

    def open_conditions(self, customer_id) -> None:
        """The Conditions page for a customer (from the customer file)."""
        try:
            self.page("conditions").show_customer(customer_id)
        except DomainError as exc:
            QMessageBox.warning(self, self.tr("Conditions"), str(exc))
            return
        self.show_page("conditions")

    def print_current(self) -> None:
        """Ctrl+P: the print preview of the page that can print (the condition sheet)."""
        page = self.pages.currentWidget()
        if hasattr(page, "print_preview"):
            page.print_preview()

    def _work_changed(self, *args) -> None:
        """A task or appointment changed somewhere: other pages and reminders follow."""
        for key in ("agenda", "calendar", "tasks"):
            page = self._page_widgets.get(key)
            if page is not None and page is not self.sender():
                page.refresh()
        if self.reminders is not None:
            self.reminders.check()

    def show_page(self, key: str) -> None:
        """Show a navigation page ("customers", "logbook"…) or the open customer file."""
        self.pages.setCurrentWidget(self.page(key))
        nav_key = "customers" if key == FILE_PAGE else key
        for row in range(self.nav.count()):
            if self.nav.item(row).data(_KEY) == nav_key and self.nav.currentRow() != row:
                self.nav.blockSignals(True)
                self.nav.setCurrentRow(row)
                self.nav.blockSignals(False)
        if key == "customers":
            self.list_view.table.setFocus()
        self.count_label.setText(self._counts.get(nav_key, ""))
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
        if page == "conditions" and self.pages.currentWidget().current_number():
            return f"conditions:{self.pages.currentWidget().current_number()}"
        return page

    def show_view(self, view: str) -> None:
        """Show a view named as on the command line; NotFound/ValueError when unknown."""
        kind, _, key = view.partition(":")
        aliases = {"customer": FILE_PAGE, "radius": "nearby", "day": "agenda"}
        kind = aliases.get(kind, kind)
        if kind == FILE_PAGE:
            self._file_view().show_number(key)
            self.show_page(FILE_PAGE)
        elif kind == "conditions" and key:
            self.page("conditions").show_customer(key)
            self.show_page(kind)
        elif kind in window_actions.NAVIGATION:
            self.show_page(kind)
        else:
            raise ValueError(self.tr("There is no view {view}; known views: customers, "
                                     "customer:K-000001, agenda, calendar, logbook, tasks, "
                                     "lists, nearby, conditions, agents, sync.").format(
                                         view=view))

    def _file_view(self):
        if self.file_view is None:
            from salesdesk.ui.views.customer_file import CustomerFileView

            self.file_view = CustomerFileView(self.store, self)
            self.file_view.sig_back.connect(lambda: self.show_page("customers"))
            self.file_view.sig_changed.connect(lambda _id: self.list_view.refresh())
            self.file_view.sig_open_customer.connect(self.open_customer)
            self.file_view.sig_open_conditions.connect(self.open_conditions)
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

    def _current_customer(self) -> uuid.UUID | None:
        """The customer the user is looking at (open file or selected row), if any."""
        page = self.current_page()
        if page == FILE_PAGE and self.file_view is not None:
            return self.file_view.customer_id
        if page == "customers":
            return self.list_view.current_customer_id()
        return None

    def new_entry(self) -> None:
        """A new logbook entry, for the customer in view if there is one."""
        from salesdesk.ui.dialogs.logbook_entry import LogbookEntryDialog

        dialog = LogbookEntryDialog(self.store, customer_id=self._current_customer(),
                                    parent=self)
        dialog.accepted.connect(lambda: self._logbook_written(dialog.customer_id))
        self._open_dialog(dialog)

    def _logbook_written(self, customer_id) -> None:
        self.list_view.refresh()
        for key in ("logbook",):
            page = self._page_widgets.get(key)
            if page is not None:
                page.refresh()
        if self.file_view is not None and self.file_view.customer_id == customer_id:
            self.file_view.reload()
        self._work_changed()

    def new_task(self) -> None:
        from salesdesk.ui.dialogs.task_edit import TaskDialog

        customer = self._current_customer()
        dialog = TaskDialog(self.store, None, self,
                            defaults={"customer_id": customer} if customer else None)
        dialog.accepted.connect(self._work_changed)
        self._open_dialog(dialog)

    def new_appointment(self) -> None:
        from salesdesk.ui.dialogs.appointment_edit import AppointmentDialog

        dialog = AppointmentDialog(self.store, None, self,
                                   customer_id=self._current_customer())
        dialog.accepted.connect(self._work_changed)
        self._open_dialog(dialog)

    # -- reminders ------------------------------------------------------------------------

    def start_reminders(self) -> None:
        """Watch this user's reminders (also those due while SalesDesk was closed)."""
        if self.reminders is not None:
            return
        from salesdesk.ui.reminders import ReminderCenter, RemindersPanel

        self.reminders = ReminderCenter(self.store, self)
        self.reminders_panel = RemindersPanel(self.reminders, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.reminders_panel)
        self.reminders_panel.hide()
        self.reminders.sig_count_changed.connect(self._show_reminder_count)
        self.reminders.sig_new.connect(lambda _new: self.reminders_panel.show())
        self.reminders.start()

    def _show_reminder_count(self, count: int) -> None:
        text = self.tr("{count} reminders").format(count=count) if count != 1 else \
            self.tr("1 reminder")
        self.actions["reminders"].setIconText(text)
        self.reminder_button.setVisible(count > 0)

    def show_reminders(self) -> None:
        self.start_reminders()
        self.reminders_panel.show()
        self.reminders_panel.raise_()

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
        page = self.pages.currentWidget()
        if page is not self.list_view and hasattr(page, "copy"):
            rows = page.copy()
            if rows:
                self.statusBar().showMessage(self.tr("Copied {count} rows.").format(count=rows),
                                             5000)
            return
        widget = self.focusWidget()
        if isinstance(widget, QTableView):
            rows = copy_selection(widget)
            if rows:
                self.statusBar().showMessage(self.tr("Copied {count} rows.").format(count=rows),
                                             5000)

    def find(self) -> None:
        page = self.pages.currentWidget()
        if page is not self.list_view and hasattr(page, "focus_search"):
            page.focus_search()
            return
        self.show_page("customers")
        self.list_view.focus_search()

    def refresh(self) -> None:
        self.list_view.refresh()
        page = self.pages.currentWidget()
        if page is not self.list_view and page is not self.file_view and \
                hasattr(page, "refresh"):
            page.refresh()
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
        self._counts["customers"] = customers_count(count)
        if self.current_page() in ("customers", FILE_PAGE):
            self.count_label.setText(self._counts["customers"])

    def _show_page_count(self, count: int) -> None:
        key = next((k for k, page in self._page_widgets.items() if page is self.sender()), "")
        self._counts[key] = records_count(count, key)
        if self.current_page() == key:
            self.count_label.setText(self._counts[key])

    def _sync_finished(self, manual: bool, ok: bool, text: str) -> None:
        """Records may have come in: the lists show them. A manual run says how it went
        (the Sync page says it too); an automatic one stays quiet."""
        if ok:
            self.refresh()
        if manual and self.current_page() != "sync":
            self.statusBar().showMessage(text, 15000)

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
        printable = page == "conditions"
        a["print"].setEnabled(printable)
        if printable:
            a["print"].setToolTip(self.tr("Print preview of the condition sheet (Ctrl+P)"))

    def restore(self) -> None:
        """Geometry, toolbar, columns, filters and the last view, as the user left them."""
        geometry = self.settings.blob("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        state = self.settings.blob("window/state")
        if state is not None:
            self.restoreState(state)
        self.list_view.load()
        self.sync.start_automatic()
        try:
            self.show_view(self.settings.text("window/last_view", "customers"))
        except (DomainError, ValueError):
            self.show_page("customers")

    def save_state(self) -> None:
        self.settings.set_blob("window/geometry", self.saveGeometry())
        self.settings.set_blob("window/state", self.saveState())
        self.settings.set_text("window/last_view", self.current_view())
        self.list_view.save_state()
        for key in ("logbook", "tasks"):
            page = self._page_widgets.get(key)
            if page is not None:
                self.settings.set_mapping(f"{key}/filters", page.state())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # override
        if self.transfer.busy and not self._may_stop_work():
            event.ignore()
            return
        self.transfer.cancel_and_wait()
        self.sync.cancel_and_wait()
        if self.reminders is not None:
            self.reminders.stop()
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
