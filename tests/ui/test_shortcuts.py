"""Shortcuts of a table (Enter opens, Del deletes) act only where the focus is: Enter in a
search field must not open the selected record."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QShortcut


@pytest.mark.parametrize("view", ["customers", "agenda", "logbook", "tasks", "lists", "nearby"])
def test_no_view_shortcut_fires_window_wide(qtbot, demo_store, view):
    from salesdesk.ui.main_window import MainWindow
    from salesdesk.ui.settings import Settings

    window = MainWindow(demo_store, Settings())
    qtbot.addWidget(window)
    window.show_view(view)
    page = window.pages.currentWidget()
    shortcuts = page.findChildren(QShortcut)
    assert shortcuts, "the view has its own keys"
    assert all(s.context() != Qt.ShortcutContext.WindowShortcut for s in shortcuts), [
        s.key().toString() for s in shortcuts if s.context() == Qt.ShortcutContext.WindowShortcut]
