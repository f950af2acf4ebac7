"""A friendly page in place of an empty list: what is going on and what to do next."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from salesdesk.ui.icons import icon

TEXT_WIDTH_CHARS = 70


class EmptyState(QWidget):
    """A picture, a title, a sentence and a row of buttons, centred."""

    def __init__(self, icon_name: str, title: str, message: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.picture = QLabel(self)
        self.picture.setPixmap(icon(icon_name).pixmap(64, 64, QIcon.Mode.Disabled))
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel(title, self)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.message = QLabel(message, self)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        # a fixed width: a wrapped label then gets the height its lines need
        self.message.setFixedWidth(self.fontMetrics().averageCharWidth() * TEXT_WIDTH_CHARS)
        self.buttons: dict[str, QPushButton] = {}
        self._row = QHBoxLayout()
        self._row.addStretch(1)
        self._row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(self.picture)
        layout.addSpacing(8)
        layout.addWidget(self.title)
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addWidget(self.message)
        centred.addStretch(1)
        layout.addLayout(centred)
        layout.addSpacing(12)
        layout.addLayout(self._row)
        layout.addStretch(3)

    def add_button(self, name: str, text: str, icon_name: str = "", tip: str = ""
                   ) -> QPushButton:
        button = QPushButton(icon(icon_name), text, self) if icon_name else \
            QPushButton(text, self)
        button.setToolTip(tip)
        self._row.insertWidget(self._row.count() - 1, button)
        self.buttons[name] = button
        return button

    def text(self) -> str:
        """Title and sentence, as a screen reader would read them."""
        return f"{self.title.text()}\n{self.message.text()}"
