"""Field widgets for Designer forms that hold more than text: a customer, segment tags.

They follow the field protocol of salesdesk.ui.forms: ``field_value()``,
``set_field_value(value)`` and ``sig_edited``. Both read through plain SQL
(``Store.reader()``), so they work before SQLAlchemy is loaded.
"""

import sqlite3
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QRect, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from salesdesk.services.customer_list import CustomerFilter, CustomerRow, list_customers

SEARCH_DELAY_MS = 150  # as the list's search: typing pauses shorter than this do not query
PICKER_ROWS = 12
_ID = Qt.ItemDataRole.UserRole
_LABEL = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class PickedCustomer:
    """A customer as a picker shows it: "K-000123 Name" (never its id)."""

    id: uuid.UUID
    label: str


def customer_label(number: str, name: str) -> str:
    return f"{number} {name}".strip()


class CustomerPicker(QLineEdit):
    """Choose a customer by typing part of its number or name; empty means none."""

    sig_edited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._source: Callable[[], sqlite3.Connection] | None = None
        self._exclude: uuid.UUID | None = None
        self._value: uuid.UUID | None = None
        self._label = ""
        self.choices = QStandardItemModel(self)
        self.suggestions = QCompleter(self.choices, self)
        self.suggestions.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.suggestions.setWidget(self)
        self.suggestions.activated[QModelIndex].connect(self._chosen)
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search)
        self.setClearButtonEnabled(True)
        self.setPlaceholderText(self.tr("Type a customer number or name"))
        self.textChanged.connect(self._text_changed)
        self.textEdited.connect(self._typed)

    def set_source(self, source: Callable[[], sqlite3.Connection],
                   exclude: uuid.UUID | None = None) -> None:
        """Where to search (``Store.reader``), and a customer never offered (the file itself)."""
        self._source, self._exclude = source, exclude

    # -- the field protocol (salesdesk.ui.forms) ------------------------------------------

    def field_value(self) -> uuid.UUID | None:
        return self._value

    def set_field_value(self, value: PickedCustomer | None) -> None:
        self._timer.stop()
        self._value, self._label = (value.id, value.label) if value else (None, "")
        self.setText(self._label)
        self.setCursorPosition(0)

    def is_pending(self) -> bool:
        """Text was typed but no customer chosen from the list yet."""
        return bool(self.text().strip()) and self._value is None

    # -- searching and choosing -----------------------------------------------------------

    def _text_changed(self, text: str) -> None:
        if text != self._label:  # typed over (or cleared): no customer chosen any more
            self._value, self._label = None, ""
        self.sig_edited.emit()

    def _typed(self, text: str) -> None:
        if text.strip():
            self._timer.start()
        else:
            self._timer.stop()
            self.suggestions.popup().hide()

    def search(self) -> None:
        """Offer the customers matching the typed text in the drop-down list."""
        self._timer.stop()
        text = self.text().strip()
        if not text or self._source is None or self._value is not None:
            return
        rows = list_customers(self._source(), CustomerFilter(search=text),
                              limit=PICKER_ROWS + 1)
        rows = [row for row in rows if row.id != self._exclude][:PICKER_ROWS]
        self.choices.clear()
        for row in rows:
            self.choices.appendRow(_choice_item(row))
        if not rows:
            item = QStandardItem(self.tr("No customer matches “{text}”").format(text=text))
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.choices.appendRow(item)
        self._show_suggestions()

    def _show_suggestions(self) -> None:
        """Below the field, as wide as the entries need (number, name and place)."""
        popup = self.suggestions.popup()
        scroll = popup.verticalScrollBar().sizeHint().width()
        needed = popup.sizeHintForColumn(0) + scroll + 2 * popup.frameWidth() + 8
        width = max(self.width(), min(needed, 2 * self.width()))
        self.suggestions.complete(QRect(0, 0, width, self.height()))

    def choose_row(self, row: int) -> None:
        self._chosen(self.choices.index(row, 0))

    def _chosen(self, index: QModelIndex) -> None:
        key = index.data(_ID)
        if key is None:
            return
        self.set_field_value(PickedCustomer(key, index.data(_LABEL)))
        self.suggestions.popup().hide()


def _choice_item(row: CustomerRow) -> QStandardItem:
    label = customer_label(row.number, row.name)
    place = " ".join(p for p in (row.postal_code, row.city) if p)
    item = QStandardItem(f"{label}  ·  {place}" if place else label)
    item.setData(row.id, _ID)
    item.setData(label, _LABEL)
    item.setToolTip(label)
    return item


class _TagCompleter(QCompleter):
    """Completes the tag after the last comma and keeps the tags before it."""

    _before = ""  # the finished tags of the text being completed

    def splitPath(self, path: str) -> list[str]:  # override
        # called with the typed text only; a highlighted completion must not count as typed
        *before, current = path.split(",")
        self._before = ", ".join(t.strip() for t in before if t.strip())
        return [current.strip()]

    def pathFromIndex(self, index: QModelIndex) -> str:  # override
        chosen = super().pathFromIndex(index)
        return f"{self._before}, {chosen}, " if self._before else f"{chosen}, "


class SegmentsEdit(QLineEdit):
    """Segment tags as comma-separated text, each completed from the segments in use."""

    sig_edited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._known: dict[str, str] = {}  # casefolded → the spelling in use
        self._names = QStringListModel(self)
        completer = _TagCompleter(self._names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        self.setPlaceholderText(self.tr("e.g. Key account, Newsletter"))
        self.textChanged.connect(self.sig_edited)

    def set_known(self, names: Iterable[str]) -> None:
        names = list(names)
        self._known = {name.casefold(): name for name in names}
        self._names.setStringList(names)

    def field_value(self) -> list[str]:
        """The tags, each once, in the spelling already in use ("newsletter" → "Newsletter")."""
        tags: dict[str, str] = {}
        for part in self.text().split(","):
            tag = " ".join(part.split())
            if tag and tag.casefold() not in tags:
                tags[tag.casefold()] = self._known.get(tag.casefold(), tag)
        return list(tags.values())

    def set_field_value(self, value: Iterable[str] | None) -> None:
        self.setText(", ".join(value or ()))
        self.setCursorPosition(0)


CUSTOM_WIDGETS = (CustomerPicker, SegmentsEdit)
