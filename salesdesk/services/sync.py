"""Synchronisation as the user starts it: which central database, with which login and
password (the URL is a setting without the password; the password lives in the OS
keyring, never in a file), one run of salesdesk.sync.session, and what the sync page
and the status bar show about it (last sync, pending changes, the last problem).

The conflicts and the refused changes are decided in salesdesk.services.sync_review.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from salesdesk.domain.errors import first_line as _first_line
from salesdesk.i18n import _
from salesdesk.services.settings import get_setting, set_setting
from salesdesk.store.engine import Store, dbapi
from salesdesk.sync.session import SyncError, SyncReport, run_sync

log = logging.getLogger(__name__)

KEYRING_SERVICE = "SalesDesk central database"
URL_SETTING = "sync.central_url"
INTERVAL_SETTING = "sync.interval_minutes"
DEFAULT_INTERVAL = 15  # minutes between automatic runs; 0: only by hand
_LAST_SYNC, _LAST_FAILURE = "last_sync", "last_failure"  # sync_state keys
# passwords the user chose to keep for this session only (no keyring), by bare URL
_session_passwords: dict[str, str] = {}


class NoKeyring(SyncError):
    """This computer has no keyring to keep the password in."""


# -- the connection ---------------------------------------------------------------------

def _parts(url: str) -> dict[str, str]:
    from psycopg.conninfo import conninfo_to_dict

    try:
        return {k: str(v) for k, v in conninfo_to_dict(url).items()}
    except Exception as error:  # noqa: BLE001  (psycopg says what is wrong with it)
        raise SyncError(_("This is not a database address SalesDesk can read: {problem}")
                        .format(problem=str(error).strip() or url)) from error


def _without_password(url: str) -> tuple[str, str | None]:
    from psycopg.conninfo import make_conninfo

    parts = _parts(url)
    password = parts.pop("password", None)
    return make_conninfo(**parts), password


def connection_url(url: str, login: str = "") -> str:
    """The address as typed (URI or key=value), with ``login`` as its user if given."""
    from psycopg.conninfo import make_conninfo

    parts = _parts(url.strip())
    if login.strip():
        parts["user"] = login.strip()
    return make_conninfo(**parts)


def describe(url: str) -> str:
    """"salesdesk (rita@db.example.com)": the database a URL names, never its password."""
    from salesdesk.sync.central import describe as describe_central

    return describe_central(url)


def readable_url(url: str, *, with_user: bool = True) -> str:
    """A stored address as people write it: postgresql://rita@db.example.com:5432/salesdesk
    (no password; ``with_user`` False: without the login either)."""
    from urllib.parse import quote, urlencode

    parts = _parts(url) if url else {}
    parts.pop("password", None)
    if not parts:
        return ""
    user, host = parts.pop("user", "") if with_user else "", parts.pop("host", "")
    parts.pop("user", None)
    port, dbname = parts.pop("port", ""), parts.pop("dbname", "")
    if host.startswith("/"):  # a socket folder: no place in the authority part
        parts = {"host": host, **parts}
        host = ""
    netloc = (quote(user) + "@" if user else "") + host + (f":{port}" if port else "")
    query = "?" + urlencode(parts) if parts else ""
    return f"postgresql://{netloc}/{quote(dbname)}{query}"


def keyring_available() -> bool:
    """Whether this computer has a keyring SalesDesk can keep the password in."""
    import keyring
    from keyring.backends import fail

    try:
        return not isinstance(keyring.get_keyring(), fail.Keyring)
    except Exception:  # noqa: BLE001  (a broken keyring set-up counts as none)
        return False


def _no_keyring() -> NoKeyring:
    return NoKeyring(_("This computer has no keyring (password store) SalesDesk can use, so "
                       "the password cannot be saved. It can be used for this session only: "
                       "you will be asked again after SalesDesk restarts."))


def save_connection(store: Store, url: str, password: str | None = None, *,
                    session_only: bool = False) -> str:
    """Remember the central database: the URL (without a password) as a setting, the
    password in the keyring (or, ``session_only``, in memory until SalesDesk ends).
    Raises NoKeyring, saving nothing, when there is no keyring. Returns the stored URL."""
    import keyring
    from keyring.errors import KeyringError

    bare, in_url = _without_password(url)
    secret = password or in_url
    if secret and session_only:
        _session_passwords[bare] = secret
    elif secret:
        if not keyring_available():
            raise _no_keyring()
        try:
            keyring.set_password(KEYRING_SERVICE, bare, secret)
        except KeyringError as error:
            raise _no_keyring() from error
        _session_passwords.pop(bare, None)
    with store.session() as session:
        set_setting(session, URL_SETTING, bare)
        session.commit()
    return bare


def _saved_url(store: Store) -> str:
    with store.session() as session:  # a session of its own: callable on any thread
        return get_setting(session, URL_SETTING) or ""


def _password(bare: str) -> str | None:
    """The password for a stored URL: this session's, or the keyring's."""
    import keyring
    from keyring.errors import KeyringError

    if bare in _session_passwords:
        return _session_passwords[bare]
    try:
        return keyring.get_password(KEYRING_SERVICE, bare)
    except KeyringError:  # no keyring: there is no password to find
        return None


def stored_password(url: str) -> str | None:
    """The password saved for a central URL (keyring or this session), if any."""
    bare, in_url = _without_password(url)
    return in_url or _password(bare)


def stored_url(store: Store) -> str:
    """The saved central URL with the password from the keyring (or this session)."""
    from psycopg.conninfo import make_conninfo

    bare = _saved_url(store)
    if not bare:
        raise SyncError(_("No central database is set up on this device: give one with "
                          "--central URL, or in the sync panel."))
    password = _password(bare)
    return make_conninfo(bare, password=password) if password else bare


@dataclass(frozen=True)
class ConnectionInfo:
    url: str  # as people write it, without password; "" when none is set up
    address: str  # the same without the login (the dialog asks for it separately)
    target: str  # "salesdesk (rita@db.example.com)"
    login: str
    password: str  # where it is kept: "keyring", "session" (no keyring) or "none"


def connection_info(store: Store) -> ConnectionInfo:
    """The central database this device syncs with, and where its password is kept
    (without asking the keyring for it: that may ask the user to unlock it)."""
    bare = _saved_url(store)
    if not bare:
        return ConnectionInfo("", "", "", "", "none")
    where = "session" if bare in _session_passwords else \
        "keyring" if keyring_available() else "none"
    return ConnectionInfo(readable_url(bare), readable_url(bare, with_user=False),
                          describe(bare), _parts(bare).get("user", ""), where)


def check_connection(url: str, password: str | None = None) -> str:
    """Connect, check the central schema and the login; a sentence saying so, or a
    SyncError in plain words. Takes seconds on a bad network: not on the GUI thread."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    from salesdesk.sync.session import check_schema, connect

    full = make_conninfo(url, password=password) if password else url
    target = describe(full)
    try:
        with connect(full) as central:
            check_schema(central, target)
            role = central.execute("SELECT role FROM sync_user WHERE login = session_user"
                                   ).fetchone()
    except SyncError as error:
        raise SyncError(explain_failure(error)[0]) from error
    except psycopg.Error as error:
        raise SyncError(_("The central database {target} answered with an error: {problem}")
                        .format(target=target, problem=_first_line(error))) from error
    if role is None:
        return _("Connected to {target}. This login is not set up as a SalesDesk user yet: "
                 "ask your office to run salesdesk central add-user.").format(target=target)
    return _("Connected to {target}: everything is ready for synchronisation.").format(
        target=target)


