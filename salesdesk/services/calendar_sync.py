"""SalesDesk's appointments and tasks in the user's Outlook/Exchange mailbox, both ways.

One run (``sync_mailbox``) pulls first, then pushes, per folder (calendar, tasks):

- *Pull*: the mailbox's changes since the saved sync state, read to the end before
  anything is applied; then, in one transaction, the changes and the new state. An edit
  made in Outlook is merged field by field against ``exchange_link.synced`` (what both
  sides had after the last run): a field only Outlook changed comes into SalesDesk, a
  field both changed differently is a conflict for the user. An update carrying the change
  key of SalesDesk's own write is its echo and skipped. An item deleted in Outlook marks
  the link "removed in Outlook" — the appointment and its history stay. An invalid sync
  state starts a full resync matched by the SalesDesk id on the items: no duplicates.
- *Push*: what differs between SalesDesk and ``synced`` goes out — new items in batches,
  changed ones with exactly the changed fields and the stored change key
  (``NeverOverwrite``: a stale key is a conflict, never an overwrite), items no longer
  wanted (cancelled, deleted, handed to someone else) are removed from the mailbox.

Nothing needs queueing while offline: the difference *is* the queue, kept in the store,
and goes out at the next run that reaches the server. Runs never on the GUI thread.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from salesdesk.domain.errors import DomainError, ValidationFailed
from salesdesk.domain.errors import first_line as _first_line
from salesdesk.domain.tasks import DONE_STATUSES, TaskStatus
from salesdesk.i18n import _
from salesdesk.integrations.calendar_backend import (
    APPOINTMENT_FIELDS,
    KINDS,
    TASK_FIELDS,
    CalendarBackend,
    CalendarBusy,
    CalendarConflict,
    CalendarError,
    ItemGone,
    RemoteItem,
    RemoteRef,
    SyncStateInvalid,
)
from salesdesk.services.appointments import calendar_item, update_appointment
from salesdesk.services.settings import get_setting, set_setting
from salesdesk.services.tasks import change_status, update_task
from salesdesk.services.users import current_user
from salesdesk.store.engine import Store
from salesdesk.store.models import (
    AppSetting,
    Appointment,
    ExchangeFolderState,
    ExchangeLink,
    Task,
)
from salesdesk.store.types import utcnow

log = logging.getLogger(__name__)

KEYRING_SERVICE = "SalesDesk Exchange mailbox"
PASSWORD_VARIABLE = "SALESDESK_EWS_PASSWORD"
FOLDERS = {"appointment": "calendar", "task": "tasks"}
SETTINGS = ("mailbox", "endpoint", "username", "auth_type", "build", "oauth_client_id",
            "oauth_tenant_id")
BUSY_ATTEMPTS = 4  # ErrorServerBusy: the run is repeated after the server's back-off
MAX_BACK_OFF_S = 30.0
DAYS_BACK = 30  # appointments that ended longer ago are not sent any more (links stay)
_TASK_STATE = {"assigned": "not_started", "in_progress": "in_progress",
               "on_hold": "deferred", "confirmed": "completed", "rejected": "completed"}
_STATUS_FROM_STATE = {"not_started": TaskStatus.ASSIGNED, "in_progress": TaskStatus.IN_PROGRESS,
                      "deferred": TaskStatus.ON_HOLD, "completed": TaskStatus.CONFIRMED}
Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]


class CalendarSyncCancelled(DomainError):
    """The user stopped the run; what was done so far is kept and consistent."""


@dataclass
class CalendarSyncResult:
    created: int = 0
    updated: int = 0
    removed: int = 0  # items taken out of the mailbox
    pulled: int = 0  # Outlook edits taken into SalesDesk
    removed_in_outlook: int = 0
    conflicts: int = 0
    echoes: int = 0  # own writes recognised on the way back
    full_resync: list[str] = field(default_factory=list)  # folders
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [_("{n} sent to Outlook").format(n=self.created + self.updated),
                 _("{n} changes from Outlook").format(n=self.pulled)]
        if self.removed:
            parts.append(_("{n} removed from Outlook").format(n=self.removed))
        if self.removed_in_outlook:
            parts.append(_("{n} deleted in Outlook").format(n=self.removed_in_outlook))
        if self.conflicts:
            parts.append(_("{n} conflicts to decide").format(n=self.conflicts))
        return ", ".join(parts)


# -- calendar fields of SalesDesk records -----------------------------------------------

def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def appointment_fields(appointment: Appointment) -> dict:
    item = calendar_item(appointment)
    return {"subject": item.subject, "start": _iso(item.starts_at), "end": _iso(item.ends_at),
            "time_zone": item.time_zone, "location": item.location or "",
            "body": item.body or "", "reminder": item.reminder_minutes}


def task_fields(task: Task) -> dict:
    reminder = task.remind_at if task.remind_at and not task.reminder_dismissed else None
    return {"subject": task.title, "due_on": task.due_on.isoformat() if task.due_on else None,
            "reminder_at": _iso(reminder),
            "status": _TASK_STATE.get(task.status, "not_started"),
            "body": task.description or ""}


def _names(kind: str) -> tuple[str, ...]:
    return APPOINTMENT_FIELDS if kind == "appointment" else TASK_FIELDS


# -- settings and the secret ----------------------------------------------------------

def mailbox_settings(source):
    """The saved connection (ExchangeSettings) or None when none is set up."""
    from salesdesk.integrations.exchange import ExchangeSettings

    values = {name: get_setting(source, f"exchange.{name}") for name in SETTINGS}
    if not values.get("mailbox") or not values.get("endpoint"):
        return None
    return ExchangeSettings(**{k: v for k, v in values.items() if v not in (None, "")})


def check_settings(settings) -> None:
    """ValidationFailed naming each field that is missing or malformed."""
    from salesdesk.domain.errors import FieldError

    labels = {"mailbox": _("Mailbox"), "endpoint": _("EWS address"), "username": _("User name"),
              "auth_type": _("Sign-in"), "build": _("Server version"),
              "oauth_client_id": _("OAuth client id")}
    problems = settings.problems()
    if problems:
        record = _("Outlook/Exchange connection")
        raise ValidationFailed([FieldError(record, labels.get(name, name), problem, key=name)
                                for name, problem in problems])


_session_secrets: dict[str, str] = {}


def save_mailbox_settings(store: Store, settings, secret: str | None = None, *,
                          session_only: bool = False) -> None:
    """Keep the connection: the settings in the store, the password or OAuth token in the
    keyring (``session_only``: in memory until SalesDesk ends). Saves nothing when the
    settings are invalid or the keyring is missing."""
    check_settings(settings)
    with store.session() as session:
        before = mailbox_settings(session)
    if not secret and before is not None and before.mailbox != settings.mailbox:
        secret = stored_secret(before.mailbox)  # the same login, the mailbox renamed
        session_only = session_only or before.mailbox in _session_secrets
    if secret:
        store_secret(settings.mailbox, secret, session_only=session_only)
    with store.session() as session:
        for name in SETTINGS:
            set_setting(session, f"exchange.{name}", getattr(settings, name))
        session.commit()
    from salesdesk.integrations.exchange import close_connections

    close_connections()


def forget_mailbox(store: Store) -> None:
    """Stop using the mailbox on this computer: the settings, the secret, the links and
    sync states go; the mailbox's items and SalesDesk's records stay as they are."""
    import keyring
    from keyring.errors import KeyringError

    with store.session() as session:
        settings = mailbox_settings(session)
        for name in SETTINGS:
            session.execute(AppSetting.__table__.delete().where(
                AppSetting.key == f"exchange.{name}"))
        session.execute(ExchangeLink.__table__.delete())
        session.execute(ExchangeFolderState.__table__.delete())
        session.commit()
    if settings is not None:
        _session_secrets.pop(settings.mailbox, None)
        try:
            keyring.delete_password(KEYRING_SERVICE, settings.mailbox)
        except KeyringError:
            pass  # none was kept
    from salesdesk.integrations.exchange import close_connections

    close_connections()


def store_secret(mailbox: str, secret: str, *, session_only: bool = False) -> None:
    import keyring
    from keyring.errors import KeyringError

    from salesdesk.services.sync import _no_keyring, keyring_available

    if session_only:
        _session_secrets[mailbox] = secret
        return
    if not keyring_available():
        raise _no_keyring()
    try:
        keyring.set_password(KEYRING_SERVICE, mailbox, secret)
    except KeyringError as error:
        raise _no_keyring() from error
    _session_secrets.pop(mailbox, None)


def stored_secret(mailbox: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    if mailbox in _session_secrets:
        return _session_secrets[mailbox]
    try:
        return keyring.get_password(KEYRING_SERVICE, mailbox)
    except KeyringError:
        return None


def connect_mailbox(store: Store, *, settings=None,
                    secret: str | None = None) -> CalendarBackend:
    """The configured mailbox as a backend (exchangelib is imported here, not at start)."""
    from salesdesk.integrations.exchange import connect

    if settings is None:
        with store.session() as session:
            settings = mailbox_settings(session)
    if settings is None:
        raise CalendarError(_("No Outlook/Exchange mailbox is set up: see Settings → "
                              "Outlook/Exchange."))
    if secret is None:  # the keyring, else (scripts, a server without one) the environment
        secret = stored_secret(settings.mailbox) or os.environ.get(PASSWORD_VARIABLE)
    if secret is None:
        raise CalendarError(_("The password for the mailbox {mailbox} is not saved on this "
                              "computer: enter it in Settings → Outlook/Exchange.").format(
                                  mailbox=settings.mailbox))
    return connect(settings, secret,
                   on_secret=lambda new: store_secret(settings.mailbox, new))


def test_connection(settings, secret: str) -> str:
    """Sign in and open both folders, failing fast; a sentence for the user, or a
    CalendarError saying what is wrong (password, address, certificate)."""
    from salesdesk.integrations.exchange import connect

    check_settings(settings)
    backend = connect(settings, secret)
    backend.test()
    return _("Connected to the mailbox {mailbox}: calendar and tasks can be used.").format(
        mailbox=settings.mailbox)


# -- what belongs in the mailbox ------------------------------------------------------

def _wanted(session: Session, kind: str, me: uuid.UUID, linked: set[uuid.UUID]) -> dict:
    """entity id → record for everything this user's mailbox should have."""
    since = utcnow() - timedelta(days=DAYS_BACK)
    if kind == "appointment":
        rows = session.scalars(select(Appointment).where(
            Appointment.organizer_id == me, Appointment.deleted_at.is_(None),
            Appointment.status != "cancelled",
            or_(Appointment.ends_at >= since, Appointment.id.in_(linked))))
    else:
        rows = session.scalars(select(Task).where(
            Task.assignee_id == me, Task.deleted_at.is_(None),
            Task.status != TaskStatus.CANCELLED.value,
            or_(Task.due_on.is_not(None), Task.remind_at.is_not(None)),
            or_(Task.status.not_in([s.value for s in DONE_STATUSES]),
                Task.completed_at >= since, Task.id.in_(linked))))
    return {row.id: row for row in rows}


