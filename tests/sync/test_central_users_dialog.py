"""The "Logins…" dialog of the Sync page against a real central PostgreSQL
(tests/sync/conftest.py): opened on an office PC whose saved connection is an admin login
(the password in an in-memory keyring), it lists the logins in the background, adds one
through the form, shows the new login in the table, says what is wrong beside the field
("Bad Name", an unknown customer), and tells a non-admin login in plain words."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox  # noqa: E402

from salesdesk.services import central_admin as admin  # noqa: E402
from salesdesk.services import sync as sync_service  # noqa: E402
from salesdesk.store.engine import open_store  # noqa: E402
from salesdesk.store.models import Territory, UserAccount  # noqa: E402
from salesdesk.sync.central import add_user  # noqa: E402

from .conftest import PASSWORD  # noqa: E402
from .test_central_admin import fill_central, make_admin  # noqa: E402
from .test_sync_view import MemoryKeyring  # noqa: E402

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
WAIT_MS = 60_000


@pytest.fixture(autouse=True)
def memory_keyring():
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    sync_service._session_passwords.clear()
    yield ring
    keyring.set_keyring(before)
    sync_service._session_passwords.clear()


@pytest.fixture(autouse=True)
def user_settings(qapp, tmp_path, monkeypatch):
    """QSettings in a temporary folder; questions answer Cancel, no modal exec()."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "settings"))
    qapp.setOrganizationName("SalesDeskTests")
    qapp.setApplicationName("SalesDeskTests")
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Cancel))
    monkeypatch.setattr(QDialog, "exec", lambda self: QDialog.DialogCode.Rejected)


@pytest.fixture
def office_store(central, tmp_path):
    """An office PC that knows Rita's account and two territories, connected as an admin
    login that may hand out logins (password in the keyring, not in the stored URL)."""
    fill_central(central)
    admin_url = make_admin(central)
    store = open_store(tmp_path / "office", user=central.login("anna"))
    with store.session() as session:
        session.add_all([UserAccount(login="rita", display_name="Rita Rep"),
                         UserAccount(login="otto", display_name="Otto Office"),
                         Territory(code="N1", name="Nord"), Territory(code="S1", name="Süd")])
        session.commit()
    sync_service.save_connection(store, admin_url)
    assert PASSWORD not in sync_service.connection_info(store).url
    yield store
    store.close()


def sync_page(qtbot, store):
    from salesdesk.ui.main_window import MainWindow
    from salesdesk.ui.settings import Settings

    main = MainWindow(store, Settings(remember=False))
    qtbot.addWidget(main)
    main.load_list()
    main.show_view("sync")
    return main.page("sync")


def open_logins(qtbot, store):
    page = sync_page(qtbot, store)
    assert page.logins_button.isEnabled() and page.logins_button.toolTip()
    page.logins_button.click()
    dialog = page.logins_dialog
    assert dialog.windowTitle() == "Logins of the central database"
    assert dialog.loading is not None  # read in the background
    qtbot.waitUntil(lambda: dialog.loading is None, timeout=WAIT_MS)
    return dialog


def table_rows(dialog) -> list[list[str]]:
    model = dialog.table.model()
    return [[model.index(row, column).data() for column in range(model.columnCount())]
            for row in range(model.rowCount())]


def save_button(form):
    return form.buttons.button(QDialogButtonBox.StandardButton.Save)


def test_an_admin_adds_a_login_through_the_form_and_sees_it_in_the_table(central, qtbot,
                                                                         office_store):
    dialog = open_logins(qtbot, office_store)
    anna = central.login("anna")
    assert table_rows(dialog) == [[f"{anna}  (you)", "Administrator", "", "", "0"]]
    dialog.select(anna)
    assert not dialog.edit_button.isEnabled()  # one's own login: another admin changes it
    assert dialog.add_button.isEnabled()

    form = dialog.add_login()
    assert form.windowTitle() == "New login" and not save_button(form).isEnabled()
    qtbot.keyClicks(form.field("login"), "Bad Name")
    assert form.error_label("login").text() == (
        "Login Bad Name: use lower-case letters, digits and . _ @ - and start with a letter")
    assert not save_button(form).isEnabled()

    rep = central.login("rita")
    form.field("login").clear()
    qtbot.keyClicks(form.field("login"), rep)
    assert form.error_label("login").text() == ""
    role = form.field("role")
    assert [role.itemText(i) for i in range(role.count())] == [
        "Sales representative", "Office", "Administrator"]
    assert role.currentData() == "rep"
    qtbot.keyClicks(form.field("password"), "rita-pw")
    qtbot.keyClicks(form.field("password_repeat"), "rita-p")
    assert form.error_label("password_repeat").text() == "the two passwords differ"
    qtbot.keyClicks(form.field("password_repeat"), "w")
    accounts = form.field("user_account")
    assert [accounts.itemText(i) for i in range(accounts.count())] == [
        "(none)", "Otto Office", "Rita Rep"]
    accounts.setCurrentIndex(accounts.findText("Rita Rep"))
    form.field("territories").check("N1")
    qtbot.keyClicks(form.field("customers"), "K-000001, K-999999")
    form.check_customers()
    qtbot.waitUntil(lambda: form.checking is None, timeout=WAIT_MS)
    assert form.error_label("customers").text() == \
        "the central database has no customer K-999999"
    assert not save_button(form).isEnabled()
    form.field("customers").setText("K-000001, K-000002")
    assert save_button(form).isEnabled()

    with qtbot.waitSignal(form.sig_saved, timeout=WAIT_MS) as saved:
        save_button(form).click()
        assert form.saving is not None and not save_button(form).isEnabled()
    assert saved.args == [rep, True]
    qtbot.waitUntil(lambda: dialog.loading is None and len(table_rows(dialog)) == 2,
                    timeout=WAIT_MS)
    assert [rep, "Sales representative", "Rita Rep", "N1", "2"] in table_rows(dialog)
    assert dialog.current().login == rep
    assert dialog.message.text() == f"Login {rep} created."
    with central.connect(rep, "rita-pw") as conn:  # the login works
        assert conn.execute("SELECT count(*) FROM customer").fetchone()[0] == 2


