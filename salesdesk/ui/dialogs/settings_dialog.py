"""The one settings dialog: language and data folder (forms/settings.ui), the logbook's
rules and the office's lists, the geocoder used for radius search, the payment and
delivery terms (salesdesk/ui/views/terms_settings.py) and the Outlook/Exchange mailbox
(salesdesk/ui/views/outlook_settings.py)."""

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError
from salesdesk.i18n import current_language
from salesdesk.ui.forms import fill_combo, load_form
from salesdesk.ui.settings import Settings

LANGUAGES = (("English", "en"), ("Deutsch", "de"))  # each in its own language
_CODE = Qt.ItemDataRole.UserRole


class SettingsDialog(QDialog):
    """``store`` None: only the per-user settings (language), e.g. before a store is open."""

    def __init__(self, settings: Settings, data_dir: Path, parent: QWidget | None = None,
                 store=None):
        super().__init__(parent)
        self.form = load_form("settings.ui", self)
        self.setWindowTitle(self.form.windowTitle())
        self._settings = settings
        self.store = store
        self.language: QComboBox = self.form.findChild(QComboBox, "language")
        fill_combo(self.language, list(LANGUAGES))
        self.language.setCurrentIndex(
            max(self.language.findData(settings.language() or current_language()), 0))
        self.form.findChild(QLabel, "data_dir").setText(str(data_dir))
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.form, self.tr("General"))
        self.lists: dict[str, ListEditor] = {}
        self.outlook = None
        if store is not None:
            self.tabs.addTab(self._logbook_page(), self.tr("Logbook and tasks"))
            self.tabs.addTab(self._geocoding_page(), self.tr("Geocoding"))
            from salesdesk.ui.views.outlook_settings import OutlookSettings
            from salesdesk.ui.views.terms_settings import TermsSettings

            self.outlook = OutlookSettings(store, self)
            self.tabs.addTab(self.outlook, self.tr("Outlook/Exchange"))
            self.terms = TermsSettings(store, self)
            self.tabs.addTab(self.terms, self.tr("Terms"))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        # at least what every page needs (an explicit minimum would let the window shrink
        # below the terms tables), and opened at the size the pages ask for
        self.setMinimumSize(self.minimumSizeHint().expandedTo(QSize(560, 0)))
        self.resize(self.sizeHint().expandedTo(self.minimumSize()))

    def show_outlook(self) -> None:
        """Open on the Outlook/Exchange tab (the Sync page's "Set up…")."""
        if self.outlook is not None:
            self.tabs.setCurrentWidget(self.outlook)

    # -- pages ----------------------------------------------------------------------------

    def _logbook_page(self) -> QWidget:
        from salesdesk.services.settings import get_setting

        page = QWidget(self)
        form = QFormLayout()
        self.edit_window = QSpinBox(page)
        self.edit_window.setRange(0, 24 * 90)
        self.edit_window.setSuffix(self.tr(" hours"))
        self.edit_window.setValue(int(get_setting(self.store.reader(),
                                                  "logbook.edit_window_hours")))
        self.edit_window.setToolTip(self.tr(
            "How long the author may still correct a logbook entry; afterwards it is history "
            "(0: never)."))
        form.addRow(self.tr("Entries can be corrected for"), self.edit_window)
        lists = QTabWidget(page)
        from salesdesk.services.configurable_lists import LISTS, list_title

        for name in LISTS:
            editor = ListEditor(self.store, name, lists)
            self.lists[name] = editor
            lists.addTab(editor, list_title(name))
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(lists, 1)
        return page

    def _geocoding_page(self) -> QWidget:
        from salesdesk.services.settings import get_settings

        values = get_settings(self.store.reader(), "geocoder.")
        page = QWidget(self)
        form = QFormLayout(page)
        self.provider = QComboBox(page)
        fill_combo(self.provider, [(self.tr("Offline (city centres shipped with SalesDesk)"),
                                    ""), ("Nominatim (OpenStreetMap)", "nominatim")])
        self.provider.setCurrentIndex(max(0, self.provider.findData(values["geocoder.provider"])))
        self.server = QLineEdit(values["geocoder.domain"], page)
        self.server.setPlaceholderText(self.tr("e.g. nominatim.example.com (your own server)"))
        self.scheme = QComboBox(page)
        fill_combo(self.scheme, [("https", "https"), ("http", "http")])
        self.scheme.setCurrentIndex(max(0, self.scheme.findData(values["geocoder.scheme"])))
        self.user_agent = QLineEdit(values["geocoder.user_agent"], page)
        self.delay = QDoubleSpinBox(page)
        self.delay.setRange(0.0, 60.0)
        self.delay.setDecimals(1)
        self.delay.setSuffix(self.tr(" s"))
        self.delay.setValue(float(values["geocoder.min_delay_seconds"]))
        form.addRow(self.tr("Geocoder"), self.provider)
        form.addRow(self.tr("Server"), self.server)
        form.addRow(self.tr("Protocol"), self.scheme)
        form.addRow(self.tr("User agent"), self.user_agent)
        form.addRow(self.tr("Pause between requests"), self.delay)
        note = QLabel(self.tr("Without a geocoder, addresses get the centre of their city; a "
                              "pin set by hand is never overwritten."), page)
        note.setWordWrap(True)
        form.addRow(note)
        return page

    def accept(self) -> None:  # override
        # the mailbox first: a problem there keeps the dialog open with nothing saved
        if self.outlook is not None and not self.outlook.save():
            self.show_outlook()
            return
        self._settings.set_language(self.language.currentData())
        if self.store is not None:
            from salesdesk.services.settings import set_setting

            with self.store.session() as session:
                set_setting(session, "logbook.edit_window_hours", self.edit_window.value())
                set_setting(session, "geocoder.provider", self.provider.currentData())
                set_setting(session, "geocoder.domain", self.server.text().strip())
                set_setting(session, "geocoder.scheme", self.scheme.currentData())
                set_setting(session, "geocoder.user_agent",
                            self.user_agent.text().strip() or "SalesDesk")
                set_setting(session, "geocoder.min_delay_seconds", self.delay.value())
                session.commit()
        super().accept()


