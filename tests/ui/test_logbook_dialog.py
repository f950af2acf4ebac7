"""Writing and correcting a logbook entry through the dialog, on a real store."""

from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox
from sqlalchemy import select

from salesdesk.domain.errors import FieldError, ValidationFailed
from salesdesk.services import customers as cs
from salesdesk.services.logbook import LogbookFilter, count_entries, get_entry
from salesdesk.store.models import Appointment, Customer, Document, Task, UserAccount
from salesdesk.ui.dialogs import logbook_entry
from salesdesk.ui.dialogs.logbook_entry import LogbookEntryDialog

# the customer picker's suggestions are a popup, which the offscreen platform cannot raise
pytestmark = pytest.mark.qt_log_ignore(
    "propagateSizeHints", r"does not support raise\(\)", "does not support grabbing the keyboard"
)


@pytest.fixture
def customer_id(store):
    with store.session() as session:
        customer = cs.create_customer(
            session,
            {"name": "Huber Elektro GmbH"},
            addresses=[
                {
                    "street": "Sendlinger Str. 1",
                    "postal_code": "80331",
                    "city": "München",
                    "country": "DE",
                }
            ],
            contacts=[
                {"first_name": "Anna", "last_name": "Huber", "role": "Purchasing"},
                {"first_name": "Max", "last_name": "Moser"},
            ],
        )
        cs.create_customer(
            session,
            {"name": "Zweite Handels AG"},
            addresses=[
                {
                    "street": "Hafenstr. 9",
                    "postal_code": "20457",
                    "city": "Hamburg",
                    "country": "DE",
                }
            ],
            contacts=[{"first_name": "Jana", "last_name": "Kluge"}],
        )
        session.commit()
        return customer.id


def _save(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def _type(qtbot, widget, text):
    widget.clear()
    qtbot.keyClicks(widget, text)


def _dialog(qtbot, store, **kwargs):
    dialog = LogbookEntryDialog(store, **kwargs)
    qtbot.addWidget(dialog)
    return dialog


def test_an_entry_with_task_appointment_next_contact_and_a_file_is_saved_at_once(
    qtbot, store, customer_id, tmp_path, monkeypatch
):
    offer = tmp_path / "Angebot.pdf"
    offer.write_bytes(b"%PDF-1.4 offer")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: ([str(offer)], ""))
    )
    dialog = _dialog(qtbot, store, customer_id=customer_id)
    assert "K-000001 Huber Elektro GmbH" in dialog.windowTitle()
    assert dialog.field("customer_id").isReadOnly()
    assert not _save(dialog).isEnabled()  # the subject is required
    contacts = dialog.field("contact_ids")
    assert contacts.count() == 2 and "Anna Huber – Purchasing" in contacts.item(0).text()
    contacts.item(0).setCheckState(Qt.CheckState.Checked)
    _type(qtbot, dialog.field("subject"), "Spring collection presented")
    dialog.field("kind").setCurrentIndex(dialog.field("kind").findData("visit"))
    _type(qtbot, dialog.field("duration_minutes"), "45")
    dialog.field("notes").setPlainText("Liked the catalogue.\nWants better terms.")
    dialog.field("next_contact_set").setChecked(True)
    dialog.field("next_contact").setDate(QDate(2031, 5, 4))
    dialog.task_group.setChecked(True)
    dialog.appointment_group.setChecked(True)
    # the task and the appointment are named after the entry until the user renames them
    assert dialog.field("task_title").text() == "Spring collection presented"
    assert dialog.field("appointment_subject").text() == "Spring collection presented"
    _type(qtbot, dialog.field("appointment_subject"), "Product demo")
    assert dialog.field("appointment_location").text() == "Sendlinger Str. 1, 80331 München"
    dialog.add_attachments.click()
    assert dialog.attachments.count() == 1 and dialog.attachments.isVisibleTo(dialog)
    assert _save(dialog).isEnabled(), dialog.errors()
    assert dialog.save()

    with store.session() as session:
        entry = get_entry(session, dialog.saved_id)
        assert (entry.subject, entry.duration_minutes, entry.kind) == (
            "Spring collection presented",
            45,
            "visit",
        )
        assert entry.notes == "Liked the catalogue.\nWants better terms."
        assert entry.occurred_at.tzinfo is not None
        assert abs(entry.occurred_at - datetime.now().astimezone()) < timedelta(minutes=5)
        anna = next(c for c in entry.customer.contacts if c.first_name == "Anna")
        assert [link.contact_id for link in entry.contacts] == [anna.id]
        task = session.scalar(select(Task).where(Task.logbook_entry_id == entry.id))
        assert task.title == "Spring collection presented"
        assert task.due_on == date.today() + timedelta(days=logbook_entry.TASK_DUE_DAYS)
        assert session.get(UserAccount, task.assignee_id).login == "tester"
        appointment = session.scalar(
            select(Appointment).where(Appointment.logbook_entry_id == entry.id)
        )
        assert appointment.subject == "Product demo"
        assert appointment.location == "Sendlinger Str. 1, 80331 München"
        assert appointment.ends_at - appointment.starts_at == timedelta(hours=1)
        assert session.get(Customer, customer_id).next_contact == date(2031, 5, 4)
        document = session.scalar(select(Document).where(Document.logbook_entry_id == entry.id))
        assert (document.name, document.customer_id) == ("Angebot.pdf", customer_id)


def test_the_subject_is_required_and_its_error_shown_beside_it(qtbot, store, customer_id):
    dialog = _dialog(qtbot, store, customer_id=customer_id)
    _type(qtbot, dialog.field("subject"), "x")
    dialog.field("subject").clear()
    assert dialog.error_label("subject").text() == "is required"
    assert not _save(dialog).isEnabled()
    assert not dialog.save()
    with store.session() as session:
        assert count_entries(session, LogbookFilter()) == 0


