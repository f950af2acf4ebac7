"""New condition, and Change: a successor record from a day (a record is never edited).

The form is built in code (its rows depend on the kind of condition). Checks run as you
type; the store's own checks (overlapping validity above all) come back from the service
as ValidationFailed and are shown beside the field they name, with nothing written.
"""

from datetime import date, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import FieldError, ValidationFailed
from salesdesk.domain.pricing import (
    Calculation,
    KeyKind,
    ScaleBasis,
    Step,
    check_base_price,
    check_scales,
)
from salesdesk.i18n import _
from salesdesk.services import condition_view as cv
from salesdesk.services.pricing import TURNOVER_PERIODS, types_by_code
from salesdesk.store.engine import Store
from salesdesk.ui.dialogs.form_dialog import FormDialog
from salesdesk.ui.forms import fill_combo
from salesdesk.ui.icons import icon
from salesdesk.ui.views.price_check import ArticleField, date_edit

CONDITION_FIELDS = ("type_code", "key_kind", "article", "product_group", "scales",
                    "valid_from", "valid_to", "turnover_period", "released", "note")
KEY_FIELDS = ("type_code", "key_kind", "article", "product_group")  # fixed in a change
SCALE_ROWS = 4  # the scale table shows this many steps before it scrolls


class ScaleField(QWidget):
    """A value, or a scale of values from thresholds: rows of (from, value) as text."""

    sig_edited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.table = QTableWidget(0, 2, self)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        rows = self.table.verticalHeader().defaultSectionSize()
        self.table.setFixedHeight(rows * SCALE_ROWS + self.table.horizontalHeader()
                                  .sizeHint().height() + 4)
        self.add = QPushButton(icon("add"), self.tr("Add step"), self)
        self.add.setToolTip(self.tr("Another value from a higher quantity or amount"))
        self.remove = QPushButton(icon("delete"), self.tr("Remove step"), self)
        self.remove.setToolTip(self.tr("Remove the chosen step"))
        self.add.clicked.connect(self.add_step)
        self.remove.clicked.connect(self.remove_step)
        self.table.itemChanged.connect(lambda _item: self.sig_edited.emit())
        buttons = QVBoxLayout()
        buttons.addWidget(self.add)
        buttons.addWidget(self.remove)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.setFocusProxy(self.table)
        self.set_titles(self.tr("From"), self.tr("Value"))

    def set_titles(self, threshold: str, value: str) -> None:
        self.table.setHorizontalHeaderLabels([threshold, value])

    def add_step(self) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column in (0, 1):
            self.table.setItem(row, column, QTableWidgetItem(""))
        self.table.setCurrentCell(row, 0)
        self.sig_edited.emit()

    def remove_step(self) -> None:
        row = self.table.currentRow()
        if row > 0 or (row == 0 and self.table.rowCount() > 1):
            self.table.removeRow(row)
            self.sig_edited.emit()

    def field_value(self) -> list[tuple[str, str]]:
        """The rows that hold anything, as typed; the first row's "from" is 0."""
        rows = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, c).text().strip() if self.table.item(row, c) else ""
                     for c in (0, 1)]
            if any(cells):
                rows.append((cells[0] or ("0" if row == 0 else ""), cells[1]))
        return rows

    def set_field_value(self, value) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for threshold, amount in value or [(0, "")]:
            row = self.table.rowCount()
            self.table.insertRow(row)
            first = cv.plain_number(threshold) if threshold != "" else ""
            second = cv.plain_number(amount) if amount != "" else ""
            self.table.setItem(row, 0, QTableWidgetItem(first))
            self.table.setItem(row, 1, QTableWidgetItem(second))
        self.table.blockSignals(False)


def _add_row(form: QWidget, grid: QGridLayout, row: int, name: str, text: str,
             widget: QWidget, optional: str = "") -> None:
    """Label, field and the error beside it, named as FormDialog finds them; an optional
    date gets a switch named NAME_set in front."""
    widget.setObjectName(name)
    label = QLabel(text, form)
    label.setObjectName(f"{name}_label")
    label.setBuddy(widget)
    error = QLabel(form)
    error.setObjectName(f"{name}_error")
    error.setWordWrap(True)
    error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    place: QWidget = widget
    if optional:
        place = QWidget(form)
        place.setObjectName(f"{name}_box")
        line = QHBoxLayout(place)
        line.setContentsMargins(0, 0, 0, 0)
        switch = QCheckBox(optional, place)
        switch.setObjectName(f"{name}_set")
        line.addWidget(switch)
        line.addWidget(widget)
        line.addStretch(1)
    grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
    if isinstance(widget, QDateEdit):
        grid.addWidget(place, row, 1, Qt.AlignmentFlag.AlignLeft)
    else:
        grid.addWidget(place, row, 1)
    grid.addWidget(error, row, 2, Qt.AlignmentFlag.AlignTop)


