"""Which central database to synchronise with: address, login and password, with a
"Test connection" that runs in the background. The address is saved without the
password; the password goes to the keyring (or, without one, into memory for this
session, if the user agrees)."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError
from salesdesk.services import sync as sync_service
from salesdesk.store.engine import Store
from salesdesk.ui.sync_runner import SyncRunner


class ConnectionDialog(QDialog):
    """Change the connection to the central database; ``sig_saved`` after saving."""

    sig_saved = Signal()

    def __init__(self, store: Store, runner: SyncRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.store, self.runner = store, runner
        self.setWindowTitle(self.tr("Connection to the central database"))
        info = sync_service.connection_info(store)
        self.url_edit = QLineEdit(info.address, self)
        self.url_edit.setCursorPosition(0)
        self.url_edit.setPlaceholderText("postgresql://db.example.com/salesdesk")
        self.url_edit.setToolTip(self.tr(
            "The address your office gave you, e.g. postgresql://db.example.com/salesdesk "
            "(a password in it is taken out and kept in the keyring)"))
        self.login_edit = QLineEdit(info.login, self)
        self.login_edit.setToolTip(self.tr("Your own login for the central database"))
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(
            self.tr("leave empty to keep the saved password") if info.url else "")
        self.keyring_note = QLabel(self)
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setVisible(not sync_service.keyring_available())
        self.keyring_note.setText(self.tr(
            "This computer has no keyring (password store) SalesDesk can use. The password "
            "can be used for this session only; SalesDesk asks for it again after a "
            "restart."))
        self.test_button = QPushButton(self.tr("&Test connection"), self)
        self.test_button.setToolTip(self.tr(
            "Try to connect with these details now (nothing is saved)"))
        self.test_button.clicked.connect(self.test_connection)
        self.result_label = QLabel(self)
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.testing = None  # the running test (an Op)
        self._build()
        self.url_edit.textChanged.connect(self._edited)
        self.login_edit.textChanged.connect(self._edited)
        self._edited()

    def _build(self) -> None:
        form = QFormLayout()
        form.addRow(self.tr("Server &address *"), self.url_edit)
        form.addRow(self.tr("&Login *"), self.login_edit)
        form.addRow(self.tr("&Password"), self.password_edit)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.result_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.keyring_note)
        layout.addLayout(test_row)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 100)

    def _edited(self) -> None:
        complete = bool(self.url_edit.text().strip() and self.login_edit.text().strip())
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(complete)
        self.test_button.setEnabled(complete and self.testing is None)

    def _url(self) -> str:
        return sync_service.connection_url(self.url_edit.text(), self.login_edit.text())

    # -- testing ----------------------------------------------------------------------------

    def test_connection(self) -> None:
        """Connect in the background; the answer appears beside the button."""
        try:
            url = self._url()
        except DomainError as error:
            self.result_label.setText(str(error))
            return
        self.result_label.setText(self.tr("Connecting…"))
        self.test_button.setEnabled(False)
        self.testing = self.runner.check_connection(url, self.password_edit.text() or None)
        self.testing.sig_succeeded.connect(self._tested)
        self.testing.sig_failed.connect(self._test_failed)
        self.testing.sig_finished.connect(self._test_finished)

    def _tested(self, text: str) -> None:
        self.result_label.setText(text)

    def _test_failed(self, error: Exception) -> None:
        self.result_label.setText(sync_service.explain_failure(error)[0]
                                  if not isinstance(error, DomainError) else str(error))

    def _test_finished(self) -> None:
        self.testing = None
        self._edited()

    # -- saving -----------------------------------------------------------------------------

    def accept(self) -> None:  # override
        try:
            url = self._url()
            password = self.password_edit.text() or None
            try:
                sync_service.save_connection(self.store, url, password)
            except sync_service.NoKeyring as error:
                if not self._session_only(str(error)):
                    return
                sync_service.save_connection(self.store, url, password, session_only=True)
        except DomainError as error:
            self.result_label.setText(str(error))
            return
        self.sig_saved.emit()
        super().accept()

    def _session_only(self, text: str) -> bool:
        buttons = QMessageBox.StandardButton
        return QMessageBox.question(
            self, self.tr("No keyring"),
            text + "\n\n" + self.tr("Use the password for this session only?"),
            buttons.Yes | buttons.Cancel, buttons.Yes) == buttons.Yes
