"""The settings dialog's "Outlook/Exchange" tab: which mailbox SalesDesk keeps the
appointments and tasks in, how to reach it (EWS address, sign-in, server version — found
once by "Find server automatically…", then pinned), and its password in the keyring.

"Find server automatically…" and "Test connection" wait on the network: they run on the
network pool, never on the GUI thread. Nothing is saved before the dialog's OK.
"""

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError, ValidationFailed
from salesdesk.integrations.calendar_backend import CalendarError
from salesdesk.integrations.exchange import AUTH_TYPES, DEFAULT_BUILD, ExchangeSettings
from salesdesk.services import calendar_sync
from salesdesk.services.sync import NoKeyring, keyring_available
from salesdesk.store.engine import Store
from salesdesk.ui.dialogs.form_dialog import ERROR_STYLE
from salesdesk.ui.forms import fill_combo
from salesdesk.ui.ops import Op
from salesdesk.ui.sync_runner import network_pool

OAUTH = "OAuth 2.0"
TEXT_FIELDS = ("mailbox", "endpoint", "username", "build", "oauth_client_id",
               "oauth_tenant_id")


class NoSecret(Exception):
    """Neither typed nor saved: there is nothing to sign in with."""


class OutlookSettings(QWidget):
    """The tab; ``save()`` is called by the dialog's OK and says whether it may close."""

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.op: Op | None = None  # a running test or search
        self.secret_lookup: Op | None = None
        self.edits: dict[str, QLineEdit] = {}
        self.labels: dict[str, QLabel] = {}
        self.errors: dict[str, QLabel] = {}
        self._build()
        self._load()
        self._reserve_oauth_rows()

    # -- building -----------------------------------------------------------------------

    def _build(self) -> None:
        intro = QLabel(self.tr(
            "SalesDesk keeps your appointments and tasks in your Outlook calendar and takes "
            "changes made there back. Your IT can tell you the EWS address, or SalesDesk "
            "can find it once from your e-mail address and password."), self)
        intro.setWordWrap(True)
        self._make_fields()
        grid = QGridLayout()
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 2)
        rows = (("mailbox", self.edits["mailbox"]), ("endpoint", self.edits["endpoint"]),
                ("auth_type", self.auth), ("username", self.edits["username"]),
                ("oauth_client_id", self.edits["oauth_client_id"]),
                ("oauth_tenant_id", self.edits["oauth_tenant_id"]),
                ("password", self.password), ("build", self.edits["build"]))
        for row, (name, widget) in enumerate(rows):
            self._add_row(grid, row, name, widget)
        grid.addWidget(self.session_only, len(rows), 1, 1, 2)
        self.keyring_note = QLabel(self.tr(
            "This computer has no keyring (password store) SalesDesk can use. The password "
            "can be used for this session only; SalesDesk asks for it again after a "
            "restart."), self)
        self.keyring_note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.keyring_note)
        layout.addLayout(self._action_row())
        layout.addWidget(self.result)
        layout.addStretch(1)

    def _make_fields(self) -> None:
        for name, placeholder, tip in self._text_fields():
            edit = QLineEdit(self)
            edit.setPlaceholderText(placeholder)
            edit.setToolTip(tip)
            edit.textEdited.connect(lambda _text, n=name: self._set_error(n, ""))
            self.edits[name] = edit
        self.auth = QComboBox(self)
        fill_combo(self.auth, [(self.tr("Windows sign-in (NTLM)"), AUTH_TYPES[0]),
                               (self.tr("Basic (user name and password)"), AUTH_TYPES[1]),
                               (self.tr("OAuth 2.0 (Microsoft 365)"), AUTH_TYPES[2])])
        self.auth.setToolTip(self.tr(
            "How SalesDesk signs in to the mailbox server; your IT knows, and "
            "“Find server automatically…” asks the server"))
        self.auth.currentIndexChanged.connect(self._auth_changed)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.textEdited.connect(lambda _text: self._set_error("password", ""))
        self.session_only = QCheckBox(self.tr("Keep the password for this session only"), self)
        self.session_only.setToolTip(self.tr(
            "Not kept in the keyring: SalesDesk asks for it again after a restart"))

    def _reserve_oauth_rows(self) -> None:
        """Room for the OAuth rows from the start: choosing OAuth must not squeeze the
        others (the dialog's size is set once)."""
        oauth = self.oauth()
        self._show_oauth_rows(True)
        self.setMinimumHeight(self.minimumSizeHint().height()
                              + 2 * self.fontMetrics().lineSpacing())  # a 2-line answer
        self._show_oauth_rows(oauth)

    def _show_oauth_rows(self, visible: bool) -> None:
        for name in ("oauth_client_id", "oauth_tenant_id"):
            for widget in (self.labels[name], self.edits[name], self.errors[name]):
                widget.setVisible(visible)

    def _text_fields(self):
        return (
            ("mailbox", "name@example.com", self.tr("The e-mail address of your mailbox")),
            ("endpoint", "https://mail.example.com/EWS/Exchange.asmx", self.tr(
                "The address of the Exchange Web Services (EWS) of your mailbox server")),
            ("username", self.tr("DOMAIN\\user or user@example.com"), self.tr(
                "Your Windows user name (DOMAIN\\user) or your sign-in address (UPN)")),
            ("build", DEFAULT_BUILD, self.tr(
                "The version (build number) of the Exchange server, e.g. 15.1.2507.6 for "
                "Exchange 2016. It is found with the address and kept, so that SalesDesk "
                "does not ask the server again on every sync; empty: {build}.").format(
                    build=DEFAULT_BUILD)),
            ("oauth_client_id", "", self.tr(
                "The application (client) id of SalesDesk registered in your Microsoft "
                "Entra ID (Azure AD)")),
            ("oauth_tenant_id", "", self.tr(
                "The directory (tenant) id of your organisation; empty: the one of the "
                "mailbox")),
        )

    def _add_row(self, grid: QGridLayout, row: int, name: str, widget: QWidget) -> None:
        label = QLabel(self)
        label.setBuddy(widget)
        error = QLabel(self)
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.setMinimumWidth(self.fontMetrics().averageCharWidth() * 20)
        widget.setMinimumWidth(self.fontMetrics().averageCharWidth() * 36)
        self.labels[name], self.errors[name] = label, error
        grid.addWidget(label, row, 0)
        grid.addWidget(widget, row, 1)
        grid.addWidget(error, row, 2)

    def _action_row(self) -> QHBoxLayout:
        self.discover_button = QPushButton(self.tr("&Find server automatically…"), self)
        self.discover_button.setToolTip(self.tr(
            "Ask the mail server for the EWS address, sign-in and server version of this "
            "mailbox (Autodiscover), using the e-mail address, user name and password"))
        self.discover_button.clicked.connect(self.discover)
        self.test_button = QPushButton(self.tr("&Test connection"), self)
        self.test_button.setToolTip(self.tr(
            "Sign in with these details now and open the calendar and tasks (nothing is "
            "saved)"))
        self.test_button.clicked.connect(self.test_connection)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setAccessibleName(self.tr("Waiting for the mailbox server"))
        self.busy.hide()
        self.result = QLabel(self)
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(self.discover_button)
        row.addWidget(self.test_button)
        row.addWidget(self.busy)
        row.addStretch(1)
        return row

    # -- values ---------------------------------------------------------------------------

    def _load(self) -> None:
        settings = calendar_sync.mailbox_settings(self.store.reader())
        for name in TEXT_FIELDS:
            self.edits[name].setText(getattr(settings, name, "") or "")
            self.edits[name].setCursorPosition(0)
        code = settings.auth_type if settings is not None else AUTH_TYPES[0]
        self.auth.setCurrentIndex(max(0, self.auth.findData(code)))
        if settings is not None:
            self._look_for_secret(settings.mailbox)
        no_keyring = not keyring_available()
        self.keyring_note.setVisible(no_keyring)
        self.session_only.setChecked(no_keyring)
        self._initial = self._values()
        self._auth_changed()

    def _look_for_secret(self, mailbox: str) -> None:
        """"saved" in the empty password field if the keyring has one — asked off the
        GUI thread (the keyring may ask the user to unlock it first)."""
        self.secret_lookup = Op(lambda _progress, _cancel: calendar_sync.stored_secret(mailbox))
        self.secret_lookup.sig_succeeded.connect(self._secret_found)
        self.secret_lookup.start(network_pool())

    def _secret_found(self, secret: str | None) -> None:
        self.password.setPlaceholderText(self.tr("saved – leave empty to keep it")
                                         if secret else "")

    def _values(self) -> dict[str, str]:
        values = {name: self.edits[name].text().strip() for name in TEXT_FIELDS}
        values["auth_type"] = self.auth.currentData()
        return values

    def settings(self) -> ExchangeSettings:
        """What the fields say now (not checked)."""
        values = self._values()
        values["build"] = values["build"] or DEFAULT_BUILD
        return ExchangeSettings(**values)

    def typed_secret(self) -> str | None:
        """The password as the service keeps it (for OAuth: the client secret, in the
        JSON the OAuth credentials are read from); None when the field is empty."""
        text = self.password.text()
        if not text:
            return None
        return json.dumps({"client_secret": text}) if self.oauth() else text

    def oauth(self) -> bool:
        return self.auth.currentData() == OAUTH

    def changed(self) -> bool:
        return self._values() != self._initial or bool(self.password.text())

    def _auth_changed(self, *_args) -> None:
        oauth = self.oauth()
        texts = {"mailbox": self.tr("&Mailbox *"), "endpoint": self.tr("EWS &address *"),
                 "auth_type": self.tr("S&ign-in"),
                 "username": self.tr("&User name") if oauth else self.tr("&User name *"),
                 "oauth_client_id": self.tr("OAuth &client id *"),
                 "oauth_tenant_id": self.tr("OAuth te&nant id"),
                 "password": self.tr("Client &secret") if oauth else self.tr("&Password"),
                 "build": self.tr("Server &version")}
        for name, text in texts.items():
            self.labels[name].setText(text)
        self._show_oauth_rows(oauth)
        self.password.setToolTip(self.tr(
            "The client secret of the registered application; kept in the keyring, never "
            "shown") if oauth else self.tr("Your mailbox password; kept in the keyring, "
                                           "never shown"))

    # -- errors ---------------------------------------------------------------------------

    def _set_error(self, name: str, text: str) -> None:
        if name in self.errors:
            self.errors[name].setText(text)

    def show_problems(self, error: ValidationFailed) -> None:
        """Each problem beside its field; the others below the buttons."""
        for name in self.errors:
            self._set_error(name, "")
        others = []
        for problem in error.errors:
            if problem.key in self.errors:
                self._set_error(problem.key, problem.message)
            else:
                others.append(str(problem))
        self._say("\n".join(others), failed=bool(others))

    def check(self) -> ExchangeSettings | None:
        """The settings, or None with the problems shown beside the fields."""
        settings = self.settings()
        try:
            calendar_sync.check_settings(settings)
        except ValidationFailed as error:
            self.show_problems(error)
            return None
        self.show_problems(ValidationFailed([]))
        return settings

    def _say(self, text: str, failed: bool = False) -> None:
        self.result.setText(text)
        self.result.setStyleSheet(ERROR_STYLE if failed else "")

    # -- in the background ------------------------------------------------------------------

    def test_connection(self) -> Op | None:
        """Sign in and open both folders off the GUI thread; the answer below the buttons."""
        settings = self.check()
        if settings is None or self.op is not None:
            return None
        typed = self.typed_secret()

        def work(_progress, _cancel) -> str:
            secret = typed or calendar_sync.stored_secret(settings.mailbox)
            if not secret:
                raise NoSecret()
            return calendar_sync.test_connection(settings, secret)

        return self._start(work, self.tr("Connecting…"), self._tested)

    def discover(self) -> Op | None:
        """Autodiscover once: fills the EWS address, sign-in and server version."""
        if self.op is not None:
            return None
        mailbox = self.edits["mailbox"].text().strip()
        if "@" not in mailbox:
            self._set_error("mailbox", self.tr("must be an e-mail address"))
            return None
        user = self.edits["username"].text().strip() or mailbox
        typed = self.password.text()

        def work(_progress, _cancel) -> ExchangeSettings:
            from salesdesk.integrations.exchange import discover

            secret = typed or calendar_sync.stored_secret(mailbox)
            if not secret:
                raise NoSecret()
            return discover(mailbox, user, secret)

        return self._start(work, self.tr("Looking for the server of {mailbox}…").format(
            mailbox=mailbox), self._discovered)

    def _start(self, work, text: str, succeeded) -> Op:
        self._say(text)
        self.op = Op(work)  # no parent: it lives until its worker is done
        self.op.sig_succeeded.connect(succeeded)
        self.op.sig_failed.connect(self._failed)
        self.op.sig_finished.connect(self._done)
        self._busy(True)
        return self.op.start(network_pool())

    def _busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.test_button.setEnabled(not busy)
        self.discover_button.setEnabled(not busy)

    def _tested(self, text: str) -> None:
        self._say(text)

    def _discovered(self, found: ExchangeSettings) -> None:
        self.edits["endpoint"].setText(found.endpoint)
        self.edits["endpoint"].setCursorPosition(0)
        self.auth.setCurrentIndex(max(0, self.auth.findData(found.auth_type)))
        self.edits["build"].setText(found.build)
        for name in ("endpoint", "auth_type", "build"):
            self._set_error(name, "")
        self._say(self.tr("Found: {endpoint}, sign-in {auth}, server version {build}. Test "
                          "the connection, then press OK to keep it.").format(
                              endpoint=found.endpoint, auth=self.auth.currentText(),
                              build=found.build))

    def _failed(self, error: Exception) -> None:
        if isinstance(error, ValidationFailed):
            self.show_problems(error)
            return
        if isinstance(error, NoSecret):
            self._set_error("password", self.tr("enter it: none is saved for this mailbox"))
            text = self.tr("Enter the password first: none is saved for this mailbox.")
        elif isinstance(error, CalendarError | DomainError):
            text = str(error)
        else:
            text = self.tr("Something went wrong ({kind}: {detail}). The details are in the "
                           "log file (Help → Open log file).").format(
                               kind=type(error).__name__, detail=error)
        self._say(text, failed=True)

    def _done(self) -> None:
        self.op = None
        self._busy(False)

    # -- saving ---------------------------------------------------------------------------

    def save(self) -> bool:
        """Keep the connection (the dialog's OK); False: a problem is shown, nothing saved."""
        if not self.changed():
            return True
        settings = self.check()
        if settings is None:
            return False
        secret = self.typed_secret()
        try:
            try:
                calendar_sync.save_mailbox_settings(self.store, settings, secret,
                                                    session_only=self.session_only.isChecked())
            except NoKeyring as error:
                if not self._ask_session_only(str(error)):
                    return False
                self.session_only.setChecked(True)
                calendar_sync.save_mailbox_settings(self.store, settings, secret,
                                                    session_only=True)
        except ValidationFailed as error:
            self.show_problems(error)
            return False
        except DomainError as error:
            self._say(str(error), failed=True)
            return False
        self._initial = self._values()
        return True

    def _ask_session_only(self, text: str) -> bool:
        buttons = QMessageBox.StandardButton
        return QMessageBox.question(
            self, self.tr("No keyring"),
            text + "\n\n" + self.tr("Use the password for this session only?"),
            buttons.Yes | buttons.Cancel, buttons.Yes) == buttons.Yes
