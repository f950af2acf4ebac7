"""The customer file: customers, addresses, contact persons, bank data, consent, documents."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesdesk.domain.ids import new_id
from salesdesk.store.base import Base, Synced
from salesdesk.store.geoindex import (
    ADDRESS_RADIUS_COLUMNS,
    ADDRESS_RADIUS_INDEX,
    CUSTOMER_RADIUS_COLUMNS,
    CUSTOMER_RADIUS_INDEX,
)
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


class _ConfigurableList(_Lookup):
    """A list the office can extend (kinds of contact, commitments, reasons).

    Entries SalesDesk ships carry an empty ``name``: the user sees the built-in label in
    their language (domain code → label); entries the office adds carry their own name.
    """

    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class ContactKind(_ConfigurableList, Base):
    """Kind of a logbook entry: visit, phone call, e-mail, letter, trade fair, …"""

    __tablename__ = "contact_kind"


class CommitmentKind(_ConfigurableList, Base):
    """Kind of a task/commitment: call back, send offer, provide sample, …"""

    __tablename__ = "commitment_kind"


class ReasonCode(_ConfigurableList, Base):
    """Why a contact happened (regular visit, complaint, new product, …)."""

    __tablename__ = "reason_code"


class CustomerGroup(_Lookup, Base):
    __tablename__ = "customer_group"


class PriceGroup(_Lookup, Base):
    __tablename__ = "price_group"


class Territory(_Lookup, Base):
    __tablename__ = "territory"


class PaymentTerm(_Lookup, Base):
    """Terms of payment: net days and cash-discount stages (domain.pricing.PaymentTerms)."""

    __tablename__ = "payment_term"
    net_days: Mapped[int] = mapped_column(default=30, server_default="30")
    # stages as JSON [["2", 14], ["1", 21]]: percent (Decimal text), within days
    cash_discounts: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")


class DeliveryTerm(_Lookup, Base):
    """Terms of delivery: Incoterms 2020 rule and place, free-freight threshold, minimum
    order (amounts in the customer's currency)."""

    __tablename__ = "delivery_term"
    incoterm: Mapped[str] = mapped_column(String(3), default="", server_default="")
    incoterm_place: Mapped[str] = mapped_column(String(80), default="", server_default="")
    free_freight_threshold: Mapped[Decimal | None] = mapped_column(default=None)
    minimum_order: Mapped[Decimal | None] = mapped_column(default=None)


SORTED_COLUMNS = ("name", "main_postal_code", "main_city", "main_country", "status",
                  "next_contact", "credit_limit", "do_not_contact")


class Customer(Synced, Base):
    __tablename__ = "customer"
    __table_args__ = (
        # (column, number) per sortable list column: a page comes straight off the index
        *(Index(f"ix_customer_sort_{column}", column, "number") for column in SORTED_COLUMNS),
        Index("ix_customer_vat_id", "vat_id"),
        Index("ix_customer_search_key", "search_key", unique=True),
        Index("ix_customer_rep_next_contact", "representative_id", "next_contact"),
        Index("ix_customer_last_contact_at", "last_contact_at"),
        Index(CUSTOMER_RADIUS_INDEX, *CUSTOMER_RADIUS_COLUMNS),
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
    # who gets the invoice when not the customer itself (another customer, e.g. a head office)
    invoice_recipient_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customer.id"), default=None)
    return_conditions: Mapped[str] = mapped_column(Text, default="", server_default="")
    # encashment/collection discount in percent (Inkassorabatt), None: none agreed
    collection_discount: Mapped[Decimal | None] = mapped_column(default=None)
    vat_id: Mapped[str] = mapped_column(String(20), default="")
    tax_number: Mapped[str] = mapped_column(String(30), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    next_contact: Mapped[date | None] = mapped_column(default=None)
    do_not_contact: Mapped[bool] = mapped_column(default=False)
    do_not_contact_reason: Mapped[str] = mapped_column(String(200), default="")
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"))
    # When the newest live logbook entry happened; kept by services/logbook.py.
    last_contact_at: Mapped[datetime | None] = mapped_column(default=None)
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
    __table_args__ = (Index(ADDRESS_RADIUS_INDEX, *ADDRESS_RADIUS_COLUMNS),)
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
    # How the coordinates were found: precision street/postal/city/manual, source
    # (geocoder name, "offline", "manual") and when; a manual pin is never overwritten.
    geo_precision: Mapped[str] = mapped_column(String(10), default="")
    geo_source: Mapped[str] = mapped_column(String(40), default="")
    geocoded_at: Mapped[datetime | None] = mapped_column(default=None)
    # Local key of the radius-search index (store/geoindex.py), set by a trigger; never synced.
    geo_key: Mapped[int | None] = mapped_column(default=None, unique=True)
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
    # an attachment of a logbook entry or a task (still filed on the customer)
    logbook_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("logbook_entry.id"), index=True, default=None)
    task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("task.id"), index=True,
                                                      default=None)
    customer: Mapped[Customer] = relationship(back_populates="documents")


class LogbookEntry(_CustomerChild, Base):
    """One contact with a customer: a visit, a call, a mail… Insert-only in spirit: the
    author may correct it for a while (every edit audited); deleting is a tombstone with
    a reason."""

    __tablename__ = "logbook_entry"
    __table_args__ = (
        Index("ix_logbook_entry_customer_occurred", "customer_id", "occurred_at"),
        Index("ix_logbook_entry_user_occurred", "user_id", "occurred_at"),
        Index("ix_logbook_entry_occurred_at", "occurred_at"),
        Index("ix_logbook_entry_search_key", "search_key", unique=True),
    )
    # the customer_id index of _CustomerChild is covered by the composite index above
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    author: Mapped[str] = mapped_column(String(64), default="")
    occurred_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    reason_code: Mapped[str] = mapped_column(String(20), default="")
    follow_up_on: Mapped[date | None] = mapped_column(default=None)
    mailing_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("mailing.id"), default=None)
    delete_reason: Mapped[str] = mapped_column(String(200), default="")
    # Local key of the logbook's full-text index (store/logbook_index.py); never synced.
    search_key: Mapped[int | None] = mapped_column(default=None)
    contacts: Mapped[list["LogbookContact"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan")
    customer: Mapped[Customer] = relationship()
    user: Mapped[UserAccount | None] = relationship()


class LogbookContact(Synced, Base):
    """A contact person who took part in a logbook entry."""

    __tablename__ = "logbook_contact"
    __table_args__ = (UniqueConstraint("entry_id", "contact_id"),)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("logbook_entry.id"), index=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contact_person.id"), index=True)
    entry: Mapped[LogbookEntry] = relationship(back_populates="contacts")
    contact: Mapped[ContactPerson] = relationship()


class Task(Synced, Base):
    """A task or commitment, assigned to a user, with a status workflow (domain/tasks.py)."""

    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_assignee_status_due", "assignee_id", "status", "due_on"),
        Index("ix_task_customer_due", "customer_id", "due_on"),
        Index("ix_task_status_due", "status", "due_on"),
        Index("ix_task_remind_at", "remind_at"),
    )
    title: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"))
    contact_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contact_person.id"))
    assignee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    creator_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    due_on: Mapped[date | None] = mapped_column(default=None)
    remind_at: Mapped[datetime | None] = mapped_column(default=None)
    reminder_dismissed: Mapped[bool] = mapped_column(default=False)
    priority: Mapped[int] = mapped_column(default=2)
    kind: Mapped[str] = mapped_column(String(20), default="other")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="assigned")
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    logbook_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("logbook_entry.id"), index=True, default=None)
    # RFC 5545 RRULE of a recurring follow-up ("FREQ=WEEKLY;INTERVAL=6"); the next task
    # of the series is made when this one is completed.
    recurrence: Mapped[str] = mapped_column(String(200), default="")
    series_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    transitions: Mapped[list["TaskTransition"]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="TaskTransition.changed_at")
    customer: Mapped[Customer | None] = relationship()
    contact: Mapped[ContactPerson | None] = relationship()
    assignee: Mapped[UserAccount] = relationship(foreign_keys=[assignee_id])
    creator: Mapped[UserAccount | None] = relationship(foreign_keys=[creator_id])


