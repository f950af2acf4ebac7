"""The Sync page's Outlook calendar group against the loopback EWS emulator
(tests/integrations/ews_emulator.py): "Synchronise Outlook now" sends the appointments
off the GUI thread and says what it did, a conflict with Outlook is listed in words and
decided by a button, and a run of both parts keeps the central result when the mailbox
fails. Passwords are kept for the session (no keyring needed)."""

import sys
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from salesdesk.integrations.exchange import ExchangeSettings
from salesdesk.services import appointments as ap
from salesdesk.services import calendar_sync
from salesdesk.services import sync as sync_service
from salesdesk.ui.sync_runner import CENTRAL, OUTLOOK, SyncRunner
from salesdesk.ui.views.sync_view import SyncView

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integrations"))
from ews_emulator import EwsEmulator  # noqa: E402

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
MAILBOX = "rep@example.com"
PASSWORD = "Secret-1"
BERLIN = ZoneInfo("Europe/Berlin")
WAIT_MS = 60_000


@pytest.fixture(autouse=True)
def session_secrets():
    calendar_sync._session_secrets.clear()
    yield
    calendar_sync._session_secrets.clear()


@pytest.fixture
def ews():
    with EwsEmulator(users={MAILBOX: PASSWORD}, auth="basic", mailbox=MAILBOX) as emulator:
        yield emulator


@pytest.fixture
def page(qtbot, store):
    view = SyncView(store, SyncRunner(store))
    qtbot.addWidget(view)
    yield view
    view.runner.cancel_and_wait()


def set_up_mailbox(store, ews, password=PASSWORD) -> None:
    settings = ExchangeSettings(mailbox=MAILBOX, endpoint=ews.url, username=MAILBOX,
                                auth_type="basic")
    calendar_sync.save_mailbox_settings(store, settings, password, session_only=True)


def meeting(store, subject="Jahresgespräch Huber"):
    with store.session() as session:
        appointment = ap.create_appointment(session, {
            "subject": subject, "starts_at": datetime(2027, 3, 10, 10, tzinfo=BERLIN),
            "ends_at": datetime(2027, 3, 10, 11, tzinfo=BERLIN),
            "time_zone": "Europe/Berlin"})
        session.commit()
        return appointment.id


def sync_outlook(qtbot, page):
    with qtbot.waitSignal(page.runner.sig_finished, timeout=WAIT_MS) as finished:
        page.outlook.sync_button.click()
        assert page.runner.running and page.runner.parts == (OUTLOOK,)
        assert not page.outlook.progress.isHidden()  # in the group, with Cancel
        assert page.progress.isHidden()
    return finished.args


def test_without_a_mailbox_the_group_offers_to_set_one_up(qtbot, page):
    group = page.outlook
    assert group.title() == "Outlook calendar"
    assert group.mailbox_label.text().startswith("None set up")
    assert group.last_label.text() == "never"
    assert not group.sync_button.isEnabled()
    assert group.setup_button.text() == "Set &up…"
    assert group.stack.currentWidget() is group.empty
    assert group.empty.text().startswith("No conflicts with Outlook.")
    group.setup_button.click()
    dialog = page.settings_dialog
    assert dialog.isVisible() and dialog.tabs.currentWidget() is dialog.outlook
    dialog.reject()


def test_synchronise_outlook_now_sends_the_appointment_and_says_so(qtbot, store, ews,
                                                                   page):
    meeting(store)
    set_up_mailbox(store, ews)
    page.refresh()
    group = page.outlook
    assert group.mailbox_label.text() == MAILBOX and PASSWORD not in group.toolTip()
    assert group.sync_button.isEnabled() and group.setup_button.text() == "Outlook &settings…"
    manual, ok, text = sync_outlook(qtbot, page)
    assert manual and ok and text.startswith("1 sent to Outlook, 0 changes from Outlook")
    [item] = ews.items("calendar")
    assert item.subject == "Jahresgespräch Huber"
    assert page.message.text() == text
    assert "1 sent to Outlook" in group.last_label.text()
    qtbot.waitUntil(group.progress.isHidden)  # the panel hears the end by itself
    assert group.sync_button.isEnabled()


def test_a_conflict_with_outlook_is_listed_in_words_and_decided(qtbot, store, ews, page):
    appointment = meeting(store)
    set_up_mailbox(store, ews)
    page.refresh()
    sync_outlook(qtbot, page)
    [item] = ews.items("calendar")
    with store.session() as session:
        ap.update_appointment(session, appointment, {"subject": "Jahresgespräch (SalesDesk)"})
        session.commit()
    ews.outlook_edit(item.id, subject="Jahresgespräch (Outlook)")
    manual, ok, text = sync_outlook(qtbot, page)
    assert ok and "1 conflicts to decide" in text

    group = page.outlook
    assert group.stack.currentIndex() == 1 and group.title() == "Outlook calendar – 1 conflicts"
    row = group.conflicts.topLevelItem(0)
    assert [row.text(c) for c in range(4)] == [
        "Appointment: Jahresgespräch (SalesDesk)", "Subject", "Jahresgespräch (Outlook)",
        "Jahresgespräch (SalesDesk)"]
    assert group.keep_button.isEnabled() and group.take_button.isEnabled()
    with qtbot.waitSignal(page.sig_changed, timeout=WAIT_MS):
        group.keep_button.click()
    qtbot.waitUntil(lambda: page.op is None)
    assert page.message.text().startswith("SalesDesk's values kept")
    assert group.stack.currentWidget() is group.empty
    sync_outlook(qtbot, page)
    assert ews.item(item.id).subject == "Jahresgespräch (SalesDesk)"


