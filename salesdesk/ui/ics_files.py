"""Calendar files from the desktop: "Add to my calendar" hands an appointment to the
system's calendar program (Outlook, Apple Calendar, Thunderbird); "Export … as .ics…"
saves a week or a task list where the user chooses. Neither needs Exchange.

What to open a file with is ``opener`` (tests pass their own: nothing is launched).
"""

import tempfile
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget
from sqlalchemy.orm import Session

from salesdesk.domain.errors import DomainError
from salesdesk.services import calendar_files as cf
from salesdesk.store.engine import Store

Opener = Callable[[QUrl], object]


def tr(text: str) -> str:
    return QCoreApplication.translate("CalendarFiles", text)


def open_url(url: QUrl) -> bool:
    """The system's program for the file: for .ics, the calendar, which offers to import."""
    return QDesktopServices.openUrl(url)


def calendar_folder() -> Path:
    """Where "Add to my calendar" puts its files (the calendar imports them from there)."""
    return Path(tempfile.gettempdir()) / "SalesDesk" / "calendar"


def add_to_calendar(parent: QWidget, store: Store, appointment_id: uuid.UUID,
                    opener: Opener | None = None) -> Path | None:
    """Write the appointment as .ics to a temporary folder and open it; a problem goes
    to a message box. Returns the file written."""
    try:
        with store.session() as session:
            data = cf.appointment_ics(session, appointment_id)
            name = cf.appointment_file_name(session, appointment_id)
        folder = calendar_folder()
        folder.mkdir(parents=True, exist_ok=True)
        path = cf.write_ics(folder / name, data)
    except (DomainError, OSError) as exc:
        QMessageBox.warning(parent, tr("Add to my calendar"), str(exc))
        return None
    (opener or open_url)(QUrl.fromLocalFile(str(path)))
    return path


def export_ics(parent: QWidget, store: Store, title: str, suggested: str,
               make: Callable[[Session, object], bytes],
               kinds: Sequence[tuple[str, object]] = ()) -> Path | None:
    """Make the file (``make(session, kind)``), ask where to save it, save it; returns
    the file written. ``kinds``: (file-dialog filter, kind) per variant of the file, the
    first the default. Nothing to export or a problem: a message and no file."""
    kinds = list(kinds) or [(tr("Calendar files (*.ics)"), None)]
    kind = kinds[0][1]
    data = _make(parent, store, title, make, kind)  # nothing to export: no file dialog
    if data is None:
        return None
    folder = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
    name, chosen = QFileDialog.getSaveFileName(parent, title, str(Path(folder) / suggested),
                                               ";;".join(label for label, _kind in kinds))
    if not name:
        return None
    wanted = next((k for label, k in kinds if label == chosen), kind)
    if wanted != kind:
        data = _make(parent, store, title, make, wanted)
        if data is None:
            return None
    path = Path(name)
    if path.suffix.lower() != ".ics":
        path = path.with_name(f"{path.name}.ics")
    try:
        return cf.write_ics(path, data)
    except OSError as exc:
        QMessageBox.warning(parent, title, tr("Could not write {file}: {problem}").format(
            file=path, problem=exc.strerror or exc))
        return None


def _make(parent: QWidget, store: Store, title: str, make, kind) -> bytes | None:
    try:
        with store.session() as session:
            return make(session, kind)
    except DomainError as exc:
        QMessageBox.information(parent, title, str(exc))
        return None
