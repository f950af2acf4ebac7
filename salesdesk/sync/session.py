"""One synchronisation run: check the central schema, push the whole outbox, pull.

The gate comes first: a central database whose schema is newer than this build (or that
asks for a newer client) is refused with "update SalesDesk" before anything is sent,
so the outbox stays as it is. The clock is compared with the central one; a difference
of more than five minutes is reported (times are stored in UTC, but a wrong clock puts
wrong times on what the device writes).

Around that (docs/sync.md, "Faults"): a transient failure (lost connection, timeout,
server shutdown, serialization failure) runs it again after an exponential backoff with
jitter; a device whose last pull is older than the central tombstone horizon first
refreshes all its rows (recovery.resync); number blocks are topped up and provisional
numbers replaced before the push (numbers.prepare).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from salesdesk.domain.errors import DomainError
from salesdesk.i18n import _
from salesdesk.store.engine import CENTRAL_REVISION, KNOWN_REVISIONS, Store
from salesdesk.sync import client

CLOCK_SKEW = timedelta(minutes=5)
log = logging.getLogger(__name__)


class SyncError(DomainError):
    """Sync could not run; the outbox is untouched (the message says why)."""


class UpdateRequired(SyncError):
    pass


@dataclass
class SyncReport:
    pushed: int = 0
    batches: int = 0
    pulled: int = 0
    conflicts: int = 0
    parked: int = 0
    clock_skew: timedelta | None = None  # set when more than CLOCK_SKEW
    warnings: list[str] = field(default_factory=list)
    retries: int = 0  # attempts that failed transiently and were made again
    resync: bool = False  # offline beyond the tombstone horizon: every row refreshed
    removed: int = 0  # local rows the central database no longer has (resync)
    renumbered: dict[str, str] = field(default_factory=dict)  # provisional → final
    verified: bool = False  # the integrity check ran (once a day, or when asked)
    repaired: list[str] = field(default_factory=list)  # tables downloaded again


def _describe(url: str) -> str:
    from salesdesk.sync.central import describe

    return describe(url)


def connect(url: str):
    """A connection to the central database with the user's own login."""
    import psycopg

    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=15,
                               application_name="SalesDesk sync")
    except psycopg.Error as error:
        raise SyncError(_("Cannot connect to the central database {target}: {problem}")
                        .format(target=_describe(url), problem=client._first_line(error))
                        ) from error


def check_schema(central, target: str) -> dict[str, str]:
    """Refuse a central schema this build cannot work with, before anything is sent;
    returns sync_meta."""
    meta = dict(central.execute("SELECT key, value FROM sync_meta").fetchall())
    version, oldest = meta.get("schema_version"), meta.get("min_client_schema")
    if version is None:
        raise SyncError(_("The central database {target} is not set up: run salesdesk "
                          "central init first.").format(target=target))
    if version not in KNOWN_REVISIONS or (
            oldest is not None and oldest not in KNOWN_REVISIONS):
        raise UpdateRequired(_(
            "The central database {target} has schema {revision}, newer than this "
            "SalesDesk knows ({head}). Please update SalesDesk; your changes stay on this "
            "device until then.").format(target=target, revision=version, head=CENTRAL_REVISION))
    if KNOWN_REVISIONS.index(version) < KNOWN_REVISIONS.index(CENTRAL_REVISION):
        raise SyncError(_(
            "The central database {target} has the older schema {revision}; this SalesDesk "
            "needs {head}. Ask your office to run salesdesk central init; your changes stay "
            "on this device until then.").format(target=target, revision=version,
                                                 head=CENTRAL_REVISION))
    return meta


# -- transient failures: retry with backoff -------------------------------------------

# SQLSTATEs worth another attempt: the connection broke, the server is shutting down or
# restarting, a statement or lock timed out, serialization failure or deadlock.
_TRANSIENT_STATES = frozenset({
    "40001", "40P01", "40003",  # serialization failure, deadlock, completion unknown
    "53300",  # too many connections
    "55P03",  # lock_not_available (lock_timeout)
    "57014",  # query_canceled (statement_timeout)
    "57P01", "57P02", "57P03", "57P05",  # admin/crash shutdown, cannot connect now, idle
    "25P03",  # idle_in_transaction_session_timeout
})
_LOGIN_SIGNS = ("password authentication failed", "no password supplied", "pg_hba.conf",
                "password is required", "does not exist", "permission denied")


def is_transient(error: BaseException) -> bool:
    """Whether another attempt may succeed: a lost connection, a timeout, a server
    shutting down, a serialization failure or deadlock. Never a refused login, a
    missing database or right, nor a schema this build cannot use."""
    import psycopg

    if isinstance(error, SyncError):
        return False
    if isinstance(error, ConnectionError | TimeoutError):
        return True
    if not isinstance(error, psycopg.Error):
        return False
    state = error.sqlstate
    if state is not None:
        return state.startswith("08") or state in _TRANSIENT_STATES
    if not isinstance(error, psycopg.OperationalError):
        return False
    text = str(error).lower()
    return not any(sign in text for sign in _LOGIN_SIGNS)  # the connection broke


