"""Pick customers for a static distribution list, each as a whole (the list's contact
person rule applies) or one of its contact persons."""

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from salesdesk.services.recipients import contact_choices
from salesdesk.store.engine import Store
from salesdesk.ui.icons import icon
from salesdesk.ui.pickers import CustomerPicker


class AddMembersDialog(QDialog):
    """Pick customers, each as a whole (the list's contact rule) or one contact person."""

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self._store = store
        self.setWindowTitle(self.tr("Add customers to the list"))
        self.picker = CustomerPicker(self)
        self.picker.set_source(store.reader)
        self.contact = QComboBox(self)
        self.add_button = QPushButton(icon("add"), self.tr("Add"), self)
        self.chosen = QListWidget(self)
        self.remove_button = QPushButton(icon("delete"), self.tr("Remove"), self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        form = QFormLayout()
        form.addRow(self.tr("Customer"), self.picker)
        form.addRow(self.tr("Contact person"), self.contact)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(QLabel(self.tr("To add:"), self))
        layout.addWidget(self.chosen, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.remove_button)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)
        self.picker.sig_edited.connect(self._customer_changed)
        self.add_button.clicked.connect(self.add_current)
        self.remove_button.clicked.connect(self._remove)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.chosen.itemSelectionChanged.connect(self._update)
        self._customer_changed()
        self.resize(520, 380)

    def _customer_changed(self) -> None:
        self.contact.clear()
        self.contact.addItem(self.tr("(the list's contact person rule)"), None)
        customer = self.picker.field_value()
        if customer is not None:
            for key, label in contact_choices(self._store.reader(), customer):
                self.contact.addItem(label, key)
        self.contact.setEnabled(customer is not None)
        self._update()

    def add_current(self) -> bool:
        customer = self.picker.field_value()
        if customer is None:
            return False
        person = self.contact.currentData()
        key = (customer, person)
        if key not in self.picked():
            label = self.picker.text()
            if person is not None:
                label = f"{label} – {self.contact.currentText()}"
            item = QListWidgetItem(label, self.chosen)
            item.setData(Qt.ItemDataRole.UserRole, key)
        self.picker.set_field_value(None)
        self._customer_changed()
        self.picker.setFocus()
        return True

    def _remove(self) -> None:
        for item in self.chosen.selectedItems():
            self.chosen.takeItem(self.chosen.row(item))
        self._update()

    def picked(self) -> list[tuple[uuid.UUID, uuid.UUID | None]]:
        return [
            self.chosen.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.chosen.count())
        ]

    def _update(self) -> None:
        self.add_button.setEnabled(self.picker.field_value() is not None)
        self.remove_button.setEnabled(bool(self.chosen.selectedItems()))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.chosen.count() > 0)