class TaskTransition(Synced, Base):
    """One step of a task's workflow: from, to, who, when, why."""

    __tablename__ = "task_transition"
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("task.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(64), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    task: Mapped[Task] = relationship(back_populates="transitions")


class Appointment(Synced, Base):
    """A meeting at a time and place; start and end in UTC plus the zone it was planned in."""

    __tablename__ = "appointment"
    __table_args__ = (
        Index("ix_appointment_organizer_starts", "organizer_id", "starts_at"),
        Index("ix_appointment_customer_starts", "customer_id", "starts_at"),
        Index("ix_appointment_starts_at", "starts_at"),
        Index("ix_appointment_remind_at", "remind_at"),
    )
    subject: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"))
    organizer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    location: Mapped[str] = mapped_column(String(300), default="")
    remind_at: Mapped[datetime | None] = mapped_column(default=None)
    reminder_dismissed: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="planned")
    logbook_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("logbook_entry.id"), index=True, default=None)
    contacts: Mapped[list["AppointmentContact"]] = relationship(
        back_populates="appointment", cascade="all, delete-orphan")
    customer: Mapped[Customer | None] = relationship()
    organizer: Mapped[UserAccount] = relationship()


class AppointmentContact(Synced, Base):
    __tablename__ = "appointment_contact"
    __table_args__ = (UniqueConstraint("appointment_id", "contact_id"),)
    appointment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointment.id"), index=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contact_person.id"), index=True)
    appointment: Mapped[Appointment] = relationship(back_populates="contacts")
    contact: Mapped[ContactPerson] = relationship()


