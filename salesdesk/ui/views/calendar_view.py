"""A week of appointments: seven day columns (Monday to Sunday), hours 7 to 21, each
appointment a block with its time, subject and customer.

Times are shown in the computer's time zone. Appointments before 7:00 or after 21:00 are
pinned to the edge of the day with their real time written in. Overlapping appointments
share the column side by side.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_date
from babel.dates import format_interval
from babel.dates import format_time as babel_time
from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError
from salesdesk.services.appointments import AppointmentRow, appointments_between, week_bounds
from salesdesk.services.appointments import week_start as monday_of
from salesdesk.services.calendar_files import week_file_name, week_ics
from salesdesk.services.lookups import users
from salesdesk.services.users import user_id_for_login
from salesdesk.store.engine import Store
from salesdesk.ui.fields import local_zone_name
from salesdesk.ui.formatting import locale_name
from salesdesk.ui.icons import icon
from salesdesk.ui.ics_files import Opener, add_to_calendar, export_ics
from salesdesk.ui.pickers import customer_label

FIRST_HOUR, LAST_HOUR = 7, 21  # the grid shows 7:00 to 21:00 (rows 7 … 20)
MIN_HOUR_HEIGHT = 34
MIN_BLOCK_HOURS = 0.5  # a 10-minute call still gets room for its subject
NOW_RED = QColor("#c62828")


@dataclass
class Block:
    """One appointment's part on one day of the week, in hours of the grid."""

    appointment: AppointmentRow
    day: int  # 0 = Monday
    top: float  # hours since midnight, clamped to the grid
    bottom: float
    outside: bool  # (partly) before or after the hours shown
    lane: int = 0
    lanes: int = 1
    rect: QRectF | None = None


def _hours(moment: datetime) -> float:
    return moment.hour + moment.minute / 60 + moment.second / 3600


def week_blocks(rows: list[AppointmentRow], monday: date, zone: str) -> list[Block]:
    """The blocks of a week: multi-day appointments give one block per day."""
    tz = ZoneInfo(zone)
    blocks = []
    for row in rows:
        start, end = row.starts_at.astimezone(tz), row.ends_at.astimezone(tz)
        for day in range(7):
            current = monday + timedelta(days=day)
            day_start = datetime(current.year, current.month, current.day, tzinfo=tz)
            day_end = day_start + timedelta(days=1)
            if end <= day_start or start >= day_end:
                continue
            top = _hours(start) if start > day_start else 0.0
            bottom = _hours(end) if end < day_end else 24.0
            outside = top < FIRST_HOUR or bottom > LAST_HOUR
            top = min(max(top, FIRST_HOUR), LAST_HOUR - MIN_BLOCK_HOURS)
            bottom = min(max(bottom, top + MIN_BLOCK_HOURS), LAST_HOUR)
            blocks.append(Block(row, day, top, bottom, outside))
    _assign_lanes(blocks)
    return blocks


def _assign_lanes(blocks: list[Block]) -> None:
    """Overlapping blocks of a day go side by side; each cluster shares its width."""
    for day in range(7):
        todays = sorted((b for b in blocks if b.day == day), key=lambda b: (b.top, -b.bottom))
        cluster: list[Block] = []
        lane_ends: list[float] = []  # where the last block of each lane ends
        cluster_end = 0.0
        for block in todays:
            if cluster and block.top >= cluster_end:  # nothing overlaps any more
                _share(cluster, len(lane_ends))
                cluster, lane_ends = [], []
            lane = next((n for n, end in enumerate(lane_ends) if end <= block.top), len(lane_ends))
            if lane == len(lane_ends):
                lane_ends.append(block.bottom)
            else:
                lane_ends[lane] = block.bottom
            block.lane = lane
            cluster_end = max(cluster_end, block.bottom) if cluster else block.bottom
            cluster.append(block)
        _share(cluster, len(lane_ends))


def _share(cluster: list[Block], lanes: int) -> None:
    for block in cluster:
        block.lanes = max(lanes, 1)


