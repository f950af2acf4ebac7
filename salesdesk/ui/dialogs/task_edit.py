"""New task and edit task (forms/task_edit.ui). The status is changed in the task list.

Attached files are filed among the documents of the task's customer (a document always
belongs to a customer), so a task without a customer cannot have attachments. New files
are stored with the task in one transaction: both are saved, or neither.
"""

import uuid
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QWidget,
)
from sqlalchemy import select

from salesdesk.domain import validation as v
from salesdesk.domain.errors import FieldError, ValidationFailed
from salesdesk.domain.tasks import Priority, TaskStatus
from salesdesk.i18n import _
from salesdesk.services.documents import (
    attach_to_task,
    task_documents,
)
from salesdesk.services.lookups import commitment_kinds, users
from salesdesk.services.tasks import create_task, get_task, task_labels, update_task
from salesdesk.services.users import current_user
from salesdesk.store.engine import Store
from salesdesk.store.models import ContactPerson, Customer
from salesdesk.ui.attachments import (
    PENDING,
    PendingAttachments,
    open_file,
    open_stored_document,
)
from salesdesk.ui.dialogs.form_dialog import FormDialog
from salesdesk.ui.fields import as_utc, as_wall
from salesdesk.ui.forms import fill_combo
from salesdesk.ui.icons import icon
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
_DOCUMENT = Qt.ItemDataRole.UserRole + 1  # a file attached already: its document id
ATTACHMENT_ROWS = 4  # the list shows this many files before it scrolls


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


class TaskDialog(PendingAttachments, FormDialog):
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
        self._show_attachments()
        if task_id is not None:
            self.show_errors_for_all_fields()
        self.field("title").setFocus()

    def _build(self) -> None:  # override: before the dialog takes its size
        super()._build()
        self.attachments: QListWidget = self.form.findChild(QListWidget, "attachments")
        self.attachments_hint: QLabel = self.form.findChild(QLabel, "attachments_hint")
        self.add_attachments: QPushButton = self.form.findChild(QPushButton, "add_attachments")
        self.open_attachment: QPushButton = self.form.findChild(QPushButton, "open_attachment")
        self.remove_attachment: QPushButton = self.form.findChild(QPushButton, "remove_attachment")
        lines = self.attachments.fontMetrics().lineSpacing()
        self.attachments.setMaximumHeight(lines * ATTACHMENT_ROWS + 12)
        self.attachments.setAccessibleName(self.tr("Attachments"))
        self.add_attachments.setIcon(icon("add"))
        self.open_attachment.setIcon(icon("open"))
        self.remove_attachment.setIcon(icon("delete"))
        self.add_attachments.clicked.connect(self.choose_attachments)
        self.open_attachment.clicked.connect(self._open_current)
        self.remove_attachment.clicked.connect(self._remove_attachment)
        self.attachments.currentRowChanged.connect(self._attachment_chosen)
        self.attachments.itemActivated.connect(self.open_attachment_item)
        self._show_attachments()

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
        for document in task_documents(session, task.id):
            item = QListWidgetItem(icon("document"), document.name, self.attachments)
            item.setData(_DOCUMENT, document.id)
            item.setToolTip(self.tr("Attached already"))
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
        self._show_attachments()
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
        values["attachments"] = self.new_attachments()
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
        elif values["attachments"] and values["customer_id"] is None:
            errors.append(
                FieldError(
                    record,
                    labels["customer_id"],
                    self.tr("is needed for the attached files: choose one, or remove the files"),
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

    # -- attachments ----------------------------------------------------------------------

    def _show_attachments(self) -> None:
        """The list once there is something in it, else a hint; without a customer
        nothing can be attached, and the hint says why."""
        picker = self.field("customer_id")
        has_customer = picker.field_value() is not None
        count = self.attachments.count()
        self.attachments.setVisible(count > 0)
        if has_customer:
            self.attachments_hint.setText(
                self.tr(
                    "No files attached. Files you add are filed with the task among the "
                    "customer's documents."
                )
            )
        else:
            self.attachments_hint.setText(
                self.tr(
                    "Choose a customer first: attached files are filed among the customer's "
                    "documents."
                )
            )
        self.attachments_hint.setVisible(count == 0 or not has_customer)
        self.add_attachments.setEnabled(has_customer)
        self.add_attachments.setToolTip(
            self.tr("Attach files (an offer, a photo, minutes) to this task")
            if has_customer
            else self.tr("Choose the customer first.")
        )
        self._attachment_chosen(self.attachments.currentRow())

    def _attachment_chosen(self, row: int) -> None:
        item = self.attachments.item(row) if row >= 0 else None
        self.open_attachment.setEnabled(item is not None)
        self.remove_attachment.setEnabled(item is not None and bool(item.data(PENDING)))

    def _open_current(self) -> None:
        item = self.attachments.currentItem()
        if item is not None:
            self.open_attachment_item(item)

    def open_attachment_item(self, item: QListWidgetItem) -> None:
        """Open a file with the system's viewer: a stored one as a copy under its own name,
        one still to attach where it is."""
        if not item.data(PENDING):
            open_stored_document(self, self.store, item.data(_DOCUMENT))
            return
        path = Path(item.data(PENDING))
        if not path.is_file():
            QMessageBox.warning(self, self.tr("Attachments"),
                                _("{path} is not a readable file.").format(path=path))
            return
        open_file(path)

    # -- saving -------------------------------------------------------------------------

    def persist(self, values: dict) -> bool:  # override
        attachments = values.pop("attachments")
        with self.store.session() as session:
            if self.task_id is None:
                task = create_task(session, values)
            else:
                changed = {k: val for k, val in values.items() if val != self._initial.get(k)}
                task = update_task(session, self.task_id, changed)
            # the new files go into the customer's documents in the task's transaction:
            # a failure (an unreadable file) saves neither the task nor any file
            attach_to_task(session, self.store, task, attachments)
            session.commit()
            self.saved_id = task.id
        return True