class DistributionList(Synced, Base):
    """Recipients of mailings: hand-picked (static) or a saved filter (dynamic)."""

    __tablename__ = "distribution_list"
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(10), default="static")
    # the saved filter of a dynamic list, JSON (services/distribution_lists.py)
    criteria: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(10), default="letter")
    address_kind: Mapped[str] = mapped_column(String(10), default="main")
    contact_role: Mapped[str] = mapped_column(String(80), default="")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    members: Mapped[list["DistributionListMember"]] = relationship(
        back_populates="distribution_list", cascade="all, delete-orphan")


class DistributionListMember(Synced, Base):
    """A hand-picked recipient of a static list: a customer, or one of its contacts."""

    __tablename__ = "distribution_list_member"
    __table_args__ = (UniqueConstraint("list_id", "customer_id", "contact_id"),)
    list_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("distribution_list.id"), index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), index=True)
    contact_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contact_person.id"))
    distribution_list: Mapped[DistributionList] = relationship(back_populates="members")


class Mailing(Synced, Base):
    """A mailing that went out to a list; each recipient got a logbook entry."""

    __tablename__ = "mailing"
    list_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("distribution_list.id"),
                                                      index=True)
    subject: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(10))
    sent_at: Mapped[datetime]
    recipients: Mapped[int] = mapped_column(default=0)


class AppSetting(Base):
    """A setting of this store that is not per Windows/desktop user (e.g. the logbook's
    edit window, the geocoder); values are JSON text. Secrets live in the keyring."""

    __tablename__ = "app_setting"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


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


# -- articles, price lists and conditions (issue 4) -------------------------------------

class ProductGroup(Synced, Base):
    """A product group; groups nest (gloves → workwear → all)."""

    __tablename__ = "product_group"
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("product_group.id"),
                                                        default=None)
    sort_order: Mapped[int] = mapped_column(default=0)


