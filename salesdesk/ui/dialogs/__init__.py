"""Dialogs; edit dialogs load their Qt Designer form from salesdesk.forms."""
