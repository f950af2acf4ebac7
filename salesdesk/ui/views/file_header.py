"""The top of a customer file: who it is, the essentials, and a do-not-contact banner."""

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from salesdesk.services.customers import live
from salesdesk.store.models import Customer
from salesdesk.ui import choices
from salesdesk.ui.formatting import format_date, format_money
from salesdesk.ui.icons import icon
from salesdesk.ui.models.customer_table import status_label

BANNER_STYLE = ("QFrame#dnc_banner { background: #c62828; border-radius: 4px; }"
                " QFrame#dnc_banner QLabel { color: white; }")


class FileHeader(QWidget):
    """Number and name, status, representative, credit limit, next contact, main place."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.back = self._button("back", self.tr("Back to the list"),
                                 self.tr("Back to the customer list (Alt+Left)"))
        self.edit = self._button("customer-edit", self.tr("Edit…"),
                                 self.tr("Change the master data (Ctrl+E)"))
        self.merge = self._button("merge", self.tr("Merge into…"),
                                  self.tr("Merge this customer file into another one"))
        self.title = QLabel(self)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel(self)
        self.subtitle.setEnabled(False)
        self.facts: dict[str, QLabel] = {}
        self.banner, self.banner_text = self._banner()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.back)
        top.addSpacing(8)
        top.addWidget(self.title, 1)
        top.addWidget(self.edit)
        top.addWidget(self.merge)
        layout.addLayout(top)
        layout.addWidget(self.subtitle)
        layout.addLayout(self._facts())
        layout.addWidget(self.banner)

    def _button(self, icon_name: str, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setIcon(icon(icon_name))
        button.setText(text)
        button.setToolTip(tip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setAutoRaise(True)
        return button

    def _facts(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(32)
        captions = {"status": self.tr("Status"), "representative": self.tr("Representative"),
                    "credit_limit": self.tr("Credit limit"),
                    "next_contact": self.tr("Next contact")}
        for column, (key, caption) in enumerate(captions.items()):
            label = QLabel(caption, self)
            label.setEnabled(False)
            value = QLabel(self)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(label, 0, column)
            grid.addWidget(value, 1, column)
            self.facts[key] = value
        grid.setColumnStretch(len(captions), 1)
        return grid

    def _banner(self) -> tuple[QFrame, QLabel]:
        banner = QFrame(self)
        banner.setObjectName("dnc_banner")
        banner.setStyleSheet(BANNER_STYLE)
        picture = QLabel(banner)
        picture.setPixmap(icon("do-not-contact").pixmap(24, 24))
        text = QLabel(banner)
        text.setWordWrap(True)
        font = text.font()
        font.setBold(True)
        text.setFont(font)
        row = QHBoxLayout(banner)
        row.setContentsMargins(10, 6, 10, 6)
        row.addWidget(picture)
        row.addWidget(text, 1)
        banner.hide()
        return banner, text

    def show_customer(self, customer: Customer) -> None:
        self.title.setText(f"{customer.number}   {customer.name}")
        self.subtitle.setText(_place(customer))
        rep = customer.representative
        overdue = customer.next_contact is not None and customer.next_contact < date.today()
        self.facts["status"].setText(status_label(customer.status))
        self.facts["representative"].setText(rep.display_name if rep else "–")
        self.facts["credit_limit"].setText(
            format_money(customer.credit_limit, customer.currency) or "–")
        next_contact = format_date(customer.next_contact) or "–"
        if overdue:
            next_contact = self.tr("{date} (overdue)").format(date=next_contact)
        self.facts["next_contact"].setText(next_contact)
        self.banner.setVisible(customer.do_not_contact)
        self.banner_text.setText(self.tr("Do not contact: {reason}").format(
            reason=customer.do_not_contact_reason or self.tr("no reason given")))


def _place(customer: Customer) -> str:
    """Name 2 and the main address in one line: "Einkauf · Hauptstr. 1, 89073 Ulm, Germany"."""
    main = next((a for a in live(customer.addresses) if a.kind == "main" and a.is_default),
                None)
    parts = [customer.name2] if customer.name2 else []
    if main is not None:
        city = " ".join(p for p in (main.postal_code, main.city) if p)
        parts.append(", ".join(p for p in (main.street, city, choices.country_name(main.country))
                               if p))
    return " · ".join(parts)
