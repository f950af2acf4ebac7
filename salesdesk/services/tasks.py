"""Task use cases: create, change, move through the workflow, repeat, remind, list.

The workflow itself is the table in domain/tasks.py; every step is stamped in
``task_transition`` (who, when, from, to, comment) in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from salesdesk.domain import validation as v
from salesdesk.domain.calendar import check_recurrence, next_occurrence
from salesdesk.domain.errors import FieldError, NotFound, ValidationFailed
from salesdesk.domain.tasks import (
    DONE_STATUSES,
    OPEN_STATUSES,
    Priority,
    TaskStatus,
    check_transition,
)
from salesdesk.i18n import _
from salesdesk.services import lookups
from salesdesk.services.users import current_user
from salesdesk.store.engine import dbapi, named_marks
from salesdesk.store.models import ContactPerson, Customer, Task, TaskTransition, UserAccount
from salesdesk.store.types import utcnow

TASK_FIELDS = ("title", "customer_id", "contact_id", "assignee_id", "due_on", "remind_at",
               "priority", "kind", "description", "recurrence")


def task_labels() -> dict[str, str]:
    return {
        "title": _("Title"),
        "customer_id": _("Customer"),
        "contact_id": _("Contact person"),
        "assignee_id": _("Assigned to"),
        "due_on": _("Due"),
        "remind_at": _("Reminder"),
        "priority": _("Priority"),
        "kind": _("Kind of commitment"),
        "description": _("Description"),
        "recurrence": _("Repeat"),
        "status": _("Status"),
    }


def task_record(task: Task | None, values: dict | None = None) -> str:
    title = str((values or {}).get("title") or "").strip() or (
        task.title if task is not None else "")
    if task is None:
        return _("New task {title}").format(title=title).strip()
    return _("Task “{title}”").format(title=title)


def _priority(value: object) -> int:
    try:
        return int(Priority(v.integer(value)))
    except ValueError:
        raise ValueError(_("must be high, normal or low")) from None


def _recurrence(value: object) -> str:
    return check_recurrence(str(value))


def _check(session: Session, record: str, values: dict, partial: bool) -> dict:
    kinds = {e.code for e in lookups.commitment_kinds(session, with_inactive=partial)}

    def kind(value: object) -> str:
        code = v.text(value, 20)
        if code not in kinds:
            raise ValueError(_("“{code}” is not a kind of commitment in this list").format(
                code=code))
        return code

    checks = {
        "title": v.required(lambda x: v.text(x, 200)),
        "assignee_id": v.required(lambda x: x),
        "due_on": v.date_value,
        "remind_at": v.aware_datetime,
        "priority": _priority,
        "kind": kind,
        "description": lambda x: v.text(x, 100_000),
        "recurrence": _recurrence,
    }
    clean = v.collect(record, values, checks, task_labels(), partial=partial)
    errors = []
    labels = task_labels()
    if clean.get("recurrence") and not clean.get("due_on") and not partial:
        errors.append(FieldError(record, labels["due_on"],
                                 _("is required for a repeating task"), key="due_on"))
    customer_id, contact_id = clean.get("customer_id"), clean.get("contact_id")
    if customer_id is not None:
        customer = session.get(Customer, customer_id)
        if customer is None or customer.deleted_at is not None:
            errors.append(FieldError(record, labels["customer_id"], _("does not exist"),
                                     key="customer_id"))
    if contact_id is not None:
        contact = session.get(ContactPerson, contact_id)
        if contact is None or contact.deleted_at is not None or (
                customer_id is not None and contact.customer_id != customer_id):
            errors.append(FieldError(record, labels["contact_id"],
                                     _("must be a contact person of the task's customer"),
                                     key="contact_id"))
    if clean.get("assignee_id") is not None:
        user = session.get(UserAccount, clean["assignee_id"])
        if user is None or user.deleted_at is not None:
            errors.append(FieldError(record, labels["assignee_id"], _("is not a user"),
                                     key="assignee_id"))
    if errors:
        raise ValidationFailed(errors)
    return clean


def create_task(session: Session, values: dict, *, logbook_entry_id: uuid.UUID | None = None,
                series_id: uuid.UUID | None = None) -> Task:
    """A new task (assigned); assignee defaults to the current user."""
    me = current_user(session)
    values = {"assignee_id": me.id, "kind": "other", "priority": int(Priority.NORMAL),
              **{k: val for k, val in values.items() if val is not None or k == "customer_id"}}
    record = task_record(None, values)
    clean = _check(session, record, values, partial=False)
    task = Task(creator_id=me.id, status=TaskStatus.ASSIGNED.value,
                logbook_entry_id=logbook_entry_id)
    for name in TASK_FIELDS:
        if name in clean:
            setattr(task, name, clean[name])
    if task.recurrence:
        task.series_id = series_id or uuid.uuid4()
    task.transitions.append(TaskTransition(from_status="", to_status=task.status,
                                           changed_by=me.login, changed_at=utcnow(),
                                           comment=_("created")))
    session.add(task)
    session.flush()
    return task


def get_task(session: Session, task_id: uuid.UUID) -> Task:
    task = session.scalar(select(Task).options(selectinload(Task.transitions))
                          .where(Task.id == task_id))
    if task is None or task.deleted_at is not None:
        raise NotFound(_("This task does not exist (any more)."))
    return task


def update_task(session: Session, task_id: uuid.UUID, values: dict) -> Task:
    """Change a task's fields (not its status: see change_status)."""
    task = get_task(session, task_id)
    record = task_record(task, values)
    merged = {"customer_id": task.customer_id, **values}
    clean = _check(session, record, merged, partial=True)
    for name in TASK_FIELDS:
        if name in values:
            setattr(task, name, clean.get(name))
    if "remind_at" in values:
        task.reminder_dismissed = False
    if task.recurrence and task.series_id is None:
        task.series_id = uuid.uuid4()
    session.flush()
    return task