# -- why a run failed, in plain words ---------------------------------------------------

_OFFLINE_SIGNS = ("connection refused", "could not connect", "timeout expired",
                  "timed out", "failed to resolve host", "name or service not known",
                  "could not translate host name", "network is unreachable",
                  "no route to host", "no such file or directory", "temporary failure in "
                  "name resolution", "server closed the connection", "connection reset",
                  "connection to server", "ssl syscall error", "eof detected")
_LOGIN_SIGNS = ("password authentication failed", "no password supplied",
                "role \"", "pg_hba.conf", "password is required")


def _cause_text(error: BaseException) -> str:
    texts = [str(error)]
    cause = error.__cause__
    while cause is not None:
        texts.append(str(cause))
        cause = cause.__cause__
    return " ".join(texts).lower()


def explain_failure(error: BaseException) -> tuple[str, bool]:
    """(a message in plain words, whether it just means "offline") for a failed run."""
    from salesdesk.sync.session import UpdateRequired

    if isinstance(error, UpdateRequired):
        return str(error), False
    text = _cause_text(error)
    if any(sign in text for sign in _LOGIN_SIGNS):
        return _("The central database did not accept the login and password. Check them "
                 "under “Change connection…”; your changes stay on this computer."), False
    if "does not exist" in text and "database" in text:
        return _("The central database named in the connection does not exist on that "
                 "server. Check the address under “Change connection…”."), False
    if isinstance(error, SyncError) and any(sign in text for sign in _OFFLINE_SIGNS):
        return _("The central database cannot be reached: no network connection, or the "
                 "server is not running. Your changes stay on this computer and are sent "
                 "with the next synchronisation."), True
    if isinstance(error, SyncError):
        return str(error), False
    return _("Synchronisation stopped because of an unexpected error ({kind}: {detail}). "
             "Your changes stay on this computer; the details are in the log file.").format(
                 kind=type(error).__name__, detail=_first_line(error)), False


