"""Write a logbook entry, or correct one (forms/logbook_entry.ui).

A new entry and what follows from it (a task, an appointment, the customer's next
contact date, attached files) are written by one call of
services.logbook.create_entry in one transaction: all of it is saved, or nothing.
"""

import uuid
from datetime import date, datetime, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.calendar import check_appointment
from salesdesk.domain.errors import FieldError, ValidationFailed
from salesdesk.domain.logbook import MAX_DURATION_MINUTES, check_entry, entry_labels
from salesdesk.services import lookups
from salesdesk.services.appointments import appointment_record, customer_location
from salesdesk.services.customers import get_customer, live
from salesdesk.services.logbook import (
    FollowUps,
    create_entry,
    entry_record,
    get_entry,
    update_entry,
)
from salesdesk.services.tasks import task_record
from salesdesk.services.users import user_id_for_login
from salesdesk.store.engine import Store
from salesdesk.ui.attachments import PendingAttachments
from salesdesk.ui.dialogs.form_dialog import ERROR_STYLE, FormDialog
from salesdesk.ui.fields import as_utc, as_wall, local_zone_name
from salesdesk.ui.forms import fill_combo
from salesdesk.ui.icons import icon
from salesdesk.ui.pickers import PickedCustomer

ENTRY_FIELDS = (
    "occurred_at",
    "duration_minutes",
    "kind",
    "reason_code",
    "subject",
    "notes",
    "outcome",
)
TASK_FIELDS = ("title", "due_on", "assignee_id", "kind", "remind_at")
APPOINTMENT_FIELDS = ("subject", "starts_at", "ends_at", "location")
TASK_DUE_DAYS = 7  # a follow-up task is due in a week unless the user says otherwise
APPOINTMENT_DAYS = 14
APPOINTMENT_HOUR = 10
APPOINTMENT_MINUTES = 60
REMINDER_HOUR = 9