def test_field_names_and_values_are_words(page):
    group = page.outlook
    assert [group.field_word(n) for n in ("subject", "start", "end", "time_zone", "location",
                                          "body", "reminder", "due_on", "status")] == [
        "Subject", "Start", "End", "Time zone", "Location", "Notes", "Reminder", "Due date",
        "Status"]
    assert group.value_text("reminder", 15) == "15 minutes before"
    assert group.value_text("reminder", None) == "no reminder"
    assert group.value_text("status", "in_progress") == "In progress"
    assert group.value_text("due_on", "2027-03-12") == "12 Mar 2027"
    assert group.value_text("body", "Zeile 1\nZeile 2") == "Zeile 1 ⏎ Zeile 2"


def test_f9_with_only_a_mailbox_synchronises_outlook(qtbot, store, ews, page):
    meeting(store)
    set_up_mailbox(store, ews)
    assert page.runner.planned_parts(manual=False) == (OUTLOOK,)
    with qtbot.waitSignal(page.runner.sig_finished, timeout=WAIT_MS) as finished:
        page.sync_button.click()  # "Synchronise now", no central database set up
    assert finished.args[1] and len(ews.items("calendar")) == 1
    from salesdesk.ui.sync_runner import SyncStatusButton

    line = SyncStatusButton(page.runner)
    qtbot.addWidget(line)
    assert line.text() == "Outlook calendar"  # not "Sync not set up"
    assert "Outlook calendar is synchronised" in line.toolTip()


def test_a_failed_mailbox_part_does_not_hide_the_central_result(qtbot, store, ews, page,
                                                               monkeypatch):
    from salesdesk.sync.session import SyncReport

    sync_service.save_connection(store, "host=db.example.com dbname=salesdesk user=rita")
    monkeypatch.setattr(sync_service, "run_sync", lambda *a, **k: SyncReport(pushed=1))
    set_up_mailbox(store, ews)
    ews.stop()  # the mailbox server is away
    assert page.runner.planned_parts(manual=True) == (CENTRAL, OUTLOOK)

    with qtbot.waitSignal(page.runner.sig_finished, timeout=WAIT_MS) as finished:
        page.sync_button.click()
    manual, ok, text = finished.args
    assert manual and ok
    assert text.startswith("Synchronised: 1 changes sent, 0 received. Outlook calendar not "
                           "synchronised: The mailbox server")
    assert "cannot be reached" in text
    assert "Not reached at" in page.outlook.last_label.text()

    with qtbot.waitSignal(page.runner.sig_finished, timeout=WAIT_MS) as finished:
        page.runner.run(manual=False)  # automatic: offline is said quietly
    assert finished.args[1:] == [True, "Synchronised: 1 changes sent, 0 received."]


def test_cancel_stops_the_outlook_run(qtbot, store, ews, page, monkeypatch):
    set_up_mailbox(store, ews)
    started = threading.Event()

    def slow_sync(store, *, progress=None, cancel=None, **_options):
        progress(1, 3, "Outlook: 1 of 3")
        started.set()
        while not cancel():
            threading.Event().wait(0.01)
        raise calendar_sync.CalendarSyncCancelled("stopped")

    monkeypatch.setattr(calendar_sync, "sync_mailbox", slow_sync)
    page.refresh()
    page.outlook.sync_button.click()
    qtbot.waitUntil(started.is_set)
    panel = page.outlook.progress
    qtbot.waitUntil(lambda: panel.label.text() == "Outlook: 1 of 3")
    assert (panel.bar.value(), panel.bar.maximum()) == (1, 3)
    assert not page.outlook.sync_button.isEnabled() and not page.sync_button.isEnabled()
    with qtbot.waitSignal(page.runner.sig_finished, timeout=10_000) as finished:
        panel.cancel_button.click()
    assert finished.args[1] and "cancelled" in finished.args[2]
    qtbot.waitUntil(panel.isHidden)
    assert page.outlook.sync_button.isEnabled()


def test_a_change_in_outlook_meanwhile_waits_for_the_next_sync(page):
    import uuid

    meanwhile = calendar_sync.MailboxConflict(
        uuid.uuid4(), "task", uuid.uuid4(), "Angebot schicken",
        {"": {"salesdesk": ["subject", "due_on"], "outlook": None}})
    group = page.outlook
    group.set_conflicts([meanwhile])
    row = group.conflicts.topLevelItem(0)
    assert [row.text(c) for c in range(4)] == [
        "Task: Angebot schicken", "Changed in Outlook meanwhile — decided at the next sync",
        "", "Subject, Due date"]
    assert not group.keep_button.isEnabled() and not group.take_button.isEnabled()