def _fields(kind: str, record) -> dict:
    return appointment_fields(record) if kind == "appointment" else task_fields(record)


def _links(session: Session, mailbox: str, kind: str) -> list[ExchangeLink]:
    return list(session.scalars(select(ExchangeLink).where(
        ExchangeLink.mailbox == mailbox, ExchangeLink.entity_kind == kind)))


# -- applying Outlook's changes ---------------------------------------------------------

def _apply(session: Session, kind: str, record, changes: dict, remote: dict) -> None:
    """Outlook's values of ``changes`` into the SalesDesk record, through the services
    (so the change is checked, and queued for the central database)."""
    if kind == "appointment":
        values: dict = {}
        if "subject" in changes:
            values["subject"] = changes["subject"]
        if "location" in changes:
            values["location"] = changes["location"]
        if "body" in changes:
            values["notes"] = changes["body"]
        if "time_zone" in changes:
            values["time_zone"] = changes["time_zone"]
        if {"start", "end"} & changes.keys():
            values["starts_at"] = datetime.fromisoformat(remote["start"])
            values["ends_at"] = datetime.fromisoformat(remote["end"])
        if {"start", "reminder"} & changes.keys():
            minutes = remote.get("reminder")
            start = datetime.fromisoformat(remote["start"])
            values["remind_at"] = None if minutes is None else start - timedelta(minutes=minutes)
        if values:
            update_appointment(session, record.id, values)
        return
    values = {}
    if "subject" in changes:
        values["title"] = changes["subject"]
    if "body" in changes:
        values["description"] = changes["body"]
    if "due_on" in changes:
        values["due_on"] = date.fromisoformat(changes["due_on"]) if changes["due_on"] else None
    if "reminder_at" in changes:
        values["remind_at"] = (datetime.fromisoformat(changes["reminder_at"])
                               if changes["reminder_at"] else None)
    if values:
        update_task(session, record.id, values)
    if "status" in changes:
        target = _STATUS_FROM_STATE[changes["status"]]
        if _TASK_STATE.get(record.status) != changes["status"]:
            change_status(session, record.id, target.value,
                          _("Changed in Outlook"))


