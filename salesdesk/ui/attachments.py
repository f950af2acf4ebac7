"""Files a dialog attaches when it is saved (logbook entries, tasks).

The dialog has an ``attachments`` QListWidget: rows with a path (``PENDING``) are files
on this computer still to be attached; rows without one are stored documents. The
dialog provides ``_show_attachments()`` (how the list and its hint look) and
``_edited(field)`` (FormDialog), and may override ``_attachment_chosen``.
"""

import shutil
import tempfile
import uuid
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QListWidgetItem, QMessageBox, QWidget

from salesdesk.domain.errors import DomainError
from salesdesk.ui.icons import icon

PENDING = Qt.ItemDataRole.UserRole  # a file still to attach: its path on this computer


class PendingAttachments:
    def new_attachments(self) -> list[Path]:
        """The files to attach on saving (those attached already are not listed)."""
        paths = []
        for row in range(self.attachments.count()):
            path = self.attachments.item(row).data(PENDING)
            if path:
                paths.append(Path(path))
        return paths

    def choose_attachments(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(self, self.tr("Attach files"))
        self.attach([Path(name) for name in names])

    def attach(self, paths: list[Path]) -> None:
        """List ``paths`` to be attached on saving (each file once)."""
        have = set(self.new_attachments())
        added = False
        for path in paths:
            if path in have:
                continue
            have.add(path)
            item = QListWidgetItem(icon("document"), path.name, self.attachments)
            item.setData(PENDING, str(path))
            item.setToolTip(str(path))
            added = True
        if added:
            self.attachments.setCurrentRow(self.attachments.count() - 1)
            self._show_attachments()
            self._edited("attachments")

    def _attachment_chosen(self, row: int) -> None:
        item = self.attachments.item(row) if row >= 0 else None
        self.remove_attachment.setEnabled(item is not None and bool(item.data(PENDING)))

    def _remove_attachment(self) -> None:
        """Take a file off the list; only one not attached yet."""
        row = self.attachments.currentRow()
        item = self.attachments.item(row) if row >= 0 else None
        if item is not None and item.data(PENDING):
            self.attachments.takeItem(row)
            self._show_attachments()
            self._edited("attachments")


def viewable_copy(blob: Path, document) -> Path:
    """A copy under the document's own name: the blob store names files by content
    hash, without the extension the system viewer needs."""
    folder = Path(tempfile.gettempdir()) / "SalesDesk" / document.sha256[:16]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / Path(document.name).name
    if not target.exists() or target.stat().st_size != document.size:
        shutil.copyfile(blob, target)
    return target


def open_file(path: Path) -> None:
    """Open a file on this computer with the system's viewer."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def open_stored_document(parent: QWidget, store, document_id: uuid.UUID) -> None:
    """Open a stored document with the system's viewer; a problem goes to a message box."""
    from salesdesk.services.documents import document_path, get_document

    try:
        with store.session() as session:
            document = get_document(session, document_id)
            path = viewable_copy(document_path(store, document), document)
    except (DomainError, OSError) as exc:
        QMessageBox.warning(parent, QCoreApplication.translate("Attachments", "Attachments"),
                            str(exc))
        return
    open_file(path)
