"""Customers around a place: a place (customer number, address, city or coordinates), a radius,
the customers found nearest first; a route list for Excel; geocoding the addresses that
have no coordinates yet, in the background with progress and Cancel."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

from babel.numbers import format_decimal
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QSortFilterProxyModel,
    QStandardPaths,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError
from salesdesk.services.geo import (
    Place,
    count_missing_coordinates,
    prepare_places,
    resolve_place,
)
from salesdesk.services.radius import NearCustomer, NearResult, customers_near
from salesdesk.store.engine import Store
from salesdesk.ui.clipboard import copy_selection
from salesdesk.ui.formatting import format_count, locale_name
from salesdesk.ui.icons import icon
from salesdesk.ui.ops import Op, read_pool, write_pool
from salesdesk.ui.views.empty_state import EmptyState
from salesdesk.ui.views.progress_panel import ProgressPanel

ERROR_STYLE = "color: #c62828;"
_ROOT = QModelIndex()
DEFAULT_RADIUS_KM = 25.0
MAX_RADIUS_KM = 20_000.0  # half the globe: everything


def format_distance(km: float) -> str:
    """12.345 → "12.3 km" (en) or "12,3 km" (de)."""
    return f"{format_decimal(km, format='#,##0.0', locale=locale_name())} km"


def format_radius(km: float) -> str:
    return f"{format_decimal(km, format='#,##0.#', locale=locale_name())} km"


class NearTableModel(QAbstractTableModel):
    """The customers found: number, name, postal code, city, country, distance."""

    COLUMNS = ("number", "name", "postal_code", "city", "country", "distance_km")
    SORT_ROLE = Qt.ItemDataRole.UserRole

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: NearResult | list = []  # a search's NearResult (empty list before one)

    def headers(self) -> list[str]:
        return [
            self.tr("Customer number"),
            self.tr("Name"),
            self.tr("Postal code"),
            self.tr("City"),
            self.tr("Country"),
            self.tr("Distance"),
        ]

    def set_rows(self, rows) -> None:
        """The rows of a search (a NearResult: each row's name and place are read when it
        is first shown; distance and number, which sort, are known at once)."""
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def _cheap(self, index: int, key: str):
        """Distance or number of a row without reading the row (NearResult knows them)."""
        if key == "distance_km":
            return self.rows.distance_km(index)
        return self.rows.number(index).casefold()

    def rowCount(self, parent: QModelIndex = _ROOT) -> int:  # override
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = _ROOT) -> int:  # override
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # override
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers()[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):  # override
        if not index.isValid():
            return None
        key = self.COLUMNS[index.column()]
        if role == self.SORT_ROLE and key in ("distance_km", "number"):
            return self._cheap(index.row(), key)  # sorting must not read every row
        if role == Qt.ItemDataRole.DisplayRole and key == "distance_km":
            return format_distance(self._cheap(index.row(), key))
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return getattr(row, key)
        if role == self.SORT_ROLE:
            return str(getattr(row, key)).casefold()
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "distance_km":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and key == "city":
            return self.tr("Nearest address: {kind}").format(kind=_kind_label(row.address_kind))
        return None


def _kind_label(kind: str) -> str:
    from salesdesk.domain.customer import AddressKind

    try:
        return AddressKind(kind).label
    except ValueError:
        return kind


class RadiusSearchView(QWidget):
    """Find customers around a place; Enter or double-click opens a customer."""

    sig_open_customer = Signal(object)  # customer id (uuid.UUID)
    sig_message = Signal(str)  # a quiet line for the status bar

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self._store = store
        self.place: Place | None = None
        self.radius_km: float | None = None
        self.op: Op | None = None
        self._warmed = False
        self._build()

    # -- building -------------------------------------------------------------------------

    def _build(self) -> None:
        self.place_label = QLabel(self.tr("&Place"), self)
        self.place_edit = QLineEdit(self)
        self.place_edit.setPlaceholderText(
            self.tr(
                "Customer number, address, city or coordinates, e.g. K-000001, "
                "Marienplatz 1, 80331 München, München or 48.137, 11.575"
            )
        )
        self.place_edit.setToolTip(
            self.tr(
                "Where to search around: a customer number (its main address), a city, or "
                "coordinates as latitude, longitude"
            )
        )
        self.place_edit.setClearButtonEnabled(True)
        self.place_edit.setMinimumWidth(self.fontMetrics().averageCharWidth() * 40)
        self.place_label.setBuddy(self.place_edit)
        self.radius_label = QLabel(self.tr("&Radius (km)"), self)
        self.radius_spin = QDoubleSpinBox(self)
        self.radius_spin.setRange(0.1, MAX_RADIUS_KM)
        self.radius_spin.setDecimals(1)
        self.radius_spin.setSingleStep(5.0)
        self.radius_spin.setValue(DEFAULT_RADIUS_KM)
        self.radius_spin.setSuffix(" km")
        self.radius_spin.setToolTip(self.tr("Distance in kilometres, as the crow flies"))
        self.radius_label.setBuddy(self.radius_spin)
        self.search_button = QPushButton(icon("search"), self.tr("Search"), self)
        self.search_button.setToolTip(self.tr("Find the customers within the radius (Enter)"))
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.run_search)
        self.place_edit.returnPressed.connect(self.run_search)
        self.radius_spin.lineEdit().returnPressed.connect(self.run_search)

        self.error_label = QLabel(self)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()

        self.model = NearTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(NearTableModel.SORT_ROLE)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(
            NearTableModel.COLUMNS.index("distance_km"), Qt.SortOrder.AscendingOrder
        )
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        # room for the typical content and always for the header text; the name takes
        # what is left
        metrics = header.fontMetrics()
        char = metrics.averageCharWidth()
        for column, (title, chars) in enumerate(
            zip(self.model.headers(), (10, 36, 8, 22, 4, 9), strict=True)
        ):
            header.resizeSection(column, max(char * chars, metrics.horizontalAdvance(title) + 28))
        header.setSectionResizeMode(
            NearTableModel.COLUMNS.index("name"), QHeaderView.ResizeMode.Stretch
        )
        self.table.doubleClicked.connect(self._open_index)
        # only while the table has focus (set explicitly: PySide6 6.12 ignores the context
        # argument of QShortcut's functor constructor, and Enter in the place field must
        # search, not open the selected customer)
        for keys, slot in (
            (QKeySequence(Qt.Key.Key_Return), self.open_current),
            (QKeySequence(Qt.Key.Key_Enter), self.open_current),
            (QKeySequence(QKeySequence.StandardKey.Copy), lambda: copy_selection(self.table)),
        ):
            shortcut = QShortcut(keys, self.table, slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)

        self.start_page = EmptyState(
            "radius",
            self.tr("Find customers around a place"),
            self.tr(
                "Enter a customer number, an address, a city or coordinates and a radius, then "
                "press Search. "
                "You get the customers with an address within the radius, nearest first, and can "
                "export them as a route list for Excel."
            ),
            self,
        )
        self.none_page = EmptyState("search", self.tr("No customers in this area"), "", self)
        self.none_page.add_button(
            "wider",
            self.tr("Double the radius"),
            "radius",
            self.tr("Search again with twice the radius"),
        ).clicked.connect(self.widen)
        self.pages = QStackedWidget(self)
        for page in (self.start_page, self.none_page, self.table):
            self.pages.addWidget(page)
        self.pages.setCurrentWidget(self.start_page)

        self.count_label = QLabel(self)
        self.count_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = QLabel(self)  # what the last export or geocoding did
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.geocode_button = QPushButton(icon("radius"), self.tr("Geocode addresses…"), self)
        self.geocode_button.setToolTip(
            self.tr("Find coordinates for the addresses that have none yet (in the background)")
        )
        self.geocode_button.clicked.connect(self.ask_geocoding)
        self.export_button = QPushButton(icon("export"), self.tr("Export for route…"), self)
        self.export_button.setToolTip(
            self.tr("Save the customers found as an Excel route list, nearest first")
        )
        self.export_button.clicked.connect(self.ask_export)
        self.export_button.setEnabled(False)
        self.progress = ProgressPanel(self)

        top = QHBoxLayout()
        top.addWidget(self.place_label)
        top.addWidget(self.place_edit, 3)
        top.addSpacing(12)
        top.addWidget(self.radius_label)
        top.addWidget(self.radius_spin)
        top.addWidget(self.search_button)
        top.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label)
        bottom.addSpacing(12)
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.progress)
        bottom.addWidget(self.geocode_button)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.error_label)
        layout.addWidget(self.pages, 1)
        layout.addLayout(bottom)
        self.setFocusProxy(self.place_edit)

    def showEvent(self, event) -> None:  # override
        super().showEvent(event)
        if not self._warmed:  # the city data loads off the GUI thread before the first use
            self._warmed = True
            read_pool().start(prepare_places)

    # -- searching ------------------------------------------------------------------------

    def search(self, place: str, radius_km: float) -> list[NearCustomer] | None:
        """Search around ``place`` (as typed into the field); the rows found, or None when
        the place or radius is not valid (the error is shown above the list)."""
        self.place_edit.setText(place)
        self.radius_spin.setValue(radius_km)
        return self.run_search()

    def run_search(self) -> list[NearCustomer] | None:
        text, radius = self.place_edit.text().strip(), self.radius_spin.value()
        reader = self._store.reader()
        try:
            place = resolve_place(reader, text)
            rows = customers_near(reader, place.latitude, place.longitude, radius)
        except DomainError as exc:
            self._show_error(str(exc))
            return None
        self._show_error("")
        self.place, self.radius_km = place, radius
        self.model.set_rows(rows)
        self.export_button.setEnabled(bool(rows))
        if rows:
            self.pages.setCurrentWidget(self.table)
            self.table.sortByColumn(
                NearTableModel.COLUMNS.index("distance_km"), Qt.SortOrder.AscendingOrder
            )
            self.table.selectRow(0)
            text = (
                self.tr("1 customer within {radius} of {place}")
                if len(rows) == 1
                else self.tr("{count} customers within {radius} of {place}")
            )
        else:
            self.none_page.message.setText(
                self.tr(
                    "No customer has an address within {radius} of {place}. Try a larger "
                    "radius, or geocode the addresses that have no coordinates yet."
                ).format(radius=format_radius(radius), place=place.label)
            )
            self.pages.setCurrentWidget(self.none_page)
            text = self.tr("No customers within {radius} of {place}")
        self.count_label.setText(
            text.format(
                count=format_count(len(rows)), radius=format_radius(radius), place=place.label
            )
        )
        return rows

    def widen(self) -> None:
        self.radius_spin.setValue(min(MAX_RADIUS_KM, self.radius_spin.value() * 2))
        self.run_search()

    def refresh(self) -> None:
        """F5: search again (addresses may have moved)."""
        if self.place is not None:
            self.run_search()

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def is_empty_state(self) -> bool:
        return self.pages.currentWidget() is self.start_page

    def empty_text(self) -> str:
        page = self.pages.currentWidget()
        return page.text() if isinstance(page, EmptyState) else ""

    # -- rows -------------------------------------------------------------------------------

    def shown_rows(self) -> list[NearCustomer]:
        """The rows in the order the table shows them."""
        return [
            self.model.rows[self.proxy.mapToSource(self.proxy.index(r, 0)).row()]
            for r in range(self.proxy.rowCount())
        ]

    def current_customer_id(self) -> uuid.UUID | None:
        row = self._row(self.table.currentIndex())
        return row.customer_id if row else None

    def _row(self, index: QModelIndex) -> NearCustomer | None:
        if not index.isValid():
            return None
        return self.model.rows[self.proxy.mapToSource(index).row()]

    def open_current(self) -> None:
        self._open_index(self.table.currentIndex())

    def _open_index(self, index: QModelIndex) -> None:
        row = self._row(index)
        if row is not None:
            self.sig_open_customer.emit(row.customer_id)

    # -- export -----------------------------------------------------------------------------

    def ask_export(self) -> None:
        if not self.model.rows or self.place is None:
            return
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        ) or str(Path.home())
        suggested = str(Path(folder) / f"route-{date.today():%Y-%m-%d}.xlsx")
        name, _chosen = QFileDialog.getSaveFileName(
            self, self.tr("Export for route"), suggested, self.tr("Excel workbook (*.xlsx)")
        )
        if name:
            path = Path(name)
            if path.suffix.lower() != ".xlsx":
                path = path.with_suffix(".xlsx")
            self.export_to(path)

    def export_to(self, path: Path) -> Op | None:
        """Write the rows shown (in their order) as a route list, in the background."""
        if self.op is not None or self.place is None:
            return None
        from salesdesk.services.radius import export_near

        rows, place, radius, store = (
            self.shown_rows(),
            self.place.label,
            self.radius_km,
            self._store,
        )

        def work(progress, cancel):
            with store.session() as session:
                return export_near(session, path, rows, place=place, radius_km=radius)

        def exported(count: int) -> None:
            self._message(
                self.tr("Exported {count} customers to {file}").format(
                    count=format_count(count), file=path
                )
            )

        return self._start(
            Op(work, self),
            self.tr("Exporting to {file}…").format(file=path.name),
            read_pool(),
            exported,
        )

    # -- geocoding ----------------------------------------------------------------------------

    def ask_geocoding(self) -> None:
        missing = count_missing_coordinates(self._store.reader())
        if missing == 0:
            self._message(self.tr("Every address has coordinates already."))
            return
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self,
            self.tr("Geocode addresses"),
            self.tr(
                "{count} addresses have no coordinates yet, so the radius search cannot "
                "find them. Find their coordinates now? The geocoding service set in the "
                "settings is asked first; without one, or when it fails, an address is "
                "placed at the centre of its city. You can keep working meanwhile and "
                "cancel at any time; what is done by then is kept."
            ).format(count=format_count(missing)),
            buttons.Yes | buttons.Cancel,
            buttons.Yes,
        )
        if answer == buttons.Yes:
            self.start_geocoding()

    def start_geocoding(self, only_missing: bool = True) -> Op | None:
        """Geocode addresses off the GUI thread; progress and Cancel below the list."""
        if self.op is not None:
            return None
        from salesdesk.services.geo import geocode_addresses

        store = self._store

        def work(progress, cancel):
            return geocode_addresses(
                store, only_missing=only_missing, progress=progress, cancelled=cancel
            )

        def geocoded(summary) -> None:
            self._message(summary.summary())
            self.refresh()

        op = self._start(Op(work, self), self.tr("Geocoding addresses…"), write_pool(), geocoded)
        self.progress.cancel_button.setToolTip(
            self.tr("Stop geocoding; the addresses done so far keep their coordinates")
        )
        return op

    # -- running ------------------------------------------------------------------------------

    def _start(self, op: Op, text: str, pool, on_success) -> Op:
        self.op = op
        op.sig_succeeded.connect(on_success)
        op.sig_failed.connect(self._failed)
        op.sig_finished.connect(self._finished)
        self.progress.track(op, text)
        self._set_busy(True)
        return op.start(pool)

    def _failed(self, exc: Exception) -> None:
        text = (
            str(exc)
            if isinstance(exc, DomainError | OSError)
            else self.tr(
                "Something went wrong ({kind}: {detail}). The details are in the log file "
                "(Help → Open log file)."
            ).format(kind=type(exc).__name__, detail=exc)
        )
        self._show_error(text)

    def _finished(self) -> None:
        self.op = None
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        self.geocode_button.setEnabled(not busy)
        self.export_button.setEnabled(not busy and bool(self.model.rows))

    def _message(self, text: str) -> None:
        self.status_label.setText(text)
        self.sig_message.emit(text)

    def cancel_and_wait(self, msecs: int = 15000) -> None:
        """Before closing: stop running work and let it end."""
        if self.op is not None:
            self.op.cancel()
            for pool in (write_pool(), read_pool()):
                pool.waitForDone(msecs)