def _merge(session: Session, backend: CalendarBackend, kind: str, link: ExchangeLink,
           remote: RemoteItem, record, result: CalendarSyncResult) -> None:
    """Outlook's version of a linked item against SalesDesk's, field by field."""
    synced = json.loads(link.synced or "{}")
    mine = backend.normalise(kind, _fields(kind, record)) if record is not None else None
    theirs = remote.fields
    take: dict = {}
    conflicts: dict = {}
    for name in _names(kind):
        if theirs.get(name) == synced.get(name):
            continue
        if mine is not None and mine.get(name) != synced.get(name) \
                and mine.get(name) != theirs.get(name):
            conflicts[name] = {"outlook": theirs.get(name), "salesdesk": mine.get(name)}
        else:
            take[name] = theirs.get(name)
    if take and record is not None and any(mine.get(n) != v for n, v in take.items()):
        try:
            with session.begin_nested():
                _apply(session, kind, record, take, theirs)
            result.pulled += 1
        except DomainError as error:
            conflicts[""] = {"outlook": _first_line(error), "salesdesk": None}
            take = {}
    synced.update(take)
    link.synced = json.dumps(synced, sort_keys=True)
    link.change_key = remote.ref.change_key
    link.item_id = remote.ref.item_id
    link.conflict = json.dumps(conflicts, sort_keys=True) if conflicts else None
    link.removed_in_outlook_at = None
    link.updated_at = utcnow()
    if conflicts:
        result.conflicts += 1


