"""Appointment use cases: plan (location defaults to the customer's address), change,
cancel, list a week, and the value a calendar backend receives."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from salesdesk.domain.calendar import DEFAULT_TIME_ZONE, check_appointment
from salesdesk.domain.errors import FieldError, NotFound, ValidationFailed
from salesdesk.i18n import _
from salesdesk.integrations.calendar_backend import CalendarItem
from salesdesk.services.logbook import set_links
from salesdesk.services.users import current_user
from salesdesk.store.engine import dbapi
from salesdesk.store.models import (
    Address,
    Appointment,
    AppointmentContact,
    ContactPerson,
    Customer,
)
from salesdesk.store.types import stored_time

APPOINTMENT_FIELDS = ("subject", "customer_id", "starts_at", "ends_at", "time_zone",
                      "location", "remind_at", "notes")


def appointment_record(appointment: Appointment | None, values: dict | None = None) -> str:
    subject = str((values or {}).get("subject") or "").strip() or (
        appointment.subject if appointment else "")
    if appointment is None:
        return _("New appointment {subject}").format(subject=subject).strip()
    return _("Appointment “{subject}”").format(subject=subject)


def customer_location(session: Session, customer_id: uuid.UUID) -> str:
    """The customer's default main address on one line (the default meeting place)."""
    address = session.scalar(
        select(Address).where(Address.customer_id == customer_id, Address.kind == "main",
                              Address.deleted_at.is_(None))
        .order_by(Address.is_default.desc()).limit(1))
    if address is None:
        return ""
    place = " ".join(p for p in (address.postal_code, address.city) if p)
    return ", ".join(p for p in (address.street, place) if p)


def _contacts(session: Session, record: str, customer_id, contact_ids) -> list[uuid.UUID]:
    ids = list(dict.fromkeys(contact_ids or ()))
    if not ids:
        return []
    found = set(session.scalars(select(ContactPerson.id).where(
        ContactPerson.id.in_(ids), ContactPerson.customer_id == customer_id,
        ContactPerson.deleted_at.is_(None))))
    if customer_id is None or len(found) != len(ids):
        raise ValidationFailed([FieldError(record, _("Contact persons"),
                                           _("must be contact persons of this customer"),
                                           key="contact_ids")])
    return ids


def create_appointment(session: Session, values: dict, *, contact_ids=(),
                       logbook_entry_id: uuid.UUID | None = None) -> Appointment:
    values = {"time_zone": DEFAULT_TIME_ZONE, **values}
    record = appointment_record(None, values)
    clean = check_appointment(record, values)
    customer_id = clean.get("customer_id")
    if customer_id is not None:
        customer = session.get(Customer, customer_id)
        if customer is None or customer.deleted_at is not None:
            raise ValidationFailed([FieldError(record, _("Customer"), _("does not exist"),
                                               key="customer_id")])
        if not clean.get("location"):
            clean["location"] = customer_location(session, customer_id)
    contacts = _contacts(session, record, customer_id, contact_ids)
    appointment = Appointment(organizer_id=current_user(session).id,
                              logbook_entry_id=logbook_entry_id)
    for name in APPOINTMENT_FIELDS:
        if name in clean:
            setattr(appointment, name, clean[name])
    appointment.contacts = [AppointmentContact(contact_id=c) for c in contacts]
    session.add(appointment)
    session.flush()
    return appointment


def get_appointment(session: Session, appointment_id: uuid.UUID) -> Appointment:
    appointment = session.scalar(select(Appointment).options(
        selectinload(Appointment.contacts)).where(Appointment.id == appointment_id))
    if appointment is None or appointment.deleted_at is not None:
        raise NotFound(_("This appointment does not exist (any more)."))
    return appointment


def update_appointment(session: Session, appointment_id: uuid.UUID, values: dict, *,
                       contact_ids=None) -> Appointment:
    appointment = get_appointment(session, appointment_id)
    merged = {name: getattr(appointment, name) for name in APPOINTMENT_FIELDS} | values
    record = appointment_record(appointment, values)
    clean = check_appointment(record, merged)
    for name in APPOINTMENT_FIELDS:
        if name in values:
            setattr(appointment, name, clean.get(name))
    if "remind_at" in values:
        appointment.reminder_dismissed = False
    if contact_ids is not None:
        wanted = _contacts(session, record, appointment.customer_id, contact_ids)
        set_links(appointment.contacts, wanted, lambda c: AppointmentContact(contact_id=c))
    session.flush()
    return appointment


