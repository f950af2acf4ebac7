"""Print preview, printing and saving of a PDF the services made (condition sheets).

Pages are rasterised with pypdfium2 into QImages (a worker thread may do that; PDFium is
not thread-safe, so every use holds ``PDFIUM``). The preview shows the pages one under
another with Print… and Save as PDF… beside them; printing paints the pages, rendered at
the printer's resolution, onto the QPrinter the print dialog set up.
"""

import threading
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from salesdesk.ui.icons import icon
from salesdesk.ui.shortcuts import local_shortcut

PDFIUM = threading.Lock()  # PDFium must not run on two threads at once
PREVIEW_DPI = 96
PRINT_DPI_MAX = 300  # enough for text on paper; 600 dpi pages take four times as long


def render_pages(pdf: bytes, dpi: float = PREVIEW_DPI) -> list[QImage]:
    """Every page of a PDF as an image at ``dpi`` (safe on a worker thread)."""
    import pypdfium2 as pdfium

    images = []
    with PDFIUM:
        document = pdfium.PdfDocument(pdf)
        try:
            for index in range(len(document)):
                page = document[index]
                bitmap = page.render(scale=dpi / 72, rev_byteorder=True, prefer_bgrx=True)
                image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height,
                               bitmap.stride, QImage.Format.Format_RGBX8888)
                images.append(image.copy())  # own the pixels: the buffer goes with the bitmap
                bitmap.close()
                page.close()
        finally:
            document.close()
    return images


def print_pdf(printer: QPrinter, pdf: bytes) -> int:
    """Paint a PDF's pages onto ``printer``, each fitted to the paper; the page count."""
    dpi = min(printer.resolution(), PRINT_DPI_MAX)
    pages = render_pages(pdf, dpi)
    printer.setFullPage(True)  # the PDF brings its own margins
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError(printer.printerName() or printer.outputFileName())
    try:
        for number, image in enumerate(pages):
            if number:
                printer.newPage()
            area = painter.viewport()
            size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(QRect(area.x(), area.y(), size.width(), size.height()), image)
    finally:
        painter.end()
    return len(pages)


def choose_printer(parent: QWidget, title: str) -> QPrinter | None:
    """The printer (and its settings) the user picks in the system's print dialog."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(title)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return printer


def ask_pdf_file(parent: QWidget, title: str, suggested: str) -> Path | None:
    name, _filter = QFileDialog.getSaveFileName(parent, title, suggested,
                                                parent.tr("PDF documents (*.pdf)"))
    if not name:
        return None
    path = Path(name)
    return path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")


class PdfPreviewDialog(QDialog):
    """The pages of a PDF, with Print… and Save as PDF…; not modal (the page stays usable)."""

    sig_message = Signal(str)  # what was printed or saved, for the status bar

    def __init__(self, title: str, pdf: bytes, images: list[QImage], file_name: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.pdf, self.images, self.file_name = pdf, images, file_name
        self.page_labels: list[QLabel] = []
        self.buttons = QDialogButtonBox(self)
        self.print_button = self._button(self.tr("Print…"), "print",
                                         self.tr("Choose a printer and print these pages"))
        self.save_button = self._button(self.tr("Save as PDF…"), "save",
                                        self.tr("Save these pages as a PDF file"))
        close = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.reject)
        self.print_button.clicked.connect(self.print_pages)
        self.save_button.clicked.connect(self.save_pdf)
        count = QLabel(self.tr("{count} pages").format(count=len(images)) if len(images) != 1
                       else self.tr("1 page"), self)
        count.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.print_button)
        row.addWidget(self.save_button)
        row.addStretch(1)
        row.addWidget(count)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self._pages(), 1)
        layout.addWidget(self.buttons)
        local_shortcut(QKeySequence(QKeySequence.StandardKey.Print), self, self.print_pages,
                       Qt.ShortcutContext.WidgetWithChildrenShortcut)
        width = (images[0].width() if images else 600) + 80
        self.resize(QSize(width, 860))

    def _button(self, text: str, icon_name: str, tip: str) -> QPushButton:
        button = QPushButton(icon(icon_name), text, self)
        button.setToolTip(tip)
        return button

    def _pages(self) -> QScrollArea:
        holder = QWidget(self)
        column = QVBoxLayout(holder)
        column.setSpacing(16)
        for number, image in enumerate(self.images, start=1):
            page = QLabel(holder)
            page.setPixmap(QPixmap.fromImage(image))
            page.setFrameShape(QFrame.Shape.Box)
            page.setAccessibleName(self.tr("Page {number}").format(number=number))
            column.addWidget(page, 0, Qt.AlignmentFlag.AlignHCenter)
            self.page_labels.append(page)
        scroll = QScrollArea(self)
        scroll.setWidget(holder)
        scroll.setWidgetResizable(True)
        scroll.setBackgroundRole(self.backgroundRole())
        return scroll

    def print_pages(self) -> None:
        printer = choose_printer(self, self.windowTitle())
        if printer is None:
            return
        try:
            pages = print_pdf(printer, self.pdf)
        except OSError as exc:
            QMessageBox.warning(self, self.windowTitle(), self.tr(
                "Cannot print on {printer}.").format(printer=exc))
            return
        self.sig_message.emit(self.tr("Printed {count} pages.").format(count=pages))

    def save_pdf(self) -> Path | None:
        path = ask_pdf_file(self, self.tr("Save as PDF"), self.file_name)
        if path is None:
            return None
        try:
            path.write_bytes(self.pdf)
        except OSError as exc:
            QMessageBox.warning(self, self.windowTitle(), self.tr(
                "Cannot write {file}: {error}").format(file=path, error=exc.strerror or exc))
            return None
        self.sig_message.emit(self.tr("Saved {file}.").format(file=path))
        return path
