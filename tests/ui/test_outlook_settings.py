"""The settings dialog's Outlook/Exchange tab against the loopback EWS emulator
(tests/integrations/ews_emulator.py): "Test connection" signs in off the GUI thread and
says how it went, a problem is shown beside its field and nothing is saved, OK keeps the
settings in the store and the password in the keyring (never shown again)."""

import sys
import threading
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from salesdesk.integrations.exchange import ExchangeSettings
from salesdesk.services import calendar_sync
from salesdesk.ui.dialogs.settings_dialog import SettingsDialog
from salesdesk.ui.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integrations"))
from ews_emulator import EwsEmulator  # noqa: E402

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
MAILBOX = "rep@example.com"
PASSWORD = "Secret-1"
WAIT_MS = 30_000


class MemoryKeyring(KeyringBackend):
    """A keyring in a dict: what an OS keychain would hold, for one test."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service_name, username):  # override
        return self.passwords.get((service_name, username))

    def set_password(self, service_name, username, password):  # override
        self.passwords[(service_name, username)] = password

    def delete_password(self, service_name, username):  # override
        self.passwords.pop((service_name, username), None)


@pytest.fixture(autouse=True)
def memory_keyring():
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    calendar_sync._session_secrets.clear()
    yield ring
    keyring.set_keyring(before)
    calendar_sync._session_secrets.clear()


@pytest.fixture
def ews():
    with EwsEmulator(users={MAILBOX: PASSWORD}, auth="basic", mailbox=MAILBOX) as emulator:
        yield emulator


def open_tab(qtbot, store):
    dialog = SettingsDialog(Settings(remember=False), store.data_dir, store=store)
    qtbot.addWidget(dialog)
    dialog.show_outlook()
    return dialog, dialog.outlook


@pytest.fixture
def tab(qtbot, store):
    dialog, outlook = open_tab(qtbot, store)
    yield outlook
    dialog.close()  # held until here: the tab lives in the dialog


def fill(tab, ews, *, password=PASSWORD, mailbox=MAILBOX) -> None:
    tab.edits["mailbox"].setText(mailbox)
    tab.edits["endpoint"].setText(ews.url)
    tab.edits["username"].setText(MAILBOX)
    tab.auth.setCurrentIndex(tab.auth.findData("basic"))
    tab.password.setText(password)


def test_the_tab_is_there_only_with_a_store(qtbot, store, tmp_path):
    dialog, tab = open_tab(qtbot, store)
    assert dialog.tabs.currentWidget() is tab
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Outlook/Exchange"
    assert tab.auth.currentText() == "Windows sign-in (NTLM)" and tab.auth.currentData() == "NTLM"
    assert [tab.auth.itemData(i) for i in range(tab.auth.count())] == [
        "NTLM", "basic", "OAuth 2.0"]
    assert "15.1.2507.6" in tab.edits["build"].toolTip()
    bare = SettingsDialog(Settings(remember=False), tmp_path)
    qtbot.addWidget(bare)
    assert bare.outlook is None


def test_test_connection_signs_in_off_the_gui_thread(qtbot, store, tab, ews):
    fill(tab, ews)
    tab.test_button.click()
    assert tab.result.text() == "Connecting…"
    assert tab.busy.isVisibleTo(tab) and not tab.test_button.isEnabled()
    qtbot.waitUntil(lambda: tab.op is None, timeout=WAIT_MS)
    assert tab.result.text() == ("Connected to the mailbox rep@example.com: calendar and "
                                 "tasks can be used.")
    assert not tab.busy.isVisibleTo(tab) and tab.test_button.isEnabled()
    assert calendar_sync.mailbox_settings(store.reader()) is None  # a test saves nothing


def test_a_wrong_password_is_said_and_nothing_is_saved(qtbot, store, tab, ews,
                                                       memory_keyring):
    fill(tab, ews, password="wrong")
    tab.test_button.click()
    qtbot.waitUntil(lambda: tab.op is None, timeout=WAIT_MS)
    assert "refused the login" in tab.result.text()
    assert "check the user name and password" in tab.result.text()
    assert calendar_sync.mailbox_settings(store.reader()) is None
    assert memory_keyring.passwords == {}


def test_an_unreachable_server_is_said_in_plain_words(qtbot, tab, ews):
    fill(tab, ews)
    ews.stop()
    tab.test_button.click()
    qtbot.waitUntil(lambda: tab.op is None, timeout=WAIT_MS)
    assert "cannot be reached" in tab.result.text()


def test_an_invalid_mailbox_is_shown_beside_the_field_and_nothing_saved(
        qtbot, store, ews, memory_keyring):
    dialog, tab = open_tab(qtbot, store)
    fill(tab, ews, mailbox="rep.example.com")
    tab.edits["endpoint"].setText("mail.example.com/EWS/Exchange.asmx")
    tab.test_button.click()
    assert tab.op is None  # nothing to try
    assert tab.errors["mailbox"].text() == "must be an e-mail address"
    assert tab.errors["endpoint"].text() == "must be an address starting with https://"
    assert tab.errors["username"].text() == ""
    dialog.tabs.setCurrentIndex(0)
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert dialog.tabs.currentWidget() is tab  # OK went back to show the problem
    assert calendar_sync.mailbox_settings(store.reader()) is None
    assert memory_keyring.passwords == {}
    tab.edits["mailbox"].textEdited.emit("rep@")  # typing clears the old error
    assert tab.errors["mailbox"].text() == ""


def test_ok_saves_the_settings_and_the_secret_in_the_keyring(qtbot, store, ews,
                                                             memory_keyring):
    dialog, tab = open_tab(qtbot, store)
    fill(tab, ews)
    tab.edits["build"].setText("15.1.2507.6")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert calendar_sync.mailbox_settings(store.reader()) == ExchangeSettings(
        mailbox=MAILBOX, endpoint=ews.url, username=MAILBOX, auth_type="basic",
        build="15.1.2507.6")
    assert memory_keyring.passwords == {(calendar_sync.KEYRING_SERVICE, MAILBOX): PASSWORD}

    again, tab = open_tab(qtbot, store)  # shown again: the password never is
    assert tab.edits["endpoint"].text() == ews.url
    assert tab.auth.currentData() == "basic"
    assert tab.password.text() == ""
    qtbot.waitUntil(lambda: tab.password.placeholderText() == "saved – leave empty to keep it")
    tab.edits["username"].setText("EXAMPLE\\rep")
    again.accept()  # an empty password keeps the saved one
    assert calendar_sync.mailbox_settings(store.reader()).username == "EXAMPLE\\rep"
    assert calendar_sync.stored_secret(MAILBOX) == PASSWORD


def test_an_untouched_tab_saves_nothing(qtbot, store, memory_keyring):
    dialog, _tab = open_tab(qtbot, store)
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert calendar_sync.mailbox_settings(store.reader()) is None


def test_without_a_keyring_the_password_is_kept_for_this_session(qtbot, store, ews):
    keyring.set_keyring(fail.Keyring())
    dialog, tab = open_tab(qtbot, store)
    assert tab.keyring_note.isVisibleTo(tab) and tab.session_only.isChecked()
    fill(tab, ews)
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert calendar_sync.stored_secret(MAILBOX) == PASSWORD


def test_oauth_asks_for_client_id_and_tenant_and_a_client_secret(tab):
    assert not tab.edits["oauth_client_id"].isVisibleTo(tab)
    assert tab.labels["password"].text() == "&Password"
    tab.auth.setCurrentIndex(tab.auth.findData("OAuth 2.0"))
    assert tab.edits["oauth_client_id"].isVisibleTo(tab)
    assert tab.edits["oauth_tenant_id"].isVisibleTo(tab)
    assert tab.labels["password"].text() == "Client &secret"
    assert tab.labels["username"].text() == "&User name"  # not required for OAuth
    tab.edits["mailbox"].setText(MAILBOX)
    tab.edits["endpoint"].setText("https://outlook.office365.com/EWS/Exchange.asmx")
    tab.test_button.click()
    assert tab.errors["oauth_client_id"].text() == "is required for OAuth"
    tab.password.setText("s3cret")
    assert '"client_secret": "s3cret"' in tab.typed_secret()


def test_find_server_fills_address_sign_in_and_version(qtbot, tab, monkeypatch):
    from salesdesk.integrations import exchange

    asked = []

    def discover(mailbox, username, secret):
        asked.append((mailbox, username, secret, threading.current_thread()))
        return ExchangeSettings(mailbox=mailbox, username=username, auth_type="basic",
                                endpoint="https://mail.example.com/EWS/Exchange.asmx",
                                build="15.2.1544.4")

    monkeypatch.setattr(exchange, "discover", discover)
    tab.edits["mailbox"].setText(MAILBOX)
    tab.password.setText(PASSWORD)
    tab.discover_button.click()
    assert tab.result.text() == "Looking for the server of rep@example.com…"
    qtbot.waitUntil(lambda: tab.op is None, timeout=WAIT_MS)
    [(mailbox, username, secret, thread)] = asked
    assert (mailbox, username, secret) == (MAILBOX, MAILBOX, PASSWORD)
    assert thread is not threading.main_thread()
    assert tab.edits["endpoint"].text() == "https://mail.example.com/EWS/Exchange.asmx"
    assert tab.auth.currentData() == "basic" and tab.edits["build"].text() == "15.2.1544.4"
    assert tab.result.text().startswith("Found: https://mail.example.com/EWS/Exchange.asmx")


def test_without_any_password_the_test_asks_for_one(qtbot, tab, ews):
    fill(tab, ews, password="")
    tab.test_button.click()
    qtbot.waitUntil(lambda: tab.op is None, timeout=WAIT_MS)
    assert tab.result.text() == "Enter the password first: none is saved for this mailbox."