# -- one run ----------------------------------------------------------------------------

def sync_now(store: Store, url: str | None = None, *,
             progress: Callable[[str, int], None] | None = None,
             cancel: Callable[[], bool] | None = None, verify: bool = False) -> SyncReport:
    """Push and pull once, with the URL given or the one saved on this device; the
    outcome (success or failure) is recorded for the sync page."""
    try:
        url = url or stored_url(store)
        report = run_sync(store, url, progress=progress, cancel=cancel, verify=verify)
        if cancel is not None and cancel():
            return report
        _refetch_discarded(store, url)
    except Exception as error:
        record_failure(store, error)
        raise
    record_success(store, report)
    return report


def _refetch_discarded(store: Store, url: str) -> None:
    """The central version of records whose refused change the user discarded."""
    import psycopg

    from salesdesk.sync.session import connect

    with store.session() as session:
        if _state(dbapi(session), REFETCH_KEY) is None:
            return
    with connect(url) as central:
        try:
            refetch_discarded(store, central)
        except psycopg.Error as error:
            raise SyncError(_("The central database {target} refused: {problem}").format(
                target=describe(url), problem=_first_line(error))) from error


def _set_state(store: Store, key: str, value) -> None:
    with store.session() as session:
        dbapi(session).execute(
            "INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO "
            "UPDATE SET value = excluded.value", (key, json.dumps(value)))
        session.commit()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record_success(store: Store, report: SyncReport) -> None:
    _set_state(store, _LAST_SYNC, {"at": _now(), "pushed": report.pushed,
                                   "pulled": report.pulled, "conflicts": report.conflicts,
                                   "parked": report.parked, "warnings": report.warnings})


def record_failure(store: Store, error: BaseException) -> None:
    message, offline = explain_failure(error)
    _set_state(store, _LAST_FAILURE, {"at": _now(), "message": message, "offline": offline,
                                      "detail": _first_line(error)})


# -- what the page and the status bar show ----------------------------------------------

@dataclass(frozen=True)
class SyncStatus:
    url: str  # without password, as people write it; "" when none is set up
    target: str  # "salesdesk (rita@db.example.com)"
    login: str
    last_sync: datetime | None  # the last run that went through
    last_pull: datetime | None
    last_pushed: int  # changes sent and received by the last run that went through
    last_pulled: int
    failed_at: datetime | None  # the last failed run, if after the last good one
    problem: str  # what went wrong then, in plain words ("" when the last run went well)
    offline: bool  # … and whether that just means the central database was out of reach
    warnings: tuple[str, ...]  # of the last good run (a wrong clock)
    pending: int  # records changed here and not sent yet
    conflicts: int  # open
    parked: int  # changes the central database refused

    @property
    def configured(self) -> bool:
        return bool(self.url)


