"""A page for a feature that is not built yet: says so plainly, centred."""

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from salesdesk.ui.icons import icon


class PlaceholderView(QWidget):
    def __init__(self, icon_name: str, title: str, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        picture = QLabel(self)
        picture.setPixmap(icon(icon_name).pixmap(64, 64))
        picture.setEnabled(False)  # drawn in the disabled colour: quiet
        heading = QLabel(title, self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        heading.setFont(font)
        self.message = QLabel(text, self)
        self.message.setWordWrap(True)
        column = QWidget(self)  # a fixed column, so wrapped text gets its full height
        column.setFixedWidth(520)
        inner = QVBoxLayout(column)
        for widget in (picture, heading, self.message):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            inner.addWidget(widget)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addLayout(row)
        layout.addStretch(3)


def tr(text: str) -> str:
    return QCoreApplication.translate("PlaceholderView", text)


def placeholder_pages(parent: QWidget | None = None) -> dict[str, PlaceholderView]:
    """The pages of the features that come in later versions, by navigation key."""
    coming = tr("This part of SalesDesk is coming in a later version.")
    texts = {
        "agents": ("agents", tr("Agents"),
                   tr("Commercial agents with their territories, commission plans and "
                      "statements.")),
    }
    return {key: PlaceholderView(name, title, f"{text}\n\n{coming}", parent)
            for key, (name, title, text) in texts.items()}
