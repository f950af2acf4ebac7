"""Keyboard shortcuts that belong to one widget.

``QShortcut(keys, widget, slot, context=…)`` silently keeps the default WindowShortcut
context in PySide6 (the overload taking a slot drops the keyword; seen on 6.11), so an
Enter meant for a table would fire while typing in a search field. Set it explicitly.
"""

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget


def local_shortcut(keys: QKeySequence, widget: QWidget, slot,
                   context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetShortcut) -> QShortcut:
    shortcut = QShortcut(keys, widget)
    shortcut.setContext(context)
    shortcut.activated.connect(slot)
    return shortcut