class Article(Synced, Base):
    __tablename__ = "article"
    number: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # the name in other languages: JSON {"en": "…", "fr": "…"}; ``name`` is the default
    names: Mapped[str] = mapped_column(Text, default="")
    product_group_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("product_group.id"), index=True, default=None)
    unit: Mapped[str] = mapped_column(String(10), default="pcs")
    pack_size: Mapped[int] = mapped_column(default=1)
    season: Mapped[str] = mapped_column(String(20), default="")
    ean: Mapped[str] = mapped_column(String(14), default="")
    active: Mapped[bool] = mapped_column(default=True)
    product_group: Mapped[ProductGroup | None] = relationship()


class PriceList(Synced, Base):
    """A price list for the customers of a price group: its prices are the condition
    records of the base price keyed by (price group, article) that name this list."""

    __tablename__ = "price_list"
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    price_group_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("price_group.id"))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None] = mapped_column(default=None)


class ConditionRecord(Synced, Base):
    """One condition record (domain/pricing.py): a type, a key from specific to general,
    a validity, a release status and its value or scale. Never changed in place once
    released: a new price is a new record with a new validity."""

    __tablename__ = "condition_record"
    __table_args__ = (
        # all records a line could use come in one query by (kind, key) (services/pricing.py)
        Index("ix_condition_record_lookup", "key_kind", "key1", "key2", "type_code",
              "valid_from"),
    )
    type_code: Mapped[str] = mapped_column(String(30))
    key_kind: Mapped[str] = mapped_column(String(30))
    # the key's parts as the engine compares them (ids in hex, or codes); key2 "" if none
    key1: Mapped[str] = mapped_column(String(40))
    key2: Mapped[str] = mapped_column(String(40), default="")
    valid_from: Mapped[date]
    valid_to: Mapped[date | None] = mapped_column(default=None)
    released: Mapped[bool] = mapped_column(default=False)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # the scale as JSON [["0", "12.50"], ["100", "11.20"]]: threshold, value (Decimal text)
    scales: Mapped[str] = mapped_column(Text)
    price_list_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("price_list.id"), index=True, default=None)
    note: Mapped[str] = mapped_column(String(200), default="")
    # turnover bonus: the period whose turnover reaches the tiers (month, quarter,
    # half_year, year); "" for every other type
    turnover_period: Mapped[str] = mapped_column(String(10), default="", server_default="")


class CustomerTurnover(Synced, Base):
    """A customer's net turnover in a period, imported until sales documents exist."""

    __tablename__ = "customer_turnover"
    __table_args__ = (UniqueConstraint("customer_id", "period_start", "period_end"),)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]  # inclusive
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    source: Mapped[str] = mapped_column(String(40), default="import")


class IssuedConditionSheet(Synced, Base):
    """A condition sheet as issued: the frozen snapshot (domain/condition_sheet.py JSON)
    and the PDF filed on the customer's documents. Reprints come from the snapshot."""

    __tablename__ = "issued_condition_sheet"
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), index=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    issued_on: Mapped[date]
    as_of: Mapped[date]
    language: Mapped[str] = mapped_column(String(2))
    snapshot: Mapped[str] = mapped_column(Text)
    document_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("document.id"),
                                                          default=None)



# -- sales documents (domain/sales.py) -------------------------------------------------

