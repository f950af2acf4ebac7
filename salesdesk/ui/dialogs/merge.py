"""Merge one customer file into another: pick the file to keep, confirm, merge."""

import uuid

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError
from salesdesk.services.customer_list import CustomerFilter, list_customers
from salesdesk.services.customers import get_customer
from salesdesk.store.engine import Store

_ID = Qt.ItemDataRole.UserRole


class MergeDialog(QDialog):
    """Choose the customer file that ``other`` is merged into (and that stays)."""

    def __init__(self, store: Store, other_id: uuid.UUID, other_label: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.store, self.other_id, self.other_label = store, other_id, other_label
        self.kept_id: uuid.UUID | None = None
        self.setWindowTitle(self.tr("Merge customer file"))
        intro = QLabel(self.tr("Merge {file} into which customer file? Search by number, "
                               "name or city.").format(file=other_label), self)
        intro.setWordWrap(True)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search customers"))
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.merge_button = self.buttons.addButton(self.tr("Merge…"),
                                                   QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (intro, self.search, self.results, self.buttons):
            layout.addWidget(widget)
        self._timer = QTimer(self, singleShot=True, interval=150, timeout=self._find)
        self.search.textChanged.connect(self._timer.start)
        self.results.currentItemChanged.connect(
            lambda item, _old: self.merge_button.setEnabled(item is not None))
        self.results.itemDoubleClicked.connect(lambda _item: self.accept())
        self.resize(520, 380)

    def _find(self) -> None:
        self.results.clear()
        if not self.search.text().strip():
            return
        with self.store.session() as session:
            rows = list_customers(session, CustomerFilter(search=self.search.text()),
                                  sort="number", limit=50)
        for row in rows:
            if row.id != self.other_id:
                item = QListWidgetItem(f"{row.number} {row.name}, {row.city}", self.results)
                item.setData(_ID, row.id)

    def accept(self) -> None:  # override
        item = self.results.currentItem()
        if item is None or not self._confirmed(item.text()):
            return
        try:
            self.kept_id = merge_files(self.store, item.data(_ID), self.other_id)
        except DomainError as exc:
            QMessageBox.warning(self, self.windowTitle(), str(exc))
            return
        super().accept()

    def _confirmed(self, keep_label: str) -> bool:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self, self.tr("Merge customer files"),
            self.tr("Merge {other} into {keep}?\n\nAddresses, contact persons, bank "
                    "accounts, consents and documents of {other} move to {keep}; empty "
                    "fields of {keep} are filled from {other}. {other} is then deleted. "
                    "This cannot be undone.").format(other=self.other_label, keep=keep_label),
            buttons.Yes | buttons.Cancel, buttons.Cancel)
        return answer == buttons.Yes


def merge_files(store: Store, keep_id: uuid.UUID, other_id: uuid.UUID) -> uuid.UUID:
    """Merge ``other_id`` into ``keep_id`` in one transaction; returns the kept file's id."""
    from salesdesk.services.duplicates import merge_customers

    with store.session() as session:
        keep = get_customer(session, keep_id)
        merge_customers(session, keep, get_customer(session, other_id))
        session.commit()
    return keep_id