def _record(session: Session, kind: str, entity_id: uuid.UUID):
    record = session.get(Appointment if kind == "appointment" else Task, entity_id)
    return None if record is None or record.deleted_at is not None else record


def _relink(session: Session, mailbox: str, kind: str, remote: RemoteItem) -> bool:
    """An item carrying a SalesDesk id with no link (the link was lost, or a run was cut
    off after creating it): link it instead of making a second one."""
    try:
        entity_id = uuid.UUID(remote.uid)
    except ValueError:
        return False
    if _record(session, kind, entity_id) is None:
        return False
    if session.scalar(select(ExchangeLink.id).where(
            ExchangeLink.mailbox == mailbox, ExchangeLink.entity_kind == kind,
            ExchangeLink.entity_id == entity_id)) is not None:
        return False  # a copy made in Outlook: the original stays the linked one
    # SalesDesk's values win: they go out at the push that follows
    session.add(ExchangeLink(mailbox=mailbox, entity_kind=kind, entity_id=entity_id,
                             item_id=remote.ref.item_id, change_key=remote.ref.change_key,
                             synced=json.dumps(remote.fields, sort_keys=True)))
    return True


def _state(session: Session, mailbox: str, kind: str) -> ExchangeFolderState:
    folder = FOLDERS[kind]
    state = session.get(ExchangeFolderState, (mailbox, folder))
    if state is None:
        state = ExchangeFolderState(mailbox=mailbox, folder=folder, sync_state="")
        session.add(state)
    return state


