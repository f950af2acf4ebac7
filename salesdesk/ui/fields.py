"""Field widgets for the task and appointment forms: a date and time, a repeat rule, a
checklist of contact persons.

They follow the field protocol of salesdesk.ui.forms (``field_value()``,
``set_field_value(value)``, ``sig_edited``) and are registered with the form loader.
"""

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QDateTime, QLocale, Qt, QTimeZone, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QWidget,
)

from salesdesk.domain.calendar import DEFAULT_TIME_ZONE, every_weeks, recurrence_label

MONTHLY = "FREQ=MONTHLY;INTERVAL=1"
_ID = Qt.ItemDataRole.UserRole


def local_zone_name() -> str:
    """The IANA name of the computer's time zone ("Europe/Berlin"); Berlin if unknown."""
    name = QTimeZone.systemTimeZoneId().data().decode("ascii", "replace")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return DEFAULT_TIME_ZONE
    return name


def as_utc(wall: datetime | None, zone: str | None = None) -> datetime | None:
    """A wall-clock time in ``zone`` (None: the computer's zone) as an aware UTC time."""
    if wall is None:
        return None
    if zone is None:
        return wall.astimezone(UTC)  # a naive time is taken as the computer's local time
    return wall.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def as_wall(moment: datetime | None, zone: str | None = None) -> datetime | None:
    """An aware time as the naive wall-clock time in ``zone`` (None: the computer's)."""
    if moment is None:
        return None
    local = moment.astimezone(ZoneInfo(zone)) if zone else moment.astimezone()
    return local.replace(tzinfo=None)


def date_time_format() -> str:
    """The locale's short date and time, always with a four-digit year."""
    text = QLocale().dateTimeFormat(QLocale.FormatType.ShortFormat)
    if "yyyy" not in text:
        text = text.replace("yy", "yyyy")
    return text


class DateTimeField(QWidget):
    """A wall-clock date and time (naive); optional fields have a switch in front."""

    sig_edited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.switch = QCheckBox(self)
        self.switch.hide()
        self.edit = QDateTimeEdit(self)
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat(date_time_format())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.switch)
        layout.addWidget(self.edit)
        layout.addStretch(1)
        self.setFocusProxy(self.edit)
        self.edit.dateTimeChanged.connect(self.sig_edited)
        self.switch.toggled.connect(self.edit.setEnabled)
        self.switch.toggled.connect(self.sig_edited)

    def set_optional(self, text: str) -> None:
        """Show a switch (e.g. "Remind me") that turns the value on and off."""
        self.switch.setText(text)
        self.switch.show()
        self.setFocusProxy(self.switch)
        self.edit.setEnabled(self.switch.isChecked())

    def is_optional(self) -> bool:
        return not self.switch.isHidden()

    def field_value(self) -> datetime | None:
        if self.is_optional() and not self.switch.isChecked():
            return None
        return self.edit.dateTime().toPython().replace(second=0, microsecond=0)

    def set_field_value(self, value: datetime | None, default: datetime | None = None) -> None:
        shown = value or default or datetime.now().replace(second=0, microsecond=0)
        self.edit.setDateTime(QDateTime(shown.date(), shown.time()))
        self.switch.setChecked(value is not None)
        self.edit.setEnabled(value is not None or not self.is_optional())


class RepeatField(QWidget):
    """Does not repeat / every N weeks / every month, as an RRULE ("" for none)."""

    sig_edited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.kind = QComboBox(self)
        self.kind.addItem(self.tr("Does not repeat"), "")
        self.kind.addItem(self.tr("Every … weeks"), "weekly")
        self.kind.addItem(self.tr("Every month"), "monthly")
        self.weeks = QSpinBox(self)
        self.weeks.setRange(1, 52)
        self.weeks.setValue(6)
        self.weeks.setAccessibleName(self.tr("Number of weeks"))
        self.weeks_label = QLabel(self.tr("weeks"), self)
        self._custom = ""  # a rule made elsewhere (Outlook, an import), kept as it is
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.kind)
        layout.addWidget(self.weeks)
        layout.addWidget(self.weeks_label)
        layout.addStretch(1)
        self.setFocusProxy(self.kind)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.weeks.valueChanged.connect(self.sig_edited)
        self._kind_changed()

    def _kind_changed(self) -> None:
        weekly = self.kind.currentData() == "weekly"
        self.weeks.setVisible(weekly)
        self.weeks_label.setVisible(weekly)
        self.sig_edited.emit()

    def field_value(self) -> str:
        kind = self.kind.currentData()
        if kind == "weekly":
            return every_weeks(self.weeks.value())
        if kind == "monthly":
            return MONTHLY
        return self._custom if kind == "custom" else ""

    def set_field_value(self, value: str | None) -> None:
        rule = (value or "").strip()
        parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
        custom = self.kind.findData("custom")
        if custom >= 0:
            self.kind.removeItem(custom)
        self._custom = ""
        if not rule:
            self.kind.setCurrentIndex(0)
        elif set(parts) <= {"FREQ", "INTERVAL"} and parts.get("FREQ") == "WEEKLY":
            self.weeks.setValue(int(parts.get("INTERVAL", "1")))
            self.kind.setCurrentIndex(self.kind.findData("weekly"))
        elif rule == MONTHLY or parts == {"FREQ": "MONTHLY"}:
            self.kind.setCurrentIndex(self.kind.findData("monthly"))
        else:
            self._custom = rule
            self.kind.addItem(recurrence_label(rule), "custom")
            self.kind.setCurrentIndex(self.kind.count() - 1)
        self._kind_changed()


class ContactsField(QListWidget):
    """Contact persons of one customer, ticked when they take part."""

    sig_edited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.placeholder = self.tr("Choose a customer to tick its contact persons.")
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.itemChanged.connect(lambda _item: self.sig_edited.emit())
        self.setMaximumHeight(self.fontMetrics().height() * 6 + 12)

    def set_choices(self, choices: list[tuple[str, uuid.UUID]]) -> None:
        """The contact persons offered (label, id); keeps those ticked that stay."""
        ticked = set(self.field_value())
        self.blockSignals(True)
        self.clear()
        for label, key in choices:
            item = QListWidgetItem(label, self)
            item.setData(_ID, key)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if key in ticked else Qt.CheckState.Unchecked)
        self.blockSignals(False)
        self.setEnabled(bool(choices))
        self.sig_edited.emit()

    def set_placeholder(self, text: str) -> None:
        """What the empty list says (no customer chosen, or one without contacts)."""
        self.placeholder = text
        self.viewport().update()

    def paintEvent(self, event) -> None:  # override
        super().paintEvent(event)
        if self.count() == 0 and self.placeholder:
            painter = QPainter(self.viewport())
            painter.setPen(
                self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            )
            area = self.viewport().rect().adjusted(6, 4, -6, -4)
            painter.drawText(
                area,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                self.placeholder,
            )
            painter.end()

    def field_value(self) -> list[uuid.UUID]:
        return [
            self.item(n).data(_ID)
            for n in range(self.count())
            if self.item(n).checkState() == Qt.CheckState.Checked
        ]

    def set_field_value(self, value: list[uuid.UUID] | None) -> None:
        wanted = set(value or ())
        self.blockSignals(True)
        for n in range(self.count()):
            item = self.item(n)
            item.setCheckState(
                Qt.CheckState.Checked if item.data(_ID) in wanted else Qt.CheckState.Unchecked
            )
        self.blockSignals(False)


FIELD_WIDGETS = (DateTimeField, RepeatField, ContactsField)