def test_an_existing_login_is_changed_keeping_its_password(central, qtbot, office_store):
    rep = central.login("rita")
    admin.save_login(sync_service.stored_url(office_store), rep, "rep", "rita-pw")
    dialog = open_logins(qtbot, office_store)
    dialog.select(rep)
    assert dialog.edit_button.isEnabled()
    form = dialog.edit_login()
    assert form.field("login").isReadOnly() and form.field("login").text() == rep
    assert form.field("password").placeholderText() == "leave empty to keep the password"
    form.field("role").setCurrentIndex(form.field("role").findData("office"))
    assert save_button(form).isEnabled()
    with qtbot.waitSignal(form.sig_saved, timeout=WAIT_MS):
        save_button(form).click()
    qtbot.waitUntil(lambda: dialog.loading is None and dialog.current() is not None
                    and dialog.current().role == "office", timeout=WAIT_MS)
    assert dialog.message.text() == f"Login {rep} saved."
    central.connect(rep, "rita-pw").close()


def test_a_refusal_of_the_central_is_shown_and_the_form_stays(central, qtbot, office_store):
    """A login the superuser made: PostgreSQL lets only the role that granted its group
    role take it back, and the dialog says so."""
    rep = central.login("rita")
    add_user(central.url, rep, "rita-pw", "rep")
    dialog = open_logins(qtbot, office_store)
    dialog.select(rep)
    form = dialog.edit_login()
    form.field("role").setCurrentIndex(form.field("role").findData("office"))
    save_button(form).click()
    qtbot.waitUntil(lambda: form.saving is None, timeout=WAIT_MS)
    assert form.general_error.text() == (
        f"Login {rep}: its membership in salesdesk_rep was granted by another role; revoke "
        "it as that role or a superuser")
    assert form.isVisible() and save_button(form).isEnabled()


def test_a_login_that_exists_already_cannot_be_added_again(central, qtbot, office_store):
    rep = central.login("rita")
    add_user(central.url, rep, "rita-pw", "rep")
    dialog = open_logins(qtbot, office_store)
    form = dialog.add_login()
    qtbot.keyClicks(form.field("login"), rep)
    assert form.error_label("login").text() == (
        f"Login {rep} exists already: choose it in the list and use Edit…")


def test_a_non_admin_login_is_told_in_plain_words(central, qtbot, office_store):
    office = central.login("otto")
    add_user(central.url, office, PASSWORD, "office")
    sync_service.save_connection(office_store, central.login_url(office))
    dialog = open_logins(qtbot, office_store)
    assert dialog.message.text().startswith("Only admin logins may manage logins. This "
                                            f"computer connects to the central database as "
                                            f"{office}, which is not an admin login")
    assert table_rows(dialog) == []
    assert not dialog.add_button.isEnabled() and not dialog.edit_button.isEnabled()
    assert dialog.add_login() is None


def test_a_wrong_password_is_said_in_plain_words(central, qtbot, office_store):
    sync_service.save_connection(office_store, central.login_url(central.login("anna"),
                                                                 "wrong"))
    dialog = open_logins(qtbot, office_store)
    assert "did not accept the login and password" in dialog.message.text()
    assert "wrong" not in dialog.message.text()
    assert not dialog.add_button.isEnabled()


def test_the_button_waits_for_a_connection(qtbot, tmp_path):
    store = open_store(tmp_path / "laptop", user="rita")
    try:
        page = sync_page(qtbot, store)
        assert not page.logins_button.isEnabled()
    finally:
        store.close()


def test_keyboard_enter_opens_the_selected_login(central, qtbot, office_store):
    rep = central.login("rita")
    add_user(central.url, rep, "rita-pw", "rep")
    dialog = open_logins(qtbot, office_store)
    dialog.select(rep)
    dialog.table.setFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert dialog.form is not None and dialog.form.field("login").text() == rep
