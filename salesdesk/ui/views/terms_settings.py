"""The "Terms" page of the settings: payment and delivery terms, listed, added, changed
and deleted while unused (salesdesk.services.terms). Each change saves at once."""

import uuid
from decimal import Decimal
from itertools import pairwise
from types import SimpleNamespace

from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError, ValidationFailed
from salesdesk.domain.pricing import INCOTERMS_2020, payment_terms_text
from salesdesk.services import terms as ts
from salesdesk.store.engine import Store
from salesdesk.store.models import DeliveryTerm, PaymentTerm
from salesdesk.ui.dialogs.form_dialog import FormDialog
from salesdesk.ui.formatting import format_amount, locale_name

_ID = Qt.ItemDataRole.UserRole


def _percent_text(value: Decimal) -> str:
    return format_decimal(value, format="#,##0.##", locale=locale_name())


def _amount(text: str) -> object:
    """A typed amount read the way the user's language writes it; "" → None."""
    if not text:
        return None
    try:
        return parse_decimal(text, locale=locale_name(), strict=False)
    except NumberFormatError:
        return text  # the service's check names the problem


# -- field widgets (the field protocol of salesdesk.ui.forms) -------------------------------

class DaysField(QSpinBox):
    """A number of days."""

    sig_edited = Signal()

    def __init__(self, parent: QWidget | None = None, lowest: int = 0):
        super().__init__(parent)
        self.setRange(lowest, ts.MAX_DAYS)
        self.setSuffix(self.tr(" days"))
        self.valueChanged.connect(self.sig_edited)

    def field_value(self) -> int:
        return self.value()

    def set_field_value(self, value: int | None) -> None:
        self.setValue(30 if value is None else int(value))


class CashDiscountStages(QWidget):
    """Cash-discount stages as rows "[2] % within [14 days] [Remove]"; the value is
    [(percent as typed, days), …] in the order shown."""

    sig_edited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.rows: list[tuple[QWidget, QLineEdit, QSpinBox]] = []
        self._removers: dict[QWidget, QPushButton] = {}
        self.stage_box = QVBoxLayout()
        self.stage_box.setContentsMargins(0, 0, 0, 0)
        self.none_label = QLabel(self.tr("No cash discount: the invoice is due net."), self)
        self.none_label.setEnabled(False)
        self.add_button = QPushButton(self.tr("Add stage"), self)
        self.add_button.setToolTip(self.tr(
            "Add a cash discount stage: a longer period with a smaller discount than the "
            "stage before"))
        self.add_button.clicked.connect(lambda: self.add_stage())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.stage_box)
        layout.addWidget(self.none_label)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self._update()

    def add_stage(self, percent: str = "", days: int | None = None) -> QLineEdit:
        """A new row below the others (by default a week after the last stage)."""
        if days is None:
            days = min(self.rows[-1][2].value() + 7, ts.MAX_DAYS) if self.rows else 14
        row = QWidget(self)
        number = len(self.rows) + 1
        edit = QLineEdit(percent, row)
        edit.setMaxLength(8)
        edit.setPlaceholderText(self.tr("e.g. 2"))
        edit.setAccessibleName(self.tr("Cash discount of stage {stage} in percent").format(
            stage=number))
        edit.setMaximumWidth(edit.fontMetrics().averageCharWidth() * 10)
        within = QLabel(self.tr("% within"), row)
        spin = DaysField(row, lowest=1)
        spin.setValue(days)
        spin.setAccessibleName(self.tr("Days of stage {stage}").format(stage=number))
        remove = QPushButton(self.tr("Remove"), row)
        remove.setToolTip(self.tr("Remove this stage"))
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        for widget in (edit, within, spin, remove):
            line.addWidget(widget)
        line.addStretch(1)
        self.stage_box.addWidget(row)
        self.rows.append((row, edit, spin))
        self._removers[row] = remove
        edit.textChanged.connect(self.sig_edited)
        spin.valueChanged.connect(self.sig_edited)
        remove.clicked.connect(lambda: self.remove_stage(self._index_of(row)))
        self._update()
        self.sig_edited.emit()
        return edit

    def _index_of(self, row: QWidget) -> int:
        return next(i for i, (widget, _e, _s) in enumerate(self.rows) if widget is row)

    def remove_stage(self, index: int) -> None:
        row, _edit, _spin = self.rows.pop(index)
        self._removers.pop(row)
        self.stage_box.removeWidget(row)
        row.hide()
        row.deleteLater()
        for number, (_row, edit, spin) in enumerate(self.rows, start=1):
            edit.setAccessibleName(self.tr("Cash discount of stage {stage} in percent").format(
                stage=number))
            spin.setAccessibleName(self.tr("Days of stage {stage}").format(stage=number))
        self._update()
        self.sig_edited.emit()

    def _update(self) -> None:
        """The hint for no stages; Tab runs through the stages in order, then Add stage."""
        self.none_label.setVisible(not self.rows)
        chain = [w for row, edit, spin in self.rows for w in (edit, spin, self._removers[row])]
        chain.append(self.add_button)
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)
        self.setFocusProxy(chain[0])

    def field_value(self) -> list[tuple[str, int]]:
        return [(edit.text().strip(), spin.value()) for _row, edit, spin in self.rows]

    def set_field_value(self, value) -> None:
        self.blockSignals(True)
        while self.rows:
            self.remove_stage(0)
        for percent, days in value or ():
            text = _percent_text(percent) if isinstance(percent, Decimal) else str(percent)
            self.add_stage(text, days)
        self.blockSignals(False)


