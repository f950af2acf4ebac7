"""Logging into a rotating file in the data dir (Help → Open log file shows it)."""

import logging
import logging.handlers
from pathlib import Path

from salesdesk.paths import log_dir

LOG_NAME = "salesdesk.log"


def setup_logging(data_dir: Path, level: int = logging.INFO) -> Path:
    """Log to DATA_DIR/logs/salesdesk.log (1 MB × 5 files); returns the file's path."""
    folder = log_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_NAME
    root = logging.getLogger()
    if not any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    return path