def change_status(session: Session, task_id: uuid.UUID, target: str,
                  comment: str = "") -> tuple[Task, Task | None]:
    """Move a task along the transition table; returns the task and, when a repeating task
    is completed, the next task of its series."""
    task = get_task(session, task_id)
    new = check_transition(task_record(task), task.status, target)
    me = current_user(session)
    now = utcnow()
    task.transitions.append(TaskTransition(from_status=task.status, to_status=new.value,
                                           changed_by=me.login, changed_at=now,
                                           comment=(comment or "").strip()))
    task.status = new.value
    following = None
    if new in DONE_STATUSES or new is TaskStatus.CANCELLED:
        task.completed_at = now
        task.reminder_dismissed = True
    if new in DONE_STATUSES and task.recurrence and task.due_on is not None:
        following = _next_in_series(session, task, now.date())
    session.flush()
    return task, following


def _next_in_series(session: Session, task: Task, today: date) -> Task | None:
    first = session.scalar(select(Task.due_on).where(Task.series_id == task.series_id)
                           .order_by(Task.due_on).limit(1)) or task.due_on
    due = next_occurrence(task.recurrence, max(task.due_on, today), start=first)
    if due is None:
        return None
    values = {name: getattr(task, name) for name in TASK_FIELDS}
    values["due_on"] = due
    if task.remind_at is not None:
        # the same wall-clock time on this computer (9:00 stays 9:00 across a DST change)
        wall = task.remind_at.astimezone().replace(tzinfo=None) + (due - task.due_on)
        values["remind_at"] = wall.astimezone(UTC)
    return create_task(session, values, logbook_entry_id=task.logbook_entry_id,
                       series_id=task.series_id)


def delete_task(session: Session, task_id: uuid.UUID) -> None:
    task = get_task(session, task_id)
    task.deleted_at = utcnow()
    session.flush()


# -- listing ----------------------------------------------------------------------------

