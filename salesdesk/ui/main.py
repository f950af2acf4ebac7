"""Start the desktop app: Qt, language, instance lock, store, main window.

``run_app`` is called by salesdesk.app.main. With ``screenshot`` it renders one view
offscreen into a PNG of a fixed size and exits without showing any dialog.
"""

import logging
import os
import sys
import time
from pathlib import Path

from salesdesk.domain.errors import DomainError, StoreError
from salesdesk.i18n import SUPPORTED_LANGUAGES
from salesdesk.logs import setup_logging

log = logging.getLogger(__name__)
SCREENSHOT_SIZE = (1280, 800)


def run_app(data_dir: Path, screenshot: Path | None = None, view: str = "customers",
            language: str | None = None) -> int:
    """Run the app (or render ``view`` into ``screenshot``); the process exit code."""
    started = time.perf_counter()
    if screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window ever appears
    data_dir = Path(data_dir)
    log_path = setup_logging(data_dir)
    app = _application()
    from salesdesk.ui.settings import Settings
    from salesdesk.ui.translation import install_translation, remove_translation

    settings = Settings(remember=screenshot is None)
    installed = install_translation(language or settings.language() or system_language())
    previous = _route_qt_messages()
    try:
        return _run(app, data_dir, log_path, settings, screenshot, view, started)
    finally:  # in-process callers (tests) get their QApplication back as it was
        _restore_qt_messages(previous)
        remove_translation(installed)
        _detach_log(log_path)


def _application():
    from PySide6.QtWidgets import QApplication

    from salesdesk.ui.icons import app_icon
    from salesdesk.ui.settings import APPLICATION, ORGANIZATION

    app = QApplication.instance()
    if app is None:
        QApplication.setOrganizationName(ORGANIZATION)
        QApplication.setApplicationName(APPLICATION)
        app = QApplication(sys.argv[:1])
        app.setApplicationDisplayName("SalesDesk")
        app.setDesktopFileName("salesdesk")
    app.setWindowIcon(app_icon())
    return app


def system_language() -> str:
    from PySide6.QtCore import QLocale

    language = QLocale.system().name().split("_")[0]
    return language if language in SUPPORTED_LANGUAGES else "en"


def _run(app, data_dir: Path, log_path: Path, settings, screenshot: Path | None, view: str,
         started: float) -> int:
    from salesdesk.store.lock import InstanceLock

    try:
        lock = InstanceLock(data_dir).acquire()
    except StoreError as exc:
        return _fail(str(exc), screenshot)
    try:
        store = _open_store(data_dir, screenshot)
        if store is None:
            return 1
        try:
            return _window(app, store, log_path, settings, screenshot, view, started)
        finally:
            store.close()
    finally:
        lock.release()


def _open_store(data_dir: Path, screenshot: Path | None):
    from salesdesk.store.engine import open_store

    try:
        return open_store(data_dir)
    except StoreError as exc:
        _fail(str(exc), screenshot)
    except Exception as exc:  # a damaged file: say so, the details go to the log
        log.exception("cannot open the store in %s", data_dir)
        from salesdesk.i18n import _

        _fail(_("SalesDesk cannot open its data in {folder}: {detail}").format(
            folder=data_dir, detail=exc), screenshot)
    return None


def _window(app, store, log_path: Path, settings, screenshot: Path | None, view: str,
            started: float) -> int:
    from salesdesk.ui.main_window import MainWindow

    window = MainWindow(store, settings, log_path)
    if screenshot is not None:
        try:
            return _screenshot(app, window, screenshot, view)
        finally:
            window.deleteLater()
            app.processEvents()
    _install_crash_handler(window)
    window.restore()
    window.show()
    from PySide6.QtCore import QTimer

    QTimer.singleShot(1500, window, window.start_reminders)  # after the list is usable
    log.info("started in %.2f s with the store in %s", time.perf_counter() - started,
             store.data_dir)
    return app.exec()


def _screenshot(app, window, target: Path, view: str) -> int:
    from PySide6.QtCore import QSize, Qt

    window.load_list()
    try:
        window.show_view(view)
    except (DomainError, ValueError) as exc:
        return _fail(str(exc), target)
    width, height = SCREENSHOT_SIZE
    window.resize(width, height)
    window.show()
    _settle(app, window)
    image = window.grab().toImage()
    if image.size() != QSize(width, height):  # a high-DPI screen: store the asked-for size
        image = image.scaled(width, height, Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(target), "PNG"):
        from salesdesk.i18n import _

        return _fail(_("Cannot write the screenshot to {file}.").format(file=target), target)
    return 0


def _settle(app, window, timeout: float = 5.0) -> None:
    """Let layouts, fonts and the first page of the list arrive before the grab."""
    deadline = time.monotonic() + timeout
    model = window.list_view.model
    while time.monotonic() < deadline:
        app.processEvents()
        if model.rowCount() > 0 or model.total() == 0:
            break
    page = window.pages.currentWidget()
    while time.monotonic() < deadline and getattr(page, "busy", False):
        app.processEvents()  # a page still reading in the background (mailing lists)
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()


def _fail(message: str, screenshot: Path | None) -> int:
    """One clear line: on stderr for screenshots, in a message box for people."""
    log.error("%s", message)
    if screenshot is not None:
        from salesdesk.i18n import _

        print(_("error: {message}").format(message=" ".join(message.split())),
              file=sys.stderr)
    else:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "SalesDesk", message)
    return 1


def _install_crash_handler(window) -> None:
    """An unexpected error in a slot: logged with its traceback, one message to the user."""
    from PySide6.QtWidgets import QMessageBox

    from salesdesk.i18n import _

    def report(kind, value, trace) -> None:
        log.error("unexpected error", exc_info=(kind, value, trace))
        QMessageBox.critical(window, "SalesDesk", _(
            "Something went wrong ({kind}: {detail}). The details are in the log file "
            "(Help → Open log file).").format(kind=kind.__name__, detail=value))

    sys.excepthook = report


# Harmless notes of Qt's offscreen platform (screenshots): logged, not shown.
_PLATFORM_NOISE = ("does not support propagateSizeHints",)


def _route_qt_messages():
    """Qt's own messages go to the log file; warnings also to the previous handler."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    levels = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
              QtMsgType.QtFatalMsg: logging.CRITICAL}
    qt_log = logging.getLogger("qt")
    previous = None

    def handle(kind, context, message: str) -> None:
        if any(noise in message for noise in _PLATFORM_NOISE):
            qt_log.debug("%s", message)
            return
        qt_log.log(levels.get(kind, logging.WARNING), "%s", message)
        if callable(previous):
            previous(kind, context, message)
        elif kind != QtMsgType.QtDebugMsg:
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(handle)
    return previous


def _restore_qt_messages(previous) -> None:
    from PySide6.QtCore import qInstallMessageHandler

    qInstallMessageHandler(previous)


def _detach_log(log_path: Path) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "baseFilename", None) == str(log_path):
            root.removeHandler(handler)
            handler.close()
