"""The window's actions, menus and toolbar (every command reachable by keyboard)."""

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from salesdesk.ui.icons import icon

Key = QKeySequence.StandardKey

# name: (icon, shortcut); texts come from _texts() so the extractor sees them
SPECS = {
    "new_customer": ("customer-new", "Ctrl+N"),
    "new_entry": ("new-entry", "Ctrl+L"),
    "new_task": ("tasks", "Ctrl+T"),
    "new_appointment": ("calendar", "Ctrl+Shift+T"),
    "import": ("import", None),
    "export": ("export", None),
    "print": ("print", "Ctrl+P"),
    "settings": ("settings", Key.Preferences),
    "quit": ("quit", "Ctrl+Q"),
    "edit_customer": ("customer-edit", "Ctrl+E"),
    "delete_customer": ("delete", "Del"),
    "merge": ("merge", None),
    "copy": (None, Key.Copy),
    "find": ("search", "Ctrl+F"),
    "refresh": ("refresh", "F5"),
    "back": ("back", "Alt+Left"),
    "next_record": ("next", "Ctrl+PgDown"),
    "previous_record": ("previous", "Ctrl+PgUp"),
    "reminders": ("reminder", "Ctrl+Shift+R"),
    "open_log": ("log", None),
    "about": ("about", None),
}
NAVIGATION = ("customers", "agenda", "calendar", "logbook", "tasks", "lists", "nearby",
              "conditions", "agents", "sync")


def tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


def _texts() -> dict[str, tuple[str, str]]:
    """Translated (text, tooltip) per action (literal strings, for the extractor)."""
    return {
        "new_customer": (tr("&New customer…"), tr("Create a new customer file")),
        "new_entry": (tr("New &logbook entry…"),
                      tr("Write down a visit, call or mail, with its follow-ups")),
        "new_task": (tr("New &task…"), tr("Create a task or commitment")),
        "new_appointment": (tr("New &appointment…"), tr("Plan an appointment")),
        "import": (tr("&Import customers…"), tr("Import customers from xlsx or csv")),
        "export": (tr("&Export customers…"),
                   tr("Export the customers the list shows to xlsx or csv")),
        "print": (tr("&Print…"), tr("Printing is coming with condition sheets")),
        "settings": (tr("&Settings…"), tr("Language and other settings")),
        "quit": (tr("&Quit"), tr("Close SalesDesk")),
        "edit_customer": (tr("&Edit customer…"), tr("Change the master data of the customer")),
        "delete_customer": (tr("&Delete customer…"),
                            tr("Delete the selected customers (asks first)")),
        "merge": (tr("&Merge into…"), tr("Merge this customer file into another one")),
        "copy": (tr("&Copy"), tr("Copy the selected rows as tab-separated text")),
        "find": (tr("&Find customer"), tr("Search customers (Ctrl+F)")),
        "refresh": (tr("&Refresh"), tr("Read the list again (F5)")),
        "back": (tr("&Back to the list"), tr("Back to the customer list")),
        "next_record": (tr("&Next record"), tr("Show the next customer")),
        "previous_record": (tr("&Previous record"), tr("Show the previous customer")),
        "reminders": (tr("&Reminders"), tr("Show the reminders that are due")),
        "open_log": (tr("Open &log file"), tr("Open the log file in the text viewer")),
        "about": (tr("&About SalesDesk"), tr("Version and data folder")),
    }


def _toolbar_texts() -> dict[str, str]:
    return {"new_customer": tr("New"), "new_entry": tr("Log"), "new_task": tr("Task"),
            "edit_customer": tr("Edit"),
            "delete_customer": tr("Delete"), "import": tr("Import"), "export": tr("Export"),
            "print": tr("Print"), "refresh": tr("Refresh")}


def navigation_titles() -> dict[str, str]:
    return {"customers": tr("Customers"), "agenda": tr("My day"), "calendar": tr("Calendar"),
            "logbook": tr("Logbook"), "tasks": tr("Tasks"), "lists": tr("Mailing lists"),
            "nearby": tr("Radius search"), "conditions": tr("Conditions"),
            "agents": tr("Agents"), "sync": tr("Sync")}


_NAV_ICONS = {"nearby": "radius"}


def create_actions(window: QMainWindow) -> dict[str, QAction]:
    actions = {}
    texts = _texts()
    short = _toolbar_texts()
    for name, (icon_name, shortcut) in SPECS.items():
        text, tip = texts[name]
        action = QAction(text, window)
        if name in short:
            action.setIconText(short[name])
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({keys})" if keys and keys not in tip else tip)
        action.setStatusTip(tip)
        actions[name] = action
    actions["quit"].setMenuRole(QAction.MenuRole.QuitRole)
    actions["print"].setEnabled(False)
    for number, (key, title) in enumerate(navigation_titles().items(), start=1):
        action = QAction(icon(_NAV_ICONS.get(key, key)), title, window)
        keys = QKeySequence(f"Ctrl+{number % 10}")  # Ctrl+1 … Ctrl+9, Ctrl+0
        action.setShortcut(keys)
        # NativeText: "Strg+1" on a German system, "⌘1" on a Mac
        action.setToolTip(f"{title} ({keys.toString(QKeySequence.SequenceFormat.NativeText)})")
        actions[f"go_{key}"] = action
    return actions


def build_menus(window: QMainWindow, actions: dict[str, QAction], columns: QMenu) -> None:
    bar = window.menuBar()
    menus = {
        tr("&File"): ["new_customer", "new_entry", "new_task", "new_appointment", None,
                      "import", "export", None, "print", None, "settings", None, "quit"],
        tr("&Edit"): ["edit_customer", "merge", "delete_customer", None, "copy", "find"],
        tr("&View"): ["refresh", "reminders"],
        tr("&Go"): [f"go_{key}" for key in NAVIGATION] + [None, "back", "next_record",
                                                          "previous_record"],
        tr("&Help"): ["open_log", None, "about"],
    }
    for title, names in menus.items():
        menu = bar.addMenu(title)
        menu.setToolTipsVisible(True)  # says why Print is not there yet
        for name in names:
            if name is None:
                menu.addSeparator()
            else:
                menu.addAction(actions[name])
        if title == tr("&View"):
            columns.setTitle(tr("&Columns"))
            menu.addMenu(columns)


def build_toolbar(window: QMainWindow, actions: dict[str, QAction]) -> QToolBar:
    bar = QToolBar(tr("Main toolbar"), window)
    bar.setObjectName("main_toolbar")
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
    for name in ("new_customer", "edit_customer", "delete_customer", None, "new_entry",
                 "new_task", None, "import", "export", "print", None, "refresh"):
        if name is None:
            bar.addSeparator()
        else:
            bar.addAction(actions[name])
    window.addToolBar(bar)
    return bar
