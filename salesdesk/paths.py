"""Where per-user data lives (platformdirs), overridable for tests and scripts."""

import os
from pathlib import Path

import platformdirs

APP_NAME = "SalesDesk"
ENV_DATA_DIR = "SALESDESK_DATA_DIR"


def default_data_dir() -> Path:
    """The data dir: $SALESDESK_DATA_DIR, else the platform's user data dir."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=True))


def log_dir(data_dir: Path) -> Path:
    return data_dir / "logs"


def documents_dir(data_dir: Path) -> Path:
    return data_dir / "documents"
