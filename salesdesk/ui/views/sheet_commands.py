"""The condition sheet commands of the conditions page: print preview, print, save as
PDF, issue, and reprint of an issued sheet, each off the GUI thread.

A mixin of ConditionsView (it uses the page's store, customer, day, language, issued
sheets, status line and buttons). Sheets are built and rendered on a reader thread and
issued on the single writer; the preview shows the rendered pages.
"""

import io
import uuid
from datetime import date

from PySide6.QtWidgets import QMessageBox

from salesdesk.domain.errors import DomainError
from salesdesk.services import condition_view as cv
from salesdesk.ui.ops import Op, read_pool, write_pool
from salesdesk.ui.print_preview import (
    PdfPreviewDialog,
    ask_pdf_file,
    choose_printer,
    print_pdf,
    render_pages,
)


class SheetCommands:
    """Print preview (Ctrl+P), Print…, Save as PDF…, Issue sheet…, Reprint…"""

    preview: PdfPreviewDialog | None = None
    op: Op | None = None  # the command running in the background
    last_issued = None  # the sheet issued last (services.condition_sheets.IssuedSheet)

    def _sheet_args(self) -> tuple[str, date, str | None]:
        return (self.customer.number, self.as_of.date().toPython(),
                self.language.currentData())

    def _sheet_file_name(self, number: str = "") -> str:
        name = self.tr("Condition sheet")
        parts = [name, number or self.customer.number,
                 self.as_of.date().toPython().isoformat()]
        return " ".join(p for p in parts if p) + ".pdf"

    def print_preview(self) -> Op | None:
        """Render the sheet (not issued) and show its pages (Ctrl+P)."""
        if self.customer is None or self.overview is None or self.op is not None:
            return None
        from salesdesk.services.condition_sheets import print_sheet as render_sheet

        store, (number, on, language) = self.store, self._sheet_args()

        def work(progress, cancelled):
            buffer = io.BytesIO()
            render_sheet(store, number, buffer, on, language)
            pdf = buffer.getvalue()
            return pdf, render_pages(pdf)

        title = self.tr("Condition sheet {customer} as of {date} – preview").format(
            customer=self.customer.label, date=cv.date_text(on))
        return self._run(work, lambda result: self._show_preview(title, result,
                                                                 self._sheet_file_name()),
                         read_pool(), self.tr("Preparing the print preview…"))

    def _show_preview(self, title: str, result, file_name: str) -> None:
        pdf, images = result
        preview = PdfPreviewDialog(title, pdf, images, file_name, self)
        preview.sig_message.connect(self._report)
        preview.finished.connect(preview.deleteLater)
        preview.finished.connect(lambda *_: self._preview_closed(preview))
        self.preview = preview
        preview.show()

    def _preview_closed(self, preview) -> None:
        if self.preview is preview:
            self.preview = None

    def print_sheet(self) -> Op | None:
        if self.customer is None or self.op is not None:
            return None
        printer = choose_printer(self, self.tr("Print the condition sheet"))
        if printer is None:
            return None
        from salesdesk.services.condition_sheets import print_sheet as render_sheet

        store, (number, on, language) = self.store, self._sheet_args()

        def work(progress, cancelled):
            buffer = io.BytesIO()
            render_sheet(store, number, buffer, on, language)
            return print_pdf(printer, buffer.getvalue())

        return self._run(work, lambda pages: self._report(self.tr(
            "Printed the condition sheet ({count} pages).").format(count=pages)),
            read_pool(), self.tr("Printing…"))

    def save_pdf(self) -> Op | None:
        """Save the sheet (not issued) as a PDF file the user names."""
        if self.customer is None or self.op is not None:
            return None
        path = ask_pdf_file(self, self.tr("Save the condition sheet as PDF"),
                            self._sheet_file_name())
        if path is None:
            return None
        from salesdesk.services.condition_sheets import print_sheet as render_sheet

        store, (number, on, language) = self.store, self._sheet_args()

        def work(progress, cancelled):
            return render_sheet(store, number, path, on, language)

        return self._run(work, lambda pages: self._report(self.tr(
            "Saved the condition sheet to {file} ({count} pages).").format(
                file=path, count=pages)), read_pool(), self.tr("Saving the PDF…"))

    def issue_sheet(self) -> Op | None:
        """Number the sheet, file its PDF in the customer's documents (asks first)."""
        if self.customer is None or self.op is not None:
            return None
        number, on, language = self._sheet_args()
        buttons = QMessageBox.StandardButton
        if QMessageBox.question(self, self.tr("Issue condition sheet"), self.tr(
                "Issue the condition sheet of {customer} as of {date}? It gets a number and "
                "its PDF is filed in the customer's documents; it can be reprinted unchanged "
                "later.").format(customer=self.customer.label, date=cv.date_text(on)),
                buttons.Yes | buttons.Cancel, buttons.Cancel) != buttons.Yes:
            return None
        from salesdesk.services.condition_sheets import issue_sheet

        store = self.store

        def work(progress, cancelled):
            return issue_sheet(store, number, on, language)

        return self._run(work, self._issued, write_pool(), self.tr("Issuing the sheet…"))

    def _issued(self, sheet) -> None:
        self.last_issued = sheet
        self._report(self.tr("Condition sheet {number} issued and filed in the customer's "
                             "documents.").format(number=sheet.number))
        self.tabs.setCurrentIndex(self.tabs.count() - 1)
        self.reload()
        self.sig_changed.emit(uuid.UUID(hex=self.customer.id))

    def reprint(self) -> Op | None:
        """Show an issued sheet again from its snapshot, to print or save it."""
        issued_id = self._chosen_issued()
        if issued_id is None or self.op is not None:
            return None
        sheet = next(s for s in self.issued if s.id == issued_id)
        from salesdesk.reports.condition_sheet import render_condition_sheet
        from salesdesk.services.condition_sheets import issued_snapshot

        try:  # one row, read here: the store's reader belongs to this thread
            snapshot = issued_snapshot(self.store.reader(), issued_id)
        except DomainError as exc:
            self._failed(exc)
            return None

        def work(progress, cancelled):
            buffer = io.BytesIO()
            render_condition_sheet(snapshot, buffer)  # as reprint_sheet does
            pdf = buffer.getvalue()
            return pdf, render_pages(pdf)

        title = self.tr("Condition sheet {number} (reprint)").format(number=sheet.number)
        return self._run(work, lambda result: self._show_preview(
            title, result, self._sheet_file_name(sheet.number)), read_pool(),
            self.tr("Preparing the reprint…"))

    # -- background work --------------------------------------------------------------------

    def _run(self, work, done, pool, busy_text: str) -> Op:
        op = Op(work, self)
        self.op = op
        op.sig_succeeded.connect(done)
        op.sig_failed.connect(self._failed)
        op.sig_finished.connect(self._finished)
        self.status.setText(busy_text)
        self._update_buttons()
        return op.start(pool)

    def _finished(self) -> None:
        self.op = None
        if self.status.text().endswith("…") and self.status.text() != self._reading_text():
            self.status.setText("")
        self._update_buttons()

    def _failed(self, exc: Exception) -> None:
        text = str(exc) if isinstance(exc, DomainError | OSError) else self.tr(
            "Something went wrong: {error}").format(error=exc)
        self._report(text)
        QMessageBox.warning(self, self.tr("Condition sheet"), text)

    def _report(self, text: str) -> None:
        self.status.setText(text)
        self.sig_message.emit(text)