class LogbookEntryDialog(PendingAttachments, FormDialog):
    """A new entry (``customer_id`` fixed, or chosen with the picker) or a correction
    (``entry_id``: its fields only; what followed from it lives on in tasks and calendar)."""

    FORM = "logbook_entry.ui"
    FIELDS = (
        "customer_id",
        "occurred_at",
        "duration_minutes",
        "kind",
        "reason_code",
        "contact_ids",
        "subject",
        "notes",
        "outcome",
        "next_contact",
        "task_title",
        "task_due_on",
        "task_assignee_id",
        "task_kind",
        "task_remind_at",
        "appointment_subject",
        "appointment_starts_at",
        "appointment_ends_at",
        "appointment_location",
    )
    REQUIRED = (
        "customer_id",
        "occurred_at",
        "kind",
        "subject",
        "task_title",
        "appointment_subject",
        "appointment_starts_at",
        "appointment_ends_at",
    )
    WIDE = {"subject": 40, "duration_minutes": 6}

    def __init__(
        self,
        store: Store,
        customer_id: uuid.UUID | None = None,
        entry_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.store, self.customer_id, self.entry_id = store, customer_id, entry_id
        self.saved_id: uuid.UUID | None = None
        self._record = entry_record(None)
        self._kinds: set[str] = set()
        self._reasons: set[str] = set()
        self._location = ""  # the customer's address, the appointment's default place
        self._customer_label = ""
        self._followed = {"task_title": "", "appointment_subject": ""}
        self._build_extras()
        with store.session() as session:
            values = self._stored(session) if entry_id else self._defaults(session)
        self.set_values(values)
        if entry_id is not None:
            self.show_errors_for_all_fields()
            # without the follow-ups the dialog needs less room
            self.form.layout().activate()
            self.layout().activate()
            self.resize(self.sizeHint())
        first = "subject" if self.customer_id is not None else "customer_id"
        self.field(first).setFocus()

    # -- building -------------------------------------------------------------------------

    def _build(self) -> None:  # override: sizes, before the dialog takes its size
        super()._build()
        lines = self.fontMetrics().lineSpacing()
        for name, rows in (("notes", 8), ("outcome", 3)):
            # the text boxes share what height there is (2:1), from a few lines up
            edit = self.field(name)
            edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
            edit.setMinimumHeight(lines * rows + 12)
        self.attachments: QListWidget = self.form.findChild(QListWidget, "attachments")
        self.attachments.setMaximumHeight(lines * 4 + 12)
        self.attachments_hint: QLabel = self.form.findChild(QLabel, "attachments_hint")
        self.field("task_remind_at").set_optional(self.tr("Remind"))
        duration = self.field("duration_minutes")
        duration.setValidator(QIntValidator(0, MAX_DURATION_MINUTES, duration))
        duration.setMaximumWidth(self.fontMetrics().averageCharWidth() * 10)
        self._show_attachments()

    def _build_extras(self) -> None:
        self.task_group: QGroupBox = self.form.findChild(QGroupBox, "task_group")
        self.appointment_group: QGroupBox = self.form.findChild(QGroupBox, "appointment_group")
        self.add_attachments: QPushButton = self.form.findChild(QPushButton, "add_attachments")
        self.remove_attachment: QPushButton = self.form.findChild(QPushButton, "remove_attachment")
        self.add_attachments.setIcon(icon("add"))
        self.add_attachments.clicked.connect(self.choose_attachments)
        self.remove_attachment.clicked.connect(self._remove_attachment)
        self.attachments.currentRowChanged.connect(self._attachment_chosen)
        self.warning: QLabel = self.form.findChild(QLabel, "do_not_contact_warning")
        self.warning.setStyleSheet(ERROR_STYLE + " font-weight: bold;")
        self.warning.hide()
        for group in (self.task_group, self.appointment_group):
            group.toggled.connect(lambda *a, g=group: self._edited(g.objectName()))
        self.field("customer_id").set_source(self.store.reader)
        self.field("customer_id").sig_edited.connect(self._customer_edited)
        self.field("subject").textChanged.connect(self._subject_changed)
        self.field("appointment_starts_at").edit.dateTimeChanged.connect(self._start_moved)
        self._start = None

    def _fill_pickers(self, session, kind: str | None = None, reason: str | None = None) -> None:
        editing = self.entry_id is not None
        kinds = lookups.contact_kinds(session, with_inactive=editing)
        reasons = lookups.reason_codes(session, with_inactive=editing)
        self._kinds, self._reasons = {e.code for e in kinds}, {e.code for e in reasons}
        # an entry keeps a kind the office has retired since; new entries offer active ones
        active_kinds, active_reasons = lookups.contact_kinds(session), lookups.reason_codes(session)
        fill_combo(
            self.field("kind"),
            [(e.label, e.code) for e in kinds if e in active_kinds or e.code == kind],
        )
        fill_combo(
            self.field("reason_code"),
            [(e.label, e.code) for e in reasons if e in active_reasons or e.code == reason],
            empty=self.tr("(none)"),
        )
        fill_combo(
            self.field("task_assignee_id"), [(e.name, str(e.id)) for e in lookups.users(session)]
        )
        fill_combo(
            self.field("task_kind"), [(e.label, e.code) for e in lookups.commitment_kinds(session)]
        )

    def _defaults(self, session) -> dict:
        self._fill_pickers(session)
        me = user_id_for_login(session, self.store.user)
        if me is not None and self.field("task_assignee_id").findData(str(me)) < 0:
            self.field("task_assignee_id").addItem(self.store.user, str(me))
        if me is None:  # a first-time user: the service makes their account on save
            self.field("task_assignee_id").insertItem(
                0, self.tr("Me ({login})").format(login=self.store.user), None
            )
        customer = None
        if self.customer_id is None:
            self.field("contact_ids").set_choices([])
            self.field("contact_ids").setToolTip(self.tr("Choose the customer first."))
        else:
            customer = self._load_customer(session, self.customer_id)
            self.field("customer_id").setReadOnly(True)
            self.field("customer_id").setClearButtonEnabled(False)
        self.setWindowTitle(self._title())
        now = datetime.now().replace(second=0, microsecond=0)
        start = datetime.combine(
            date.today() + timedelta(days=APPOINTMENT_DAYS), datetime.min.time()
        ).replace(hour=APPOINTMENT_HOUR)
        due = date.today() + timedelta(days=TASK_DUE_DAYS)
        kinds = self.field("kind")
        return {
            "customer_id": customer,
            "occurred_at": now,
            "duration_minutes": "",
            "kind": kinds.itemData(0) if kinds.count() else None,
            "reason_code": None,
            "contact_ids": [],
            "subject": "",
            "notes": "",
            "outcome": "",
            "next_contact": None,
            "task_title": "",
            "task_due_on": due,
            "task_assignee_id": str(me) if me else None,
            "task_kind": self.field("task_kind").itemData(0),
            "task_remind_at": None,
            "appointment_subject": "",
            "appointment_starts_at": start,
            "appointment_ends_at": start + timedelta(minutes=APPOINTMENT_MINUTES),
            "appointment_location": self._location,
        }

    def _stored(self, session) -> dict:
        entry = get_entry(session, self.entry_id)
        self.customer_id = entry.customer_id
        self._fill_pickers(session, entry.kind, entry.reason_code)
        customer = self._load_customer(session, entry.customer_id)
        self._record = entry_record(entry, entry.customer)
        self.field("customer_id").setReadOnly(True)
        self.field("customer_id").setClearButtonEnabled(False)
        # what followed lives on in tasks, the calendar and the customer file
        self.form.findChild(QGroupBox, "follow_ups_group").hide()
        documents = [d for d in live(entry.customer.documents) if d.logbook_entry_id == entry.id]
        for document in documents:
            item = QListWidgetItem(icon("document"), document.name, self.attachments)
            item.setToolTip(self.tr("Attached already"))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self._show_attachments()
        self.setWindowTitle(
            self.tr("Correct logbook entry – {file}").format(file=entry.customer.record_label())
        )
        return {
            "customer_id": customer,
            "occurred_at": as_wall(entry.occurred_at),
            "duration_minutes": str(entry.duration_minutes or ""),
            "kind": entry.kind,
            "reason_code": entry.reason_code or None,
            "contact_ids": [link.contact_id for link in entry.contacts if link.deleted_at is None],
            "subject": entry.subject,
            "notes": entry.notes,
            "outcome": entry.outcome,
            "next_contact": None,
            "task_title": "",
            "task_due_on": date.today(),
            "task_assignee_id": None,
            "task_kind": None,
            "task_remind_at": None,
            "appointment_subject": "",
            "appointment_starts_at": None,
            "appointment_ends_at": None,
            "appointment_location": "",
        }

    def _load_customer(self, session, customer_id: uuid.UUID) -> PickedCustomer:
        """Offer the customer's contact persons and address; warn if not to be contacted."""
        customer = get_customer(session, customer_id)
        people = []
        for contact in live(customer.contacts):
            label = contact.full_name + (f" – {contact.role}" if contact.role else "")
            if contact.do_not_contact:
                label = self.tr("{name} (do not contact)").format(name=label)
            people.append((label, contact.id))
        self.field("contact_ids").set_choices(people)
        self.field("contact_ids").setToolTip(
            self.tr("Tick the people of the customer who took part")
            if people
            else self.tr("This customer file has no contact persons yet.")
        )
        self._location = customer_location(session, customer.id)
        self.warning.setVisible(customer.do_not_contact)
        self.warning.setText(
            self.tr("{file} is marked “do not contact”: {reason}").format(
                file=customer.record_label(),
                reason=customer.do_not_contact_reason or self.tr("no reason given"),
            )
        )
        self._customer_label = customer.record_label()
        return PickedCustomer(customer.id, self._customer_label)

    def _title(self) -> str:
        label = self._customer_label if self.customer_id else ""
        return (
            self.tr("New logbook entry – {file}").format(file=label)
            if label
            else self.tr("New logbook entry")
        )

    # -- reacting to input ----------------------------------------------------------------

    def _customer_edited(self) -> None:
        """The global logbook: another customer chosen brings its people and address."""
        if self._loading or self.entry_id is not None:
            return
        chosen = self.field("customer_id").field_value()
        if chosen == self.customer_id:
            return
        self.customer_id = chosen
        location = self.field("appointment_location")
        untouched = location.text().strip() == self._location
        if chosen is None:
            self.field("contact_ids").set_choices([])
            self._location = ""
            self.warning.hide()
        else:
            with self.store.session() as session:
                self._load_customer(session, chosen)
        if untouched:
            location.setText(self._location)
        self.setWindowTitle(self._title())

    def _subject_changed(self, text: str) -> None:
        """The task's title and the appointment's subject follow the entry's subject until
        the user writes their own."""
        if self._loading:
            return
        for name in self._followed:
            widget = self.field(name)
            if widget.text() == self._followed[name]:
                widget.setText(text.strip())
            self._followed[name] = text.strip()

    def _start_moved(self, *args) -> None:
        """Moving the start moves the end with it (the length stays)."""
        starts = self.field("appointment_starts_at").field_value()
        ends_field = self.field("appointment_ends_at")
        previous, self._start = self._start, starts
        if previous is None or starts is None or self._loading:
            return
        ends = ends_field.field_value()
        if ends is not None:
            ends_field.set_field_value(ends + (starts - previous))

    def set_values(self, values: dict) -> None:  # override
        super().set_values(values)
        self._start = self.field("appointment_starts_at").field_value()
        self._followed = {name: self.field(name).text() for name in self._followed}
        remind = self.field("task_remind_at")
        if remind.field_value() is None:  # switched off: suggest the morning of the due day
            due = self.field("task_due_on").date().toPython()
            remind.edit.blockSignals(True)
            remind.edit.setDateTime(
                datetime.combine(due, datetime.min.time()).replace(hour=REMINDER_HOUR)
            )
            remind.edit.blockSignals(False)
        next_contact = self.field("next_contact")
        if not self.form.findChild(QWidget, "next_contact_set").isChecked():
            next_contact.blockSignals(True)
            day = date.today() + timedelta(days=28)
            next_contact.setDate(QDate(day.year, day.month, day.day))
            next_contact.blockSignals(False)

    # -- values and checks ----------------------------------------------------------------

    def values(self) -> dict:  # override
        values = super().values()
        values["create_task"] = self.task_group.isChecked() and self.task_group.isVisibleTo(self)
        values["create_appointment"] = (
            self.appointment_group.isChecked() and self.appointment_group.isVisibleTo(self)
        )
        values["attachments"] = self.new_attachments()
        return values

    def entry_values(self, values: dict) -> dict:
        """The entry's own fields as the service takes them (times aware, in UTC)."""
        entry = {name: values[name] for name in ENTRY_FIELDS}
        entry["occurred_at"] = as_utc(values["occurred_at"])
        entry["reason_code"] = values["reason_code"] or ""
        entry["duration_minutes"] = values["duration_minutes"] or 0
        return entry

    def task_values(self, values: dict) -> dict | None:
        if not values["create_task"]:
            return None
        assignee = values["task_assignee_id"]
        return {
            "title": values["task_title"],
            "due_on": values["task_due_on"],
            "assignee_id": uuid.UUID(assignee) if assignee else None,
            "kind": values["task_kind"],
            "remind_at": as_utc(values["task_remind_at"]),
        }

    def appointment_values(self, values: dict) -> dict | None:
        if not values["create_appointment"]:
            return None
        return {
            "subject": values["appointment_subject"],
            "starts_at": as_utc(values["appointment_starts_at"]),
            "ends_at": as_utc(values["appointment_ends_at"]),
            "time_zone": local_zone_name(),
            "location": values["appointment_location"],
        }

    def check(self, values: dict) -> None:  # override
        errors: list[FieldError] = []
        labels = entry_labels()
        picker = self.field("customer_id")
        if values["customer_id"] is None:
            message = (
                self.tr("choose the customer from the list")
                if picker.is_pending()
                else self.tr("is required")
            )
            errors.append(
                FieldError(self._record, labels["customer_id"], message, key="customer_id")
            )
        try:
            check_entry(
                self._record, self.entry_values(values), kinds=self._kinds, reasons=self._reasons
            )
        except ValidationFailed as exc:
            errors += exc.errors
        task = self.task_values(values)
        if task is not None and not task["title"]:
            errors.append(
                FieldError(
                    task_record(None, task),
                    self.tr("Title"),
                    self.tr("is required"),
                    key="task_title",
                )
            )
        appointment = self.appointment_values(values)
        if appointment is not None:
            try:
                check_appointment(appointment_record(None, appointment), appointment)
            except ValidationFailed as exc:
                errors += [_prefixed(e, "appointment_") for e in exc.errors]
        if errors:
            raise ValidationFailed(errors)

    # -- attachments ----------------------------------------------------------------------

    def _show_attachments(self) -> None:
        """The list once there is something in it; a hint instead of an empty box."""
        self.attachments.setVisible(self.attachments.count() > 0)
        self.attachments_hint.setVisible(self.attachments.count() == 0)

    # -- saving ---------------------------------------------------------------------------

    def persist(self, values: dict) -> bool:  # override
        from salesdesk.services.documents import add_document

        entry = self.entry_values(values)
        task, appointment = self.task_values(values), self.appointment_values(values)
        with self.store.session() as session:
            try:
                if self.entry_id is None:
                    written = create_entry(
                        session,
                        values["customer_id"],
                        entry,
                        contact_ids=values["contact_ids"],
                        follow_ups=FollowUps(
                            task=task, appointment=appointment, next_contact=values["next_contact"]
                        ),
                    )
                    saved = written.entry
                else:
                    saved = update_entry(
                        session, self.entry_id, entry, contact_ids=values["contact_ids"]
                    )
            except ValidationFailed as exc:
                raise _keyed(exc, task, appointment) from exc
            customer = get_customer(session, saved.customer_id)
            for path in values["attachments"]:
                document = add_document(session, self.store, customer, path)
                document.logbook_entry_id = saved.id
            session.commit()
            self.saved_id, self.customer_id = saved.id, saved.customer_id
        return True


def _prefixed(error: FieldError, prefix: str) -> FieldError:
    return FieldError(
        error.record, error.field, error.message, f"{prefix}{error.key}" if error.key else ""
    )


def _keyed(exc: ValidationFailed, task: dict | None, appointment: dict | None) -> ValidationFailed:
    """Errors of the task or the appointment go beside their own fields (they share field
    names with the entry: subject, kind…); the record each error names tells whose it is."""
    task_name = task_record(None, task) if task is not None else None
    appointment_name = appointment_record(None, appointment) if appointment else None
    keyed = []
    for error in exc.errors:
        if task_name is not None and error.record == task_name:
            keyed.append(_prefixed(error, "task_"))
        elif appointment_name is not None and error.record == appointment_name:
            keyed.append(_prefixed(error, "appointment_"))
        else:
            keyed.append(error)
    return ValidationFailed(keyed)


class DeleteEntryDialog(QDialog):
    """Asks why an entry goes; the reason is required and kept with the tombstone."""

    def __init__(self, entry_label: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Delete logbook entry"))
        self.question = question = QLabel(
            self.tr(
                "Delete the logbook entry “{entry}”? It disappears from the logbook and from "
                "search; its history is kept."
            ).format(entry=entry_label),
            self,
        )
        question.setWordWrap(True)
        self.reason_label = QLabel(self.tr("Reason for deleting *"), self)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setMaxLength(200)
        self.reason_edit.setPlaceholderText(self.tr("e.g. written for the wrong customer"))
        self.reason_label.setBuddy(self.reason_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.delete_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.delete_button.setText(self.tr("Delete"))
        self.delete_button.setIcon(icon("delete"))
        self.delete_button.setEnabled(False)
        self.delete_button.setToolTip(self.tr("Give a reason first"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason_edit.textChanged.connect(self._changed)
        layout = QVBoxLayout(self)
        layout.addWidget(question)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        self.reason_edit.setFocus()

    def _changed(self, text: str) -> None:
        self.delete_button.setEnabled(bool(text.strip()))
        self.delete_button.setToolTip("" if text.strip() else self.tr("Give a reason first"))

    def reason(self) -> str:
        return self.reason_edit.text().strip()

    def accept(self) -> None:  # override
        if self.reason():
            super().accept()
