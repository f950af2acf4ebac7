"""The change history of a customer file, as people read it.

Audit entries store text; here each value gets its type back from the model column
(yes/no, dates, amounts) and references become names, so no raw id reaches a user.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from salesdesk.domain.customer import (
    AddressKind,
    ConsentChannel,
    CustomerStatus,
    address_labels,
    bank_labels,
    contact_labels,
    customer_labels,
)
from salesdesk.i18n import _
from salesdesk.store.models import (
    Address,
    AuditEntry,
    BankAccount,
    Consent,
    ContactPerson,
    Customer,
    CustomerGroup,
    CustomerSegment,
    DeliveryTerm,
    Document,
    PaymentTerm,
    PriceGroup,
    Territory,
    UserAccount,
)
from salesdesk.store.types import Money, UTCDateTime

MODELS = {m.__tablename__: m for m in (Customer, Address, ContactPerson, BankAccount, Consent,
                                       Document, CustomerSegment)}
_NAMED = {m.__tablename__: m for m in (CustomerGroup, PriceGroup, Territory, PaymentTerm,
                                       DeliveryTerm)}


@dataclass(frozen=True)
class HistoryEntry:
    """One change: ``old``/``new`` are typed (bool, date, Decimal, str) or None."""

    changed_at: datetime
    changed_by: str
    record: str
    field: str
    action: str  # insert, update, delete, merge, purge
    old: object
    new: object


def field_labels() -> dict[str, str]:
    """User-facing names of every audited field (the domain's, plus references)."""
    return {
        "customer_group_id": _("Customer group"), "price_group_id": _("Price group"),
        "territory_id": _("Territory"), "representative_id": _("Representative"),
        "parent_id": _("Parent company"), "payment_term_id": _("Payment terms"),
        "delivery_term_id": _("Delivery terms"), "merged_into_id": _("Merged into"),
        "customer_id": _("Customer file"), "contact_id": _("Contact person"),
        "deleted_at": _("Deleted"), "kind": _("Address type"), "is_default": _("Default"),
        "street2": _("Street 2"), "latitude": _("Latitude"), "longitude": _("Longitude"),
        "salutation": _("Salutation"), "title": _("Title"), "role": _("Role"),
        "department": _("Department"), "language": _("Language"), "bank_name": _("Bank"),
        "sepa_mandate_ref": _("SEPA mandate reference"),
        "sepa_mandate_date": _("SEPA mandate date"), "channel": _("Channel"),
        "granted": _("Consent given"), "recorded_on": _("Recorded on"), "source": _("Source"),
        "doc_type": _("Document type"), "size": _("Size"), "sha256": _("File content"),
        "added_at": _("Added"), "segment": _("Segment"),
        **address_labels(), **contact_labels(), **bank_labels(), **customer_labels(),
    }


def customer_history(session: Session, customer_id: uuid.UUID, limit: int = 2000
                     ) -> list[HistoryEntry]:
    """The newest ``limit`` changes to a customer file and its parts, newest first."""
    rows = session.scalars(
        select(AuditEntry).where(AuditEntry.customer_id == customer_id)
        .order_by(AuditEntry.changed_at.desc()).limit(limit)).all()
    names = _Names(session, rows)
    labels = field_labels()
    return [HistoryEntry(
        changed_at=row.changed_at, changed_by=names.user(row.changed_by),
        record=names.record(row.entity, row.entity_id), field=labels.get(row.field, row.field),
        action=row.action, old=names.value(row, row.old_value),
        new=names.value(row, row.new_value)) for row in rows]


class _Names:
    """Resolves logins, records and references of a batch of audit entries."""

    def __init__(self, session: Session, rows: list[AuditEntry]):
        self.session = session
        logins = {r.changed_by for r in rows}
        query = select(UserAccount.login, UserAccount.display_name).where(
            UserAccount.login.in_(logins))
        self.users = {login: name for login, name in session.execute(query)}
        self.records: dict[tuple[str, uuid.UUID], object] = {}
        for table, model in MODELS.items():
            ids = {r.entity_id for r in rows if r.entity == table}
            if ids:
                for record in session.scalars(select(model).where(model.id.in_(ids))):
                    self.records[(table, record.id)] = record
        self.cache: dict[tuple[str, str], str] = {}

    def user(self, login: str) -> str:
        return self.users.get(login) or login

    def record(self, table: str, entity_id: uuid.UUID) -> str:
        return record_label(table, self.records.get((table, entity_id)))

    def value(self, row: AuditEntry, text: str | None) -> object:
        if text is None or text == "":
            return None
        model = MODELS.get(row.entity)
        column = model.__table__.c.get(row.field) if model is not None else None
        if column is None:
            return text
        if column.foreign_keys:
            target = next(iter(column.foreign_keys)).column.table.name
            return self.reference(target, text)
        return _typed(_python_type(column), row.field, text)

    def reference(self, table: str, text: str) -> str:
        key = (table, text)
        if key not in self.cache:
            self.cache[key] = _reference_name(self.session, table, text)
        return self.cache[key]


def _python_type(column) -> type:
    if isinstance(column.type, Money):
        return Decimal
    if isinstance(column.type, UTCDateTime):
        return datetime
    return column.type.python_type


def _typed(kind: type, field: str, text: str) -> object:
    try:
        if kind is bool:
            return text == "1"
        if kind is date:
            return date.fromisoformat(text)
        if kind is datetime:
            return datetime.fromisoformat(text)
        if kind is Decimal:
            return Decimal(text)
    except ValueError:
        return text
    return _coded(field, text)


def _coded(field: str, text: str) -> str:
    """Stored codes of the domain's enumerations shown by their label."""
    enums = {"status": CustomerStatus, "kind": AddressKind, "channel": ConsentChannel}
    if field in enums:
        try:
            return enums[field](text).label
        except ValueError:
            return text
    return text


def _reference_name(session: Session, table: str, text: str) -> str:
    try:
        key = uuid.UUID(text)
    except ValueError:
        return text
    if table in _NAMED:
        model = _NAMED[table]
        name = session.scalar(select(model.name).where(model.id == key))
    elif table == "user_account":
        name = session.scalar(select(UserAccount.display_name).where(UserAccount.id == key))
    elif table == "customer":
        row = session.execute(select(Customer.number, Customer.name)
                              .where(Customer.id == key)).first()
        name = f"{row[0]} {row[1]}" if row else None
    elif table == "contact_person":
        contact = session.get(ContactPerson, key)
        name = contact.full_name if contact else None
    else:
        name = None
    return name or _("(no longer present)")


def record_label(table: str, record: object | None) -> str:
    """"Customer file", "Contact person Anna Weber", "Delivery address: Hauptstr. 1, Ulm"."""
    if table == "customer":
        return _("Customer file")
    if record is None:
        return _("(no longer present)")
    if isinstance(record, Address):
        place = ", ".join(p for p in (record.street, record.city) if p)
        return f"{_kind_label(record.kind)}: {place}" if place else _kind_label(record.kind)
    if isinstance(record, ContactPerson):
        return _("Contact person {name}").format(name=record.full_name)
    if isinstance(record, BankAccount):
        return _("Bank account {iban}").format(iban=record.iban)
    if isinstance(record, Consent):
        return _("Consent {channel}").format(channel=_coded("channel", record.channel))
    if isinstance(record, Document):
        return _("Document {name}").format(name=record.name)
    if isinstance(record, CustomerSegment):
        return _("Segment {segment}").format(segment=record.segment)
    return table


def _kind_label(kind: str) -> str:
    return _coded("kind", kind)
