"""Long work off the GUI thread (after Anki's CollectionOp).

An ``Op`` runs one function on a worker thread and reports back by signal: progress,
the result, or the exception. The function gets ``progress(done, total)`` and
``cancel() -> bool`` callbacks and must not touch widgets. Writes to the store run on
one single-thread pool, so two of them never compete for SQLite's write lock.
"""

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

Work = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]


class Op(QObject):
    """One piece of background work; connect to the signals, then ``start()``."""

    sig_progress = Signal(int, int)  # done, total
    sig_succeeded = Signal(object)  # the function's result
    sig_failed = Signal(object)  # the exception it raised
    sig_finished = Signal()  # after either of the two above

    def __init__(self, work: Work, parent: QObject | None = None):
        super().__init__(parent)
        self._work = work
        self._cancelled = threading.Event()
        self.running = False

    def start(self, pool: QThreadPool | None = None) -> "Op":
        self.running = True
        (pool or write_pool()).start(_Runner(self))
        return self

    def cancel(self) -> None:
        """Ask the work to stop at its next check; it reports that by failing."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def _run(self) -> None:
        """On the worker thread: only signals leave it (queued to the GUI thread)."""
        try:
            result = self._work(self.sig_progress.emit, self._cancelled.is_set)
        except BaseException as exc:  # reported, never lost in the thread
            if not isinstance(exc, Exception):
                raise
            log.info("background work failed: %s", exc, exc_info=True)
            self._finish(self.sig_failed, exc)
        else:
            self._finish(self.sig_succeeded, result)

    def _finish(self, signal, value: object) -> None:
        self.running = False
        signal.emit(value)
        self.sig_finished.emit()


class _Runner(QRunnable):
    def __init__(self, op: Op):
        super().__init__()
        self._op = op

    def run(self) -> None:  # override
        self._op._run()


_pools: dict[str, QThreadPool] = {}


def write_pool() -> QThreadPool:
    """The single worker that writes to the store (imports, bulk changes)."""
    if "write" not in _pools:
        pool = QThreadPool()
        pool.setMaxThreadCount(1)
        _pools["write"] = pool
    return _pools["write"]


def read_pool() -> QThreadPool:
    """Workers that only read (exports, reports)."""
    if "read" not in _pools:
        pool = QThreadPool()
        pool.setMaxThreadCount(2)
        _pools["read"] = pool
    return _pools["read"]