@dataclass(frozen=True)
class Retry:
    """How run_sync retries transient failures: exponential backoff (``base`` doubling
    up to ``cap`` seconds) with jitter, at most ``attempts`` runs and ``total`` seconds.
    ``sleep`` (default: wait, checking ``cancel`` every 0.2 s) and ``jitter`` are
    injectable for tests."""

    attempts: int = 6
    base: float = 0.5
    cap: float = 30.0
    total: float = 120.0
    sleep: Callable[[float], None] | None = None
    jitter: Callable[[float, float], float] = random.uniform

    def delay(self, failures: int) -> float:
        """The wait after the ``failures``-th failed attempt: half the backoff step
        fixed, half random, so devices that failed together do not return together."""
        step = min(self.cap, self.base * 2 ** (failures - 1))
        return step / 2 + self.jitter(0, step / 2)

    def wait(self, seconds: float, cancel: Callable[[], bool] | None) -> None:
        if self.sleep is not None:
            self.sleep(seconds)
            return
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0:
            if cancel is not None and cancel():
                return
            time.sleep(min(left, 0.2))


def _open(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=15,
                           application_name="SalesDesk sync")


def run_sync(store: Store, url: str, *, progress: Callable[[str, int], None] | None = None,
             cancel: Callable[[], bool] | None = None, retry: Retry | None = None,
             verify: bool = False) -> SyncReport:
    """Push everything queued, then pull; a refused run changes nothing locally. Then
    the integrity check (sync/integrity.py), when ``verify`` or once a day.

    A transient failure (see ``is_transient``) starts the run again on a new connection
    after a backoff: a batch whose answer was lost is recognised by its key and not
    applied twice, a pull resumes from its checkpoint. A device that could not connect
    at all is offline: that is reported at once, not retried."""
    import psycopg

    policy = retry or Retry()
    target = _describe(url)
    report = SyncReport()
    counted: set[str] = set()
    started = time.monotonic()
    failures, waited = 0, 0.0
    while True:
        try:
            # the first connection failing means offline: reported at once
            central = connect(url) if failures == 0 else _open(url)
            with central:
                _run_once(store, central, target, report, counted, progress, cancel,
                          verify)
            return report
        except SyncError:
            raise
        except Exception as error:
            failures += 1
            wait = policy.delay(failures)
            spent = max(time.monotonic() - started, waited)  # an injected sleep waits not
            if (not is_transient(error) or failures >= policy.attempts
                    or spent + wait > policy.total):
                if isinstance(error, psycopg.Error):
                    raise SyncError(_("The central database {target} refused: {problem}")
                                    .format(target=target,
                                            problem=client._first_line(error))) from error
                raise
            log.warning("sync attempt %d failed (%s); again in %.1f s", failures,
                        client._first_line(error), wait)
            report.retries += 1
            policy.wait(wait, cancel)
            waited += wait
            if cancel is not None and cancel():
                return report


def _run_once(store: Store, central, target: str, report: SyncReport, counted: set[str],
              progress, cancel, verify: bool = False) -> None:
    from salesdesk.sync import numbers, recovery

    meta = check_schema(central, target)
    if report.clock_skew is None:
        now = central.execute("SELECT now()").fetchone()[0]
        skew = abs(now - datetime.now(UTC))
        if skew > CLOCK_SKEW:
            report.clock_skew = skew
            report.warnings.append(_(
                "This computer's clock is {minutes} minutes off the central database's; "
                "please set it right.").format(minutes=int(skew.total_seconds() // 60)))
    if recovery.resync_due(store, meta):
        resynced = recovery.resync(store, central, cancel=cancel)
        if not report.resync:
            report.warnings.append(_(
                "This computer had not synchronised for longer than {days} days: all data "
                "was loaded again from the central database. Your own changes were kept."
            ).format(days=recovery.horizon_days(meta)))
        report.resync = True
        report.pulled += resynced.pulled
        report.removed += resynced.removed
        if cancel is not None and cancel():
            return
    renumbered = numbers.prepare(store, central)
    report.renumbered.update(renumbered.renumbered)
    while True:
        if cancel is not None and cancel():
            return
        pushed = client.push(store, central)
        if not pushed.sent and not pushed.batch:
            break
        if pushed.batch not in counted:  # a replay after a lost answer counts once
            counted.add(pushed.batch)
            report.batches += 1
            report.pushed += pushed.sent
            report.conflicts += len(pushed.conflicts)
            report.parked += len(pushed.parked)
        if progress is not None:
            progress("push", report.pushed)
    pulled = client.pull(store, central, cancel=cancel, progress=(
        (lambda rows: progress("pull", rows)) if progress is not None else None))
    report.pulled += pulled.rows
    if cancel is not None and cancel():
        return
    from salesdesk.sync import integrity

    conn = client.local_connection(store)
    try:
        if verify or integrity.due(conn):
            report.repaired = integrity.verify(conn, central)
            report.verified = True
    finally:
        conn.close()
