"""New appointment, edit and cancel one (forms/appointment_edit.ui).

Start and end are wall-clock times in the appointment's time zone (a fair in Shanghai is
planned in Shanghai time); the store keeps UTC plus the zone.
"""

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from PySide6.QtWidgets import (
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

from salesdesk.domain.calendar import DEFAULT_TIME_ZONE, check_appointment
from salesdesk.domain.errors import FieldError, ValidationFailed
from salesdesk.i18n import _
from salesdesk.services.appointments import (
    cancel_appointment,
    create_appointment,
    customer_location,
    get_appointment,
    update_appointment,
)
from salesdesk.store.engine import Store
from salesdesk.ui.dialogs.form_dialog import FormDialog
from salesdesk.ui.dialogs.task_edit import contact_choices, picked_customer
from salesdesk.ui.fields import as_utc, as_wall
from salesdesk.ui.forms import fill_combo
from salesdesk.ui.icons import icon
from salesdesk.ui.ics_files import Opener, add_to_calendar

APPOINTMENT_FIELDS = (
    "subject",
    "customer_id",
    "contact_ids",
    "starts_at",
    "ends_at",
    "time_zone",
    "location",
    "reminder",
    "notes",
)
REMINDER_MINUTES = (15, 30, 60, 24 * 60)
DEFAULT_REMINDER = 15
DEFAULT_LENGTH = timedelta(hours=1)


def next_full_hour(now: datetime | None = None) -> datetime:
    now = now or datetime.now()
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


class AppointmentDialog(FormDialog):
    """Plan an appointment or change one; an existing one can be cancelled here."""

    FORM = "appointment_edit.ui"
    FIELDS = APPOINTMENT_FIELDS
    REQUIRED = ("subject", "starts_at", "ends_at", "time_zone")
    WIDE = {"subject": 48, "customer_id": 40, "location": 48}
    opener: Opener | None = None  # opens the .ics of "Add to my calendar" (tests: their own)

    def __init__(
        self,
        store: Store,
        appointment_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
        start: datetime | None = None,
        customer_id: uuid.UUID | None = None,
        zone: str | None = None,
    ):
        """``start``: a wall-clock time in ``zone`` (default Europe/Berlin), e.g. a slot
        double-clicked in the week view; ``customer_id``: planned from a customer file."""
        super().__init__(parent)
        self.store, self.appointment_id = store, appointment_id
        self.saved_id: uuid.UUID | None = None
        self.cancelled = False
        self.status = "planned"
        self._fill_static()
        self.field("customer_id").set_source(store.reader)
        with store.session() as session:
            values = (
                self._stored(session)
                if appointment_id
                else self._defaults(session, start, customer_id, zone)
            )
            self._fill_reminders(values.get("reminder"))
            customer = values.get("customer_id")
            self._offer_contacts(session, customer.id if customer else None)
        self.cancel_button = self._cancel_button()
        self.calendar_button = self._calendar_button()
        self.outlook_notice = self._outlook_notice()
        self.set_values(values)
        self._length = values["ends_at"] - values["starts_at"]
        self.field("customer_id").sig_edited.connect(self._customer_changed)
        self.field("starts_at").sig_edited.connect(self._start_moved)
        self.field("ends_at").sig_edited.connect(self._end_moved)
        if appointment_id is not None:
            self.show_errors_for_all_fields()
        self.field("subject").setFocus()

    def _fill_static(self) -> None:
        # Etc/GMT+5 means UTC-5: confusing in a list, and UTC says it better
        zones = sorted(
            z
            for z in available_timezones()
            if ("/" in z and not z.startswith("Etc/")) or z == "UTC"
        )
        fill_combo(self.field("time_zone"), [(z.replace("_", " "), z) for z in zones])
        self.field("time_zone").setMaxVisibleItems(20)

    def _fill_reminders(self, current: int | None) -> None:
        items = [
            (self.tr("15 minutes before"), 15),
            (self.tr("30 minutes before"), 30),
            (self.tr("1 hour before"), 60),
            (self.tr("1 day before"), 24 * 60),
        ]
        if current is not None and current not in REMINDER_MINUTES:
            items.append((self.tr("{minutes} minutes before").format(minutes=current), current))
        fill_combo(self.field("reminder"), items, empty=self.tr("No reminder"))

    def _defaults(self, session, start: datetime | None, customer_id, zone) -> dict:
        self.setWindowTitle(self.tr("New appointment"))
        zone = zone or DEFAULT_TIME_ZONE
        begins = start or next_full_hour(datetime.now(ZoneInfo(zone)).replace(tzinfo=None))
        values = {
            "starts_at": begins,
            "ends_at": begins + DEFAULT_LENGTH,
            "time_zone": zone,
            "reminder": DEFAULT_REMINDER,
            "contact_ids": [],
        }
        if customer_id is not None:
            values["customer_id"] = picked_customer(session, customer_id)
            values["location"] = customer_location(session, customer_id)
        return values

    def _stored(self, session) -> dict:
        appointment = get_appointment(session, self.appointment_id)
        self.status = appointment.status
        title = _("Appointment “{subject}”").format(subject=appointment.subject)
        if appointment.status == "cancelled":
            title = self.tr("{title} (cancelled)").format(title=title)
        self.setWindowTitle(title)
        zone = appointment.time_zone
        values = {
            name: getattr(appointment, name)
            for name in ("subject", "time_zone", "location", "notes")
        }
        values["customer_id"] = picked_customer(session, appointment.customer_id)
        values["contact_ids"] = [link.contact_id for link in appointment.contacts
                                 if link.deleted_at is None]
        values["starts_at"] = as_wall(appointment.starts_at, zone)
        values["ends_at"] = as_wall(appointment.ends_at, zone)
        values["reminder"] = None
        if appointment.remind_at is not None and not appointment.reminder_dismissed:
            values["reminder"] = max(
                0, round((appointment.starts_at - appointment.remind_at).total_seconds() / 60)
            )
        return values

    def _offer_contacts(self, session, customer_id: uuid.UUID | None) -> None:
        contacts = self.field("contact_ids")
        choices = contact_choices(session, customer_id)
        contacts.set_choices(choices)
        if customer_id is None:
            contacts.set_placeholder(self.tr("Choose a customer to tick its contact persons."))
        elif not choices:
            contacts.set_placeholder(self.tr("This customer has no contact persons yet."))

    def _cancel_button(self) -> QPushButton | None:
        if self.appointment_id is None or self.status == "cancelled":
            return None
        button = self.buttons.addButton(
            self.tr("Cancel appointment…"), QDialogButtonBox.ButtonRole.ResetRole
        )  # the far left
        button.setIcon(icon("delete"))
        button.setToolTip(self.tr("Call the appointment off (it stays in the history)"))
        button.setAutoDefault(False)
        button.clicked.connect(self.cancel_appointment)
        return button

    def _outlook_notice(self) -> QWidget | None:
        """A line above the buttons when the appointment was deleted in Outlook (with a
        way to put it back) or Outlook and SalesDesk disagree about it."""
        if self.appointment_id is None:
            return None
        from salesdesk.services.calendar_sync import outlook_state

        with self.store.session() as session:
            state = outlook_state(session, "appointment", self.appointment_id)
        if not (state.removed_in_outlook or state.conflict):
            return None
        notice = QWidget(self)
        row = QHBoxLayout(notice)
        row.setContentsMargins(0, 0, 0, 0)
        text = QLabel(notice)
        text.setWordWrap(True)
        row.addWidget(text, 1)
        if state.removed_in_outlook:
            text.setText(self.tr("Deleted in Outlook: this appointment is no longer in your "
                                 "Outlook calendar. It stays in SalesDesk with its notes."))
            button = QPushButton(self.tr("Put back in Outlook"), notice)
            button.setToolTip(self.tr("Make it again in your Outlook calendar at the next "
                                      "synchronisation"))
            button.setAutoDefault(False)
            button.clicked.connect(self.put_back_in_outlook)
            row.addWidget(button)
            self.put_back_button = button
        else:
            text.setText(self.tr("Changed in Outlook and in SalesDesk: decide which version "
                                 "to keep on the Sync page."))
        self.layout().insertWidget(self.layout().count() - 1, notice)
        return notice

    def put_back_in_outlook(self) -> None:
        from salesdesk.services.calendar_sync import put_back_in_outlook

        put_back_in_outlook(self.store, "appointment", self.appointment_id)
        if self.outlook_notice is not None:
            self.outlook_notice.hide()

    def _calendar_button(self) -> QPushButton | None:
        if self.appointment_id is None:
            return None
        button = self.buttons.addButton(
            self.tr("Add to my calendar"), QDialogButtonBox.ButtonRole.ActionRole
        )
        button.setIcon(icon("calendar"))
        button.setAutoDefault(False)
        button.clicked.connect(self.add_to_calendar)
        return button

    def _show_calendar_button(self) -> None:
        """The file holds the saved appointment: with unsaved changes, save first."""
        button = getattr(self, "calendar_button", None)
        if button is None:
            return
        dirty = self.is_dirty()
        button.setEnabled(not dirty)
        button.setToolTip(
            self.tr("Save the changes first: the calendar gets the saved appointment")
            if dirty
            else self.tr(
                "Open the appointment in your calendar program (Outlook, Apple Calendar, "
                "Thunderbird) to add it there; no Exchange needed"
            )
        )

    def add_to_calendar(self) -> Path | None:
        """Hand the saved appointment to the system's calendar program as an .ics file."""
        if self.is_dirty():
            return None
        return add_to_calendar(self, self.store, self.appointment_id, self.opener)

    # -- reacting to edits ----------------------------------------------------------------

    def _customer_changed(self) -> None:
        picker = self.field("customer_id")
        if picker.is_pending():
            return
        customer_id = picker.field_value()
        with self.store.session() as session:
            self._offer_contacts(session, customer_id)
            location = self.field("location")
            if customer_id is not None and not location.text().strip():
                location.setText(customer_location(session, customer_id))

    def _start_moved(self) -> None:
        """Moving the start moves the end too: the length stays."""
        if self._loading:
            return
        start = self.field("starts_at").field_value()
        self._loading = True  # one edit of the user, not two
        self.field("ends_at").set_field_value(start + self._length)
        self._loading = False
        self._touched.add("ends_at")
        self.revalidate()

    def _end_moved(self) -> None:
        start, end = self.field("starts_at").field_value(), self.field("ends_at").field_value()
        if end > start:
            self._length = end - start

    def revalidate(self) -> bool:  # override
        valid = super().revalidate()
        self._show_calendar_button()
        return valid

    # -- values and checks --------------------------------------------------------------

    def values(self) -> dict:  # override
        values = super().values()
        zone = values["time_zone"] or DEFAULT_TIME_ZONE
        values["starts_at"] = as_utc(values["starts_at"], zone)
        values["ends_at"] = as_utc(values["ends_at"], zone)
        return values

    def service_values(self, values: dict) -> dict:
        """What services.appointments takes: the reminder as a point in time."""
        result = {
            name: values[name]
            for name in APPOINTMENT_FIELDS
            if name not in ("contact_ids", "reminder")
        }
        minutes = values["reminder"]
        result["remind_at"] = (
            None if minutes is None else values["starts_at"] - timedelta(minutes=minutes)
        )
        return result

    def check(self, values: dict) -> None:  # override
        errors = []
        try:
            check_appointment(self.windowTitle(), self.service_values(values))
        except ValidationFailed as exc:
            errors += exc.errors
        if (
            not any(e.key == "ends_at" for e in errors) and values["ends_at"] <= values["starts_at"]
        ):  # the domain checks this only once all else is valid
            errors.append(
                FieldError(
                    self.windowTitle(), _("End"), _("must be after the start"), key="ends_at"
                )
            )
        if self.field("customer_id").is_pending():
            errors.append(
                FieldError(
                    self.windowTitle(),
                    _("Customer"),
                    self.tr("choose a customer from the list, or clear the field"),
                    key="customer_id",
                )
            )
        if errors:
            raise ValidationFailed(errors)

    # -- saving and cancelling ------------------------------------------------------------

    def persist(self, values: dict) -> bool:  # override
        data = self.service_values(values)
        with self.store.session() as session:
            if self.appointment_id is None:
                appointment = create_appointment(session, data, contact_ids=values["contact_ids"])
            else:
                initial = self.service_values(self._initial)
                changed = {k: val for k, val in data.items() if val != initial.get(k)}
                contacts = (
                    values["contact_ids"]
                    if values["contact_ids"] != self._initial["contact_ids"]
                    else None
                )
                if "customer_id" in changed and contacts is None:
                    contacts = values["contact_ids"]
                appointment = update_appointment(
                    session, self.appointment_id, changed, contact_ids=contacts
                )
            session.commit()
            self.saved_id = appointment.id
        return True

    def cancel_appointment(self) -> bool:
        """Ask, then mark the appointment cancelled and close the dialog."""
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self,
            self.tr("Cancel appointment"),
            self.tr(
                "Cancel the appointment “{subject}”? It stays in the history, marked cancelled."
            ).format(subject=self.field("subject").text()),
            buttons.Yes | buttons.No,
            buttons.No,
        )
        if answer != buttons.Yes:
            return False
        with self.store.session() as session:
            cancel_appointment(session, self.appointment_id)
            session.commit()
        self.cancelled = True
        self.saved_id = self.appointment_id
        self._initial = self.values()  # leaving on purpose: no "unsaved changes" prompt
        self.accept()
        return True
