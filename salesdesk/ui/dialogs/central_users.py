"""The logins of the central database, managed by an office admin from the Sync page
("Logins…"): a table of the logins (login, role, user account, territories, customers)
and a form to add one or change one.

The dialog connects with this device's saved connection, the admin's own login; the
central database decides whether that login may manage logins. Everything that talks to
it (listing, checking customer numbers, saving) runs off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError, FieldError, ValidationFailed
from salesdesk.services import central_admin as admin
from salesdesk.services import sync as sync_service
from salesdesk.store.engine import Store
from salesdesk.ui.clipboard import copy_selection
from salesdesk.ui.dialogs.distribution_list_edit import ChoiceList
from salesdesk.ui.dialogs.form_dialog import ERROR_STYLE, FormDialog
from salesdesk.ui.formatting import format_count
from salesdesk.ui.icons import icon
from salesdesk.ui.models.record_table import Cell, RecordTableModel
from salesdesk.ui.ops import Op
from salesdesk.ui.sync_runner import network_pool
from salesdesk.ui.tables import style_record_table

CHECK_DELAY_MS = 700  # customer numbers are checked against the central after a pause
ERROR_CHARS = 38  # the width of the errors beside the fields, in average characters


def _in_background(work: Callable[[], object], succeeded, failed) -> Op:
    """``work`` on a network worker. The Op belongs to the application, not the dialog:
    a dialog closed meanwhile is simply not told (its slots are disconnected with it)."""
    op = Op(lambda _progress, _cancel: work(), QCoreApplication.instance())
    op.sig_succeeded.connect(succeeded)
    op.sig_failed.connect(failed)
    op.sig_finished.connect(op.deleteLater)
    return op.start(network_pool())


def _saved_url(store: Store) -> str:
    """The saved connection with its password (keyring): on the worker, never logged."""
    return sync_service.stored_url(store)


def _unexpected(error: Exception) -> str:
    if isinstance(error, DomainError):
        return admin.explain(error)
    return QCoreApplication.translate(
        "CentralUsersDialog", "Something went wrong ({kind}: {detail}). The details are in the "
        "log file (Help → Open log file).").format(kind=type(error).__name__, detail=error)


class _Sorted(QSortFilterProxyModel):
    """Sorts by the text shown, the number of customers as a number."""

    NUMERIC = (4,)

    def lessThan(self, left, right) -> bool:  # override
        if left.column() in self.NUMERIC:
            return int(left.data() or 0) < int(right.data() or 0)
        return str(left.data() or "").casefold() < str(right.data() or "").casefold()


class CentralUsersDialog(QDialog):
    """Logins of the central database: list, Add…, Edit…."""

    COLUMNS = 5
    STRETCH = 3  # the territories

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(self.tr("Logins of the central database"))
        self.logins: list[admin.Login] = []
        self.loading: Op | None = None
        self.allowed = False  # the central said this login may see the logins
        self.form: LoginDialog | None = None
        self._again = False  # read again when the reading under way ends
        self._done: tuple[str, str] | None = None  # (login, what to say) after a save
        info = sync_service.connection_info(store)
        self.me = info.login
        self._build(info)
        self.refresh()

    # -- building -----------------------------------------------------------------------

    def _build(self, info: sync_service.ConnectionInfo) -> None:
        intro = QLabel(self.tr(
            "The logins people use to synchronise with the central database {target}: their "
            "role, the SalesDesk user account they work as, and which customers a sales "
            "representative sees (the account's own customers, those of the territories, and "
            "those assigned). You work with your own login, {login}; only admin logins may "
            "manage logins.").format(target=info.target or "–", login=info.login or "–"), self)
        intro.setWordWrap(True)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self.model = RecordTableModel([self.tr("Login"), self.tr("Login role"),
                                       self.tr("User account"), self.tr("Territories"),
                                       self.tr("Customers")], self)
        self.proxy = _Sorted(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(self)
        style_record_table(self.table, multi=False)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.doubleClicked.connect(lambda _index: self.edit_login())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._enable())
        self.table.horizontalHeader().setStretchLastSection(False)
        self.add_button = QPushButton(icon("add"), self.tr("&Add…"), self)
        self.add_button.setToolTip(self.tr("Create a new login for the central database "
                                           "(Ctrl+N)"))
        self.add_button.clicked.connect(self.add_login)
        self.edit_button = QPushButton(icon("customer-edit"), self.tr("&Edit…"), self)
        self.edit_button.clicked.connect(self.edit_login)
        self.refresh_button = QPushButton(icon("refresh"), self.tr("&Refresh"), self)
        self.refresh_button.setToolTip(self.tr("Read the logins again from the central "
                                               "database (F5)"))
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.edit_button)
        row.addWidget(self.refresh_button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        QShortcut(QKeySequence(QKeySequence.StandardKey.New), self, self.add_login)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.refresh)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Copy), self.table,
                  lambda: copy_selection(self.table))
        char = self.fontMetrics().averageCharWidth()
        self.setMinimumWidth(char * 110)
        self.resize(char * 120, self.fontMetrics().height() * 30)
        self._enable()

    def keyPressEvent(self, event) -> None:  # override: Enter opens the selected login
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.table.hasFocus():
            self.edit_login()
            return
        super().keyPressEvent(event)

    # -- the list ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the logins from the central database (in the background)."""
        if self.loading is not None:
            self._again = True  # what it reads may be older than what was just saved
            return
        self._again = False
        self._say(self.tr("Reading the logins from the central database…"))
        store = self.store
        self.loading = _in_background(lambda: admin.list_logins(_saved_url(store)),
                                      self._loaded, self._load_failed)
        self._enable()

    def _loaded(self, logins: list) -> None:
        self.loading = None
        self.allowed = True
        if self._again:
            self.refresh()
            return
        self.show_logins(logins)
        done, self._done = self._done, None
        if done is not None:
            self.select(done[0])
        self._say(done[1] if done else "" if logins else self.tr("There are no logins yet."))

    def _load_failed(self, error: Exception) -> None:
        self.loading = None
        self._done = None
        if isinstance(error, admin.NotAdmin):
            self.allowed = False
            self.show_logins([])
            self._say(self.tr(
                "Only admin logins may manage logins. This computer connects to the central "
                "database as {login}, which is not an admin login: to manage logins, connect "
                "with an admin login under “Change connection…”.").format(login=self.me))
        else:
            self._say(_unexpected(error))
        self._enable()

    def show_logins(self, logins: list) -> None:
        chosen = self.current()
        self.logins = list(logins)
        rows = []
        for entry in self.logins:
            login = entry.login + ("  " + self.tr("(you)") if entry.login == self.me else "")
            account = entry.user_account_name or entry.user_account or ""
            territories = ", ".join(entry.territories)
            customers = ", ".join(entry.customers)
            rows.append((entry.login, [
                Cell(login), Cell(entry.role_label),
                Cell(account, tooltip=entry.user_account or None),
                Cell(territories, tooltip=territories or None),
                Cell(format_count(len(entry.customers)), tooltip=customers or None,
                     right=True)]))
        self.model.set_rows(rows)
        self._fit_columns()
        if chosen is not None:
            self.select(chosen.login)
        elif self.proxy.rowCount():
            self.table.selectRow(0)
        self._enable()

    def _fit_columns(self) -> None:
        """Columns as wide as their contents (within bounds); territories take the rest."""
        header = self.table.horizontalHeader()
        char = self.fontMetrics().averageCharWidth()
        self.table.resizeColumnsToContents()
        for column in range(self.COLUMNS):
            if column == self.STRETCH:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
                continue
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            width = max(header.sectionSizeHint(column), char * 12)
            self.table.setColumnWidth(column, min(max(self.table.columnWidth(column), width),
                                                  char * 40))

    def current(self) -> admin.Login | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        key = self.model.key_at(self.proxy.mapToSource(index).row())
        return next((e for e in self.logins if e.login == key), None)

    def select(self, login: str | None) -> None:
        for row in range(self.model.rowCount()):
            if self.model.key_at(row) == login:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                self.table.setCurrentIndex(index)
                self.table.selectRow(index.row())
                return

    def _enable(self) -> None:
        busy = self.loading is not None
        chosen = self.current()
        own = chosen is not None and chosen.login == self.me
        self.add_button.setEnabled(self.allowed and not busy)
        self.edit_button.setEnabled(self.allowed and not busy and chosen is not None
                                    and not own)
        self.edit_button.setToolTip(
            self.tr("Your own login is changed by another admin (or with salesdesk central "
                    "add-user)") if own else
            self.tr("Change the role, password, user account, territories or customers of "
                    "the selected login (Enter)"))
        self.refresh_button.setEnabled(not busy)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # -- adding and changing ----------------------------------------------------------------

    def add_login(self) -> LoginDialog | None:
        if not self.add_button.isEnabled():
            return None
        return self._open_form(None)

    def edit_login(self) -> LoginDialog | None:
        chosen = self.current()
        if chosen is None or not self.edit_button.isEnabled():
            return None
        return self._open_form(chosen)

    def _open_form(self, login: admin.Login | None) -> LoginDialog:
        self.form = LoginDialog(self.store, login, {e.login for e in self.logins}, self)
        self.form.sig_saved.connect(self._saved)
        self.form.finished.connect(self.form.deleteLater)
        self.form.open()
        return self.form

    def _saved(self, login: str, created: bool) -> None:
        self.form = None
        self._done = (login, (self.tr("Login {login} created.") if created else
                              self.tr("Login {login} saved.")).format(login=login))
        self.refresh()