class WeekGrid(QWidget):
    """The painted week; click chooses a block, double-click or Enter opens it."""

    sig_open = Signal(object)  # appointment id
    sig_new = Signal(object)  # a naive wall-clock datetime: a free slot was double-clicked
    sig_menu = Signal(object, QPoint)  # appointment id, where (global): its context menu

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.monday = monday_of(date.today())
        self.zone = "UTC"
        self.blocks: list[Block] = []
        self.current: Block | None = None
        self.today = date.today()
        self.now: datetime | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(False)
        self.setAccessibleName(self.tr("Appointments of the week"))
        self.setMinimumHeight(self._header() + (LAST_HOUR - FIRST_HOUR) * MIN_HOUR_HEIGHT)

    def set_week(self, monday: date, rows: list[AppointmentRow], zone: str) -> None:
        chosen = self.current.appointment.id if self.current else None
        self.monday, self.zone = monday, zone
        self.blocks = week_blocks(rows, monday, zone)
        self.current = next((b for b in self.blocks if b.appointment.id == chosen), None)
        self.today = date.today()
        self.now = datetime.now(ZoneInfo(zone))
        self.update()

    # -- geometry ---------------------------------------------------------------------------

    def _header(self) -> int:
        return self.fontMetrics().height() * 2 + 10

    def _gutter(self) -> int:
        return self.fontMetrics().horizontalAdvance("00:00") + 14

    def _day_width(self) -> float:
        return (self.width() - self._gutter() - 1) / 7

    def _hour_height(self) -> float:
        return max(MIN_HOUR_HEIGHT, (self.height() - self._header() - 1) / (LAST_HOUR - FIRST_HOUR))

    def _y(self, hours: float) -> float:
        return self._header() + (hours - FIRST_HOUR) * self._hour_height()

    def _x(self, day: int) -> float:
        return self._gutter() + day * self._day_width()

    def sizeHint(self) -> QSize:  # override
        return QSize(self._gutter() + 7 * 130, self._header() + (LAST_HOUR - FIRST_HOUR) * 44)

    def _layout_blocks(self) -> None:
        width = self._day_width()
        for block in self.blocks:
            lane_width = (width - 6) / block.lanes
            left = self._x(block.day) + 2 + block.lane * lane_width
            top, bottom = self._y(block.top), self._y(block.bottom)
            block.rect = QRectF(left, top + 1, lane_width - 2, max(bottom - top - 2, 6))

    def block_at(self, point: QPointF) -> Block | None:
        self._layout_blocks()
        for block in reversed(self.blocks):  # the one painted last is on top
            if block.rect is not None and block.rect.contains(point):
                return block
        return None

    def slot_at(self, point: QPointF) -> datetime | None:
        """The wall-clock half hour under ``point`` (None outside the day columns)."""
        if point.x() < self._gutter() or point.y() < self._header():
            return None
        day = min(int((point.x() - self._gutter()) // self._day_width()), 6)
        hours = FIRST_HOUR + (point.y() - self._header()) / self._hour_height()
        half_hours = int(hours * 2)
        if not FIRST_HOUR * 2 <= half_hours < LAST_HOUR * 2:
            return None
        current = self.monday + timedelta(days=day)
        return datetime(current.year, current.month, current.day) + timedelta(
            minutes=30 * half_hours
        )

    # -- painting ---------------------------------------------------------------------------

    def paintEvent(self, event) -> None:  # override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        self._paint_grid(painter, palette)
        self._layout_blocks()
        for block in self.blocks:
            self._paint_block(painter, palette, block)
        self._paint_now(painter)
        painter.end()

    def _paint_grid(self, painter: QPainter, palette: QPalette) -> None:
        line = palette.color(QPalette.ColorRole.Mid)
        text = palette.color(QPalette.ColorRole.Text)
        faint = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        header, bottom = self._header(), self._y(LAST_HOUR)
        for day in range(7):
            current = self.monday + timedelta(days=day)
            x = self._x(day)
            if current == self.today:
                tint = QColor(palette.color(QPalette.ColorRole.Highlight))
                tint.setAlpha(28)
                painter.fillRect(QRectF(x, 0, self._day_width(), bottom), tint)
            elif day >= 5:
                painter.fillRect(
                    QRectF(x, header, self._day_width(), bottom - header),
                    palette.color(QPalette.ColorRole.AlternateBase),
                )
            font = QFont(self.font())
            font.setBold(current == self.today)
            painter.setFont(font)
            painter.setPen(text)
            area = QRectF(x, 2, self._day_width(), header - 4)
            painter.drawText(
                area,
                Qt.AlignmentFlag.AlignCenter,
                "{}\n{}".format(
                    babel_date(current, format="EEEE", locale=locale_name()),
                    babel_date(current, format="d MMM", locale=locale_name()),
                ),
            )
        painter.setFont(self.font())
        for hour in range(FIRST_HOUR, LAST_HOUR + 1):
            y = self._y(hour)
            painter.setPen(QPen(line, 1))
            painter.drawLine(QPointF(self._gutter(), y), QPointF(self.width(), y))
            if hour < LAST_HOUR:
                painter.setPen(faint)
                painter.drawText(
                    QRectF(0, y + 1, self._gutter() - 6, self.fontMetrics().height()),
                    Qt.AlignmentFlag.AlignRight,
                    f"{hour:02d}:00",
                )
                painter.setPen(QPen(line, 1, Qt.PenStyle.DotLine))
                half = y + self._hour_height() / 2
                painter.drawLine(QPointF(self._gutter(), half), QPointF(self.width(), half))
        painter.setPen(QPen(line, 1))
        for day in range(8):
            x = self._x(day)
            painter.drawLine(QPointF(x, 0), QPointF(x, bottom))

    def _paint_block(self, painter: QPainter, palette: QPalette, block: Block) -> None:
        accent = palette.color(QPalette.ColorRole.Highlight)
        fill = QColor(accent)
        fill.setAlpha(110 if block is self.current else 45)
        painter.setPen(QPen(accent, 2.5 if block is self.current else 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(block.rect, 4, 4)
        painter.fillRect(
            QRectF(block.rect.left(), block.rect.top(), 4, block.rect.height()), accent
        )
        inner = block.rect.adjusted(7, 2, -3, -2)
        metrics = self.fontMetrics()
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        lines = self.block_lines(block)
        if inner.height() < 2 * metrics.height():  # room for one line: time and subject
            start = lines[0].split("–")[0]
            lines = [f"{start}  {lines[1]}"]
        y = inner.top()
        bold = QFont(self.font())
        bold.setBold(True)
        for number, text in enumerate(lines):
            if y + metrics.height() > inner.bottom() + 2 and number > 0:
                break
            painter.setFont(bold if number == 1 or len(lines) == 1 else self.font())
            shown = painter.fontMetrics().elidedText(
                text, Qt.TextElideMode.ElideRight, int(inner.width())
            )
            painter.drawText(
                QRectF(inner.left(), y, inner.width(), metrics.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                shown,
            )
            y += metrics.height()
        painter.setFont(self.font())

    def block_lines(self, block: Block) -> list[str]:
        """What a block says: time, subject, customer, place (as far as there is room)."""
        row = block.appointment
        lines = [self.day_time_text(block), row.subject]
        customer = customer_label("", row.customer_name)
        if customer:
            lines.append(customer)
        if row.location:
            lines.append(row.location)
        return lines

    def day_time_text(self, block: Block) -> str:
        """The time as this day's block needs it: a fair shows "from 09:00" on its first
        day, "all day" in between and "until 18:00" on its last."""
        tz = ZoneInfo(self.zone)
        row = block.appointment
        start, end = row.starts_at.astimezone(tz), row.ends_at.astimezone(tz)
        day = self.monday + timedelta(days=block.day)
        if start.date() == end.date():
            return self.time_text(row)
        locale = locale_name()
        if start.date() == day:
            return self.tr("from {time}").format(
                time=babel_time(start, format="short", locale=locale)
            )
        ends_today = end.date() == day and (end.hour, end.minute) != (0, 0)
        if ends_today:
            return self.tr("until {time}").format(
                time=babel_time(end, format="short", locale=locale)
            )
        return self.tr("all day")

    def time_text(self, row: AppointmentRow) -> str:
        tz = ZoneInfo(self.zone)
        start, end = row.starts_at.astimezone(tz), row.ends_at.astimezone(tz)
        text = "{}–{}".format(
            babel_time(start, format="short", locale=locale_name()),
            babel_time(end, format="short", locale=locale_name()),
        )
        if start.date() != end.date():
            text = "{} – {}".format(
                babel_date(start, format="EEE d MMM", locale=locale_name())
                + " "
                + babel_time(start, format="short", locale=locale_name()),
                babel_date(end, format="EEE d MMM", locale=locale_name())
                + " "
                + babel_time(end, format="short", locale=locale_name()),
            )
        return text

    def _paint_now(self, painter: QPainter) -> None:
        if self.now is None or not 0 <= (self.now.date() - self.monday).days < 7:
            return
        hours = _hours(self.now)
        if not FIRST_HOUR <= hours <= LAST_HOUR:
            return
        day = (self.now.date() - self.monday).days
        y = self._y(hours)
        painter.setPen(QPen(NOW_RED, 2))
        painter.drawLine(QPointF(self._x(day), y), QPointF(self._x(day + 1), y))
        painter.setBrush(NOW_RED)
        painter.drawEllipse(QPointF(self._x(day), y), 3.5, 3.5)

    # -- mouse and keyboard -----------------------------------------------------------------

    def mousePressEvent(self, event) -> None:  # override
        self.current = self.block_at(event.position())
        self.update()
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:  # override
        block = self.block_at(event.position())
        if block is not None:
            self.sig_open.emit(block.appointment.id)
            return
        slot = self.slot_at(event.position())
        if slot is not None:
            self.sig_new.emit(slot)

    def keyPressEvent(self, event) -> None:  # override
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.current is not None:
            self.sig_open.emit(self.current.appointment.id)
            return
        steps = {Qt.Key.Key_Right: 1, Qt.Key.Key_Down: 1, Qt.Key.Key_Left: -1, Qt.Key.Key_Up: -1}
        if key in steps and self.blocks:
            ordered = sorted(self.blocks, key=lambda b: (b.day, b.top, b.lane))
            index = ordered.index(self.current) + steps[key] if self.current in ordered else 0
            self.current = ordered[max(0, min(index, len(ordered) - 1))]
            self.update()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event) -> None:  # override
        self._layout_blocks()
        if event.reason() == event.Reason.Keyboard:  # the menu key: the chosen block
            block = self.current
            where = self.mapToGlobal(block.rect.center().toPoint()) if block else None
        else:
            block = self.block_at(QPointF(event.pos()))
            where = event.globalPos()
        if block is None:
            return
        self.current = block
        self.update()
        self.sig_menu.emit(block.appointment.id, where)

    def event(self, event) -> bool:  # override
        if event.type() == event.Type.ToolTip:
            block = self.block_at(QPointF(event.pos()))
            if block is None:
                QToolTip.hideText()
            else:
                lines = self.block_lines(block)
                lines[0] = self.time_text(block.appointment)  # the whole span
                QToolTip.showText(event.globalPos(), "\n".join(lines), self)
            return True
        return super().event(event)


class CalendarView(QWidget):
    """The week view page: navigation, whose appointments, the grid."""

    sig_changed = Signal()  # an appointment was planned, changed or cancelled here
    opener: Opener | None = None  # opens the .ics of "Add to my calendar" (tests: their own)

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self._store = store
        self.zone = local_zone_name()
        self.monday = monday_of(date.today())
        self.rows: list[AppointmentRow] = []
        self.dialog = None
        self.menu: QMenu | None = None
        self._loaded = False
        self.grid = WeekGrid(self)
        self.title = QLabel(self)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.title.setFont(font)
        self.scope = QComboBox(self)
        self.scope.setToolTip(self.tr("Whose appointments"))
        self.scope.setAccessibleName(self.tr("Whose appointments"))
        self.buttons = self._buttons()
        self._fill_scope()
        self._build()
        self.grid.sig_open.connect(self.open_appointment)
        self.grid.sig_new.connect(self.new_appointment)
        self.grid.sig_menu.connect(self._context_menu)
        self.scope.currentIndexChanged.connect(self.refresh)
        self._minute = QTimer(self, interval=60_000)  # moves the "now" line along
        self._minute.timeout.connect(self.grid.update)

    def _buttons(self) -> dict[str, QPushButton]:
        specs = {
            "previous": (self.tr("Previous week"), "back", self.tr("Show the week before")),
            "today": (self.tr("This week"), "calendar", self.tr("Back to the current week")),
            "next": (self.tr("Next week"), "forward", self.tr("Show the week after")),
            "new": (
                self.tr("New appointment…"),
                "add",
                self.tr("Plan an appointment (or double-click a free time in the week)"),
            ),
            "export": (
                self.tr("Export week as .ics…"),
                "export",
                self.tr(
                    "Save the appointments shown as a calendar file (.ics) for Outlook, "
                    "Apple Calendar or Thunderbird"
                ),
            ),
        }
        buttons = {}
        for name, (text, icon_name, tip) in specs.items():
            button = QPushButton(icon(icon_name), text, self)
            button.setToolTip(tip)
            buttons[name] = button
        buttons["next"].setLayoutDirection(Qt.LayoutDirection.RightToLeft)  # icon after text
        buttons["previous"].clicked.connect(lambda: self.show_week(self.monday - timedelta(7)))
        buttons["next"].clicked.connect(lambda: self.show_week(self.monday + timedelta(7)))
        buttons["today"].clicked.connect(lambda: self.show_week(date.today()))
        buttons["new"].clicked.connect(lambda: self.new_appointment(None))
        buttons["export"].clicked.connect(self.ask_export_week)
        return buttons

    def _fill_scope(self) -> None:
        self.scope.addItem(self.tr("My appointments"), "me")
        self.scope.addItem(self.tr("Everyone's appointments"), "all")
        for entry in users(self._store.reader()):
            if entry.code != self._store.user:
                self.scope.addItem(entry.name, str(entry.id))

    def _build(self) -> None:
        top = QHBoxLayout()
        for name in ("previous", "today", "next"):
            top.addWidget(self.buttons[name])
        top.addSpacing(12)
        top.addWidget(self.title, 1)
        top.addWidget(self.scope)
        top.addWidget(self.buttons["new"])
        top.addWidget(self.buttons["export"])
        scroll = QScrollArea(self)
        scroll.setWidget(self.grid)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)

    # -- reading --------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        """Read from the store at least once (else it reads when first shown)."""
        return self._loaded

    def showEvent(self, event) -> None:  # override
        super().showEvent(event)
        self._minute.start()
        if not self._loaded:
            self.refresh()

    def hideEvent(self, event) -> None:  # override
        self._minute.stop()
        super().hideEvent(event)

    def show_week(self, day: date) -> None:
        self.monday = monday_of(day)
        self.refresh()

    def _organizer(self) -> uuid.UUID | None | bool:
        chosen = self.scope.currentData()
        if chosen == "all":
            return None
        if chosen == "me":
            return user_id_for_login(self._store.reader(), self._store.user) or False
        return uuid.UUID(chosen)

    def refresh(self) -> None:
        start, end = week_bounds(self.monday, self.zone)
        organizer = self._organizer()
        self.rows = (
            []
            if organizer is False
            else appointments_between(self._store.reader(), start, end, organizer_id=organizer)
        )
        self._loaded = True
        sunday = self.monday + timedelta(days=6)
        self.title.setText(
            self.tr("Week {week}: {dates}").format(
                week=self.monday.isocalendar().week,
                dates=format_interval(self.monday, sunday, "yMMMd", locale=locale_name()),
            )
        )
        self.grid.set_week(self.monday, self.rows, self.zone)

    # -- opening ----------------------------------------------------------------------------

    def open_appointment(self, appointment_id: uuid.UUID) -> None:
        from salesdesk.ui.dialogs.appointment_edit import AppointmentDialog

        try:
            dialog = AppointmentDialog(self._store, appointment_id, self)
        except DomainError:
            self.refresh()  # gone meanwhile
            return
        self._open_dialog(dialog)

    def new_appointment(self, start: datetime | None = None) -> None:
        from salesdesk.ui.dialogs.appointment_edit import AppointmentDialog

        self._open_dialog(
            AppointmentDialog(
                self._store, None, self, start=start, zone=self.zone if start else None
            )
        )

    def _context_menu(self, appointment_id: uuid.UUID, where: QPoint) -> None:
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction(
            icon("open"), self.tr("Open…"), lambda: self.open_appointment(appointment_id)
        )
        menu.addAction(
            icon("calendar"),
            self.tr("Add to my calendar"),
            lambda: self.add_to_calendar(appointment_id),
        )
        self.menu = menu  # for tests
        menu.popup(where)

    def _open_dialog(self, dialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(self._saved)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _saved(self) -> None:
        self.refresh()
        self.sig_changed.emit()

    # -- calendar files ---------------------------------------------------------------------

    def add_to_calendar(self, appointment_id: uuid.UUID):
        """Hand the appointment to the system's calendar program as an .ics file."""
        return add_to_calendar(self, self._store, appointment_id, self.opener)

    def ask_export_week(self):
        """The week shown, whose appointments the view shows, to an .ics file the user
        chooses; returns the file written."""
        organizer = self._organizer()
        if organizer is False:  # "me" before this store knows me: nobody's appointments
            organizer = uuid.UUID(int=0)
        monday, zone = self.monday, self.zone
        return export_ics(
            self,
            self._store,
            self.tr("Export week as .ics"),
            week_file_name(monday),
            lambda session, _kind: week_ics(session, organizer, monday, zone),
        )