class SalesDocument(Synced, Base):
    """An offer, order, delivery, invoice, credit note or cancellation of a customer.

    ``kind`` and ``status`` follow the transition table in domain/sales.py. Totals are
    stored as computed when the lines were last priced (re-pricing is an explicit action);
    ``predecessor_id`` names the document it came from (offer → order → delivery/invoice;
    a credit note or cancellation names its invoice). ``external_ref`` is the ERP's number
    of an imported document: importing it again changes nothing."""

    __tablename__ = "sales_document"
    __table_args__ = (
        Index("ix_sales_document_customer_date", "customer_id", "document_date"),
        Index("ix_sales_document_kind_date", "kind", "document_date"),
    )
    kind: Mapped[str] = mapped_column(String(12))
    number: Mapped[str] = mapped_column(String(24), unique=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    document_date: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    language: Mapped[str] = mapped_column(String(2), default="de")
    predecessor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sales_document.id"), index=True, default=None)
    payment_term_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payment_term.id"), default=None)
    header_discount_percent: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    net_total: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    tax_total: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    gross_total: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    # credit notes, cancellations: why (reason_code.code), and whether the principal is
    # responsible for the non-execution (HGB §87a(3): the agent keeps the commission)
    reason_code: Mapped[str] = mapped_column(String(40), default="")
    principal_responsible: Mapped[bool] = mapped_column(default=False)
    due_on: Mapped[date | None] = mapped_column(default=None)
    external_ref: Mapped[str | None] = mapped_column(String(40), unique=True, default=None)
    source: Mapped[str] = mapped_column(String(12), default="manual")  # manual, import
    notes: Mapped[str] = mapped_column(Text, default="")
    lines: Mapped[list["SalesDocumentLine"]] = relationship(
        back_populates="document", cascade="all, delete-orphan",
        order_by="SalesDocumentLine.position")
    customer: Mapped[Customer] = relationship()


class SalesDocumentLine(Synced, Base):
    """One line: the article, quantity and the price as the condition engine gave it
    (``pricing`` keeps the applied conditions as JSON, the snapshot that stays)."""

    __tablename__ = "sales_document_line"
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sales_document.id"),
                                                   index=True)
    position: Mapped[int]
    article_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("article.id"),
                                                         index=True, default=None)
    # the product group when the line was made (commission plans rate by it)
    product_group_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("product_group.id"), default=None)
    description: Mapped[str] = mapped_column(String(300), default="")
    quantity: Mapped[Decimal]
    unit: Mapped[str] = mapped_column(String(10), default="")
    unit_price: Mapped[Decimal]  # net, after line conditions
    list_price: Mapped[Decimal | None] = mapped_column(default=None)
    line_net: Mapped[Decimal]  # quantity × unit price, rounded per the pricing rules
    tax_rate: Mapped[Decimal] = mapped_column(default=Decimal("19"))
    # "" goods; "freight" or "packaging" when invoiced as a separate line
    charge_kind: Mapped[str] = mapped_column(String(12), default="")
    pricing: Mapped[str] = mapped_column(Text, default="")  # JSON snapshot
    source_line_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    document: Mapped[SalesDocument] = relationship(back_populates="lines")


class Payment(Synced, Base):
    """Money received on an invoice (entered or imported from the ERP)."""

    __tablename__ = "payment"
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), index=True)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sales_document.id"),
                                                  index=True)
    paid_on: Mapped[date]
    amount: Mapped[Decimal]  # gross, as received
    cash_discount: Mapped[Decimal] = mapped_column(default=Decimal("0"))  # gross
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    external_ref: Mapped[str | None] = mapped_column(String(40), unique=True, default=None)
    note: Mapped[str] = mapped_column(String(200), default="")


# -- commercial agents (domain/commission.py) ------------------------------------------

class Agent(Synced, Base):
    """A commercial agent (Handelsvertreter): a person or a company paid commission."""

    __tablename__ = "agent"
    number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_company: Mapped[bool] = mapped_column(default=False)
    street: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="DE")
    email: Mapped[str] = mapped_column(String(254), default="")
    vat_id: Mapped[str] = mapped_column(String(20), default="")
    tax_number: Mapped[str] = mapped_column(String(30), default="")
    # VAT charged on the commission (percent; 0 for small businesses and reverse charge)
    vat_rate: Mapped[Decimal] = mapped_column(default=Decimal("19"))
    iban: Mapped[str] = mapped_column(String(34), default="")
    bic: Mapped[str] = mapped_column(String(11), default="")
    contract_from: Mapped[date]
    contract_to: Mapped[date | None] = mapped_column(default=None)
    settlement_period: Mapped[str] = mapped_column(String(8), default="month")  # quarter
    commission_basis: Mapped[str] = mapped_column(String(8), default="invoice")  # payment
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    user_account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), default=None)
    notes: Mapped[str] = mapped_column(Text, default="")


