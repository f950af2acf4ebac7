"""The "Master data" tab of a customer file: every field, read-only, in groups."""

from decimal import Decimal

from babel.numbers import format_percent
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QWidget,
)
from sqlalchemy.orm import object_session

from salesdesk.domain.customer import ConsentChannel
from salesdesk.domain.customer import customer_labels as _domain_labels
from salesdesk.domain.pricing import PaymentTerms, payment_terms_text
from salesdesk.services.customers import live
from salesdesk.store.models import Customer
from salesdesk.ui import choices
from salesdesk.ui.formatting import (
    format_date,
    format_local_time,
    format_money,
    locale_name,
    yes_no,
)
from salesdesk.ui.models.customer_table import status_label


class MasterDataTab(QScrollArea):
    """Labels by field name, filled by ``show(customer)`` inside the caller's session."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.values: dict[str, QLabel] = {}
        page = QWidget(self)
        grid = QGridLayout(page)
        labels = self._labels()
        groups = {
            "company": (self.tr("Company"), ("number", "name", "name2", "legal_form", "status",
                                             "customer_group", "price_group", "parent")),
            "sales": (self.tr("Sales"), ("representative", "territory", "payment_term",
                                         "delivery_term", "currency", "credit_limit",
                                         "language", "next_contact")),
            "tax": (self.tr("Tax and web"), ("vat_id", "tax_number", "website")),
            "invoicing": (self.tr("Invoicing and returns"), ("invoice_recipient",
                                                            "collection_discount",
                                                            "return_conditions")),
            "contact": (self.tr("Contact"), ("do_not_contact", "consents", "segments")),
            "record": (self.tr("Record"), ("created", "changed")),
            "notes": (self.tr("Notes"), ("notes",)),
        }
        places = {"company": (0, 0), "sales": (0, 1), "tax": (1, 0), "invoicing": (1, 1),
                  "contact": (2, 0), "record": (2, 1), "notes": (3, 0, 1, 2)}
        for key, (title, fields) in groups.items():
            grid.addWidget(self._group(title, fields, labels), *places[key])
        grid.setRowStretch(4, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.setWidget(page)

    def _labels(self) -> dict[str, str]:
        return _domain_labels() | {
            "number": self.tr("Number"), "customer_group": self.tr("Customer group"),
            "price_group": self.tr("Price group"), "parent": self.tr("Parent company"),
            "representative": self.tr("Representative"), "territory": self.tr("Territory"),
            "payment_term": self.tr("Payment terms"), "delivery_term": self.tr("Delivery terms"),
            "consents": self.tr("Consents"), "segments": self.tr("Segments"),
            "invoice_recipient": self.tr("Invoice recipient"),
            "notes": "", "created": self.tr("Created"), "changed": self.tr("Last changed"),
        }

    def _group(self, title: str, fields: tuple[str, ...], labels: dict[str, str]) -> QGroupBox:
        box = QGroupBox(title, self)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for field in fields:
            value = QLabel(box)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[field] = value
            if labels.get(field):
                form.addRow(labels[field] + ":", value)
            else:
                form.addRow(value)
        return box

    def show_customer(self, customer: Customer) -> None:
        """Fill every label; reads relationships, so call it while the session is open."""
        for field, text in _texts(customer).items():
            self.values[field].setText(text or "–")
        for field, text in _tooltips(customer).items():
            self.values[field].setToolTip(text)


def tr(text: str) -> str:
    return QCoreApplication.translate("MasterDataTab", text)


def _name(record) -> str:
    if record is None:
        return ""
    return getattr(record, "display_name", None) or getattr(record, "name", "")


def _texts(customer: Customer) -> dict[str, str]:
    parent = customer.parent
    return {
        "number": customer.number, "name": customer.name, "name2": customer.name2,
        "legal_form": customer.legal_form, "status": status_label(customer.status),
        "customer_group": _name(customer.customer_group),
        "price_group": _name(customer.price_group),
        "parent": parent.record_label() if parent is not None else "",
        "representative": _name(customer.representative),
        "territory": _name(customer.territory), "payment_term": _name(customer.payment_term),
        "delivery_term": _name(customer.delivery_term), "currency": customer.currency,
        "credit_limit": format_money(customer.credit_limit, customer.currency),
        "language": choices.language_name(customer.language),
        "next_contact": format_date(customer.next_contact), "vat_id": customer.vat_id,
        "tax_number": customer.tax_number, "website": customer.website,
        "do_not_contact": _dnc(customer), "consents": _consents(customer),
        "segments": ", ".join(s.segment for s in live(customer.segments)),
        "notes": customer.notes,
        "invoice_recipient": _invoice_recipient(customer),
        "collection_discount": _percent(customer.collection_discount),
        "return_conditions": customer.return_conditions,
        "created": format_local_time(customer.created_at),
        "changed": f"{format_local_time(customer.updated_at)} ({customer.updated_by})"
        if customer.updated_by else format_local_time(customer.updated_at),
    }


def _invoice_recipient(customer: Customer) -> str:
    """"K-000123 Name" of the customer who gets the invoices (never its id)."""
    if customer.invoice_recipient_id is None:
        return ""
    other = object_session(customer).get(Customer, customer.invoice_recipient_id)
    if other is None:
        return tr("(no longer present)")
    if other.merged_into_id is not None or other.deleted_at is not None:
        return tr("{customer} (deleted)").format(customer=other.record_label())
    return other.record_label()


def _percent(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format_percent(value / 100, locale=locale_name(), decimal_quantization=False)


def _tooltips(customer: Customer) -> dict[str, str]:
    """What the chosen payment and delivery terms say, in full."""
    from salesdesk.services.terms import delivery_terms_text, stages_of

    payment, delivery = customer.payment_term, customer.delivery_term
    return {
        "payment_term": payment_terms_text(PaymentTerms(
            payment.net_days, stages_of(payment.cash_discounts))) if payment else "",
        "delivery_term": delivery_terms_text(
            delivery, lambda amount: format_money(amount, customer.currency))
        if delivery else "",
    }


def _dnc(customer: Customer) -> str:
    if not customer.do_not_contact:
        return yes_no(False)
    return f"{yes_no(True)}: {customer.do_not_contact_reason}"


def _consents(customer: Customer) -> str:
    """The newest consent per channel: what counts today."""
    newest = {}
    for consent in live(customer.consents):  # ordered by date: later ones win
        newest[consent.channel] = consent
    lines = []
    for channel, consent in newest.items():
        label = ConsentChannel(channel).label if channel in ConsentChannel._value2member_map_ \
            else channel
        state = tr("given") if consent.granted else tr("withdrawn")
        lines.append(f"{label}: {state}, {format_date(consent.recorded_on)} ({consent.source})")
    return "\n".join(lines)
