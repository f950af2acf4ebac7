"""One synchronisation run: check the central schema, push the whole outbox, pull.

The gate comes first: a central database whose schema is newer than this build (or that
asks for a newer client) is refused with "update SalesDesk" before anything is sent,
so the outbox stays as it is. The clock is compared with the central one; a difference
of more than five minutes is reported (times are stored in UTC, but a wrong clock puts
wrong times on what the device writes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from salesdesk.domain.errors import DomainError
from salesdesk.i18n import _
from salesdesk.store.engine import HEAD_REVISION, KNOWN_REVISIONS, Store
from salesdesk.sync import client

CLOCK_SKEW = timedelta(minutes=5)


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


def check_schema(central, target: str) -> None:
    """Refuse a central schema this build cannot work with, before anything is sent."""
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
            "device until then.").format(target=target, revision=version, head=HEAD_REVISION))
    if KNOWN_REVISIONS.index(version) < KNOWN_REVISIONS.index(HEAD_REVISION):
        raise SyncError(_(
            "The central database {target} has the older schema {revision}; this SalesDesk "
            "needs {head}. Ask your office to run salesdesk central init; your changes stay "
            "on this device until then.").format(target=target, revision=version,
                                                 head=HEAD_REVISION))


def run_sync(store: Store, url: str, *, progress: Callable[[str, int], None] | None = None,
             cancel: Callable[[], bool] | None = None) -> SyncReport:
    """Push everything queued, then pull; a refused run changes nothing locally."""
    import psycopg

    target = _describe(url)
    report = SyncReport()
    with connect(url) as central:
        try:
            check_schema(central, target)
            now = central.execute("SELECT now()").fetchone()[0]
            skew = abs(now - datetime.now(UTC))
            if skew > CLOCK_SKEW:
                report.clock_skew = skew
                report.warnings.append(_(
                    "This computer's clock is {minutes} minutes off the central database's; "
                    "please set it right.").format(minutes=int(skew.total_seconds() // 60)))
            while True:
                if cancel is not None and cancel():
                    return report
                pushed = client.push(store, central)
                if not pushed.sent and not pushed.batch:
                    break
                report.batches += 1
                report.pushed += pushed.sent
                report.conflicts += len(pushed.conflicts)
                report.parked += len(pushed.parked)
                if progress is not None:
                    progress("push", report.pushed)
            pulled = client.pull(store, central, cancel=cancel, progress=(
                (lambda rows: progress("pull", rows)) if progress is not None else None))
            report.pulled = pulled.rows
        except psycopg.Error as error:
            raise SyncError(_("The central database {target} refused: {problem}").format(
                target=target, problem=client._first_line(error))) from error
    return report
