"""The price check of the conditions page: an article, a quantity and a day give the net
unit price, the conditions that made it and the engine's reasons, for one customer.

One price takes milliseconds (one indexed query), so it is priced on the GUI thread
through the store's reader, like the pickers read.
"""

from datetime import date

from PySide6.QtCore import QDate, QLocale, QModelIndex, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCompleter,
    QDateEdit,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from salesdesk.domain.errors import DomainError, ValidationFailed
from salesdesk.domain.money import parse_amount
from salesdesk.i18n import current_language
from salesdesk.services import condition_view as cv
from salesdesk.services.articles import list_articles
from salesdesk.store.engine import Store
from salesdesk.ui.dialogs.form_dialog import ERROR_STYLE
from salesdesk.ui.icons import icon
from salesdesk.ui.models.record_table import Cell, RecordTableModel
from salesdesk.ui.shortcuts import local_shortcut
from salesdesk.ui.tables import style_record_table

SEARCH_DELAY_MS = 150
PICKER_ROWS = 12
_NUMBER = Qt.ItemDataRole.UserRole
_LABEL = Qt.ItemDataRole.UserRole + 1


class ArticleField(QLineEdit):
    """An article by number: type a number, or part of a name and choose from the list.
    Field protocol of salesdesk.ui.forms: the value is the article number."""

    sig_edited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._source = None
        self._number, self._label = "", ""
        self.choices = QStandardItemModel(self)
        self.suggestions = QCompleter(self.choices, self)
        self.suggestions.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.suggestions.setWidget(self)
        self.suggestions.activated[QModelIndex].connect(self._chosen)
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search)
        self.setClearButtonEnabled(True)
        self.setPlaceholderText(self.tr("Article number or name"))
        self.textChanged.connect(self._text_changed)
        self.textEdited.connect(lambda text: self._timer.start() if text.strip() else None)

    def set_source(self, source) -> None:
        """Where to search (``Store.reader``)."""
        self._source = source

    def field_value(self) -> str:
        return self._number if self._number else self.text().strip()

    def set_field_value(self, value: str | None) -> None:
        self._timer.stop()
        self._number = self._label = ""
        self.setText(value or "")

    def show_article(self, number: str, label: str) -> None:
        """Show a known article by its label ("Article A-100 Gloves"), worth its number."""
        self._label = label
        self.setText(label)
        self._number = number
        self.setCursorPosition(0)

    def _text_changed(self, text: str) -> None:
        if text != self._label:  # typed over: what is typed is the number
            self._number = self._label = ""
        self.sig_edited.emit()

    def search(self) -> None:
        self._timer.stop()
        text = self.text().strip()
        if not text or self._source is None or self._number:
            return
        rows = list_articles(self._source(), text, language=current_language(),
                             active_only=True, limit=PICKER_ROWS)
        self.choices.clear()
        for row in rows:
            item = QStandardItem(f"{row.number}  {row.name}")
            item.setData(row.number, _NUMBER)
            item.setData(f"{row.number} {row.name}", _LABEL)
            self.choices.appendRow(item)
        if not rows:
            item = QStandardItem(self.tr("No article matches “{text}”").format(text=text))
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.choices.appendRow(item)
        popup = self.suggestions.popup()
        needed = popup.sizeHintForColumn(0) + popup.verticalScrollBar().sizeHint().width() + 12
        self.suggestions.complete(QRect(0, 0, max(self.width(), min(needed, 2 * self.width())),
                                        self.height()))

    def choose_row(self, row: int) -> None:
        self._chosen(self.choices.index(row, 0))

    def _chosen(self, index: QModelIndex) -> None:
        number = index.data(_NUMBER)
        if not number:
            return
        self.show_article(number, index.data(_LABEL))
        self.suggestions.popup().hide()
        self.sig_edited.emit()


def date_edit(parent: QWidget, value: date | None = None) -> QDateEdit:
    """A date field with a calendar, the year always with four digits."""
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    text = QLocale().dateFormat(QLocale.FormatType.ShortFormat)
    edit.setDisplayFormat(text if "yyyy" in text else text.replace("yy", "yyyy"))
    edit.setDate(QDate(value) if value else QDate.currentDate())
    return edit


