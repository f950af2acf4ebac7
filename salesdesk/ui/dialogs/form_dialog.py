"""The edit dialog pattern: a Designer form, checks as you type, errors beside fields.

A subclass names its form and fields and implements ``check`` (the domain rules) and
``persist`` (the services, in one session, committed). Save stays disabled while a
check fails; Esc or closing with unsaved changes asks Save / Discard / Cancel; a
ValidationFailed from the service is shown beside the fields and keeps the input.
"""

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError, FieldError, ValidationFailed
from salesdesk.ui.forms import connect_edited, load_form, read_value, write_value
from salesdesk.ui.icons import icon

ERROR_STYLE = "color: #c62828;"


class FormDialog(QDialog):
    """Base of the edit dialogs; ``self.form`` is the loaded Designer form."""

    FORM = ""  # file in forms/
    FIELDS: tuple[str, ...] = ()  # widget names = model fields
    REQUIRED: tuple[str, ...] = ()
    # fields checked together: editing one shows the errors of all (an address's city)
    TOGETHER: tuple[tuple[str, ...], ...] = ()
    # fields that need more room than most, in average characters (a company name)
    WIDE: dict[str, int] = {}
    NARROW_CHARS = 26  # every other line edit and picker: a typical city, IBAN or e-mail

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.form = self.make_form()
        designed = self.form.size()  # the size drawn in Designer, before a layout owns it
        self.setWindowTitle(self.form.windowTitle())
        self._loading = True
        self._touched: set[str] = set()
        self._show_all = False
        self._initial: dict = {}
        self._errors: dict[str, str] = {}
        self._build()
        for name in self.FIELDS:
            connect_edited(self.form, self.field(name), lambda *a, n=name: self._edited(n))
        hint = self.sizeHint()
        self.resize(max(designed.width(), hint.width()), max(designed.height(), hint.height()))

    def make_form(self) -> QWidget:
        """The widget holding the fields: the Designer form FORM, or one built in code."""
        return load_form(self.FORM, self)

    def _build(self) -> None:
        self.general_error = QLabel(self)
        self.general_error.setWordWrap(True)
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setIcon(icon("save"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.legend = QLabel(self.tr("Fields marked * are required."), self)
        self.legend.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.general_error)
        layout.addWidget(self.form)
        layout.addWidget(self.legend)
        layout.addWidget(self.buttons)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self.save)
        for name in self.REQUIRED:
            label = self.form.findChild(QLabel, f"{name}_label")
            if label is not None:
                label.setText(f"{label.text()} *")
        char = self.fontMetrics().averageCharWidth()
        for label in self.form.findChildren(QLabel):
            if label.objectName().endswith("_error"):
                label.setStyleSheet(ERROR_STYLE)
                label.setMinimumWidth(char * 20)
        for name in self.FIELDS:  # the fields take the width the dialog gets (column stretch)
            widget = self.field(name)
            if isinstance(widget, QLineEdit | QComboBox):
                widget.setMinimumWidth(char * self.WIDE.get(name, self.NARROW_CHARS))
        self._align_labels()

    def _align_labels(self) -> None:
        """One label width for every group of the form, so the fields start in one line."""
        labels = [label for label in self.form.findChildren(QLabel)
                  if label.objectName().endswith("_label")]
        if labels:
            width = max(label.sizeHint().width() for label in labels)
            for label in labels:
                label.setMinimumWidth(width)

    # -- fields -----------------------------------------------------------------------

    def field(self, name: str) -> QWidget:
        widget = self.form.findChild(QWidget, name)
        if widget is None:
            raise LookupError(f"{self.FORM} has no field {name}")
        return widget

    def error_label(self, name: str) -> QLabel | None:
        return self.form.findChild(QLabel, f"{name}_error")

    def values(self) -> dict:
        """What the fields hold now, keyed by model field."""
        return {name: read_value(self.form, self.field(name)) for name in self.FIELDS}

    def set_values(self, values: dict) -> None:
        """Fill the fields (a record being edited, or defaults); not an edit by the user."""
        self._loading = True
        for name in self.FIELDS:
            write_value(self.form, self.field(name), values.get(name))
        self._initial = self.values()
        self._loading = False
        self.revalidate()

    def is_dirty(self) -> bool:
        return self.values() != self._initial

    # -- checking -----------------------------------------------------------------------

    def check(self, values: dict) -> None:
        """Raise ValidationFailed (errors keyed by field) when ``values`` break a rule."""

    def persist(self, values: dict) -> bool:
        """Write ``values`` through the services and commit; may raise ValidationFailed.

        False: nothing was saved on purpose (the user went back); the dialog stays.
        """
        raise NotImplementedError

    def show_errors_for_all_fields(self) -> None:
        """Editing an existing record: its stored problems are shown at once."""
        self._show_all = True
        self.revalidate()

    def _edited(self, name: str) -> None:
        if self._loading:
            return
        self._touched.add(name)
        for group in self.TOGETHER:
            if name in group:
                self._touched.update(group)
        self.revalidate()

    def revalidate(self) -> bool:
        """Run the checks, show errors beside touched fields; Save only while valid."""
        try:
            self.check(self.values())
        except ValidationFailed as exc:
            self._errors = _by_field(exc.errors, self.FIELDS)
        else:
            self._errors = {}
        self._show_errors()
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(not self._errors)
        save.setToolTip("" if not self._errors else self.tr(
            "Fill in the required fields (*) and correct the errors shown in red."))
        return not self._errors

    def _show_errors(self) -> None:
        for name in self.FIELDS:
            label = self.error_label(name)
            if label is None:
                continue
            visible = self._show_all or name in self._touched
            label.setText(self._errors.get(name, "") if visible else "")

    def errors(self) -> dict[str, str]:
        """Current problems by field (shown or not yet shown)."""
        return dict(self._errors)

    # -- saving and closing ---------------------------------------------------------------

    def save(self) -> bool:
        """Check, persist, accept; on a rule broken the dialog stays with the input."""
        if not self.revalidate():
            self.show_errors_for_all_fields()
            return False
        try:
            if not self.persist(self.values()):
                return False
        except ValidationFailed as exc:
            self._service_errors(exc)
            return False
        except DomainError as exc:
            self._general(str(exc))
            return False
        self._initial = self.values()
        self.accept()
        return True

    def _service_errors(self, exc: ValidationFailed) -> None:
        by_field = _by_field(exc.errors, self.FIELDS)
        self._errors = by_field
        self._show_all = True
        self._show_errors()
        others = [str(e) for e in exc.errors if (e.key or "") not in self.FIELDS]
        self._general("\n".join(others) if others else "")

    def _general(self, text: str) -> None:
        self.general_error.setText(text)
        self.general_error.setVisible(bool(text))

    def reject(self) -> None:  # override (Esc, Cancel and closing the window end here)
        if self.isVisible() and self.is_dirty() and not self._may_leave():
            return
        super().reject()

    def _may_leave(self) -> bool:
        """Ask about unsaved changes: Save (and leave if it worked), Discard, Cancel."""
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self, self.tr("Unsaved changes"),
            self.tr("You have changed this record. Save the changes?"),
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        if answer == buttons.Save:
            return self.save() and False  # save() already closed the dialog
        if answer == buttons.Discard:
            self._initial = self.values()
            return True
        return False

    def keyPressEvent(self, event) -> None:  # override
        # Enter in a single-line field must not save half a form by accident
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.focusNextChild()
            return
        super().keyPressEvent(event)


def _by_field(errors: list[FieldError], fields: tuple[str, ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in errors:
        key = error.key if error.key in fields else ""
        if key and key not in found:
            found[key] = error.message
    return found
