"""What the logbook's detail pane shows of one entry: the whole text, who took part,
what followed from it (tasks, appointment, next contact) and its attachments."""

import html
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from babel.dates import format_time
from PySide6.QtCore import QCoreApplication
from sqlalchemy import select

from salesdesk.domain.tasks import TaskStatus
from salesdesk.services.logbook import get_entry, may_edit
from salesdesk.services.lookups import contact_kinds, reason_codes
from salesdesk.store.engine import Store
from salesdesk.store.models import Appointment, Document, Task, UserAccount
from salesdesk.ui.formatting import format_date, format_local_time, format_size, locale_name
from salesdesk.ui.models.logbook_table import format_duration

DOCUMENT_LINK = "document:"
CUSTOMER_LINK = "customer:"


def tr(text: str) -> str:
    return QCoreApplication.translate("LogbookDetail", text)


@dataclass(frozen=True)
class FollowUpItem:
    kind: str  # task, appointment
    title: str
    when: str
    who: str
    state: str


@dataclass
class EntryDetail:
    id: uuid.UUID
    customer_id: uuid.UUID
    customer_label: str
    occurred_at: datetime
    duration_minutes: int
    kind: str
    reason: str
    subject: str
    notes: str
    outcome: str
    user_name: str
    author: str
    created_at: datetime
    updated_at: datetime
    follow_up_on: date | None
    contacts: list[str] = field(default_factory=list)
    follow_ups: list[FollowUpItem] = field(default_factory=list)
    documents: list[tuple[uuid.UUID, str, int]] = field(default_factory=list)
    refusal: str | None = None  # why the current user may not change it (None: may)


def load_detail(store: Store, entry_id: uuid.UUID, now: datetime | None = None) -> EntryDetail:
    """Everything the pane shows of an entry (NotFound when it is gone)."""
    with store.session() as session:
        entry = get_entry(session, entry_id)
        kinds = {e.code: e.label for e in contact_kinds(session, with_inactive=True)}
        reasons = {e.code: e.label for e in reason_codes(session, with_inactive=True)}
        user = entry.user
        detail = EntryDetail(
            id=entry.id,
            customer_id=entry.customer_id,
            customer_label=entry.customer.record_label(),
            occurred_at=entry.occurred_at,
            duration_minutes=entry.duration_minutes,
            kind=kinds.get(entry.kind, entry.kind),
            reason=reasons.get(entry.reason_code, entry.reason_code),
            subject=entry.subject,
            notes=entry.notes,
            outcome=entry.outcome,
            user_name=user.display_name if user is not None else entry.author,
            author=session.scalar(
                select(UserAccount.display_name).where(UserAccount.login == entry.author)
            )
            or entry.author,
            created_at=entry.created_at,
            updated_at=entry.updated_at,
            follow_up_on=entry.follow_up_on,
            contacts=[
                _person(link.contact)
                for link in entry.contacts
                if link.deleted_at is None and link.contact is not None
            ],
            refusal=may_edit(session, entry, now),
        )
        tasks = session.scalars(
            select(Task)
            .where(Task.logbook_entry_id == entry.id, Task.deleted_at.is_(None))
            .order_by(Task.due_on)
        ).all()
        for task in tasks:
            detail.follow_ups.append(
                FollowUpItem(
                    "task",
                    task.title,
                    format_date(task.due_on),
                    task.assignee.display_name if task.assignee is not None else "",
                    _task_status(task.status),
                )
            )
        appointments = session.scalars(
            select(Appointment)
            .where(Appointment.logbook_entry_id == entry.id, Appointment.deleted_at.is_(None))
            .order_by(Appointment.starts_at)
        ).all()
        for appointment in appointments:
            detail.follow_ups.append(
                FollowUpItem(
                    "appointment",
                    appointment.subject,
                    f"{format_local_time(appointment.starts_at)} – "
                    f"{_end_time(appointment.starts_at, appointment.ends_at)}",
                    appointment.location,
                    tr("cancelled") if appointment.status == "cancelled" else "",
                )
            )
        documents = session.scalars(
            select(Document)
            .where(Document.logbook_entry_id == entry.id, Document.deleted_at.is_(None))
            .order_by(Document.added_at)
        ).all()
        detail.documents = [(d.id, d.name, d.size) for d in documents]
    return detail


