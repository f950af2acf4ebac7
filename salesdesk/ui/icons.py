"""SVG icons from salesdesk.resources, drawn in the palette's text colour at any size.

The files use ``currentColor``; the engine substitutes the colour of the current
palette (so icons follow a dark theme) and renders at the requested size and device
pixel ratio, so they stay sharp on high-DPI screens.
"""

from functools import cache
from importlib import resources

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QIconEngine, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer


@cache
def _svg(name: str) -> str:
    source = resources.files("salesdesk.resources") / "icons" / f"{name}.svg"
    return source.read_text(encoding="utf-8")


def _colour(mode: QIcon.Mode) -> str:
    group = (QPalette.ColorGroup.Disabled if mode == QIcon.Mode.Disabled
             else QPalette.ColorGroup.Active)
    role = (QPalette.ColorRole.HighlightedText if mode == QIcon.Mode.Selected
            else QPalette.ColorRole.WindowText)
    return QGuiApplication.palette().color(group, role).name()


class SvgIconEngine(QIconEngine):
    """Renders one SVG, recoloured for the icon mode (normal, disabled, selected)."""

    def __init__(self, svg: str):
        super().__init__()
        self._svg = svg

    def paint(self, painter: QPainter, rect, mode, state) -> None:  # override
        data = self._svg.replace("currentColor", _colour(mode)).encode("utf-8")
        QSvgRenderer(QByteArray(data)).render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode, state) -> QPixmap:  # override
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode, state, scale: float) -> QPixmap:  # override
        image = QImage(size * scale, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        self.paint(painter, image.rect(), mode, state)
        painter.end()
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def clone(self) -> "SvgIconEngine":  # override
        return SvgIconEngine(self._svg)


def icon(name: str) -> QIcon:
    """The icon resources/icons/NAME.svg."""
    return QIcon(SvgIconEngine(_svg(name)))


def app_icon() -> QIcon:
    return icon("salesdesk")