class CommissionPlan(Synced, Base):
    """An agent's commission plan for a validity; a change is a new plan (the old one
    ends the day before), never an edit of the rates in place."""

    __tablename__ = "commission_plan"
    agent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agent.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    valid_from: Mapped[date]
    valid_to: Mapped[date | None] = mapped_column(default=None)
    deduct_cash_discount: Mapped[bool] = mapped_column(default=False)
    # freight/packaging lines invoiced separately are left out of the base
    deduct_separate_charges: Mapped[bool] = mapped_column(default=True)
    rates: Mapped[list["CommissionRate"]] = relationship(
        back_populates="plan", cascade="all, delete-orphan")


class CommissionRate(Synced, Base):
    """One rate of a plan: for an article, a product group, a customer, a customer group,
    the agent's district (customers of its territories it did not bring) or all else."""

    __tablename__ = "commission_rate"
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("commission_plan.id"), index=True)
    key_kind: Mapped[str] = mapped_column(String(16))  # see domain/commission.py
    key_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    rate_percent: Mapped[Decimal]
    plan: Mapped[CommissionPlan] = relationship(back_populates="rates")


class AgentTerritory(Synced, Base):
    """An area an agent is responsible for, for a validity: a country, optionally a
    postal-code range or a region (state)."""

    __tablename__ = "agent_territory"
    agent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agent.id"), index=True)
    country: Mapped[str] = mapped_column(String(2))
    postal_from: Mapped[str] = mapped_column(String(20), default="")
    postal_to: Mapped[str] = mapped_column(String(20), default="")
    region: Mapped[str] = mapped_column(String(80), default="")
    valid_from: Mapped[date]
    valid_to: Mapped[date | None] = mapped_column(default=None)
    # all customers in the area earn district commission (HGB §87(2)), not only its own
    district: Mapped[bool] = mapped_column(default=False)


class AgentCustomer(Synced, Base):
    """A customer assigned to an agent directly, for a validity."""

    __tablename__ = "agent_customer"
    agent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agent.id"), index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), index=True)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None] = mapped_column(default=None)


class CommissionEntry(Synced, Base):
    """One line of the commission ledger: an agent's commission on one invoice line (or
    its reversal, or an advance), with the rate and plan used and how the base was made.
    States: provisional → earned → due → settled (domain/commission.py)."""

    __tablename__ = "commission_entry"
    __table_args__ = (
        Index("ix_commission_entry_agent_date", "agent_id", "entry_date"),
        UniqueConstraint("agent_id", "line_id", "kind", "reverses_id"),
    )
    agent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agent.id"))
    kind: Mapped[str] = mapped_column(String(10))  # commission, reversal, advance
    state: Mapped[str] = mapped_column(String(12), default="provisional")
    document_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sales_document.id"), index=True, default=None)
    line_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sales_document_line.id"), default=None)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"),
                                                          default=None)
    entry_date: Mapped[date]
    base: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    rate_percent: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("commission_plan.id"),
                                                      default=None)
    rule: Mapped[str] = mapped_column(String(200), default="")  # which rate matched, why
    reason_code: Mapped[str] = mapped_column(String(40), default="")
    principal_responsible: Mapped[bool] = mapped_column(default=False)
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    earned_on: Mapped[date | None] = mapped_column(default=None)
    statement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("commission_statement.id"), index=True, default=None)
    note: Mapped[str] = mapped_column(String(200), default="")


class CommissionStatement(Synced, Base):
    """A statement as issued: frozen snapshot (JSON) and the archived PDF's hash (the
    bytes in the blob store). Reprints come from the snapshot, never from the ledger."""

    __tablename__ = "commission_statement"
    __table_args__ = (UniqueConstraint("agent_id", "period"),)
    agent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agent.id"), index=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    period: Mapped[str] = mapped_column(String(8))  # 2026-11, 2026-Q4
    period_start: Mapped[date]
    period_end: Mapped[date]
    issued_on: Mapped[date]
    total: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    snapshot: Mapped[str] = mapped_column(Text)
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")