def _pull(store: Store, backend: CalendarBackend, mailbox: str, kind: str,
          result: CalendarSyncResult) -> None:
    with store.session() as session:
        state = _state(session, mailbox, kind).sync_state
    try:
        remote = backend.changes(kind, state)
    except SyncStateInvalid:
        log.warning("Exchange %s: sync state refused, full resync", FOLDERS[kind])
        _full_resync(store, backend, mailbox, kind, result)
        return
    with store.session() as session:
        links = {link.item_id: link for link in _links(session, mailbox, kind)}
        linked_uids = {str(link.entity_id) for link in links.values()}
        wanted = []
        for item in remote.changed:
            link = links.get(item.ref.item_id)
            if link is not None and link.change_key == item.ref.change_key:
                result.echoes += 1  # SalesDesk's own write coming back
            elif link is not None or (item.uid and item.uid not in linked_uids):
                wanted.append(item.ref.item_id)
        fetched = backend.fetch(kind, wanted) if wanted else []
        for item in fetched:
            link = links.get(item.ref.item_id)
            if link is None:
                _relink(session, mailbox, kind, item)
                continue
            _merge(session, backend, kind, link, item,
                   _record(session, kind, link.entity_id), result)
        for item_id in remote.deleted:
            link = links.get(item_id)
            if link is not None and link.removed_in_outlook_at is None:
                link.removed_in_outlook_at = utcnow()
                link.conflict = None
                result.removed_in_outlook += 1
        folder_state = _state(session, mailbox, kind)
        folder_state.sync_state = remote.state
        folder_state.updated_at = utcnow()
        session.commit()


def _full_resync(store: Store, backend: CalendarBackend, mailbox: str, kind: str,
                 result: CalendarSyncResult) -> None:
    """Everything carrying a SalesDesk id, matched to the links by that id; then a new
    sync state from the start (its changes are already known)."""
    stamped = backend.stamped(kind)
    fresh = backend.changes(kind, "")
    with store.session() as session:
        links = {str(link.entity_id): link for link in _links(session, mailbox, kind)}
        seen = set()
        for item in stamped:
            link = links.get(item.uid)
            if link is None:
                _relink(session, mailbox, kind, item)
                session.flush()
                continue
            if item.uid in seen:
                continue  # a copy made in Outlook
            seen.add(item.uid)
            if link.change_key != item.ref.change_key or link.item_id != item.ref.item_id:
                _merge(session, backend, kind, link, item,
                       _record(session, kind, link.entity_id), result)
        for uid, link in links.items():
            if uid not in seen and link.removed_in_outlook_at is None:
                link.removed_in_outlook_at = utcnow()
                result.removed_in_outlook += 1
        folder_state = _state(session, mailbox, kind)
        folder_state.sync_state = fresh.state
        folder_state.full_resync_at = folder_state.updated_at = utcnow()
        session.commit()
    result.full_resync.append(FOLDERS[kind])


# -- sending SalesDesk's changes --------------------------------------------------------

