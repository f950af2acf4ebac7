"""The Sync page against a real central PostgreSQL (tests/sync/conftest.py starts it): it
shows the counts, "Synchronise now" runs in the background and updates them, a conflict
is decided in the panel, a wrong password is said in plain words, and the connection
dialog keeps the password out of the stored URL."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring  # noqa: E402
import pytest  # noqa: E402
from keyring.backend import KeyringBackend  # noqa: E402
from keyring.backends import fail  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QDialog, QMessageBox  # noqa: E402

from salesdesk.services import sync as service  # noqa: E402
from salesdesk.services.settings import get_setting  # noqa: E402

from . import test_client  # noqa: E402
from .conftest import PASSWORD  # noqa: E402
from .test_client import central_row  # noqa: E402
from .test_sync_service import make_name_conflict  # noqa: E402

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
world = test_client.world  # the fixture: an office PC and a rep's laptop, one customer
WAIT_MS = 60_000


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
    service._session_passwords.clear()
    yield ring
    keyring.set_keyring(before)
    service._session_passwords.clear()


@pytest.fixture(autouse=True)
def user_settings(qapp, tmp_path):
    """QSettings in a temporary folder (as tests/ui/conftest.py does)."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "settings"))
    qapp.setOrganizationName("SalesDeskTests")
    qapp.setApplicationName("SalesDeskTests")


@pytest.fixture(autouse=True)
def asked(monkeypatch):
    """Questions answer Cancel and are recorded; a modal exec() is refused."""
    shown: list[str] = []

    def question(parent, title, text, *args, **kwargs):
        shown.append(text)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    return shown


@pytest.fixture
def rep_window(qtbot, world):
    """The main window on the rep's laptop, on the Sync page."""
    from salesdesk.ui.main_window import MainWindow
    from salesdesk.ui.settings import Settings

    main = MainWindow(world["rep"].store, Settings(remember=False))
    qtbot.addWidget(main)
    main.load_list()
    main.show_view("sync")
    return main


def sync_page(window):
    return window.page("sync")


def connect_rep(world, central, password: str = PASSWORD) -> None:
    rep = world["rep"]
    service.save_connection(rep.store, central.login_url(rep.login, password))


def synchronise(qtbot, window, *, click: bool = True):
    page = sync_page(window)
    with qtbot.waitSignal(window.sync.sig_finished, timeout=WAIT_MS) as finished:
        if click:
            page.sync_button.click()
        else:
            window.sync.run(manual=False)
        assert window.sync.running  # the GUI thread is free while it runs
    return finished.args


def test_the_page_shows_the_counts_and_the_status_bar_quietly(world, central, rep_window):
    make_name_conflict(world, central)
    connect_rep(world, central)
    world["rep"].edit(world["number"], name2="Filiale Nord")
    page = sync_page(rep_window)
    page.refresh()
    rep_window.sync_state.refresh()
    assert (page.pending_label.text(), page.conflicts_label.text(),
            page.parked_label.text()) == ("1", "1", "0")
    assert page.tabs.tabText(0) == "Conflicts (1)"
    assert page.conflicts.model.rowCount() == 1
    assert page.conflicts.panel.title.text().startswith("Customer K-")
    assert {b.text() for b in page.conflicts.panel.buttons.values() if b.isVisibleTo(page)} \
        == {"Keep the central value", "Keep my value", "Keep both texts"}
    line = rep_window.sync_state.text()
    assert "1 pending" in line and "1 conflict" in line and "last sync" in line


def test_synchronise_now_runs_in_the_background_and_updates_the_counts(world, central,
                                                                         qtbot, rep_window):
    connect_rep(world, central)
    world["rep"].edit(world["number"], name2="Filiale Süd")
    page = sync_page(rep_window)
    page.refresh()
    assert page.pending_label.text() == "1"
    manual, ok, text = synchronise(qtbot, rep_window)
    assert manual and ok and text.startswith("Synchronised: 1 changes sent")
    assert page.pending_label.text() == "0" and page.message.text() == text
    assert central_row(central, world["number"])[1] == "Filiale Süd"
    assert rep_window.sync_state.text().startswith("Synchronised ")


