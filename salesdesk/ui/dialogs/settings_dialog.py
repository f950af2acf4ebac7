"""The one settings dialog (forms/settings.ui): language, where the data lives."""

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from salesdesk.i18n import current_language
from salesdesk.ui.forms import fill_combo, load_form
from salesdesk.ui.settings import Settings

LANGUAGES = (("English", "en"), ("Deutsch", "de"))  # each in its own language


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, data_dir: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.form = load_form("settings.ui", self)
        self.setWindowTitle(self.form.windowTitle())
        self._settings = settings
        self.language: QComboBox = self.form.findChild(QComboBox, "language")
        fill_combo(self.language, list(LANGUAGES))
        self.language.setCurrentIndex(
            max(self.language.findData(settings.language() or current_language()), 0))
        self.form.findChild(QLabel, "data_dir").setText(str(data_dir))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)

    def accept(self) -> None:  # override
        self._settings.set_language(self.language.currentData())
        super().accept()