# -- the edit dialogs -----------------------------------------------------------------------

class TermDialog(FormDialog):
    """Add or change one term; the form is built in code, a row per field with its error
    beside it, and a preview of what condition sheets will say."""

    MODEL: type = PaymentTerm
    ERROR_CHARS = 34  # a stage's problem in two or three lines, not five

    def __init__(self, store: Store, term_id: uuid.UUID | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.store, self.term_id = store, term_id
        self.saved_id: uuid.UUID | None = None
        with store.session() as session:
            self._taken = ts.taken_codes(session, self.MODEL, term_id)
            values = self.stored(session) if term_id else self.defaults()
        self._record = self.record(values.get("code") if term_id else None)
        self.setWindowTitle(self._record if term_id else self.form.windowTitle())
        self.set_values(values)
        if term_id is not None:
            self.show_errors_for_all_fields()
        self._make_room()
        self.field("code").setFocus()

    def _make_room(self) -> None:
        """Room beside the fields for errors, and below them for a few more lines: the
        dialog does not grow by itself when an error wraps."""
        char = self.fontMetrics().averageCharWidth()
        for name in self.FIELDS:
            self.error_label(name).setMinimumWidth(char * self.ERROR_CHARS)
        hint = self.sizeHint()
        self.resize(max(hint.width(), self.width()),
                    hint.height() + 3 * self.fontMetrics().lineSpacing())

    # -- the form ---------------------------------------------------------------------------

    def rows(self, form: QWidget) -> list[tuple[str, str, QWidget]]:
        """(field, label, widget) for each row of the form."""
        raise NotImplementedError

    def make_form(self) -> QWidget:  # override
        form = QWidget(self)
        grid = QGridLayout(form)
        grid.setColumnStretch(1, 1)
        rows = self.rows(form)
        for row, (name, text, widget) in enumerate(rows):
            widget.setObjectName(name)
            label = QLabel(text, form)
            label.setObjectName(f"{name}_label")
            label.setBuddy(widget)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            error = QLabel(form)
            error.setObjectName(f"{name}_error")
            error.setWordWrap(True)
            error.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(label, row, 0)
            grid.addWidget(widget, row, 1)
            grid.addWidget(error, row, 2)
        self.preview = QLabel(form)
        self.preview.setObjectName("preview_text")
        self.preview.setWordWrap(True)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        caption = QLabel(self.tr("Condition sheets say"), form)
        caption.setObjectName("preview_label")
        caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        grid.addWidget(caption, len(rows), 0)
        grid.addWidget(self.preview, len(rows), 1, 1, 2)
        grid.setRowStretch(len(rows) + 1, 1)
        form.setWindowTitle(self.new_title())
        return form

    def new_title(self) -> str:
        raise NotImplementedError

    def record(self, code: str | None) -> str:
        raise NotImplementedError

    def stored(self, session) -> dict:
        raise NotImplementedError

    def defaults(self) -> dict:
        return {}

    # -- checks, preview, saving -----------------------------------------------------------

    def check(self, values: dict) -> None:  # override
        self.checked(self._record, values)

    def checked(self, record: str, values: dict) -> dict:
        """The service's checks (without the database); raises ValidationFailed."""
        raise NotImplementedError

    def preview_text(self, values: dict) -> str:
        raise NotImplementedError

    def revalidate(self) -> bool:  # override: the preview follows every change
        valid = super().revalidate()
        if hasattr(self, "preview"):
            try:
                text = self.preview_text(self.values())
            except ValidationFailed:
                text = ""
            self.preview.setText(text or self.tr("– (correct the errors shown in red)"))
        return valid

    def persist(self, values: dict) -> bool:  # override
        with self.store.session() as session:
            term = self.save_term(session, values)
            session.commit()
            self.saved_id = term.id
        return True

    def save_term(self, session, values: dict):
        raise NotImplementedError


class PaymentTermDialog(TermDialog):
    MODEL = PaymentTerm
    FIELDS = ("code", "name", "net_days", "cash_discounts")
    REQUIRED = ("code", "name")

    def rows(self, form: QWidget) -> list[tuple[str, str, QWidget]]:
        code, name = QLineEdit(form), QLineEdit(form)
        code.setMaxLength(ts.CODE_LENGTH)
        code.setPlaceholderText(self.tr("e.g. S14"))
        code.setToolTip(self.tr("A short key used in customer imports and exports"))
        name.setMaxLength(ts.NAME_LENGTH)
        net_days = DaysField(form)
        net_days.setToolTip(self.tr("Days until the invoice is due without discount "
                                    "(0: due at once)"))
        stages = CashDiscountStages(form)
        return [("code", self.tr("Code"), code), ("name", self.tr("Name"), name),
                ("net_days", self.tr("Net days"), net_days),
                ("cash_discounts", self.tr("Cash discount"), stages)]

    def new_title(self) -> str:
        return self.tr("New payment terms")

    def record(self, code: str | None) -> str:
        return ts.payment_record(code)

    def stored(self, session) -> dict:
        entry = ts.get_payment_term(session, self.term_id)
        return {"code": entry.code, "name": entry.name, "net_days": entry.net_days,
                "cash_discounts": entry.cash_discounts}

    def defaults(self) -> dict:
        return {"net_days": 30, "cash_discounts": ()}

    def checked(self, record: str, values: dict) -> dict:
        return ts.check_payment_term(record, values, self._taken)

    def preview_text(self, values: dict) -> str:
        return payment_terms_text(ts.payment_conditions(self._record, values["net_days"],
                                                        values["cash_discounts"]))

    def save_term(self, session, values: dict):
        return ts.save_payment_term(session, values, self.term_id)


class DeliveryTermDialog(TermDialog):
    MODEL = DeliveryTerm
    FIELDS = ("code", "name", "incoterm", "incoterm_place", "free_freight_threshold",
              "minimum_order")
    REQUIRED = ("code", "name")
    TOGETHER = (("incoterm", "incoterm_place"),)  # a rule needs its place, and vice versa
    AMOUNTS = ("free_freight_threshold", "minimum_order")

    def rows(self, form: QWidget) -> list[tuple[str, str, QWidget]]:
        code, name, place = QLineEdit(form), QLineEdit(form), QLineEdit(form)
        code.setMaxLength(ts.CODE_LENGTH)
        code.setPlaceholderText(self.tr("e.g. DAP500"))
        code.setToolTip(self.tr("A short key used in customer imports and exports"))
        name.setMaxLength(ts.NAME_LENGTH)
        place.setMaxLength(ts.PLACE_LENGTH)
        place.setPlaceholderText(self.tr("e.g. the customer’s delivery address, Hamburg "
                                         "warehouse"))
        rule = QComboBox(form)
        rule.addItem(self.tr("(none)"), "")
        for code_2020 in INCOTERMS_2020:
            rule.addItem(f"{code_2020} – {ts.incoterm_name(code_2020)}", code_2020)
        amounts = []
        for tip in (self.tr("Orders from this value on are delivered free of freight; "
                            "leave the field empty for none"),
                    self.tr("Orders below this value are not accepted; leave the field "
                            "empty for none")):
            amount = QLineEdit(form)
            amount.setToolTip(tip)
            amount.setPlaceholderText(self.tr("in the customer’s currency"))
            amounts.append(amount)
        return [("code", self.tr("Code"), code), ("name", self.tr("Name"), name),
                ("incoterm", self.tr("Incoterms® 2020 rule"), rule),
                ("incoterm_place", self.tr("Named place"), place),
                ("free_freight_threshold", self.tr("Free freight from"), amounts[0]),
                ("minimum_order", self.tr("Minimum order"), amounts[1])]

    def new_title(self) -> str:
        return self.tr("New delivery terms")

    def record(self, code: str | None) -> str:
        return ts.delivery_record(code)

    def stored(self, session) -> dict:
        entry = ts.get_delivery_term(session, self.term_id)
        self._stored_rule = entry.incoterm
        return {"code": entry.code, "name": entry.name, "incoterm": entry.incoterm,
                "incoterm_place": entry.incoterm_place,
                "free_freight_threshold": format_amount(entry.free_freight_threshold),
                "minimum_order": format_amount(entry.minimum_order)}

    def defaults(self) -> dict:
        return {"incoterm": ""}

    def values(self) -> dict:  # override: amounts as the user's language writes them
        values = super().values()
        for field in self.AMOUNTS:
            values[field] = _amount(values[field])
        values["incoterm"] = values["incoterm"] or ""
        return values

    def checked(self, record: str, values: dict) -> dict:
        return ts.check_delivery_term(record, values, getattr(self, "_stored_rule", ""),
                                      self._taken)

    def preview_text(self, values: dict) -> str:
        clean = self.checked(self._record, values | {"code": "-", "name": "-"})
        return ts.delivery_terms_text(SimpleNamespace(**clean), format_amount)

    def save_term(self, session, values: dict):
        return ts.save_delivery_term(session, values, self.term_id)


# -- the lists ------------------------------------------------------------------------------

class TermsList(QWidget):
    """One kind of terms as a table with Add…, Edit… and Delete; Enter edits, Del deletes."""

    DIALOG: type[TermDialog] = PaymentTermDialog
    STRETCH = 1  # the column that takes the room left; the others fit their text
    COLUMN_CHARS = 32  # up to this wide; longer text is elided, whole in its tooltip
    NUMBERS: tuple[int, ...] = ()  # columns of amounts and counts: aligned right
    sig_changed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.dialog: TermDialog | None = None
        self.table = QTableWidget(0, len(self.headers()), self)
        self.table.setHorizontalHeaderLabels(self.headers())
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setAccessibleName(self.accessible_name())
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(self.STRETCH, QHeaderView.ResizeMode.Stretch)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.buttons: dict[str, QPushButton] = {}
        column = QVBoxLayout()
        for key, text, tip in (
                ("add", self.tr("Add…"), self.tr("Add new terms (Ctrl+N)")),
                ("edit", self.tr("Edit…"), self.tr("Change the selected terms (Enter)")),
                ("delete", self.tr("Delete"), self.tr(
                    "Delete the selected terms (Del); terms that customers use cannot be "
                    "deleted"))):
            button = QPushButton(text, self)
            button.setToolTip(tip)
            column.addWidget(button)
            self.buttons[key] = button
        column.addStretch(1)
        row = QHBoxLayout(self)
        row.addWidget(self.table, 1)
        row.addLayout(column)
        self.buttons["add"].clicked.connect(self.add)
        self.buttons["edit"].clicked.connect(self.edit)
        self.buttons["delete"].clicked.connect(self.delete)
        self.table.activated.connect(lambda _index: self.edit())
        self.table.itemSelectionChanged.connect(self._update)
        for keys, slot in ((QKeySequence.StandardKey.Delete, self.delete),
                           (QKeySequence.StandardKey.New, self.add)):
            QShortcut(QKeySequence(keys), self, slot,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.reload()

    # -- what subclasses say ----------------------------------------------------------------

    def headers(self) -> list[str]:
        raise NotImplementedError

    def accessible_name(self) -> str:
        raise NotImplementedError

    def entries(self, session) -> list:
        raise NotImplementedError

    def cells(self, entry) -> list[object]:
        raise NotImplementedError

    def remove(self, session, term_id: uuid.UUID) -> None:
        raise NotImplementedError

    def delete_question(self, entry) -> str:
        raise NotImplementedError

    # -- behaviour --------------------------------------------------------------------------

    def reload(self, select: uuid.UUID | None = None) -> None:
        with self.store.session() as session:
            self._entries = {e.id: e for e in self.entries(session)}
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(self._entries))
        for row, entry in enumerate(self._entries.values()):
            for column, value in enumerate(self.cells(entry)):
                item = QTableWidgetItem()
                item.setData(Qt.ItemDataRole.DisplayRole, value)
                item.setData(_ID, entry.id)
                if isinstance(value, str) and value:
                    item.setToolTip(value)
                if column in self.NUMBERS:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.setSortingEnabled(True)
        self._fit_columns()
        for row in range(self.table.rowCount()):
            if select is not None and self.table.item(row, 0).data(_ID) == select:
                self.table.selectRow(row)
        self._update()

    def _fit_columns(self) -> None:
        widest = self.fontMetrics().averageCharWidth() * self.COLUMN_CHARS
        for column in range(self.table.columnCount()):
            if column != self.STRETCH:
                self.table.resizeColumnToContents(column)
                self.table.setColumnWidth(column, min(self.table.columnWidth(column), widest))

    def current_id(self) -> uuid.UUID | None:
        rows = self.table.selectionModel().selectedRows()
        return self.table.item(rows[0].row(), 0).data(_ID) if rows else None

    def _update(self) -> None:
        chosen = self.current_id() is not None
        self.buttons["edit"].setEnabled(chosen)
        self.buttons["delete"].setEnabled(chosen)

    def add(self) -> None:
        self._open(self.DIALOG(self.store, None, self))

    def edit(self) -> None:
        term_id = self.current_id()
        if term_id is not None:
            self._open(self.DIALOG(self.store, term_id, self))

    def _open(self, dialog: TermDialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._saved(dialog.saved_id))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _saved(self, term_id: uuid.UUID | None) -> None:
        self.reload(term_id)
        self.sig_changed.emit()

    def delete(self) -> None:
        term_id = self.current_id()
        if term_id is None:
            return
        entry = self._entries[term_id]
        buttons = QMessageBox.StandardButton
        if QMessageBox.question(self, self.tr("Delete terms"), self.delete_question(entry),
                                buttons.Yes | buttons.No, buttons.No) != buttons.Yes:
            return
        try:
            with self.store.session() as session:
                self.remove(session, term_id)
                session.commit()
        except DomainError as exc:
            QMessageBox.warning(self, self.tr("Delete terms"), str(exc))
            return
        self._saved(None)


class PaymentTermsList(TermsList):
    DIALOG = PaymentTermDialog
    STRETCH = 2  # what the terms say matters more than their name
    NUMBERS = (3,)

    def headers(self) -> list[str]:
        return [self.tr("Code"), self.tr("Name"), self.tr("Terms"), self.tr("Customers")]

    def accessible_name(self) -> str:
        return self.tr("Payment terms")

    def entries(self, session) -> list:
        return ts.list_payment_terms(session)

    def cells(self, entry) -> list[object]:
        return [entry.code, entry.name, entry.text, entry.customers]

    def remove(self, session, term_id: uuid.UUID) -> None:
        ts.delete_payment_term(session, term_id)

    def delete_question(self, entry) -> str:
        return self.tr("Delete the payment terms {code} “{name}”?").format(
            code=entry.code, name=entry.name)


class DeliveryTermsList(TermsList):
    DIALOG = DeliveryTermDialog
    COLUMN_CHARS = 20  # "DAP Lieferanschrift…": six columns share the width
    NUMBERS = (3, 4, 5)

    def headers(self) -> list[str]:
        return [self.tr("Code"), self.tr("Name"), self.tr("Incoterms® 2020"),
                self.tr("Free freight from"), self.tr("Minimum order"), self.tr("Customers")]

    def accessible_name(self) -> str:
        return self.tr("Delivery terms")

    def entries(self, session) -> list:
        return ts.list_delivery_terms(session)

    def cells(self, entry) -> list[object]:
        rule = f"{entry.incoterm} {entry.incoterm_place}".strip()
        return [entry.code, entry.name, rule, format_amount(entry.free_freight_threshold),
                format_amount(entry.minimum_order), entry.customers]

    def remove(self, session, term_id: uuid.UUID) -> None:
        ts.delete_delivery_term(session, term_id)

    def delete_question(self, entry) -> str:
        return self.tr("Delete the delivery terms {code} “{name}”?").format(
            code=entry.code, name=entry.name)


class TermsSettings(QWidget):
    """Payment terms and delivery terms, one tab each."""

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self.payment = PaymentTermsList(store, self)
        self.delivery = DeliveryTermsList(store, self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.payment, self.tr("Payment terms"))
        self.tabs.addTab(self.delivery, self.tr("Delivery terms"))
        note = QLabel(self.tr(
            "Changes are saved as soon as you save them in their window and apply to the "
            "next condition sheet; sheets already issued keep their terms. Terms that "
            "customers use can be changed but not deleted."), self)
        note.setWordWrap(True)
        note.setEnabled(False)
        char = self.fontMetrics().averageCharWidth()
        self.setMinimumSize(char * 130, self.fontMetrics().lineSpacing() * 20)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(note)

