"""The customer file: customers, addresses, contact persons, bank data, consent, documents."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesdesk.domain.ids import new_id
from salesdesk.store.base import Base, Synced
from salesdesk.store.types import utcnow


class UserAccount(Synced, Base):
    """A person who uses SalesDesk: representative, office staff, admin."""

    __tablename__ = "user_account"
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20), default="rep")
    active: Mapped[bool] = mapped_column(default=True)


class _Lookup(Synced):
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class CustomerGroup(_Lookup, Base):
    __tablename__ = "customer_group"


class PriceGroup(_Lookup, Base):
    __tablename__ = "price_group"


class Territory(_Lookup, Base):
    __tablename__ = "territory"


class PaymentTerm(_Lookup, Base):
    __tablename__ = "payment_term"


class DeliveryTerm(_Lookup, Base):
    __tablename__ = "delivery_term"


SORTED_COLUMNS = ("name", "main_postal_code", "main_city", "main_country", "status",
                  "next_contact", "credit_limit", "do_not_contact")


class Customer(Synced, Base):
    __tablename__ = "customer"
    __table_args__ = (
        # (column, number) per sortable list column: a page comes straight off the index
        *(Index(f"ix_customer_sort_{column}", column, "number") for column in SORTED_COLUMNS),
        Index("ix_customer_vat_id", "vat_id"),
        Index("ix_customer_search_key", "search_key", unique=True),
    )

    number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name2: Mapped[str] = mapped_column(String(200), default="")
    legal_form: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(12), default="prospect")
    customer_group_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer_group.id"))
    price_group_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("price_group.id"))
    territory_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("territory.id"), index=True)
    representative_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), index=True
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"))
    language: Mapped[str] = mapped_column(String(2), default="de")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    credit_limit: Mapped[Decimal | None] = mapped_column(default=None)
    payment_term_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payment_term.id"))
    delivery_term_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("delivery_term.id"))
    vat_id: Mapped[str] = mapped_column(String(20), default="")
    tax_number: Mapped[str] = mapped_column(String(30), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    next_contact: Mapped[date | None] = mapped_column(default=None)
    do_not_contact: Mapped[bool] = mapped_column(default=False)
    do_not_contact_reason: Mapped[str] = mapped_column(String(200), default="")
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"))
    # Copied from the default main address so the list can sort and filter 100k rows by
    # index; kept in step by the store's flush hook (store/hooks.py), never edited directly.
    main_postal_code: Mapped[str] = mapped_column(String(16), default="")
    main_city: Mapped[str] = mapped_column(String(100), default="")
    main_country: Mapped[str] = mapped_column(String(2), default="")
    # Local key of the search index (store/search.py), set by a trigger; never synced.
    search_key: Mapped[int | None] = mapped_column(default=None)

    addresses: Mapped[list["Address"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="Address.kind"
    )
    contacts: Mapped[list["ContactPerson"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="ContactPerson.last_name"
    )
    bank_accounts: Mapped[list["BankAccount"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan"
    )
    consents: Mapped[list["Consent"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="Consent.recorded_on"
    )
    documents: Mapped[list["Document"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="Document.added_at"
    )
    segments: Mapped[list["CustomerSegment"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerSegment.segment"
    )
    customer_group: Mapped[CustomerGroup | None] = relationship()
    price_group: Mapped[PriceGroup | None] = relationship()
    territory: Mapped[Territory | None] = relationship()
    representative: Mapped[UserAccount | None] = relationship()
    payment_term: Mapped[PaymentTerm | None] = relationship()
    delivery_term: Mapped[DeliveryTerm | None] = relationship()
    parent: Mapped["Customer | None"] = relationship(
        remote_side="Customer.id", foreign_keys=[parent_id]
    )

    def record_label(self) -> str:
        return f"{self.number} {self.name}".strip()


class _CustomerChild(Synced):
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), index=True)


class CustomerSegment(_CustomerChild, Base):
    __tablename__ = "customer_segment"
    __table_args__ = (UniqueConstraint("customer_id", "segment"),)
    segment: Mapped[str] = mapped_column(String(60), index=True)
    customer: Mapped[Customer] = relationship(back_populates="segments")


class Address(_CustomerChild, Base):
    __tablename__ = "address"
    kind: Mapped[str] = mapped_column(String(10), default="main")
    is_default: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(200), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    street2: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(16), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="DE")
    latitude: Mapped[float | None] = mapped_column(default=None)
    longitude: Mapped[float | None] = mapped_column(default=None)
    customer: Mapped[Customer] = relationship(back_populates="addresses")


class ContactPerson(_CustomerChild, Base):
    __tablename__ = "contact_person"
    salutation: Mapped[str] = mapped_column(String(20), default="")
    title: Mapped[str] = mapped_column(String(40), default="")
    first_name: Mapped[str] = mapped_column(String(80), default="")
    last_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(80), default="")
    department: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    mobile: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(2), default="")
    birthday: Mapped[date | None] = mapped_column(default=None)
    do_not_contact: Mapped[bool] = mapped_column(default=False)
    customer: Mapped[Customer] = relationship(back_populates="contacts")

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.title, self.first_name, self.last_name) if p)


class BankAccount(_CustomerChild, Base):
    __tablename__ = "bank_account"
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str] = mapped_column(String(11), default="")
    holder: Mapped[str] = mapped_column(String(200), default="")
    bank_name: Mapped[str] = mapped_column(String(120), default="")
    sepa_mandate_ref: Mapped[str] = mapped_column(String(35), default="")
    sepa_mandate_date: Mapped[date | None] = mapped_column(default=None)
    is_default: Mapped[bool] = mapped_column(default=False)
    customer: Mapped[Customer] = relationship(back_populates="bank_accounts")


class Consent(_CustomerChild, Base):
    """A recorded consent (or its withdrawal) for one channel, with date and source."""

    __tablename__ = "consent"
    contact_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contact_person.id"))
    channel: Mapped[str] = mapped_column(String(10))
    granted: Mapped[bool] = mapped_column(default=True)
    recorded_on: Mapped[date]
    source: Mapped[str] = mapped_column(String(120), default="")
    customer: Mapped[Customer] = relationship(back_populates="consents")


class Document(_CustomerChild, Base):
    """A file on the customer; the bytes live in the content-addressed blob store."""

    __tablename__ = "document"
    name: Mapped[str] = mapped_column(String(255))
    doc_type: Mapped[str] = mapped_column(String(40), default="")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    customer: Mapped[Customer] = relationship(back_populates="documents")


class AuditEntry(Base):
    """One field of one record changed: who, when, old and new (local, append-only)."""

    __tablename__ = "audit_entry"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[uuid.UUID] = mapped_column(index=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(10))
    field: Mapped[str] = mapped_column(String(60), default="")
    old_value: Mapped[str | None] = mapped_column(Text, default=None)
    new_value: Mapped[str | None] = mapped_column(Text, default=None)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(64), default="")


class NumberSequence(Base):
    """Next business number per kind ("customer" → K-000123)."""

    __tablename__ = "number_sequence"
    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    next_value: Mapped[int] = mapped_column(default=1)