# -- synchronisation (docs/sync.md): local bookkeeping, never synced itself ------------

class SyncOutbox(Base):
    """A change to a synced row not yet pushed: written by triggers (store/outbox.py) in
    the same transaction as the change. ``old``: the changed columns' values before it
    (JSON, as stored); an insert has ``{}``. ``batch``: the key of the push it was sent
    in (set, in its own transaction, before sending)."""

    __tablename__ = "sync_outbox"
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    tbl: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(32), index=True)
    op: Mapped[str] = mapped_column(String(1))  # I, U, D
    old: Mapped[str] = mapped_column(Text, default="{}")
    batch: Mapped[str | None] = mapped_column(String(32), default=None, index=True)


class SyncApplyGuard(Base):
    """Holds a row only inside a pull's transaction: the outbox triggers skip changes
    made while it does (they come from the central database, not from this device)."""

    __tablename__ = "sync_apply_guard"
    id: Mapped[int] = mapped_column(primary_key=True)


class SyncState(Base):
    """This device's sync bookkeeping: device id, pull checkpoint, last sync, …"""

    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class SyncConflict(Base):
    """A field both sides changed: the central value stayed, this device's value is kept
    here until someone decides (conflicts screen)."""

    __tablename__ = "sync_conflict"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tbl: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(32), index=True)
    field: Mapped[str] = mapped_column(String(60))  # "" for the whole row (deleted centrally)
    local_value: Mapped[str | None] = mapped_column(Text, default=None)  # JSON
    central_value: Mapped[str | None] = mapped_column(Text, default=None)  # JSON
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution: Mapped[str] = mapped_column(String(20), default="")


class SyncParked(Base):
    """A change the central database refused (rights, a check): kept with the reason,
    shown to the user, never blocking the rest of the outbox."""

    __tablename__ = "sync_parked"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tbl: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(32), index=True)
    op: Mapped[str] = mapped_column(String(1))
    change: Mapped[str] = mapped_column(Text)  # JSON: the values sent
    reason: Mapped[str] = mapped_column(Text)
    parked_at: Mapped[datetime] = mapped_column(default=utcnow)


# -- Outlook/Exchange (docs/exchange.md): this device's mailbox, never synced ----------

class ExchangeLink(Base):
    """A SalesDesk appointment or task and its item in the user's Exchange mailbox.

    ``synced`` holds the calendar fields as both sides had them after the last exchange
    (JSON): what changed since is found by comparing each side with it, so nothing needs
    queueing while offline and an Outlook edit to one field never overwrites another.
    """

    __tablename__ = "exchange_link"
    __table_args__ = (UniqueConstraint("mailbox", "entity_kind", "entity_id"),
                      UniqueConstraint("mailbox", "item_id"))
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    mailbox: Mapped[str] = mapped_column(String(254))
    entity_kind: Mapped[str] = mapped_column(String(12))  # appointment, task
    entity_id: Mapped[uuid.UUID] = mapped_column(index=True)
    item_id: Mapped[str] = mapped_column(Text)
    change_key: Mapped[str] = mapped_column(Text, default="")
    synced: Mapped[str] = mapped_column(Text, default="{}")
    removed_in_outlook_at: Mapped[datetime | None] = mapped_column(default=None)
    # JSON {field: {"outlook": …, "salesdesk": …}} or {"": …} for a stale change key
    conflict: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExchangeFolderState(Base):
    """The Exchange sync state of one folder (calendar, tasks) of a mailbox, saved only
    with the changes it stands for."""

    __tablename__ = "exchange_folder_state"
    mailbox: Mapped[str] = mapped_column(String(254), primary_key=True)
    folder: Mapped[str] = mapped_column(String(12), primary_key=True)
    sync_state: Mapped[str] = mapped_column(Text, default="")
    full_resync_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