@dataclass
class TaskFilter:
    assignee_id: uuid.UUID | None = None
    statuses: tuple[str, ...] = tuple(s.value for s in OPEN_STATUSES)
    kinds: tuple[str, ...] = ()
    due_from: date | None = None
    due_to: date | None = None  # inclusive
    customer_id: uuid.UUID | None = None


@dataclass(frozen=True)
class TaskRow:
    id: uuid.UUID
    title: str
    status: str
    priority: int
    kind: str
    due_on: date | None
    remind_at: datetime | None
    customer_id: uuid.UUID | None
    customer_number: str
    customer_name: str
    contact_name: str
    assignee_name: str
    recurrence: str


_TASK_SQL = """
SELECT t.id, t.title, t.status, t.priority, t.kind, t.due_on, t.remind_at, t.customer_id,
       coalesce(c.number, ''), coalesce(c.name, ''),
       coalesce(trim(p.first_name || ' ' || p.last_name), ''), coalesce(u.display_name, ''),
       t.recurrence
FROM task t
LEFT JOIN customer c ON c.id = t.customer_id
LEFT JOIN contact_person p ON p.id = t.contact_id
LEFT JOIN user_account u ON u.id = t.assignee_id
"""


def _where(flt: TaskFilter) -> tuple[str, dict]:
    clauses, params = ["t.deleted_at IS NULL"], {}
    if flt.assignee_id is not None:
        clauses.append("t.assignee_id = :assignee")
        params["assignee"] = flt.assignee_id.hex
    if flt.statuses:
        clauses.append(f"t.status IN ({named_marks('s', flt.statuses, params)})")
    if flt.kinds:
        clauses.append(f"t.kind IN ({named_marks('k', flt.kinds, params)})")
    if flt.due_from is not None:
        clauses.append("t.due_on >= :due_from")
        params["due_from"] = flt.due_from.isoformat()
    if flt.due_to is not None:
        clauses.append("t.due_on <= :due_to")
        params["due_to"] = flt.due_to.isoformat()
    if flt.customer_id is not None:
        clauses.append("t.customer_id = :customer")
        params["customer"] = flt.customer_id.hex
    return " AND ".join(clauses), params


def list_tasks(source, flt: TaskFilter, offset: int = 0, limit: int = 200) -> list[TaskRow]:
    """A page of tasks: due first (no due date last), then priority."""
    where, params = _where(flt)
    params.update(limit=limit, offset=offset)
    rows = dbapi(source).execute(
        f"{_TASK_SQL} WHERE {where} ORDER BY t.due_on IS NULL, t.due_on, t.priority, t.title "
        "LIMIT :limit OFFSET :offset", params)
    return [task_row(r) for r in rows]


def count_tasks(source, flt: TaskFilter) -> int:
    where, params = _where(flt)
    return dbapi(source).execute(f"SELECT count(*) FROM task t WHERE {where}",
                                 params).fetchone()[0]


def task_row(r: tuple) -> TaskRow:
    return TaskRow(
        id=uuid.UUID(hex=r[0]), title=r[1], status=r[2], priority=r[3], kind=r[4],
        due_on=date.fromisoformat(r[5]) if r[5] else None,
        remind_at=datetime.fromisoformat(r[6]) if r[6] else None,
        customer_id=uuid.UUID(hex=r[7]) if r[7] else None, customer_number=r[8],
        customer_name=r[9], contact_name=r[10], assignee_name=r[11], recurrence=r[12])


def transitions(source, task_id: uuid.UUID) -> list[tuple[datetime, str, str, str, str]]:
    """(when, who, from, to, comment) of a task, oldest first."""
    rows = dbapi(source).execute(
        "SELECT tt.changed_at, coalesce(u.display_name, tt.changed_by), tt.from_status, "
        "tt.to_status, tt.comment FROM task_transition tt "
        "LEFT JOIN user_account u ON u.login = tt.changed_by "
        "WHERE tt.task_id = ? ORDER BY tt.changed_at, tt.rowid", (task_id.hex,))
    return [(datetime.fromisoformat(r[0]), r[1], r[2], r[3], r[4]) for r in rows]


