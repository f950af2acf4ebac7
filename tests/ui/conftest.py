"""Fixtures for the desktop app: Qt offscreen, settings in tmp, a store of demo customers."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from salesdesk.services.demo import make_demo_data  # noqa: E402
from salesdesk.store.engine import open_store  # noqa: E402

DEMO_CUSTOMERS = 500


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A data dir with 500 seeded demo customers, made once per test run."""
    data_dir = tmp_path_factory.mktemp("demo-template") / "data"
    store = open_store(data_dir, user="tester")
    make_demo_data(store, customers=DEMO_CUSTOMERS, seed=1)
    store.close()
    return data_dir


@pytest.fixture
def demo_dir(demo_template, tmp_path) -> Path:
    """A private copy of the demo data dir (tests may change it)."""
    target = tmp_path / "demo"
    shutil.copytree(demo_template, target, ignore=shutil.ignore_patterns("salesdesk.lock*"))
    return target


@pytest.fixture
def demo_store(demo_dir):
    store = open_store(demo_dir, user="tester")
    yield store
    store.close()


@pytest.fixture(autouse=True)
def user_settings(qapp, tmp_path):
    """QSettings go to a temporary folder, never to the developer's own settings."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "settings"))
    qapp.setOrganizationName("SalesDeskTests")
    qapp.setApplicationName("SalesDeskTests")
    yield tmp_path / "settings"


@pytest.fixture
def window(qtbot, demo_store):
    """The main window on the demo store, list loaded, nothing remembered."""
    from salesdesk.ui.main_window import MainWindow
    from salesdesk.ui.settings import Settings

    main = MainWindow(demo_store, Settings(remember=False))
    qtbot.addWidget(main)
    main.load_list()
    return main


@pytest.fixture(autouse=True)
def no_blocking_dialogs(monkeypatch):
    """A modal dialog nobody answers would hang the run: questions say Cancel, exec()
    returns Rejected, and both are recorded (tests that expect one use ``answer``)."""
    from PySide6.QtWidgets import QDialog, QMessageBox

    shown: list[str] = []

    def question(parent, title, text, *args, **kwargs):
        shown.append(text)
        return QMessageBox.StandardButton.Cancel

    def execute(self):
        shown.append(self.windowTitle())
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(question))
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda *a: shown.append("about")))
    monkeypatch.setattr(QMessageBox, "exec", execute)
    monkeypatch.setattr(QDialog, "exec", execute)
    return shown


@pytest.fixture
def answer(monkeypatch):
    """Make QMessageBox.question answer by itself; records what it was asked."""
    from PySide6.QtWidgets import QMessageBox

    asked: list[str] = []

    def set_answer(button):
        def question(parent, title, text, *args, **kwargs):
            asked.append(text)
            return button

        monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
        return asked

    return set_answer
