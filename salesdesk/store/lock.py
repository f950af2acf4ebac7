"""One SalesDesk per data dir: a second app on the same store gets a clear message."""

import os
from pathlib import Path

from filelock import FileLock, Timeout

from salesdesk.domain.errors import StoreError
from salesdesk.i18n import _

LOCK_NAME = "salesdesk.lock"


class InstanceLock:
    """An OS file lock (released by the OS if the process dies) on the data dir."""

    def __init__(self, data_dir: Path):
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / LOCK_NAME
        self._owner = data_dir / "salesdesk.lock.owner"
        self._lock = FileLock(self.path, timeout=0, is_singleton=False)

    def acquire(self) -> "InstanceLock":
        try:
            self._lock.acquire()
        except Timeout as exc:
            owner = self._owner.read_text().strip() if self._owner.exists() else "?"
            raise StoreError(
                _("SalesDesk is already working with {path} (process {owner}). Close it "
                  "first, or use another data folder.").format(
                    path=self.path.parent, owner=owner)
            ) from exc
        self._owner.write_text(str(os.getpid()))
        return self

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> "InstanceLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
