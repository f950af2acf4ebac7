"""Search-as-you-type and the filters above the customer list."""

import uuid

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QToolButton, QWidget

from salesdesk.services.customer_list import CustomerFilter
from salesdesk.services.lookups import customer_groups, representatives, territories
from salesdesk.store.engine import Store
from salesdesk.ui import choices
from salesdesk.ui.forms import fill_combo
from salesdesk.ui.icons import icon

SEARCH_DELAY_MS = 150  # typing pauses shorter than this do not query
CONTACT_ANY, CONTACT_BLOCKED, CONTACT_ALLOWED = "", "blocked", "allowed"


class CustomerFilterBar(QWidget):
    """Emits ``sig_changed`` when the filter changed (search: after a short pause)."""

    sig_changed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self._store = store
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search customers… (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setMinimumWidth(220)
        self.search.setToolTip(self.tr("Finds customers by number, name, postal code, city, "
                                       "street, contact person or e-mail, as you type"))
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.sig_changed)
        self.search.textChanged.connect(self._timer.start)
        self.combos: dict[str, QComboBox] = {}
        self._build_combos()
        self.reset_button = QToolButton(self)
        self.reset_button.setText(self.tr("Reset filters"))
        self.reset_button.setToolTip(self.tr("Show all customers again"))
        self.reset_button.clicked.connect(self.reset)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search, 2)
        for combo in self.combos.values():
            layout.addWidget(combo, 1)
        layout.addWidget(self.reset_button)

    def _build_combos(self) -> None:
        tips = {"status": self.tr("Filter by status"), "group": self.tr("Filter by customer group"),
                "territory": self.tr("Filter by territory"),
                "representative": self.tr("Filter by representative"),
                "contact": self.tr("Filter by do-not-contact")}
        for key, (everything, items) in self._lists().items():
            combo = QComboBox(self)
            fill_combo(combo, items, empty=everything)
            combo.setToolTip(tips[key])
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
            combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)
            combo.currentIndexChanged.connect(self.sig_changed)
            self.combos[key] = combo

    def reload_choices(self) -> None:
        """Fill the pickers again from the store (after an import), keeping the choices."""
        chosen = self.state()
        for key, (everything, items) in self._lists().items():
            combo = self.combos[key]
            combo.blockSignals(True)
            fill_combo(combo, items, empty=everything)
            combo.setCurrentIndex(max(combo.findData(chosen.get(key) or None), 0))
            combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)
            combo.blockSignals(False)
        if self.state() != chosen:  # a chosen entry is gone: the list must follow
            self.sig_changed.emit()

    def _lists(self) -> dict[str, tuple[str, list]]:
        reader = self._store.reader()  # plain sqlite3: picker lists need no ORM
        return {
            "status": (self.tr("All statuses"), choices.status_items()),
            "group": (self.tr("All groups"),
                      [(e.label, str(e.id)) for e in customer_groups(reader)]),
            "territory": (self.tr("All territories"),
                          [(e.label, str(e.id)) for e in territories(reader)]),
            "representative": (self.tr("All representatives"),
                               [(e.name, str(e.id)) for e in representatives(reader)]),
            "contact": (self.tr("Contact: all"),
                        [(self.tr("Do not contact"), CONTACT_BLOCKED),
                         (self.tr("Contact allowed"), CONTACT_ALLOWED)]),
        }

    def _value(self, key: str) -> str | None:
        return self.combos[key].currentData()

    def customer_filter(self) -> CustomerFilter:
        contact = self._value("contact")
        return CustomerFilter(
            search=self.search.text().strip(),
            statuses=(self._value("status"),) if self._value("status") else (),
            customer_group_id=_uuid(self._value("group")),
            territory_id=_uuid(self._value("territory")),
            representative_id=_uuid(self._value("representative")),
            do_not_contact={CONTACT_BLOCKED: True, CONTACT_ALLOWED: False}.get(contact or ""),
        )

    def state(self) -> dict:
        """What to remember between sessions (ids as text, never shown)."""
        return {"search": self.search.text()} | {k: self._value(k) or "" for k in self.combos}

    def restore(self, state: dict) -> None:
        """Put remembered filters back without announcing each change."""
        self.blockSignals(True)
        self.search.blockSignals(True)
        try:
            self.search.setText(str(state.get("search", "")))
            for key, combo in self.combos.items():
                combo.blockSignals(True)
                combo.setCurrentIndex(max(combo.findData(state.get(key) or None), 0))
                combo.blockSignals(False)
        finally:
            self.search.blockSignals(False)
            self.blockSignals(False)

    def is_filtered(self) -> bool:
        return self.customer_filter() != CustomerFilter()

    def reset(self) -> None:
        self.restore({})
        self._timer.stop()
        self.sig_changed.emit()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()


def _uuid(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None
