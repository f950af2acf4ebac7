"""New or changed distribution list: name, channel, address, contact role and the filter.

The form is built in code (its multi-choice fields have no Designer widget). The fields
of the filter are named like the criteria keys of domain/mailing.py, so a rule broken
in the criteria is shown beside its field. Criteria the form cannot edit (``tags``
written by other tools) are kept as they were.
"""

import uuid

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.customer import ConsentChannel, CustomerStatus
from salesdesk.domain.errors import DomainError, FieldError, ValidationFailed
from salesdesk.domain.geo import format_coordinates
from salesdesk.domain.mailing import (
    MAILING_ADDRESS_KINDS,
    Criteria,
    ListKind,
    check_list,
    format_postal_ranges,
    list_record,
    parse_countries_text,
    parse_postal_ranges_text,
)
from salesdesk.services import distribution_lists as dl
from salesdesk.services import lookups
from salesdesk.services.recipients import matching_customers
from salesdesk.store.engine import Store
from salesdesk.ui.dialogs.form_dialog import FormDialog
from salesdesk.ui.forms import fill_combo
from salesdesk.ui.pickers import SegmentsEdit

LIST_FIELDS = ("name", "description", "kind", "channel", "address_kind", "contact_role")
CRITERIA_FIELDS = (
    "statuses",
    "customer_group_ids",
    "territory_ids",
    "representative_ids",
    "segments",
    "postal_code_ranges",
    "countries",
    "near",
    "last_contact_before",
    "last_contact_after",
)
PREVIEW_DELAY_MS = 300
DEFAULT_RADIUS_KM = 50.0


class ChoiceList(QListWidget):
    """Several entries ticked in a short list (groups, territories, representatives)."""

    sig_edited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setMaximumHeight(self.fontMetrics().height() * 6)
        self.itemChanged.connect(lambda _item: self.sig_edited.emit())

    def set_items(self, items: list[tuple[str, object]]) -> None:
        self.blockSignals(True)
        self.clear()
        for label, data in items:
            self._add(label, data)
        self.blockSignals(False)

    def _add(self, label: str, data: object) -> QListWidgetItem:
        item = QListWidgetItem(label, self)
        item.setData(Qt.ItemDataRole.UserRole, data)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        return item

    def field_value(self) -> list:
        return [
            self.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.count())
            if self.item(row).checkState() == Qt.CheckState.Checked
        ]

    def set_field_value(self, value) -> None:
        wanted = list(value or ())
        self.blockSignals(True)
        known = {
            self.item(row).data(Qt.ItemDataRole.UserRole): self.item(row)
            for row in range(self.count())
        }
        for data in wanted:
            if data not in known:  # no longer offered (deleted): still shown, still ticked
                known[data] = self._add(
                    self.tr("(unknown {key})").format(key=str(getattr(data, "hex", data))[:8]), data
                )
        for data, item in known.items():
            item.setCheckState(Qt.CheckState.Checked if data in wanted else Qt.CheckState.Unchecked)
        self.blockSignals(False)

    def check(self, data: object, checked: bool = True) -> None:
        for row in range(self.count()):
            if self.item(row).data(Qt.ItemDataRole.UserRole) == data:
                self.item(row).setCheckState(
                    Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
                )


class StatusChoice(QWidget):
    """The customer statuses as a row of check boxes."""

    sig_edited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for status in CustomerStatus:
            box = QCheckBox(status.label, self)
            box.toggled.connect(lambda _on: self.sig_edited.emit())
            layout.addWidget(box)
            self.boxes[status.value] = box
        layout.addStretch(1)

    def field_value(self) -> list[str]:
        return [value for value, box in self.boxes.items() if box.isChecked()]

    def set_field_value(self, value) -> None:
        for key, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(key in (value or ()))
            box.blockSignals(False)


