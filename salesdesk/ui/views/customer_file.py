"""The customer file page: header, master data, parts, documents, history."""

import uuid
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QMessageBox,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError, NotFound
from salesdesk.services.customers import get_customer, remove_part
from salesdesk.services.history import customer_history
from salesdesk.services.logbook import LogbookFilter, count_entries
from salesdesk.store.engine import Store
from salesdesk.store.models import Address, BankAccount, ContactPerson
from salesdesk.ui.attachments import open_stored_document
from salesdesk.ui.icons import icon
from salesdesk.ui.views import file_rows
from salesdesk.ui.views.file_header import FileHeader
from salesdesk.ui.views.logbook_view import LogbookView
from salesdesk.ui.views.master_data import MasterDataTab
from salesdesk.ui.views.records_tab import RecordsTab

PARTS = {"addresses": Address, "contacts": ContactPerson, "bank": BankAccount}


class CustomerFileView(QWidget):
    """One customer file; built when first needed, refilled for each customer shown."""

    sig_changed = Signal(object)  # customer id: something in the file was saved
    sig_open_customer = Signal(object)  # show this file instead (after a merge)
    sig_back = Signal()
    sig_open_conditions = Signal(object)  # customer id: show its conditions page

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.customer_id: uuid.UUID | None = None
        self.label = ""
        self.dialog = None  # the open edit dialog, if any
        self.header = FileHeader(self)
        self.tabs = QTabWidget(self)
        self.master = MasterDataTab(self)
        self.logbook = LogbookView(store, self, global_view=False)
        self.logbook.sig_changed.connect(self._logbook_changed)
        self.parts = self._part_tabs()
        self.consents = self._consents_tab()
        self.documents = self._documents_tab()
        self.history = RecordsTab(file_rows.history_headers(), self.tr(
            "No changes recorded yet. Every change to this customer file is listed here, "
            "with who made it and when."), self)
        self._titles = {
            "master": self.tr("Master data"), "logbook": self.tr("Logbook"),
            "addresses": self.tr("Addresses"),
            "contacts": self.tr("Contact persons"), "bank": self.tr("Bank accounts"),
            "consents": self.tr("Consents"), "documents": self.tr("Documents"),
            "history": self.tr("History")}
        self._pages = {"master": self.master, "logbook": self.logbook, **self.parts,
                       "consents": self.consents,
                       "documents": self.documents, "history": self.history}
        for key, page in self._pages.items():
            self.tabs.addTab(page, self._titles[key])
        self.tabs.setTabIcon(self.tabs.indexOf(self.history), icon("history"))
        self.tabs.setTabIcon(self.tabs.indexOf(self.logbook), icon("logbook"))
        self.tabs.currentChanged.connect(self._tab_changed)
        self.header.back.clicked.connect(self.sig_back)
        self.header.edit.clicked.connect(self.edit_customer)
        self.header.merge.clicked.connect(self.merge)
        conditions = QToolButton(self)
        conditions.setIcon(icon("conditions"))
        conditions.setText(self.tr("Conditions"))
        conditions.setToolTip(self.tr("Prices, discounts and terms of this customer; print "
                                      "the condition sheet"))
        conditions.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        conditions.setAutoRaise(True)
        conditions.clicked.connect(lambda: self.sig_open_conditions.emit(self.customer_id))
        self.tabs.setCornerWidget(conditions, Qt.Corner.TopRightCorner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 6)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)
        self._history_for: uuid.UUID | None = None

    def _part_tabs(self) -> dict[str, RecordsTab]:
        tabs = {"addresses": RecordsTab(file_rows.address_headers(),
                                        self.tr("No addresses yet. Add one with Add…"), self),
                "contacts": RecordsTab(file_rows.contact_headers(), self.tr(
                    "No contact persons yet. Add one with Add…"), self),
                "bank": RecordsTab(file_rows.bank_headers(),
                                   self.tr("No bank accounts yet. Add one with Add…"), self)}
        for kind, tab in tabs.items():
            tab.add_button("add", self.tr("Add…"), "add")
            tab.add_button("edit", self.tr("Edit…"), "customer-edit", needs_selection=True,
                           default=True)
            tab.add_button("remove", self.tr("Remove"), "delete", needs_selection=True)
            tab.sig_action.connect(lambda action, key, k=kind: self._part_action(k, action, key))
        return tabs

    def _consents_tab(self) -> RecordsTab:
        tab = RecordsTab(file_rows.consent_headers(), self.tr(
            "No consents recorded yet. Record when the customer agrees to be contacted by "
            "e-mail, phone, letter or SMS (or withdraws it) with Record consent…"), self)
        button = tab.add_button("record", self.tr("Record consent…"), "add")
        button.setToolTip(self.tr("Record a consent given or withdrawn, with its date and "
                                  "source (GDPR)"))
        tab.sig_action.connect(lambda action, key: self.record_consent())
        return tab

    def _documents_tab(self) -> RecordsTab:
        tab = RecordsTab(file_rows.document_headers(), self.tr(
            "No documents yet. Add offers, contracts or letters with Add…"), self)
        add = tab.add_button("add", self.tr("Add…"), "add")
        tab.add_button("open", self.tr("Open"), "open", needs_selection=True, default=True)
        if _documents_service() is None:
            add.setEnabled(False)
            add.setToolTip(self.tr("Adding documents is not available in this version."))
            tab.buttons["open"].setProperty("available", False)
        tab.sig_action.connect(self._document_action)
        return tab

    # -- showing --------------------------------------------------------------------------

    def show_customer(self, customer_id: uuid.UUID) -> None:
        """Show a customer file (raises NotFound for an unknown or deleted one)."""
        self._fill(customer_id)
        self.logbook.set_customer(self.customer_id)  # read when its tab is shown

    def _fill(self, customer_id: uuid.UUID) -> None:
        with self.store.session() as session:
            customer = get_customer(session, customer_id)
            if customer.deleted_at is not None:
                raise NotFound(self.tr("Customer {number} was deleted.").format(
                    number=customer.number))
            self.customer_id, self.label = customer.id, customer.record_label()
            self.header.show_customer(customer)
            self.master.show_customer(customer)
            self.parts["addresses"].set_rows(file_rows.address_rows(customer))
            self.parts["contacts"].set_rows(file_rows.contact_rows(customer))
            self.parts["bank"].set_rows(file_rows.bank_rows(customer))
            self.consents.set_rows(file_rows.consent_rows(customer))
            self.documents.set_rows(file_rows.document_rows(customer))
        self._history_for = None
        if self.tabs.currentWidget() is self.history:
            self._load_history()
        self._update_titles()

    def show_number(self, number: str) -> None:
        with self.store.session() as session:
            customer_id = get_customer(session, number).id
        self.show_customer(customer_id)

    def reload(self) -> None:
        if self.customer_id is not None:
            self.show_customer(self.customer_id)

    def _update_titles(self) -> None:
        for key, page in self._pages.items():
            if isinstance(page, RecordsTab) and key != "history":
                title = f"{self._titles[key]} ({page.count()})"
                self.tabs.setTabText(self.tabs.indexOf(page), title)
        entries = count_entries(self.store.reader(), LogbookFilter(customer_id=self.customer_id))
        self.tabs.setTabText(self.tabs.indexOf(self.logbook),
                             f"{self._titles['logbook']} ({entries})")

    def _logbook_changed(self, _customer_id=None) -> None:
        """An entry was written, corrected or deleted: the next contact in the header,
        attachments among the documents, the history; the logbook has read itself."""
        self._fill(self.customer_id)
        self.sig_changed.emit(self.customer_id)

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.logbook:
            self.logbook.ensure_loaded()
        if self.tabs.widget(index) is self.history and self._history_for != self.customer_id:
            self._load_history()

    def _load_history(self) -> None:
        with self.store.session() as session:
            entries = customer_history(session, self.customer_id)
        self.history.set_rows(file_rows.history_rows(entries))
        self._history_for = self.customer_id

    # -- editing --------------------------------------------------------------------------

    def edit_customer(self) -> None:
        from salesdesk.ui.dialogs.customer_edit import CustomerDialog

        self._run_dialog(CustomerDialog(self.store, self.customer_id, self))

    def record_consent(self) -> None:
        from salesdesk.ui.dialogs.consent_edit import ConsentDialog

        self._run_dialog(ConsentDialog(self.store, self.customer_id, self))

    def _part_action(self, kind: str, action: str, key: object) -> None:
        from salesdesk.ui.dialogs.part_edit import AddressDialog, BankAccountDialog, ContactDialog

        dialogs = {"addresses": AddressDialog, "contacts": ContactDialog,
                   "bank": BankAccountDialog}
        if action == "remove":
            self._remove_part(kind, key)
        else:
            part_id = key if action == "edit" else None
            self._run_dialog(dialogs[kind](self.store, self.customer_id, part_id, self))

    def _run_dialog(self, dialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(self._saved)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _saved(self) -> None:
        self.reload()
        self.sig_changed.emit(self.customer_id)

    def _remove_part(self, kind: str, key: object) -> None:
        buttons = QMessageBox.StandardButton
        question = {"addresses": self.tr("Remove this address from {file}?"),
                    "contacts": self.tr("Remove this contact person from {file}?"),
                    "bank": self.tr("Remove this bank account from {file}?")}[kind]
        if QMessageBox.question(self, self.tr("Remove"), question.format(file=self.label),
                                buttons.Yes | buttons.Cancel, buttons.Cancel) != buttons.Yes:
            return
        with self.store.session() as session:
            remove_part(session, session.get(PARTS[kind], key))
            session.commit()
        self._saved()

    def merge(self) -> None:
        from salesdesk.ui.dialogs.merge import MergeDialog

        dialog = MergeDialog(self.store, self.customer_id, self.label, self)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._merged(dialog.kept_id))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _merged(self, kept_id: uuid.UUID) -> None:
        self.sig_changed.emit(self.customer_id)
        self.sig_open_customer.emit(kept_id)

    # -- documents ------------------------------------------------------------------------

    def _document_action(self, action: str, key: object) -> None:
        service = _documents_service()
        if service is None:
            return
        try:
            if action == "add":
                self._add_document(service)
            elif key is not None:
                self._open_document(service, key)
        except (DomainError, OSError) as exc:
            QMessageBox.warning(self, self.tr("Documents"), str(exc))

    def _add_document(self, service) -> None:
        name, _filter = QFileDialog.getOpenFileName(self, self.tr("Add a document"))
        if not name:
            return
        with self.store.session() as session:
            service.add_document(session, self.store, get_customer(session, self.customer_id),
                                 Path(name))
            session.commit()
        self._saved()

    def _open_document(self, service, key: object) -> None:
        open_stored_document(self, self.store, key)


def _documents_service():
    """salesdesk.services.documents, or None while it is not part of this build."""
    try:
        from salesdesk.services import documents
    except ImportError:
        return None
    return documents
