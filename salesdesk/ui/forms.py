"""Qt Designer forms from salesdesk.forms, and reading/writing their field widgets."""

from datetime import date
from importlib import resources

from PySide6.QtCore import QBuffer, QByteArray, QDate, QIODevice
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)


def load_form(name: str, parent: QWidget | None = None) -> QWidget:
    """The widget tree of forms/NAME (read through importlib.resources: works frozen)."""
    from salesdesk.ui.fields import FIELD_WIDGETS  # only the dialogs need them
    from salesdesk.ui.pickers import CUSTOM_WIDGETS

    data = (resources.files("salesdesk.forms") / name).read_bytes()
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    loader = QUiLoader()
    for widget_class in CUSTOM_WIDGETS + FIELD_WIDGETS:
        loader.registerCustomWidget(widget_class)
    form = loader.load(buffer, parent)
    if form is None:
        raise RuntimeError(f"cannot load form {name}")
    return form


def date_checkbox(form: QWidget, name: str) -> QCheckBox | None:
    """Optional dates have a "Set" checkbox named NAME_set beside the QDateEdit."""
    return form.findChild(QCheckBox, f"{name}_set")


def read_value(form: QWidget, widget: QWidget) -> object:
    """The value a field widget holds, as the services want it ("" or None when empty)."""
    if hasattr(widget, "field_value"):  # the pickers of salesdesk.ui.pickers
        return widget.field_value()
    if isinstance(widget, QLineEdit):
        return widget.text().strip()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText().strip()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QComboBox):  # editable combos hold free text with suggestions
        return widget.currentText().strip() if widget.isEditable() else widget.currentData()
    if isinstance(widget, QDateEdit):
        switch = date_checkbox(form, widget.objectName())
        return widget.date().toPython() if switch is None or switch.isChecked() else None
    raise TypeError(f"no reader for {type(widget).__name__}")


def write_value(form: QWidget, widget: QWidget, value: object) -> None:
    """Show ``value`` in a field widget (combos select the item whose data matches)."""
    if hasattr(widget, "set_field_value"):
        widget.set_field_value(value)
    elif isinstance(widget, QLineEdit):
        widget.setText("" if value is None else str(value))
    elif isinstance(widget, QPlainTextEdit):
        widget.setPlainText("" if value is None else str(value))
    elif isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QComboBox):
        _select(widget, value)
    elif isinstance(widget, QDateEdit):
        switch = date_checkbox(form, widget.objectName())
        if isinstance(value, date):
            widget.setDate(QDate(value.year, value.month, value.day))
        else:
            widget.setDate(QDate.currentDate())
        if switch is not None:
            switch.setChecked(isinstance(value, date))
            widget.setEnabled(isinstance(value, date))


def _select(combo: QComboBox, value: object) -> None:
    if combo.isEditable():
        combo.setCurrentText("" if value is None else str(value))
        return
    index = combo.findData(value)
    if index < 0 and value not in (None, ""):
        # a stored code the picker does not offer (an old language, say): keep it
        combo.addItem(str(value), value)
        index = combo.count() - 1
    combo.setCurrentIndex(max(index, 0))


def connect_edited(form: QWidget, widget: QWidget, slot) -> None:
    """Call ``slot()`` whenever the user changes the field."""
    if hasattr(widget, "sig_edited"):
        widget.sig_edited.connect(slot)
    elif isinstance(widget, QLineEdit | QPlainTextEdit):
        widget.textChanged.connect(slot)
    elif isinstance(widget, QCheckBox):
        widget.toggled.connect(slot)
    elif isinstance(widget, QComboBox):
        widget.currentIndexChanged.connect(slot)
        if widget.isEditable():
            widget.editTextChanged.connect(slot)
    elif isinstance(widget, QDateEdit):
        widget.dateChanged.connect(slot)
        switch = date_checkbox(form, widget.objectName())
        if switch is not None:
            switch.toggled.connect(widget.setEnabled)
            switch.toggled.connect(slot)


def fill_combo(combo: QComboBox, items: list[tuple[str, object]], empty: str | None = None
               ) -> None:
    """Items as (text, data); ``empty`` adds a first item with data None."""
    combo.clear()
    if empty is not None:
        combo.addItem(empty, None)
    for text, data in items:
        combo.addItem(text, data)
