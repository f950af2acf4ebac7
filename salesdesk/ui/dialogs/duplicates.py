"""Before a new customer is saved: "this customer may already exist"."""

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

OPEN_EXISTING = "open"
CREATE_ANYWAY = "create"
CANCEL = "cancel"


class DuplicateDialog(QDialog):
    """Lists the probable duplicates; the user opens one, creates anyway, or goes back."""

    def __init__(self, candidates: list, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Possible duplicate"))
        self.choice, self.chosen = CANCEL, None
        self._candidates = candidates
        self.list = QListWidget(self)
        for candidate in candidates:
            text = self.tr("{number} {name}, {city} ({reason})").format(
                number=candidate.number, name=candidate.name, city=candidate.city or "–",
                reason=candidate.reason)
            QListWidgetItem(text, self.list)
        self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda *_: self._done(OPEN_EXISTING))
        buttons = QDialogButtonBox(self)
        open_button = QPushButton(self.tr("Open existing"), self)
        create_button = QPushButton(self.tr("Create anyway"), self)
        buttons.addButton(open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(create_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        open_button.clicked.connect(lambda: self._done(OPEN_EXISTING))
        create_button.clicked.connect(lambda: self._done(CREATE_ANYWAY))
        buttons.rejected.connect(self.reject)
        open_button.setDefault(True)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("This customer may already exist. Open the existing customer "
                               "file, or create a new one anyway?"), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(520, 260)

    def _done(self, choice: str) -> None:
        self.choice = choice
        row = max(self.list.currentRow(), 0)
        self.chosen = self._candidates[row].customer_id if choice == OPEN_EXISTING else None
        self.accept()


def ask_about_duplicates(parent: QWidget, candidates: list) -> tuple[str, object]:
    """(OPEN_EXISTING, customer id) / (CREATE_ANYWAY, None) / (CANCEL, None)."""
    dialog = DuplicateDialog(candidates, parent)
    dialog.exec()
    return dialog.choice, dialog.chosen