class ConditionDialog(FormDialog):
    """A new condition for the customer (or its groups, or all customers), or a change
    of ``record_id``: its successor from a day."""

    FIELDS = CONDITION_FIELDS
    REQUIRED = ("type_code", "key_kind", "scales", "valid_from")
    WIDE = {"article": 36, "note": 40, "key_kind": 36}

    def __init__(self, store: Store, customer_key, record_id: str | None = None,
                 parent: QWidget | None = None, on: date | None = None):
        super().__init__(parent)
        self.store, self.record_id = store, record_id
        self.saved_id = None
        self.customer = cv.find_customer(store.reader(), customer_key)
        self.types = types_by_code()
        self._old_from: date | None = None
        self.field("article").set_source(store.reader)
        fill_combo(self.field("type_code"), [(t.name, t.code) for t in self.types.values()],
                   empty=self.tr("(choose)"))
        fill_combo(self.field("product_group"),
                   [(g.label, g.code) for g in cv.product_groups(store.reader())],
                   empty=self.tr("(choose)"))
        fill_combo(self.field("turnover_period"),
                   [(cv.period_label(p), p) for p in TURNOVER_PERIODS], empty=self.tr("(choose)"))
        self.field("type_code").currentIndexChanged.connect(self._type_changed)
        self.field("key_kind").currentIndexChanged.connect(self._kind_changed)
        if record_id is None:
            self._new(on or date.today())
        else:
            self._change(record_id, on or date.today())
        self.resize(max(self.width(), self.fontMetrics().averageCharWidth() * 110),
                    self.height())

    # -- the form ---------------------------------------------------------------------

    def make_form(self) -> QWidget:  # override
        form = QWidget(self)
        form.setWindowTitle(self.tr("Condition"))
        self.intro = QLabel(form)
        self.intro.setWordWrap(True)
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        released = QCheckBox(self.tr("Released: in force from its first day"), form)
        released.setToolTip(self.tr("A draft is saved but not used for prices until it is "
                                    "released"))
        note = QLineEdit(form)
        note.setMaxLength(200)
        rows = [
            ("type_code", self.tr("Kind of condition"), QComboBox(form), ""),
            ("key_kind", self.tr("Applies to"), QComboBox(form), ""),
            ("article", self.tr("Article"), ArticleField(form), ""),
            ("product_group", self.tr("Product group"), QComboBox(form), ""),
            ("scales", self.tr("Value"), ScaleField(form), ""),
            ("valid_from", self.tr("Valid from"), date_edit(form), ""),
            ("valid_to", self.tr("Valid to"), date_edit(form), self.tr("ends on")),
            ("turnover_period", self.tr("Turnover period"), QComboBox(form), ""),
            ("released", self.tr("Status"), released, ""),
            ("note", self.tr("Note"), note, ""),
        ]
        for row, (name, text, widget, optional) in enumerate(rows):
            _add_row(form, grid, row, name, text, widget, optional)
        self.hint = QLabel(form)
        self.hint.setEnabled(False)
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(form)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intro)
        layout.addLayout(grid)
        layout.addWidget(self.hint)
        return form

    def _new(self, on: date) -> None:
        self.setWindowTitle(self.tr("New condition for {customer}").format(
            customer=self.customer.label))
        self.intro.setText(self.tr("A new price, discount or surcharge. It must not overlap "
                                   "a record of the same kind for the same article or group."))
        self.set_values({"type_code": None, "valid_from": on, "valid_to": None,
                         "released": True, "scales": [(0, "")]})
        self._type_changed()
        self.field("type_code").setFocus()

    def _change(self, record_id: str, on: date) -> None:
        values = cv.condition_values(self.store.reader(), record_id)
        self._old_from = values["valid_from"]
        start = on if on > self._old_from else self._old_from + timedelta(days=1)
        ctype = self.types.get(values["type_code"])
        self.setWindowTitle(self.tr("Change {type}: {applies_to}").format(
            type=ctype.name if ctype else values["type_code"],
            applies_to=values["applies_to"]))
        self.intro.setText(self.tr(
            "The change is a new record from the day you choose; the record in force then "
            "ends the day before and keeps its values (valid {validity}).").format(
                validity=cv.validity_text(values["valid_from"], values["valid_to"])))
        types = self.field("type_code")
        types.setCurrentIndex(max(types.findData(values["type_code"]), 0))
        self._type_changed()  # the key kinds of the type, before the values are shown
        self.set_values(values | {"valid_from": start})
        self._kind_changed()
        if values["article"]:  # shown with its name; the value stays the number
            self.field("article").show_article(values["article"], values["applies_to"])
        for name in KEY_FIELDS:
            self.field(name).setEnabled(False)
        self.field("valid_from").setFocus()

    def _type_changed(self, *args) -> None:
        ctype = self.types.get(self.field("type_code").currentData() or "")
        combo = self.field("key_kind")
        chosen = combo.currentData()
        kinds = cv.key_kinds_for(ctype, self.customer) if ctype else []
        combo.blockSignals(True)
        fill_combo(combo, [(cv.key_kind_label(k, self.customer), k.value) for k in kinds])
        combo.setCurrentIndex(max(combo.findData(chosen), 0))
        combo.blockSignals(False)
        self._show_row("turnover_period", bool(ctype) and
                       ctype.scale_basis is ScaleBasis.TURNOVER)
        self._scale_titles(ctype)
        self._kind_changed()

    def _scale_titles(self, ctype) -> None:
        currency = self.customer.currency
        if ctype is None:
            return
        threshold = {ScaleBasis.QUANTITY: self.tr("From quantity"),
                     ScaleBasis.LINE_VALUE: self.tr("From line value ({currency})"),
                     ScaleBasis.TURNOVER: self.tr("From turnover ({currency})")}[
            ctype.scale_basis].format(currency=currency)
        if ctype.calculation is Calculation.PERCENT:
            value = self.tr("Percent (negative: discount)")
        elif ctype.calculation is Calculation.PER_DOCUMENT:
            value = self.tr("Amount per document ({currency})").format(currency=currency)
        else:
            value = self.tr("Price per unit ({currency})").format(currency=currency)
        self.field("scales").set_titles(threshold, value)
        hint = self.tr("A step applies its value from its threshold on; the first step "
                       "starts at 0.")
        if ctype.calculation is Calculation.PERCENT:
            stacking = self.tr("Applied to the value after the discounts before it "
                               "(cascading).") if ctype.stacking.value == "cascading" else \
                self.tr("Applied to the value before this step's discounts (additive).")
            hint = f"{stacking} {hint}"
        self.hint.setText(hint)

    def _kind_changed(self, *args) -> None:
        kind = self.field("key_kind").currentData()
        target = cv.TARGETS.get(KeyKind(kind), "") if kind else ""
        self._show_row("article", target == "article")
        self._show_row("product_group", target == "product_group")
        if not self._loading:
            self.revalidate()

    def _show_row(self, name: str, visible: bool) -> None:
        for widget in (self.field(name), self.form.findChild(QLabel, f"{name}_label"),
                       self.error_label(name)):
            if widget is not None:
                widget.setVisible(visible)

    # -- checking and saving ----------------------------------------------------------

    def check(self, values: dict) -> None:  # override
        record, errors = _("Condition"), []
        ctype = self.types.get(values["type_code"] or "")
        if ctype is None:
            errors.append(FieldError(record, _("Kind of condition"), _("is required"),
                                     key="type_code"))
        kind = values["key_kind"]
        target = cv.TARGETS.get(KeyKind(kind), "") if kind else ""
        if not kind:
            errors.append(FieldError(record, _("Applies to"), _("is required"),
                                     key="key_kind"))
        for name, label in (("article", _("Article")), ("product_group", _("Product group"))):
            if target == name and not values[name]:
                errors.append(FieldError(record, label, _("is required"), key=name))
        errors += self._scale_errors(record, values["scales"], ctype)
        start, end = values["valid_from"], values["valid_to"]
        if end is not None and end < start:
            errors.append(FieldError(record, _("Valid to"), _("is before the start"),
                                     key="valid_to"))
        if self._old_from is not None and start <= self._old_from:
            errors.append(FieldError(record, _("Valid from"), _(
                "must be after {date}, the first day of the record it follows").format(
                    date=cv.date_text(self._old_from)), key="valid_from"))
        if ctype is not None and ctype.scale_basis is ScaleBasis.TURNOVER and \
                not values["turnover_period"]:
            errors.append(FieldError(record, _("Turnover period"), _("is required"),
                                     key="turnover_period"))
        if errors:
            raise ValidationFailed(errors)

    def _scale_errors(self, record: str, rows, ctype) -> list[FieldError]:
        if not rows or not any(value for _threshold, value in rows):
            return [FieldError(record, _("Value"), _("is required"), key="scales")]
        try:
            scales = cv.parse_scales(rows)
            if ctype is not None:
                check_scales(record, scales, ctype.calculation)
                if ctype.step is Step.BASE:
                    check_base_price(record, scales)
        except ValidationFailed as exc:
            return exc.errors
        return []

    def service_values(self, values: dict) -> dict:
        """Hidden rows hold nothing the service should see."""
        kind = values["key_kind"]
        target = cv.TARGETS.get(KeyKind(kind), "") if kind else ""
        return values | {"article": values["article"] if target == "article" else "",
                         "product_group": values["product_group"] if target == "product_group"
                         else "",
                         "turnover_period": values["turnover_period"] or ""}

    def persist(self, values: dict) -> bool:  # override
        values = self.service_values(values)
        with self.store.session() as session:
            if self.record_id is None:
                row = cv.new_condition(session, self.customer.id, values)
            else:
                row = cv.change_condition(session, self.record_id, values,
                                          values["valid_from"])
            session.commit()
        self.saved_id = row.id
        return True