class ListEditor(QWidget):
    """One configurable list: add, rename, retire/reactivate, move. Changes save at once."""

    def __init__(self, store, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.store, self.name = store, name
        self.items = QListWidget(self)
        self.items.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.items.setAccessibleName(self.tr("Entries"))
        buttons = QVBoxLayout()
        self.buttons = {}
        for key, text, tip in (
                ("add", self.tr("Add…"), self.tr("Add an entry to the list")),
                ("rename", self.tr("Rename…"), self.tr("Change the name shown")),
                ("active", self.tr("Retire"), self.tr(
                    "Retired entries are kept on old records but not offered any more")),
                ("up", self.tr("Move up"), self.tr("Show this entry earlier")),
                ("down", self.tr("Move down"), self.tr("Show this entry later"))):
            button = QPushButton(text, self)
            button.setToolTip(tip)
            buttons.addWidget(button)
            self.buttons[key] = button
        buttons.addStretch(1)
        row = QHBoxLayout(self)
        row.addWidget(self.items, 1)
        row.addLayout(buttons)
        self.buttons["add"].clicked.connect(self.add)
        self.buttons["rename"].clicked.connect(self.rename)
        self.buttons["active"].clicked.connect(self.toggle)
        self.buttons["up"].clicked.connect(lambda: self.move(-1))
        self.buttons["down"].clicked.connect(lambda: self.move(1))
        self.items.currentItemChanged.connect(self._update)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        from salesdesk.services.configurable_lists import entries

        with self.store.session() as session:
            rows = entries(session, self.name)
        self.items.clear()
        self._active = {}
        for entry in rows:
            text = entry.label if entry.active else self.tr("{name} (retired)").format(
                name=entry.label)
            item = QListWidgetItem(text, self.items)
            item.setData(_CODE, entry.code)
            self._active[entry.code] = entry.active
            if not entry.active:
                item.setForeground(self.palette().placeholderText())
            if entry.code == select:
                self.items.setCurrentItem(item)
        self._update()

    def current_code(self) -> str | None:
        item = self.items.currentItem()
        return item.data(_CODE) if item is not None else None

    def _update(self, *args) -> None:
        code = self.current_code()
        for key in ("rename", "active", "up", "down"):
            self.buttons[key].setEnabled(code is not None)
        if code is not None:
            self.buttons["active"].setText(self.tr("Retire") if self._active.get(code) else
                                           self.tr("Reactivate"))

    def _run(self, change, select: str | None) -> None:
        try:
            with self.store.session() as session:
                result = change(session)
                session.commit()
        except DomainError as exc:
            QMessageBox.warning(self, self.tr("List"), str(exc))
            return
        self.reload(getattr(result, "code", None) or select)

    def add(self) -> None:
        from salesdesk.services import configurable_lists as cl

        text, ok = QInputDialog.getText(self, self.tr("Add entry"), self.tr("Name"))
        if ok:
            self._run(lambda s: cl.add_entry(s, self.name, text), None)

    def rename(self) -> None:
        from salesdesk.services import configurable_lists as cl

        code = self.current_code()
        if code is None:
            return
        text, ok = QInputDialog.getText(self, self.tr("Rename entry"), self.tr("Name"),
                                        text=self.items.currentItem().text())
        if ok:
            self._run(lambda s: cl.rename_entry(s, self.name, code, text), code)

    def toggle(self) -> None:
        from salesdesk.services import configurable_lists as cl

        code = self.current_code()
        if code is not None:
            self._run(lambda s: cl.set_active(s, self.name, code, not self._active[code]), code)

    def move(self, step: int) -> None:
        from salesdesk.services import configurable_lists as cl

        code = self.current_code()
        if code is not None:
            self._run(lambda s: cl.move_entry(s, self.name, code, step), code)