class NearEdit(QWidget):
    """A place and a radius; Find (or leaving the field) looks the place up."""

    sig_edited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._source = None
        self._found: tuple[float, float] | None = None
        self._found_for = ""
        self.place = QLineEdit(self)
        self.place.setObjectName("near_place")
        self.place.setPlaceholderText(self.tr("City, customer number or coordinates"))
        self.place.setMinimumWidth(self.place.fontMetrics().horizontalAdvance(
            self.place.placeholderText()) + 24)
        self.radius = QDoubleSpinBox(self)
        self.radius.setObjectName("near_radius")
        self.radius.setRange(0.5, 2000)
        self.radius.setDecimals(1)
        self.radius.setValue(DEFAULT_RADIUS_KM)
        self.radius.setSuffix(" km")
        self.find = QPushButton(self.tr("Find"), self)
        self.find.setToolTip(self.tr("Look the place up to get its coordinates"))
        self.result = QLabel(self)
        self.result.setEnabled(False)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.place, 1)
        row.addWidget(QLabel(self.tr("within"), self))
        row.addWidget(self.radius)
        row.addWidget(self.find)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.result)
        self.place.textChanged.connect(self._typed)
        self.place.editingFinished.connect(self.resolve)
        self.find.clicked.connect(self.resolve)
        self.radius.valueChanged.connect(lambda _v: self.sig_edited.emit())

    def set_source(self, source) -> None:
        """Where to look places up (``Store.reader``)."""
        self._source = source

    def _typed(self, text: str) -> None:
        if text.strip() != self._found_for:
            self._found = None
            self.result.setText("")
        self.sig_edited.emit()

    def resolve(self) -> bool:
        """Find the typed place's coordinates; False (and a note) when it is not found."""
        text = self.place.text().strip()
        if not text or (self._found is not None and text == self._found_for):
            return self._found is not None
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            found, label = _resolve(self._source, text)
        except DomainError as exc:
            found, label = None, str(exc)
        finally:
            QGuiApplication.restoreOverrideCursor()
        self._found, self._found_for = found, text
        if found is None:
            self.result.setText(label or self.tr("“{place}” was not found.").format(place=text))
        else:
            self.result.setText(
                self.tr("{place}: {coordinates}").format(
                    place=label or text, coordinates=format_coordinates(*found)
                )
            )
        self.sig_edited.emit()
        return found is not None

    def field_value(self) -> dict | None:
        text = self.place.text().strip()
        if not text:
            return None
        lat, lon = self._found if self._found is not None else (None, None)
        return {"place": text, "lat": lat, "lon": lon, "radius_km": self.radius.value()}

    def set_field_value(self, value) -> None:
        self.blockSignals(True)
        value = value.to_json() if hasattr(value, "to_json") else (value or {})
        self.place.setText(value.get("place", "") if value else "")
        self.radius.setValue(value.get("radius_km") or DEFAULT_RADIUS_KM)
        if value and value.get("lat") is not None and value.get("lon") is not None:
            self._found = (value["lat"], value["lon"])
            self._found_for = self.place.text().strip()
            self.result.setText(
                self.tr("{place}: {coordinates}").format(
                    place=self._found_for, coordinates=format_coordinates(*self._found)
                )
            )
        else:
            self._found, self._found_for = None, ""
            self.result.setText("")
        self.blockSignals(False)


def _resolve(source, text: str) -> tuple[tuple[float, float], str]:
    """A city, a customer number or "lat, lon" (services/geo.py); DomainError if unknown."""
    from salesdesk.services.geo import resolve_place

    place = resolve_place(source() if callable(source) else source, text)
    return (place.latitude, place.longitude), place.label