def cancel_appointment(session: Session, appointment_id: uuid.UUID) -> Appointment:
    appointment = get_appointment(session, appointment_id)
    appointment.status = "cancelled"
    appointment.reminder_dismissed = True
    session.flush()
    return appointment


def calendar_item(appointment: Appointment) -> CalendarItem:
    """What a calendar backend (Exchange, .ics) receives for an appointment."""
    reminder = None
    if appointment.remind_at is not None and not appointment.reminder_dismissed:
        reminder = max(0, int((appointment.starts_at - appointment.remind_at)
                              .total_seconds() // 60))
    attendees = tuple(link.contact.email for link in appointment.contacts
                      if link.deleted_at is None and link.contact is not None
                      and link.contact.email)
    return CalendarItem(
        uid=str(appointment.id), subject=appointment.subject,
        starts_at=appointment.starts_at, ends_at=appointment.ends_at,
        time_zone=appointment.time_zone, location=appointment.location,
        body=appointment.notes, reminder_minutes=reminder, attendees=attendees,
        cancelled=appointment.status == "cancelled")


# -- listing ----------------------------------------------------------------------------

@dataclass(frozen=True)
class AppointmentRow:
    id: uuid.UUID
    subject: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    location: str
    status: str
    customer_id: uuid.UUID | None
    customer_number: str
    customer_name: str
    organizer_name: str


_SQL = """
SELECT a.id, a.subject, a.starts_at, a.ends_at, a.time_zone, a.location, a.status,
       a.customer_id, coalesce(c.number, ''), coalesce(c.name, ''),
       coalesce(u.display_name, '')
FROM appointment a
LEFT JOIN customer c ON c.id = a.customer_id
LEFT JOIN user_account u ON u.id = a.organizer_id
"""


def appointments_between(source, start: datetime, end: datetime, *,
                         organizer_id: uuid.UUID | None = None,
                         customer_id: uuid.UUID | None = None,
                         with_cancelled: bool = False) -> list[AppointmentRow]:
    """Appointments that overlap [start, end), by start time."""
    clauses = ["a.deleted_at IS NULL", "a.starts_at < :end", "a.ends_at > :start"]
    # starts_at is indexed; an appointment is at most 14 days long (a trade fair), so
    # bounding the start from below keeps the index range small
    clauses.append("a.starts_at >= :earliest")
    params = {"start": stored_time(start), "end": stored_time(end),
              "earliest": stored_time(start - timedelta(days=14))}
    if not with_cancelled:
        clauses.append("a.status != 'cancelled'")
    if organizer_id is not None:
        clauses.append("a.organizer_id = :organizer")
        params["organizer"] = organizer_id.hex
    if customer_id is not None:
        clauses.append("a.customer_id = :customer")
        params["customer"] = customer_id.hex
    rows = dbapi(source).execute(
        f"{_SQL} WHERE {' AND '.join(clauses)} ORDER BY a.starts_at, a.subject", params)
    return [_row(r) for r in rows]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """Monday 00:00 to next Monday 00:00 of ``day``'s week in ``zone``, as aware times."""
    monday = week_start(day)
    tz = ZoneInfo(zone)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=tz)
    following = monday + timedelta(days=7)
    return start, datetime(following.year, following.month, following.day, tzinfo=tz)


def _row(r: tuple) -> AppointmentRow:
    return AppointmentRow(
        id=uuid.UUID(hex=r[0]), subject=r[1], starts_at=datetime.fromisoformat(r[2]),
        ends_at=datetime.fromisoformat(r[3]), time_zone=r[4], location=r[5], status=r[6],
        customer_id=uuid.UUID(hex=r[7]) if r[7] else None, customer_number=r[8],
        customer_name=r[9], organizer_name=r[10])
