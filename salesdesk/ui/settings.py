"""Per-user settings (QSettings): language, window geometry, last view, list layout.

Screenshot runs and tests use ``Settings(remember=False)``: reads give defaults and
writes are dropped, so they never see or change what a user has set up.
"""

import json

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = "SalesDesk"
APPLICATION = "SalesDesk"


class Settings:
    """Typed access to the few things SalesDesk remembers per user."""

    def __init__(self, remember: bool = True):
        self.remember = remember
        self._qt = QSettings() if remember else None

    def _get(self, key: str, default=None):
        if self._qt is None:
            return default
        value = self._qt.value(key, default)
        return default if value is None else value

    def _set(self, key: str, value) -> None:
        if self._qt is not None:
            self._qt.setValue(key, value)

    def language(self) -> str | None:
        value = self._get("language", "")
        return str(value) or None

    def set_language(self, language: str) -> None:
        self._set("language", language)

    def blob(self, key: str) -> QByteArray | None:
        """Saved widget state (geometry, header layout); None when nothing is saved."""
        value = self._get(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_blob(self, key: str, value: QByteArray) -> None:
        self._set(key, value)

    def text(self, key: str, default: str = "") -> str:
        return str(self._get(key, default))

    def set_text(self, key: str, value: str) -> None:
        self._set(key, value)

    def mapping(self, key: str) -> dict:
        """A saved dict (filters); {} when missing or unreadable."""
        try:
            value = json.loads(self.text(key, "{}"))
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def set_mapping(self, key: str, value: dict) -> None:
        self._set(key, json.dumps(value, sort_keys=True))

    def sync(self) -> None:
        if self._qt is not None:
            self._qt.sync()