def _push(store: Store, backend: CalendarBackend, mailbox: str, kind: str,
          result: CalendarSyncResult, progress: Progress | None, cancel: Cancel | None) -> None:
    with store.session() as session:
        me = current_user(session).id
        links = {link.entity_id: link for link in _links(session, mailbox, kind)}
        wanted = _wanted(session, kind, me, set(links))
        fields = {eid: backend.normalise(kind, _fields(kind, r)) for eid, r in wanted.items()}
        new = [eid for eid in wanted if eid not in links]
        changed = []
        for eid, link in links.items():
            if eid not in wanted or link.removed_in_outlook_at or link.conflict:
                continue
            synced = json.loads(link.synced or "{}")
            names = [n for n in _names(kind) if fields[eid].get(n) != synced.get(n)]
            if names:
                changed.append((eid, names))
        gone = [link for eid, link in links.items() if eid not in wanted]
    total, done = len(new) + len(changed) + len(gone), 0

    def step(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total, _("Outlook: {done} of {total}").format(done=done,
                                                                        total=total))
        if cancel is not None and cancel():
            raise CalendarSyncCancelled(_("The Outlook sync was stopped; what was sent so "
                                          "far is kept."))

    for start in range(0, len(new), 100):
        chunk = new[start:start + 100]
        refs = backend.create(kind, [(str(eid), fields[eid]) for eid in chunk])
        with store.session() as session:
            for eid, ref in zip(chunk, refs, strict=True):
                if isinstance(ref, Exception):
                    result.problems.append(f"{wanted[eid].id}: {ref}")
                    continue
                session.add(ExchangeLink(mailbox=mailbox, entity_kind=kind, entity_id=eid,
                                         item_id=ref.item_id, change_key=ref.change_key,
                                         synced=json.dumps(fields[eid], sort_keys=True)))
                result.created += 1
            session.commit()
        step(len(chunk))
    for eid, names in changed:
        with store.session() as session:
            link = session.get(ExchangeLink, links[eid].id)
            try:
                ref = backend.update(kind, RemoteRef(link.item_id, link.change_key),
                                     fields[eid], names)
            except CalendarConflict:
                # changed in Outlook since the last pull: shown, never overwritten; the
                # next pull merges it (or asks the user when both changed one field)
                link.conflict = json.dumps({"": {"salesdesk": names, "outlook": None}})
                result.conflicts += 1
            except ItemGone:
                link.removed_in_outlook_at = utcnow()
                result.removed_in_outlook += 1
            else:
                link.change_key, link.item_id = ref.change_key, ref.item_id
                link.synced = json.dumps(fields[eid], sort_keys=True)
                result.updated += 1
            link.updated_at = utcnow()
            session.commit()
        step(1)
    if gone:
        live = [link for link in gone if link.removed_in_outlook_at is None]
        if live:
            backend.delete(kind, [RemoteRef(link.item_id, link.change_key) for link in live])
        with store.session() as session:
            for link in gone:
                session.delete(session.get(ExchangeLink, link.id))
            session.commit()
        result.removed += len(live)
        step(len(gone))


def sync_mailbox(store: Store, backend: CalendarBackend | None = None, *,
                 progress: Progress | None = None,
                 cancel: Cancel | None = None, pull: bool = True) -> CalendarSyncResult:
    """One run: pull then push, calendar then tasks. Raises CalendarError (offline,
    password, …) with everything done so far kept; the rest goes out next time.
    ``pull`` False only sends (for a test of what a stale change key does)."""
    if backend is None:
        backend = connect_mailbox(store)
    with store.session() as session:
        settings = mailbox_settings(session)
    mailbox = settings.mailbox if settings is not None else "default"
    for attempt in range(BUSY_ATTEMPTS):
        try:
            return _run(store, backend, mailbox, progress, cancel, pull)
        except CalendarBusy as busy:
            # every step is safe to repeat: states are saved with their changes, links
            # with the writes they stand for
            if attempt + 1 == BUSY_ATTEMPTS:
                raise
            wait = min(max(busy.back_off, 0.1), MAX_BACK_OFF_S)
            log.info("Exchange busy, again in %.1f s", wait)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if cancel is not None and cancel():
                    raise CalendarSyncCancelled(_("The Outlook sync was stopped; what was "
                                                  "sent so far is kept.")) from busy
                time.sleep(min(0.1, wait))
    raise AssertionError("unreachable")