def test_a_task_needs_a_title_and_an_appointment_must_end_after_it_starts(
    qtbot, store, customer_id
):
    dialog = _dialog(qtbot, store, customer_id=customer_id)
    _type(qtbot, dialog.field("subject"), "Call")
    dialog.task_group.setChecked(True)
    dialog.field("task_title").clear()
    assert "task_title" in dialog.errors() and not _save(dialog).isEnabled()
    _type(qtbot, dialog.field("task_title"), "Call back")
    dialog.appointment_group.setChecked(True)
    start = dialog.field("appointment_starts_at").field_value()
    dialog.field("appointment_ends_at").set_field_value(start - timedelta(hours=1))
    assert dialog.error_label("appointment_ends_at").text() == "must be after the start"
    assert not _save(dialog).isEnabled()


def test_moving_the_start_moves_the_end(qtbot, store, customer_id):
    dialog = _dialog(qtbot, store, customer_id=customer_id)
    starts, ends = (dialog.field(n) for n in ("appointment_starts_at", "appointment_ends_at"))
    length = ends.field_value() - starts.field_value()
    starts.set_field_value(starts.field_value() + timedelta(days=2, hours=3))
    assert ends.field_value() - starts.field_value() == length


def test_service_errors_of_the_task_appear_beside_the_task_fields(
    qtbot, store, customer_id, monkeypatch
):
    def refuse(session, customer_id, values, *, contact_ids=(), follow_ups=None, **kw):
        from salesdesk.services.tasks import task_record

        raise ValidationFailed(
            [
                FieldError(
                    task_record(None, follow_ups.task),
                    "Assigned to",
                    "is not a user",
                    key="assignee_id",
                ),
                FieldError("New logbook entry", "Kind", "is retired", key="kind"),
            ]
        )

    monkeypatch.setattr(logbook_entry, "create_entry", refuse)
    dialog = _dialog(qtbot, store, customer_id=customer_id)
    _type(qtbot, dialog.field("subject"), "Call")
    dialog.task_group.setChecked(True)
    assert not dialog.save()
    assert dialog.error_label("task_assignee_id").text() == "is not a user"
    assert dialog.error_label("kind").text() == "is retired"
    assert dialog.field("subject").text() == "Call"  # the input stays


def test_the_global_logbook_picks_the_customer_and_offers_its_people(qtbot, store, customer_id):
    dialog = _dialog(qtbot, store)
    assert dialog.windowTitle() == "New logbook entry"
    assert dialog.field("contact_ids").count() == 0
    _type(qtbot, dialog.field("subject"), "Fair talk")
    assert dialog.errors().get("customer_id") == "is required"
    picker = dialog.field("customer_id")
    _type(qtbot, picker, "Zweite")
    assert dialog.errors().get("customer_id") == "choose the customer from the list"
    picker.search()
    picker.choose_row(0)
    people = dialog.field("contact_ids")
    assert [people.item(n).text() for n in range(people.count())] == ["Jana Kluge"]
    assert dialog.field("appointment_location").text() == "Hafenstr. 9, 20457 Hamburg"
    assert "K-000002" in dialog.windowTitle()
    assert dialog.save()
    with store.session() as session:
        entry = get_entry(session, dialog.saved_id)
        assert entry.customer.number == "K-000002"


def test_do_not_contact_is_shown_where_the_contact_is_written(qtbot, store, customer_id):
    with store.session() as session:
        customer = cs.get_customer(session, customer_id)
        cs.update_customer(
            session, customer, {"do_not_contact": True, "do_not_contact_reason": "insolvency"}
        )
        session.commit()
    dialog = _dialog(qtbot, store, customer_id=customer_id)
    assert dialog.warning.isVisibleTo(dialog)
    assert "insolvency" in dialog.warning.text()


@pytest.mark.parametrize(
    ("button", "closed"),
    [
        (QMessageBox.StandardButton.Cancel, False),
        (QMessageBox.StandardButton.Discard, True),
    ],
)
def test_closing_with_unsaved_text_asks(qtbot, store, customer_id, answer, button, closed):
    asked = answer(button)
    dialog = _dialog(qtbot, store, customer_id=customer_id)
    dialog.show()
    _type(qtbot, dialog.field("notes"), "Half a thought")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert len(asked) == 1 and "Save the changes" in asked[0]
    assert dialog.isVisible() is not closed


def test_closing_an_untouched_dialog_does_not_ask(qtbot, store, customer_id, answer):
    asked = answer(QMessageBox.StandardButton.Cancel)
    dialog = _dialog(qtbot, store, customer_id=customer_id)
    dialog.show()
    dialog.close()
    assert asked == [] and not dialog.isVisible()


def test_correcting_an_entry_changes_its_fields_only(qtbot, store, customer_id):
    first = _dialog(qtbot, store, customer_id=customer_id)
    _type(qtbot, first.field("subject"), "Spring collection")
    assert first.save()
    dialog = _dialog(qtbot, store, entry_id=first.saved_id)
    assert dialog.windowTitle().startswith("Correct logbook entry")
    assert not dialog.form.findChild(object, "follow_ups_group").isVisibleTo(dialog)
    assert dialog.field("subject").text() == "Spring collection"
    assert not dialog.is_dirty()
    _type(qtbot, dialog.field("subject"), "Spring collection and prices")
    dialog.field("contact_ids").item(1).setCheckState(Qt.CheckState.Checked)
    assert dialog.save()
    with store.session() as session:
        entry = get_entry(session, first.saved_id)
        assert entry.subject == "Spring collection and prices"
        assert [link.contact.last_name for link in entry.contacts] == ["Moser"]
        assert session.scalar(select(Task.id)) is None
