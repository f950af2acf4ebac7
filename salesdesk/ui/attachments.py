"""Files a dialog attaches when it is saved (logbook entries, tasks).

The dialog has an ``attachments`` QListWidget: rows with a path (``PENDING``) are files
on this computer still to be attached; rows without one are stored documents. The
dialog provides ``_show_attachments()`` (how the list and its hint look) and
``_edited(field)`` (FormDialog), and may override ``_attachment_chosen``.
"""

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QListWidgetItem

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