def test_a_conflict_is_decided_in_the_panel_and_all_agree(world, central, qtbot,
                                                          rep_window):
    office, _rep, number, _conflict = make_name_conflict(world, central)
    connect_rep(world, central)
    page = sync_page(rep_window)
    page.refresh()
    with qtbot.waitSignal(page.sig_changed, timeout=WAIT_MS):
        page.conflicts.panel.buttons["mine"].click()
    qtbot.waitUntil(lambda: page.op is None)
    assert page.conflicts_label.text() == "0" and page.pending_label.text() == "1"
    assert page.conflicts.stack.currentIndex() == 0  # "No conflicts"
    synchronise(qtbot, rep_window)
    office.sync()
    assert office.customer(number).name == "Müller Hoch- und Tiefbau GmbH"
    assert central_row(central, number)[0] == "Müller Hoch- und Tiefbau GmbH"


def test_a_wrong_password_is_said_in_plain_words(world, central, qtbot, rep_window):
    connect_rep(world, central, password="wrong")
    world["rep"].edit(world["number"], notes="bleibt hier")
    manual, ok, text = synchronise(qtbot, rep_window)
    assert manual and not ok
    page = sync_page(rep_window)
    assert page.message.text() == (
        "Synchronisation failed: The central database did not accept the login and "
        "password. Check them under “Change connection…”; your changes stay on this "
        "computer.")
    assert page.pending_label.text() == "1"
    assert rep_window.sync_state.text().startswith("Sync failed · 1 pending")


def test_an_automatic_run_while_offline_stays_quiet(world, qtbot, rep_window):
    rep = world["rep"]
    service.save_connection(rep.store, "host=127.0.0.1 port=1 dbname=salesdesk user=rita "
                                       "connect_timeout=3")
    manual, ok, _text = synchronise(qtbot, rep_window, click=False)
    assert not manual and not ok
    page = sync_page(rep_window)
    assert page.message.text() == "" and page.message.isHidden()
    assert rep_window.sync_state.text().startswith("Offline")
    assert "Offline since" in page.last_sync_label.text()


def open_dialog(window):
    page = sync_page(window)
    page.change_connection()
    return page.dialog


def test_the_dialog_tests_the_connection_off_the_gui_thread(world, central, qtbot,
                                                            rep_window):
    dialog = open_dialog(rep_window)
    dialog.url_edit.setText(central.url)  # the superuser's address: user and no password
    dialog.login_edit.setText(world["rep"].login)
    dialog.password_edit.setText(PASSWORD)
    dialog.test_button.click()
    assert dialog.result_label.text() == "Connecting…"
    qtbot.waitUntil(lambda: dialog.testing is None, timeout=WAIT_MS)
    assert dialog.result_label.text().startswith("Connected to ")
    dialog.password_edit.setText("wrong")
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.testing is None, timeout=WAIT_MS)
    assert "did not accept the login and password" in dialog.result_label.text()


def test_the_dialog_stores_the_url_without_the_password(world, central, memory_keyring,
                                                        rep_window):
    rep = world["rep"]
    dialog = open_dialog(rep_window)
    dialog.url_edit.setText(central.login_url(rep.login, "in-the-url"))
    dialog.login_edit.setText(rep.login)
    dialog.password_edit.setText(PASSWORD)
    dialog.accept()
    stored = get_setting(rep.store.reader(), service.URL_SETTING)
    assert PASSWORD not in stored and "in-the-url" not in stored and "password" not in stored
    assert memory_keyring.passwords == {(service.KEYRING_SERVICE, stored): PASSWORD}
    page = sync_page(rep_window)
    assert page.login_label.text() == rep.login
    assert page.password_label.text() == "kept in the keyring"
    assert PASSWORD in service.stored_url(rep.store)


def test_without_a_keyring_the_password_can_serve_this_session_only(world, central,
                                                                    monkeypatch, asked,
                                                                    rep_window):
    keyring.set_keyring(fail.Keyring())
    rep = world["rep"]
    dialog = open_dialog(rep_window)
    assert not dialog.keyring_note.isHidden()
    dialog.url_edit.setText(central.url)
    dialog.login_edit.setText(rep.login)
    dialog.password_edit.setText(PASSWORD)
    dialog.accept()  # asked; the answer is Cancel: nothing is saved
    assert asked and "no keyring" in asked[0]
    assert get_setting(rep.store.reader(), service.URL_SETTING) == ""
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    dialog.accept()
    assert PASSWORD not in get_setting(rep.store.reader(), service.URL_SETTING)
    assert PASSWORD in service.stored_url(rep.store)  # for this session
    assert sync_page(rep_window).password_label.text().startswith(
        "kept for this session only")