def _run(store: Store, backend: CalendarBackend, mailbox: str, progress: Progress | None,
         cancel: Cancel | None, pull: bool) -> CalendarSyncResult:
    result = CalendarSyncResult()
    for kind in KINDS if pull else ():
        _pull(store, backend, mailbox, kind, result)
    for kind in KINDS:
        written = result.created + result.updated
        _push(store, backend, mailbox, kind, result, progress, cancel)
        if pull and result.created + result.updated > written:
            # take the echoes of these writes now: an item the user deletes before the
            # next run is then reported as deleted (a change log folds "made and deleted
            # since your state" into nothing)
            _pull(store, backend, mailbox, kind, result)
    _record_run(store, result)
    return result


def _record_run(store: Store, result: CalendarSyncResult) -> None:
    with store.session() as session:
        set_setting(session, "exchange.last_sync", {
            "at": utcnow().isoformat(timespec="seconds"), "summary": result.summary()})
        session.commit()


# -- what the user sees and decides -------------------------------------------------------

@dataclass(frozen=True)
class OutlookState:
    linked: bool
    removed_in_outlook: bool
    conflict: dict | None


def outlook_state(source: Session, kind: str, entity_id: uuid.UUID) -> OutlookState:
    link = source.scalar(select(ExchangeLink).where(
        ExchangeLink.entity_kind == kind, ExchangeLink.entity_id == entity_id))
    if link is None:
        return OutlookState(False, False, None)
    return OutlookState(True, link.removed_in_outlook_at is not None,
                        json.loads(link.conflict) if link.conflict else None)


@dataclass(frozen=True)
class MailboxConflict:
    link_id: uuid.UUID
    kind: str
    entity_id: uuid.UUID
    title: str
    fields: dict  # field → {"outlook": …, "salesdesk": …}; "" = changed in Outlook meanwhile


def mailbox_conflicts(session: Session) -> list[MailboxConflict]:
    found = []
    for link in session.scalars(select(ExchangeLink).where(ExchangeLink.conflict.is_not(None))
                                .order_by(ExchangeLink.updated_at)):
        record = _record(session, link.entity_kind, link.entity_id)
        title = "" if record is None else (record.subject if link.entity_kind == "appointment"
                                           else record.title)
        found.append(MailboxConflict(link.id, link.entity_kind, link.entity_id, title,
                                     json.loads(link.conflict)))
    return found


def resolve_conflict(store: Store, link_id: uuid.UUID, keep: str) -> None:
    """``keep`` "salesdesk": SalesDesk's values go to Outlook at the next run;
    "outlook": Outlook's values come into SalesDesk now."""
    with store.session() as session:
        link = session.get(ExchangeLink, link_id)
        if link is None or link.conflict is None:
            return
        conflict = json.loads(link.conflict)
        synced = json.loads(link.synced or "{}")
        record = _record(session, link.entity_kind, link.entity_id)
        fields = {n: v["outlook"] for n, v in conflict.items() if n}
        if keep == "outlook" and record is not None and fields:
            current = _fields(link.entity_kind, record) | fields
            _apply(session, link.entity_kind, record, fields, current)
            synced.update(fields)
        elif keep == "salesdesk":
            synced.update(fields)  # Outlook's value is the base: SalesDesk's differs
        link.synced = json.dumps(synced, sort_keys=True)
        link.conflict = None
        link.updated_at = utcnow()
        session.commit()


def put_back_in_outlook(store: Store, kind: str, entity_id: uuid.UUID) -> None:
    """An item deleted in Outlook is made again at the next run."""
    with store.session() as session:
        for link in session.scalars(select(ExchangeLink).where(
                ExchangeLink.entity_kind == kind, ExchangeLink.entity_id == entity_id)):
            session.delete(link)
        session.commit()