class PriceCheckPanel(QGroupBox):
    """Price one article for the page's customer: inputs on top, the result below."""

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTitle(self.tr("Price check"))
        self.store = store
        self.customer_key = None
        self.result: cv.PriceCheck | None = None
        self.article = ArticleField(self)
        self.article.set_source(store.reader)
        self.quantity = QLineEdit("1", self)
        self.quantity.setMaximumWidth(self.fontMetrics().averageCharWidth() * 12)
        self.on = date_edit(self)
        self.check_button = QPushButton(icon("search"), self.tr("Check price"), self)
        self.check_button.setToolTip(self.tr("Price the article for this customer (Enter)"))
        self.error = QLabel(self)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.net_price = QLabel(self)
        font = self.net_price.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.net_price.setFont(font)
        self.net_price.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.applied = RecordTableModel([self.tr("Condition"), self.tr("Rate"),
                                         self.tr("Effect")], self)
        self.applied_table = QTableView(self)
        self.trace = QPlainTextEdit(self)
        self._build()
        self.check_button.clicked.connect(self.check)
        for field in (self.article, self.quantity):
            field.returnPressed.connect(self.check)
        self.set_customer(None)

    def _build(self) -> None:
        grid = QGridLayout()
        rows = ((self.tr("&Article"), self.article), (self.tr("&Quantity"), self.quantity),
                (self.tr("On &day"), self.on))
        for row, (text, widget) in enumerate(rows):
            label = QLabel(text, self)
            label.setBuddy(widget)
            grid.addWidget(label, row, 0)
            grid.addWidget(widget, row, 1, Qt.AlignmentFlag.AlignLeft if widget is not
                           self.article else Qt.AlignmentFlag(0))
        grid.setColumnStretch(1, 1)
        self.article.setAccessibleName(self.tr("Article"))
        self.quantity.setAccessibleName(self.tr("Quantity"))
        self.on.setAccessibleName(self.tr("On day"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.check_button)
        buttons.addStretch(1)
        table = self.applied_table
        table.setModel(self.applied)
        style_record_table(table, multi=True, row_padding=6)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        table.setAccessibleName(self.tr("Applied conditions"))
        self.trace.setReadOnly(True)
        self.trace.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.trace.setAccessibleName(self.tr("Why: the engine's decisions"))
        self.trace.setPlaceholderText(self.tr("Why this price: every record the engine "
                                              "looked at, and why it was used or not."))
        small = QFont(self.trace.font())
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.trace.setFont(small)
        left = QVBoxLayout()
        left.addLayout(grid)
        left.addLayout(buttons)
        left.addWidget(self.error)
        left.addWidget(self.net_price)
        left.addWidget(self.summary)
        left.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        for text, widget, stretch in ((self.tr("Applied conditions"), table, 3),
                                      (self.tr("Why"), self.trace, 4)):
            column = QVBoxLayout()
            caption = QLabel(text, self)
            caption.setEnabled(False)
            column.addWidget(caption)
            column.addWidget(widget, 1)
            layout.addLayout(column, stretch)
        local_shortcut(QKeySequence(Qt.Key.Key_Return), self.on, self.check)

    def set_customer(self, customer_key, on: date | None = None) -> None:
        """The customer whose prices are checked (None: nothing to check yet)."""
        self.customer_key = customer_key
        if on is not None:
            self.on.setDate(QDate(on))
        self.setEnabled(customer_key is not None)
        self._clear()

    def set_day(self, day: date) -> None:
        """The page's day changed: price on it (again, if a price is shown)."""
        self.on.setDate(QDate(day))
        if self.result is not None:
            self.check()

    def show_article(self, number: str) -> None:
        """Price this article (the record chosen in a list)."""
        self.article.set_field_value(number)
        self.check()

    def _clear(self, error: str = "") -> None:
        self.result = None
        self.error.setText(error)
        self.error.setVisible(bool(error))
        self.net_price.setText(self.tr("Net price: –"))
        self.summary.setText("")
        self.applied.set_rows([])
        self.trace.setPlainText("")

    def check(self) -> cv.PriceCheck | None:
        """Price the article as the fields say; problems are shown above the result."""
        if self.customer_key is None:
            return None
        try:
            quantity = parse_amount(self.quantity.text())
        except ValueError:
            quantity = None
        if quantity is None or quantity <= 0:
            self._clear(self.tr("Quantity: type a number more than 0."))
            self.quantity.setFocus()
            return None
        try:
            result = cv.price_check(self.store.reader(), self.customer_key,
                                    self.article.field_value(), quantity,
                                    self.on.date().toPython())
        except ValidationFailed as exc:
            self._clear("\n".join(f"{e.field}: {e.message}" for e in exc.errors))
            return None
        except DomainError as exc:
            self._clear(str(exc))
            return None
        self._show(result)
        return result

    def _show(self, result: cv.PriceCheck) -> None:
        self._clear()
        self.result = result
        unit = cv.money_text(result.net_unit_price, result.currency)
        self.net_price.setText(self.tr("Net price: {price} per unit").format(price=unit))
        lines = [result.article,
                 self.tr("Quantity {quantity}: net value {value}").format(
                     quantity=cv.number_text(result.quantity),
                     value=cv.money_text(result.net_value, result.currency))]
        lines += [self.tr("{type}: {amount} per document (not in the unit price)").format(
            type=line.type_name, amount=line.value) for line in result.document]
        if result.cash_discount:
            lines.append(self.tr("Cash discount: {text}").format(text=result.cash_discount))
        self.summary.setText("\n".join(lines))
        self.applied.set_rows([(n, [Cell(line.type_name, tooltip=line.source),
                                    Cell(line.rate, right=True),
                                    Cell(line.value, right=True)])
                               for n, line in enumerate(result.applied)])
        self.trace.setPlainText("\n".join(result.explain))

    def net_price_text(self) -> str:
        return self.net_price.text()