class LoginDialog(FormDialog):
    """Add a login (``login`` None) or change one; saving runs in the background."""

    FIELDS = ("login", "role", "password", "password_repeat", "user_account", "territories",
              "customers")
    WIDE = {"customers": 40}
    NARROW_CHARS = 34

    sig_saved = Signal(str, bool)  # login, created

    def __init__(self, store: Store, login: admin.Login | None, existing: set[str],
                 parent: QWidget | None = None):
        self.store, self.entry, self.existing = store, login, existing
        self.REQUIRED = ("login", "role", "password", "password_repeat") if login is None \
            else ("role",)
        self.saving: Op | None = None
        self.checking: Op | None = None
        self._customer_checks: dict[str, str] = {}  # text checked → problem ("": fine)
        self._account_chosen = login is not None  # the user picked an account: keep it
        super().__init__(parent)
        self.field("login").setFocus()
        self._check_timer = QTimer(self, singleShot=True, interval=CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check_customers)
        self.field("customers").textEdited.connect(lambda _text: self._check_timer.start())
        self.field("customers").editingFinished.connect(self.check_customers)
        self.field("login").textEdited.connect(self._login_typed)
        self.field("user_account").activated.connect(self._account_picked)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.hide()
        self.layout().insertWidget(self.layout().indexOf(self.buttons), self.status)
        char = self.fontMetrics().averageCharWidth()
        for name in self.FIELDS:  # room for an error of two or three lines beside each field
            self.error_label(name).setMinimumWidth(char * ERROR_CHARS)
        self._fill(login)
        self.resize(max(self.width(), self.sizeHint().width()),
                    self.sizeHint().height() + self.fontMetrics().height() * 3)

    # -- the form -----------------------------------------------------------------------

    def make_form(self) -> QWidget:  # override
        form = QWidget(self)
        form.setWindowTitle(self.tr("New login") if self.entry is None else
                            self.tr("Login {login}").format(login=self.entry.login))
        grid = QGridLayout(form)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        login = QLineEdit(form)
        login.setMaxLength(63)
        login.setToolTip(self.tr("The name the person logs in with: lower-case letters, "
                                 "digits and . _ @ -, starting with a letter"))
        role = QComboBox(form)
        role.setToolTip(self.tr(
            "Sales representative: sees the customers of their user account, territories and "
            "assignments. Office and Administrator: see everything; administrators also "
            "manage the logins."))
        password = QLineEdit(form)
        repeat = QLineEdit(form)
        for edit in (password, repeat):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            if self.entry is not None:
                edit.setPlaceholderText(self.tr("leave empty to keep the password"))
        password.setToolTip(self.tr("Sent to the central database only, never saved on this "
                                    "computer"))
        account = QComboBox(form)
        account.setToolTip(self.tr("The SalesDesk user account this login works as; a sales "
                                   "representative sees the customers it looks after"))
        territories = ChoiceList(form)
        territories.setToolTip(self.tr("A sales representative also sees every customer of "
                                       "the territories ticked here"))
        customers = QLineEdit(form)
        customers.setPlaceholderText(self.tr("e.g. K-000001, K-000002"))
        customers.setToolTip(self.tr(
            "Customer numbers assigned to this login, separated by commas; checked against "
            "the central database"))
        rows = [("login", self.tr("&Login"), login), ("role", self.tr("&Role"), role),
                ("password", self.tr("&Password"), password),
                ("password_repeat", self.tr("Repeat pass&word"), repeat),
                ("user_account", self.tr("&User account"), account),
                ("territories", self.tr("&Territories"), territories),
                ("customers", self.tr("Custo&mers"), customers)]
        for row, (name, text, widget) in enumerate(rows):
            _add_row(form, grid, row, name, text, widget)
        return form

    def _fill(self, entry: admin.Login | None) -> None:
        reader = self.store.reader()
        roles = self.field("role")
        for role in admin.ROLES:
            roles.addItem(admin.role_label(role), role)
        accounts = self.field("user_account")
        accounts.addItem(self.tr("(none)"), None)
        for choice in admin.local_user_accounts(reader):
            accounts.addItem(choice.label, choice.key)
        territories = admin.local_territories(reader)
        known = {choice.key for choice in territories}
        if entry is not None:  # what the central holds that this computer does not know
            if entry.user_account and accounts.findData(entry.user_account) < 0:
                accounts.addItem(entry.user_account_name or entry.user_account,
                                 entry.user_account)
            territories += [admin.LocalChoice(code, code) for code in entry.territories
                            if code not in known]
        self.field("territories").set_items([(c.label, c.key) for c in territories])
        if entry is None:
            self.set_values({"role": "rep", "user_account": None, "territories": []})
        else:
            self.field("login").setReadOnly(True)
            self.setWindowTitle(self.tr("Login {login}").format(login=entry.login))
            self.set_values({"login": entry.login, "role": entry.role,
                             "user_account": entry.user_account,
                             "territories": list(entry.territories),
                             "customers": ", ".join(entry.customers)})
            # the central gave these numbers: known to be there
            self._customer_checks[self._customers_key(", ".join(entry.customers))] = ""
            self.field("role").setFocus()

    def values(self) -> dict:  # override: passwords exactly as typed
        values = super().values()
        values["password"] = self.field("password").text()
        values["password_repeat"] = self.field("password_repeat").text()
        return values

    def _login_typed(self, text: str) -> None:
        """A new login named like a user account of this computer: that account."""
        if self._account_chosen:
            return
        accounts = self.field("user_account")
        accounts.setCurrentIndex(max(accounts.findData(text.strip()), 0))

    def _account_picked(self, _index: int) -> None:
        self._account_chosen = True

    # -- checking ---------------------------------------------------------------------------

    @staticmethod
    def _customers_key(text: str) -> str:
        return ", ".join(admin.parse_customers(text))

    def check(self, values: dict) -> None:  # override
        errors: list[tuple[str, str]] = []
        login = values["login"]
        if self.entry is None:
            problem = admin.login_problem(login) if login else self.tr("required")
            if not problem and login in self.existing:
                problem = self.tr("Login {login} exists already: choose it in the list and "
                                  "use Edit…").format(login=login)
            if problem:
                errors.append(("login", problem))
        if values["role"] not in admin.ROLES:
            errors.append(("role", self.tr("required")))
        if self.entry is None and not values["password"]:
            errors.append(("password", self.tr("required for a new login")))
        if values["password"] != values["password_repeat"]:
            errors.append(("password_repeat", self.tr("the two passwords differ")))
        customers = self._customer_checks.get(self._customers_key(values["customers"]))
        if customers:
            errors.append(("customers", customers))
        if errors:
            raise ValidationFailed([FieldError("", name, text, key=name)
                                    for name, text in errors])

    def check_customers(self) -> None:
        """Ask the central database whether it has the customer numbers typed."""
        self._check_timer.stop()
        key = self._customers_key(self.field("customers").text())
        if not key or key in self._customer_checks or self.checking is not None:
            return
        store, numbers = self.store, admin.parse_customers(key)
        self.checking = _in_background(
            lambda: (key, admin.customers_problem(_saved_url(store), numbers)),
            self._customers_checked, self._customers_not_checked)

    def _customers_checked(self, result: tuple[str, str]) -> None:
        self.checking = None
        key, problem = result
        self._customer_checks[key] = problem
        self._touched.add("customers")
        self.revalidate()
        if key != self._customers_key(self.field("customers").text()):
            self.check_customers()  # typed on meanwhile

    def _customers_not_checked(self, _error: Exception) -> None:
        self.checking = None  # saving checks them again and says what is wrong

    def revalidate(self) -> bool:  # override: not while saving
        valid = super().revalidate()
        if self.saving is not None:
            self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
        self._make_room()
        return valid

    def _make_room(self) -> None:
        """Errors of several lines need their height: grow (never shrink) to show them."""
        layout = self.layout()
        if layout is None or not self.isVisible():
            return
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() \
            else layout.sizeHint().height()
        if needed > self.height():
            self.resize(self.width(), needed)

    # -- saving -----------------------------------------------------------------------------

    def save(self) -> bool:  # override: in the background
        if self.saving is not None:
            return False
        if not self.revalidate():
            self.show_errors_for_all_fields()
            return False
        values = self.values()
        login = values["login"]
        store = self.store
        arguments = {"password": values["password"] or None,
                     "user_account": values["user_account"],
                     "territories": list(values["territories"]),
                     "customers": admin.parse_customers(values["customers"])}
        self._general("")
        self._status(self.tr("Saving login {login}…").format(login=login))
        self.saving = _in_background(
            lambda: admin.save_login(_saved_url(store), login, values["role"], **arguments),
            self._save_done, self._save_failed)
        self._busy(True)
        return True

    def _save_done(self, result) -> None:
        self.saving = None
        self._busy(False)
        self._status("")
        self._initial = self.values()
        self.sig_saved.emit(result.login, result.created)
        self.accept()

    def _save_failed(self, error: Exception) -> None:
        self.saving = None
        self._busy(False)
        self._status("")
        if isinstance(error, ValidationFailed):
            for field_error in error.for_field("customers"):
                key = self._customers_key(self.field("customers").text())
                self._customer_checks[key] = field_error.message
            self._service_errors(error)
        else:
            self._general(_unexpected(error))
        self.revalidate()

    def _busy(self, busy: bool) -> None:
        self.form.setEnabled(not busy)
        self.buttons.setEnabled(not busy)
        self.revalidate()

    def _status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def reject(self) -> None:  # override: not while the central database is being changed
        if self.saving is not None:
            return
        super().reject()


def _add_row(form: QWidget, grid: QGridLayout, row: int, name: str, text: str,
             widget: QWidget) -> None:
    """Label, field and the error beside it, named as FormDialog finds them."""
    widget.setObjectName(name)
    label = QLabel(text, form)
    label.setObjectName(f"{name}_label")
    label.setBuddy(widget)
    error = QLabel(form)
    error.setObjectName(f"{name}_error")
    error.setWordWrap(True)
    error.setStyleSheet(ERROR_STYLE)
    error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
    grid.addWidget(widget, row, 1)
    grid.addWidget(error, row, 2)
