"""New task and edit task (forms/task_edit.ui). The status is changed in the task list.

Attachments are not offered here yet: documents belong to the customer file.
"""

import uuid
from datetime import date

from PySide6.QtWidgets import QWidget
from sqlalchemy import select

from salesdesk.domain import validation as v
from salesdesk.domain.errors import FieldError, ValidationFailed
from salesdesk.domain.tasks import Priority, TaskStatus
from salesdesk.i18n import _
from salesdesk.services.lookups import commitment_kinds, users
from salesdesk.services.tasks import create_task, get_task, task_labels, update_task
from salesdesk.services.users import current_user
from salesdesk.store.engine import Store
from salesdesk.store.models import ContactPerson, Customer
from salesdesk.ui.dialogs.form_dialog import FormDialog
from salesdesk.ui.fields import as_utc, as_wall
from salesdesk.ui.forms import fill_combo
from salesdesk.ui.pickers import PickedCustomer

TASK_FIELDS = (
    "title",
    "customer_id",
    "contact_id",
    "assignee_id",
    "due_on",
    "remind_at",
    "priority",
    "kind",
    "recurrence",
    "description",
)


def contact_choices(session, customer_id: uuid.UUID | None) -> list[tuple[str, uuid.UUID]]:
    """The live contact persons of a customer as (label, id), by last name."""
    if customer_id is None:
        return []
    people = session.scalars(
        select(ContactPerson)
        .where(ContactPerson.customer_id == customer_id, ContactPerson.deleted_at.is_(None))
        .order_by(ContactPerson.last_name, ContactPerson.first_name)
    )
    return [(f"{p.full_name} ({p.role})" if p.role else p.full_name, p.id) for p in people]


def picked_customer(session, customer_id: uuid.UUID | None) -> PickedCustomer | None:
    customer = session.get(Customer, customer_id) if customer_id else None
    return PickedCustomer(customer.id, customer.record_label()) if customer else None


class TaskDialog(FormDialog):
    """Create a task (defaults: assigned to me, due today) or change one."""

    FORM = "task_edit.ui"
    FIELDS = TASK_FIELDS
    REQUIRED = ("title", "assignee_id")
    WIDE = {"title": 48, "customer_id": 40}

    def __init__(
        self,
        store: Store,
        task_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
        defaults: dict | None = None,
    ):
        super().__init__(parent)
        self.store, self.task_id = store, task_id
        self.saved_id: uuid.UUID | None = None
        self.status = TaskStatus.ASSIGNED.value
        self.field("remind_at").set_optional(self.tr("Remind me"))
        self.field("customer_id").set_source(store.reader)
        with store.session() as session:
            values = self._stored(session) if task_id else self._defaults(session, defaults)
            self._fill_pickers(session, values)
            session.commit()  # current_user() may have made this login's account
        self.set_values(values)
        self.field("customer_id").sig_edited.connect(self._customer_changed)
        if task_id is not None:
            self.show_errors_for_all_fields()
        self.field("title").setFocus()

    def _defaults(self, session, given: dict | None) -> dict:
        self.setWindowTitle(self.tr("New task"))
        values = {
            "assignee_id": str(current_user(session).id),
            "due_on": date.today(),
            "priority": int(Priority.NORMAL),
            "kind": "other",
            "recurrence": "",
        }
        values |= given or {}
        if isinstance(values.get("customer_id"), uuid.UUID):
            values["customer_id"] = picked_customer(session, values["customer_id"])
        return values

    def _stored(self, session) -> dict:
        task = get_task(session, self.task_id)
        self.status = task.status
        self.setWindowTitle(_("Task “{title}”").format(title=task.title))
        values = {name: getattr(task, name) for name in TASK_FIELDS}
        values["customer_id"] = picked_customer(session, task.customer_id)
        values["contact_id"] = str(task.contact_id) if task.contact_id else None
        values["assignee_id"] = str(task.assignee_id)
        values["remind_at"] = as_wall(task.remind_at)
        return values

    def _fill_pickers(self, session, values: dict) -> None:
        people = [(e.name, str(e.id)) for e in users(session)]
        if values.get("assignee_id") not in {key for _, key in people}:
            me = current_user(session)
            people.append((me.display_name, str(me.id)))
        fill_combo(self.field("assignee_id"), people)
        kinds = [(e.label, e.code) for e in commitment_kinds(session)]
        if values.get("kind") and values["kind"] not in {code for _, code in kinds}:
            kinds += [
                (e.label, e.code)
                for e in commitment_kinds(session, with_inactive=True)
                if e.code == values["kind"]
            ]
        fill_combo(self.field("kind"), kinds)
        fill_combo(self.field("priority"), [(p.label, int(p)) for p in Priority])
        customer = values.get("customer_id")
        self._fill_contacts(session, customer.id if customer else None)

    def _fill_contacts(self, session, customer_id: uuid.UUID | None) -> None:
        combo = self.field("contact_id")
        chosen = combo.currentData()
        fill_combo(
            combo,
            [(label, str(key)) for label, key in contact_choices(session, customer_id)],
            empty=self.tr("(none)"),
        )
        combo.setCurrentIndex(max(combo.findData(chosen), 0) if chosen else 0)
        combo.setEnabled(combo.count() > 1)

    def _customer_changed(self) -> None:
        picker = self.field("customer_id")
        if picker.is_pending():
            return  # still typing: the contact list changes when a customer is chosen
        with self.store.session() as session:
            self._fill_contacts(session, picker.field_value())

    # -- values and checks --------------------------------------------------------------

    def values(self) -> dict:  # override
        values = super().values()
        for name in ("contact_id", "assignee_id"):
            values[name] = uuid.UUID(values[name]) if values[name] else None
        values["remind_at"] = as_utc(values["remind_at"])
        return values

    def _record(self) -> str:
        return self.windowTitle()

    def check(self, values: dict) -> None:  # override
        """What can be checked as you type; the service checks the rest on save."""
        labels, record = task_labels(), self._record()
        errors: list[FieldError] = []
        try:
            v.collect(
                record,
                values,
                {"title": v.required(lambda x: v.text(x, 200)), "assignee_id": v.check_required},
                labels,
            )
        except ValidationFailed as exc:
            errors += exc.errors
        if self.field("customer_id").is_pending():
            errors.append(
                FieldError(
                    record,
                    labels["customer_id"],
                    self.tr("choose a customer from the list, or clear the field"),
                    key="customer_id",
                )
            )
        if values["recurrence"] and values["due_on"] is None:
            errors.append(
                FieldError(
                    record, labels["due_on"], _("is required for a repeating task"), key="due_on"
                )
            )
        if errors:
            raise ValidationFailed(errors)

    # -- saving -------------------------------------------------------------------------

    def persist(self, values: dict) -> bool:  # override
        with self.store.session() as session:
            if self.task_id is None:
                task = create_task(session, values)
            else:
                changed = {k: val for k, val in values.items() if val != self._initial.get(k)}
                task = update_task(session, self.task_id, changed)
            session.commit()
            self.saved_id = task.id
        return True