def _time(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _state(conn, key: str) -> dict | str | None:
    row = conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
    try:
        return json.loads(row[0]) if row else None
    except ValueError:
        return None


def pending_changes(conn) -> int:
    """Records changed on this device and not yet sent (several edits of one: one)."""
    return conn.execute("SELECT count(*) FROM (SELECT DISTINCT tbl, row_id FROM "
                        "sync_outbox)").fetchone()[0]


def sync_status(store: Store, source=None) -> SyncStatus:
    """The state of synchronisation on this device. ``source``: a session or sqlite3
    connection to read with (default: the store's reader, i.e. the GUI thread)."""
    conn = dbapi(source) if source is not None else store.reader()
    bare = get_setting(conn, URL_SETTING) or ""
    done = _state(conn, _LAST_SYNC) or {}
    failed = _state(conn, _LAST_FAILURE) or {}
    last_sync, failed_at = _time(done.get("at")), _time(failed.get("at"))
    if failed_at is not None and last_sync is not None and failed_at < last_sync:
        failed, failed_at = {}, None  # a later run went through
    last_pull = _state(conn, "last_pull")
    return SyncStatus(
        url=readable_url(bare) if bare else "", target=describe(bare) if bare else "",
        login=_parts(bare).get("user", "") if bare else "", last_sync=last_sync,
        last_pull=_time(last_pull if isinstance(last_pull, str) else None),
        last_pushed=int(done.get("pushed", 0)), last_pulled=int(done.get("pulled", 0)),
        failed_at=failed_at, problem=failed.get("message", ""),
        offline=bool(failed.get("offline")), warnings=tuple(done.get("warnings", ())),
        pending=pending_changes(conn),
        conflicts=conn.execute("SELECT count(*) FROM sync_conflict WHERE resolution = ''"
                               ).fetchone()[0],
        parked=conn.execute("SELECT count(*) FROM sync_parked").fetchone()[0])


def auto_interval(source) -> int:
    """Minutes between automatic runs (0: only by hand)."""
    value = get_setting(source, INTERVAL_SETTING)
    return DEFAULT_INTERVAL if value is None else max(0, int(value))


def set_auto_interval(store: Store, minutes: int) -> None:
    with store.session() as session:
        set_setting(session, INTERVAL_SETTING, max(0, int(minutes)))
        session.commit()


# the conflict and refused-change decisions live next door; importable from here too
from salesdesk.services.sync_review import (  # noqa: E402
    REFETCH_KEY,
    ConflictItem,
    ParkedItem,
    discard_parked,
    list_conflicts,
    list_parked,
    refetch_discarded,
    resolve_conflict,
    retry_parked,
)

__all__ = ["ConflictItem", "ConnectionInfo", "NoKeyring", "ParkedItem", "SyncError",
           "SyncReport", "SyncStatus", "auto_interval", "check_connection", "connection_info",
           "connection_url", "describe", "discard_parked", "explain_failure",
           "keyring_available", "list_conflicts", "list_parked", "pending_changes",
           "readable_url", "record_failure", "record_success", "resolve_conflict",
           "retry_parked", "save_connection", "set_auto_interval", "stored_password",
           "stored_url", "sync_now", "sync_status"]


def check_local_store(data_dir) -> list[str]:
    """What SQLite's quick_check finds wrong with this device's store ([]: nothing)."""
    from pathlib import Path

    from salesdesk.store.engine import DB_NAME
    from salesdesk.sync.recovery import check_store

    return check_store(Path(data_dir) / DB_NAME)


def recover_local_store(data_dir, user: str | None, url: str | None):
    """Rebuild a damaged store from what can be read of it and the central database
    (every connection to it closed first). Returns (store, report)."""
    from salesdesk.sync.recovery import recover_store

    return recover_store(data_dir, user, url)