class DistributionListDialog(FormDialog):
    """Create a list (``list_id`` None) or change one; ``saved_id`` tells which was saved."""

    FIELDS = LIST_FIELDS + CRITERIA_FIELDS
    REQUIRED = ("name",)
    WIDE = {"name": 40, "postal_code_ranges": 40}

    def __init__(
        self, store: Store, list_id: uuid.UUID | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.store, self.list_id = store, list_id
        self.saved_id: uuid.UUID | None = None
        self._kept: dict = {}  # criteria the form does not edit
        reader = store.reader()
        fill_combo(self.field("kind"), [(k.label, k.value) for k in ListKind])
        fill_combo(self.field("channel"), [(c.label, c.value) for c in ConsentChannel])
        fill_combo(self.field("address_kind"), [(k.label, k.value) for k in MAILING_ADDRESS_KINDS])
        for name, entries in (
            ("customer_group_ids", lookups.customer_groups(reader)),
            ("territory_ids", lookups.territories(reader)),
            ("representative_ids", lookups.representatives(reader)),
        ):
            self.field(name).set_items([(e.label, e.id) for e in entries])
        self.field("segments").set_known(lookups.segments(reader))
        self.field("near").set_source(store.reader)
        self._preview_timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self._preview)
        self.field("kind").currentIndexChanged.connect(self._kind_changed)
        if list_id is None:
            self.setWindowTitle(self.tr("New distribution list"))
            self.set_values(
                {
                    "kind": ListKind.STATIC.value,
                    "channel": ConsentChannel.LETTER.value,
                    "address_kind": "main",
                }
            )
        else:
            self._load(list_id)
        self._kind_changed()
        self.field("name").setFocus()

    # -- the form ---------------------------------------------------------------------------

    def make_form(self) -> QWidget:  # override
        form = QWidget(self)
        form.setWindowTitle(self.tr("Distribution list"))
        layout = QVBoxLayout(form)
        layout.setContentsMargins(0, 0, 0, 0)
        general = QGridLayout()
        general.setColumnStretch(1, 1)
        layout.addLayout(general)
        description = QPlainTextEdit(form)
        description.setMaximumHeight(description.fontMetrics().height() * 4)
        rows = [
            ("name", self.tr("Name"), QLineEdit(form)),
            ("description", self.tr("Description"), description),
            ("kind", self.tr("Kind"), QComboBox(form)),
            ("channel", self.tr("Channel"), QComboBox(form)),
            ("address_kind", self.tr("Address"), QComboBox(form)),
            ("contact_role", self.tr("Contact person role"), QLineEdit(form)),
        ]
        for row, (name, text, widget) in enumerate(rows):
            _add_row(form, general, row, name, text, widget)
        rows[5][2].setPlaceholderText(self.tr("empty: the first contact person by last name"))
        rows[5][2].setToolTip(
            self.tr(
                "Every contact person whose role or department holds this text, e.g. Einkauf; "
                "empty: each customer's first contact person by last name"
            )
        )
        self.criteria_box = QGroupBox(self.tr("Filter of a dynamic list"), form)
        self.criteria_box.setObjectName("criteria_box")
        layout.addWidget(self.criteria_box)
        grid = QGridLayout(self.criteria_box)
        grid.setColumnStretch(1, 1)
        postal = QLineEdit(form)
        postal.setPlaceholderText(self.tr("e.g. 80000-81999, 90000-90999"))
        postal.setToolTip(
            self.tr(
                "Ranges of the main address's postal code, separated by "
                "commas; AT:1000-1999 limits a range to a country"
            )
        )
        countries = QLineEdit(form)
        countries.setPlaceholderText(self.tr("e.g. DE, AT"))
        criteria = [
            ("statuses", self.tr("Status"), StatusChoice(form)),
            ("customer_group_ids", self.tr("Customer groups"), ChoiceList(form)),
            ("territory_ids", self.tr("Territories"), ChoiceList(form)),
            ("representative_ids", self.tr("Representatives"), ChoiceList(form)),
            ("segments", self.tr("Segments"), SegmentsEdit(form)),
            ("postal_code_ranges", self.tr("Postal code ranges"), postal),
            ("countries", self.tr("Countries"), countries),
            ("near", self.tr("Near a place"), NearEdit(form)),
            ("last_contact_before", self.tr("Last contact before"), _date_field(form)),
            ("last_contact_after", self.tr("Last contact on or after"), _date_field(form)),
        ]
        for row, (name, text, widget) in enumerate(criteria):
            _add_row(form, grid, row, name, text, widget)
        criteria[8][2].setToolTip(self.tr("Customers never contacted count as well"))
        self.preview = QLabel(form)
        self.preview.setObjectName("preview")
        self.preview.setEnabled(False)
        grid.addWidget(self.preview, len(criteria), 1, 1, 2)
        return form

    def _load(self, list_id: uuid.UUID) -> None:
        values = dl.list_values(self.store.reader(), list_id, lenient=True)
        problem = values.pop("problem", "")
        criteria: Criteria = values.pop("criteria")
        stored = criteria.to_dict()
        self._kept = {key: stored[key] for key in stored if key not in CRITERIA_FIELDS}
        values |= {
            "statuses": list(criteria.statuses),
            "customer_group_ids": list(criteria.customer_group_ids),
            "territory_ids": list(criteria.territory_ids),
            "representative_ids": list(criteria.representative_ids),
            "segments": list(criteria.segments),
            "postal_code_ranges": format_postal_ranges(criteria.postal_code_ranges),
            "countries": ", ".join(criteria.countries),
            "near": criteria.near,
            "last_contact_before": criteria.last_contact_before,
            "last_contact_after": criteria.last_contact_after,
        }
        self.setWindowTitle(self.tr("Distribution list – {name}").format(name=values["name"]))
        self.set_values(values)
        self.show_errors_for_all_fields()
        if problem:
            self._general(
                self.tr(
                    "The saved filter breaks a rule and is shown empty: "
                    "{problem}. Set the filter again and save."
                ).format(problem=problem)
            )

    def _kind_changed(self, *args) -> None:
        self.criteria_box.setEnabled(self.field("kind").currentData() == ListKind.DYNAMIC)
        self.revalidate()

    # -- checking and saving -------------------------------------------------------------------

    def service_values(self, values: dict) -> dict:
        """The form's values as the service takes them (criteria as the agreed JSON keys);
        ValidationFailed for what only the form can tell (a range typed wrong)."""
        result = {name: values[name] for name in LIST_FIELDS}
        if values["kind"] != ListKind.DYNAMIC:
            return result
        record = list_record(values["name"])
        errors, criteria = [], dict(self._kept)
        for name in CRITERIA_FIELDS:
            value = values[name]
            try:
                if name == "postal_code_ranges":
                    value = [r.to_json() for r in parse_postal_ranges_text(value)]
                elif name == "countries":
                    value = list(parse_countries_text(value))
            except ValueError as exc:
                label = self.form.findChild(QLabel, f"{name}_label")
                errors.append(FieldError(record, label.text().rstrip(" *"), str(exc), key=name))
                continue
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            elif name.endswith("_ids"):
                value = [key.hex for key in value]
            if value:
                criteria[name] = value
        if errors:
            raise ValidationFailed(errors)
        result["criteria"] = criteria
        return result

    def check(self, values: dict) -> None:  # override
        try:
            check_list(self.service_values(values))
        finally:
            if hasattr(self, "_preview_timer"):
                self._preview_timer.start()

    def _preview(self) -> None:
        """How many customers the filter matches now (only while it is valid)."""
        values = self.values()
        if values["kind"] != ListKind.DYNAMIC or self.errors():
            self.preview.setText("")
            return
        try:
            criteria = check_list(self.service_values(values))["criteria"]
            count = len(matching_customers(self.store.reader(), criteria))
        except (DomainError, ImportError) as exc:
            self.preview.setText(str(exc))
            return
        self.preview.setText(self.tr("{count} customers match the filter now.").format(count=count))

    def persist(self, values: dict) -> bool:  # override
        with self.store.session() as session:
            data = self.service_values(values)
            if self.list_id is None:
                saved = dl.create_list(session, data)
            else:
                saved = dl.update_list(session, self.list_id, data)
            session.commit()
            self.saved_id = saved.id
        return True


def _add_row(
    form: QWidget, grid: QGridLayout, row: int, name: str, text: str, widget: QWidget
) -> None:
    """Label, field and the error beside it, named as FormDialog finds them."""
    widget.setObjectName(name)
    label = QLabel(text, form)
    label.setObjectName(f"{name}_label")
    label.setBuddy(widget)
    error = QLabel(form)
    error.setObjectName(f"{name}_error")
    error.setWordWrap(True)
    error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if isinstance(widget, QDateEdit):  # an optional date: ticked means "filter by it"
        box = QWidget(form)
        line = QHBoxLayout(box)
        line.setContentsMargins(0, 0, 0, 0)
        switch = QCheckBox(box)
        switch.setObjectName(f"{name}_set")
        switch.setToolTip(text)
        widget.setEnabled(False)
        line.addWidget(switch)
        line.addWidget(widget)
        line.addStretch(1)
        grid.addWidget(box, row, 1)
    else:
        grid.addWidget(widget, row, 1)
    grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
    grid.addWidget(error, row, 2)


def _date_field(form: QWidget) -> QDateEdit:
    edit = QDateEdit(form)
    edit.setCalendarPopup(True)
    edit.setDate(QDate.currentDate())
    return edit