def _person(contact) -> str:
    if contact.deleted_at is not None:
        return tr("{name} (removed)").format(name=contact.full_name)
    return contact.full_name


def _task_status(status: str) -> str:
    try:
        return TaskStatus(status).label
    except ValueError:
        return status


def _end_time(starts: datetime, ends: datetime) -> str:
    """The end of an appointment: only the time when it ends on the day it starts."""
    if starts.astimezone().date() == ends.astimezone().date():
        return format_time(ends.astimezone(), format="short", locale=locale_name())
    return format_local_time(ends)


def _text(value: str) -> str:
    return html.escape(value).replace("\n", "<br>")


def detail_html(detail: EntryDetail, link_customer: bool = False) -> str:
    """The entry as rich text for a QTextBrowser (links: documents, the customer)."""
    facts = [
        format_local_time(detail.occurred_at),
        detail.kind,
        format_duration(detail.duration_minutes),
        detail.user_name,
    ]
    parts = [
        f"<h3 style='margin-bottom:2px'>{html.escape(detail.subject)}</h3>",
        f"<p style='margin-top:0'>{html.escape(' · '.join(f for f in facts if f))}</p>",
    ]
    rows = []
    if link_customer:  # the global logbook; a customer file's tab needs no reminder
        customer = html.escape(detail.customer_label)
        rows.append(
            (tr("Customer"), f"<a href='{CUSTOMER_LINK}{detail.customer_id}'>{customer}</a>")
        )
    rows.append(
        (
            tr("Contact persons"),
            html.escape(", ".join(detail.contacts)) if detail.contacts else "–",
        )
    )
    if detail.reason:
        rows.append((tr("Reason"), html.escape(detail.reason)))
    parts.append(
        "<table cellspacing='0' cellpadding='1'>"
        + "".join(
            f"<tr><td style='padding-right:10px'><b>{html.escape(label)}</b></td><td>{value}</td>"
            "</tr>"
            for label, value in rows
        )
        + "</table>"
    )
    parts.append(f"<h4>{html.escape(tr('Notes'))}</h4>")
    parts.append(
        f"<p>{_text(detail.notes)}</p>"
        if detail.notes
        else f"<p><i>{html.escape(tr('No notes.'))}</i></p>"
    )
    if detail.outcome:
        parts.append(f"<h4>{html.escape(tr('Outcome'))}</h4><p>{_text(detail.outcome)}</p>")
    follow_ups = [_follow_up(item) for item in detail.follow_ups]
    if detail.follow_up_on is not None:
        follow_ups.append(
            html.escape(tr("Next contact: {date}").format(date=format_date(detail.follow_up_on)))
        )
    if follow_ups:
        parts.append(
            f"<h4>{html.escape(tr('Follow-ups'))}</h4><ul style='margin-left:-20px'>"
            + "".join(f"<li>{item}</li>" for item in follow_ups)
            + "</ul>"
        )
    if detail.documents:
        parts.append(
            f"<h4>{html.escape(tr('Attachments'))}</h4><ul style='margin-left:-20px'>"
            + "".join(
                f"<li><a href='{DOCUMENT_LINK}{key}'>{html.escape(name)}</a> "
                f"({html.escape(format_size(size))})</li>"
                for key, name, size in detail.documents
            )
            + "</ul>"
        )
    written = tr("Written by {author} on {time}.").format(
        time=format_local_time(detail.created_at), author=detail.author or tr("(unknown)")
    )
    if detail.refusal is None:
        written += " " + tr("You can still correct it.")
    parts.append(f"<p style='color:gray'>{html.escape(written)}</p>")
    return "".join(parts)


def _follow_up(item: FollowUpItem) -> str:
    if item.kind == "task":
        text = tr("Task “{title}”, due {date}").format(
            title=item.title, date=item.when or tr("(no date)")
        )
        extra = ", ".join(p for p in (item.who, item.state) if p)
    else:
        text = tr("Appointment “{subject}”, {when}").format(subject=item.title, when=item.when)
        extra = ", ".join(p for p in (item.who, item.state) if p)
    return html.escape(f"{text} ({extra})" if extra else text)
