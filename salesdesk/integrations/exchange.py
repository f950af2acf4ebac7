"""The user's Exchange mailbox over Exchange Web Services (exchangelib).

Implements ``CalendarBackend`` (calendar_backend.py); docs/exchange.md has the design.
exchangelib is imported on first use only (it costs start-up time), and the connection
is pinned: endpoint, auth type and server version come from the settings, found once by
``discover`` when the user asks, never guessed on each sync.

Every update names its fields (``update_fields``) and sends the stored change key with
``NeverOverwrite``: a note typed into the item in Outlook is never erased by a whole-item
save, and an item changed in Outlook since is a ``CalendarConflict``, not an overwrite.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from salesdesk.i18n import _
from salesdesk.integrations.calendar_backend import (
    CalendarAuthError,
    CalendarBusy,
    CalendarCertificateError,
    CalendarConflict,
    CalendarError,
    CalendarUnreachable,
    ItemGone,
    RemoteChanges,
    RemoteItem,
    RemoteRef,
    SyncStateInvalid,
)

# SalesDesk's own named property set: the record id on every item it makes
PROPERTY_SET_ID = "1cf13efb-b707-4184-9bc5-2d50f93ab0d2"
PROPERTY_NAME = "SalesDeskId"
CATEGORY = "SalesDesk"
AUTH_TYPES = ("NTLM", "basic", "OAuth 2.0")
DEFAULT_BUILD = "15.1.2507.6"  # Exchange Server 2016 CU23: used when nothing was discovered
CHUNK = 100
SYNC_PAGE = 512  # the most SyncFolderItems returns per call

_TASK_STATUS = {"not_started": "NotStarted", "in_progress": "InProgress",
                "deferred": "Deferred", "completed": "Completed"}
_TASK_STATE = {v: k for k, v in _TASK_STATUS.items()} | {"WaitingOnOthers": "deferred"}
_APPOINTMENT_READ = ("subject", "start", "end", "_start_timezone", "location", "body",
                     "reminder_is_set", "reminder_minutes_before_start", "salesdesk_id")
_TASK_READ = ("subject", "due_date", "status", "reminder_is_set", "reminder_due_by", "body",
              "salesdesk_id")
# calendar field → exchangelib fields it is written through
_APPOINTMENT_WRITE = {"subject": ("subject",), "start": ("start", "end"),
                      "end": ("start", "end"), "time_zone": ("start", "end"),
                      "location": ("location",), "body": ("body",),
                      "reminder": ("reminder_is_set", "reminder_minutes_before_start")}
_TASK_WRITE = {"subject": ("subject",), "due_on": ("due_date",),
               "reminder_at": ("reminder_is_set", "reminder_due_by"),
               "status": ("status", "percent_complete"), "body": ("body",)}


@dataclass(frozen=True)
class ExchangeSettings:
    """How to reach the mailbox; the secret (password or OAuth token) is not in here."""

    mailbox: str
    endpoint: str
    username: str
    auth_type: str = "NTLM"
    build: str = DEFAULT_BUILD
    oauth_client_id: str = ""
    oauth_tenant_id: str = ""

    def problems(self) -> list[tuple[str, str]]:
        """(field, problem) for what is missing or malformed, for the settings dialog."""
        found = []
        if "@" not in self.mailbox:
            found.append(("mailbox", _("must be an e-mail address")))
        if not self.endpoint.lower().startswith(("https://", "http://")):
            found.append(("endpoint", _("must be an address starting with https://")))
        if self.auth_type not in AUTH_TYPES:
            found.append(("auth_type", _("is not one of {choices}").format(
                choices=", ".join(AUTH_TYPES))))
        if self.auth_type != "OAuth 2.0" and not self.username:
            found.append(("username", _("is required")))
        if self.auth_type == "OAuth 2.0" and not self.oauth_client_id:
            found.append(("oauth_client_id", _("is required for OAuth")))
        try:
            _build_numbers(self.build)
        except ValueError:
            found.append(("build", _("must look like 15.1.2507.6")))
        return found


def _build_numbers(build: str) -> tuple[int, ...]:
    numbers = tuple(int(part) for part in build.split("."))
    if not 2 <= len(numbers) <= 4:
        raise ValueError(build)
    return numbers


_lock = threading.Lock()
_loaded: dict[str, Any] = {}


def _ews():
    """exchangelib, imported and set up (the SalesDesk id property registered) once."""
    with _lock:
        if not _loaded:
            import exchangelib
            from exchangelib import CalendarItem, ExtendedProperty, Task

            class SalesDeskId(ExtendedProperty):
                property_set_id = PROPERTY_SET_ID
                property_name = PROPERTY_NAME
                property_type = "String"

            for cls in (CalendarItem, Task):
                if "salesdesk_id" not in {f.name for f in cls.FIELDS}:
                    cls.register("salesdesk_id", SalesDeskId)
            _loaded["ews"] = exchangelib
        return _loaded["ews"]


# -- errors ---------------------------------------------------------------------------

def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _is_certificate_problem(error: BaseException) -> bool:
    import requests

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, requests.exceptions.SSLError):
            return True
        text = str(seen)
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@contextmanager
def translated_errors(endpoint: str) -> Iterator[None]:
    """exchangelib's and requests' exceptions as CalendarError with a message for users."""
    ews = _ews()
    errors = ews.errors
    import requests

    try:
        yield
    except CalendarError:
        raise
    except errors.UnauthorizedError as error:
        raise CalendarAuthError(_(
            "The mailbox server {server} refused the login: check the user name and "
            "password.").format(server=endpoint)) from error
    except errors.ErrorIrresolvableConflict as error:
        raise CalendarConflict(_("The item was changed in Outlook meanwhile.")) from error
    except errors.ErrorItemNotFound as error:
        raise ItemGone(_first_line(error)) from error
    except (errors.ErrorInvalidSyncStateData, errors.ErrorSyncFolderNotFound) as error:
        raise SyncStateInvalid(_first_line(error)) from error
    except (errors.ErrorNonExistentMailbox, errors.ErrorAccessDenied,
            errors.ErrorImpersonateUserDenied) as error:
        raise CalendarError(_("The server {server} does not give access to this mailbox: "
                              "{reason}").format(server=endpoint,
                                                  reason=_first_line(error))) from error
    except (errors.ErrorServerBusy, errors.RateLimitError) as error:
        raise CalendarBusy(_("The mailbox server {server} is busy; SalesDesk tries again "
                             "later.").format(server=endpoint),
                           back_off=getattr(error, "back_off", None) or 1.0) from error
    except (errors.TransportError, errors.ErrorTimeoutExpired,
            requests.exceptions.RequestException, OSError) as error:
        if _is_certificate_problem(error):
            raise CalendarCertificateError(_(
                "The certificate of {server} is not trusted by this computer: ask your "
                "IT to install it, or check the address.").format(server=endpoint)) from error
        if isinstance(error, errors.ResponseMessageError) and not isinstance(
                error, errors.ErrorTimeoutExpired):
            raise CalendarError(_("The mailbox server {server} answered: {reason}").format(
                server=endpoint, reason=_first_line(error))) from error
        raise CalendarUnreachable(_(
            "The mailbox server {server} cannot be reached: you may be offline, or the "
            "address is wrong.").format(server=endpoint)) from error
    except errors.EWSError as error:
        raise CalendarError(_("The mailbox server {server} answered: {reason}").format(
            server=endpoint, reason=_first_line(error))) from error


# -- connecting -----------------------------------------------------------------------

def _credentials(settings: ExchangeSettings, secret: str,
                 on_secret: Callable[[str], None] | None):
    ews = _ews()
    if settings.auth_type != "OAuth 2.0":
        return ews.Credentials(settings.username, secret)
    stored = json.loads(secret or "{}")

    class Refreshing(ews.OAuth2AuthorizationCodeCredentials):
        def on_token_auto_refreshed(self, access_token):
            super().on_token_auto_refreshed(access_token)
            if on_secret is not None:
                on_secret(json.dumps({**stored, "token": dict(access_token)}))

    token = stored.get("token")
    return Refreshing(client_id=settings.oauth_client_id,
                      client_secret=stored.get("client_secret"),
                      tenant_id=settings.oauth_tenant_id or None,
                      identity=ews.Identity(primary_smtp_address=settings.mailbox),
                      access_token=ews_token(token) if token else None)


def ews_token(token: dict):
    """An OAuth token as stored (a dict) in the type exchangelib wants."""
    from oauthlib.oauth2 import OAuth2Token

    return OAuth2Token(token)


def connect(settings: ExchangeSettings, secret: str, *, time_zone: str = "Europe/Berlin",
            on_secret: Callable[[str], None] | None = None) -> ExchangeBackend:
    """The mailbox as a backend; ``on_secret`` receives a refreshed OAuth token to keep.

    exchangelib's retry policy is always FailFast: its FaultTolerance cannot tell a wrong
    password from a flaky server (it backs off for minutes, then says "rate limit"), and it
    is shared by every connection to the same endpoint in the process. ErrorServerBusy
    is retried by the caller instead (CalendarBusy carries the server's back-off)."""
    ews = _ews()
    from exchangelib.transport import BASIC, NTLM, OAUTH2
    from exchangelib.version import Build, Version

    auth = {"NTLM": NTLM, "basic": BASIC, "OAuth 2.0": OAUTH2}[settings.auth_type]
    with translated_errors(settings.endpoint):
        config = ews.Configuration(
            credentials=_credentials(settings, secret, on_secret),
            service_endpoint=settings.endpoint, auth_type=auth,
            version=Version(build=Build(*_build_numbers(settings.build))),
            retry_policy=ews.FailFast())
        account = ews.Account(primary_smtp_address=settings.mailbox, config=config,
                              autodiscover=False, access_type=ews.DELEGATE,
                              default_timezone=ews.EWSTimeZone(time_zone))
    return ExchangeBackend(account, settings.endpoint)


def discover(mailbox: str, username: str, secret: str) -> ExchangeSettings:
    """Autodiscover once (settings dialog): the endpoint, auth type and server version
    to pin, so that syncs never guess again."""
    ews = _ews()
    with translated_errors(mailbox.split("@")[-1]):
        account = ews.Account(primary_smtp_address=mailbox,
                              credentials=ews.Credentials(username, secret),
                              autodiscover=True, access_type=ews.DELEGATE)
        protocol = account.protocol
        build = account.version.build
        return ExchangeSettings(
            mailbox=mailbox, endpoint=protocol.service_endpoint, username=username,
            auth_type={"basic": "basic", "OAuth 2.0": "OAuth 2.0"}.get(protocol.auth_type,
                                                                      "NTLM"),
            build=".".join(str(n) for n in (build.major_version, build.minor_version,
                                            build.major_build, build.minor_build)))


def close_connections() -> None:
    """Drop pooled HTTP sessions (after the settings changed, and at exit)."""
    if _loaded:
        from exchangelib.protocol import close_connections as close

        close()


# -- the backend ----------------------------------------------------------------------

def _utc(value) -> str | None:
    if value is None:
        return None
    return datetime.fromisoformat(value.isoformat()).astimezone(UTC).replace(
        microsecond=0).isoformat()


def plain_text(body) -> str:
    """An item's body as SalesDesk keeps notes: plain text, "\\n" line ends."""
    if body is None:
        return ""
    text = str(body)
    if type(body).__name__ == "HTMLBody" and text.strip():
        import lxml.html

        for br in (root := lxml.html.fromstring(text)).iter("br"):
            br.tail = "\n" + (br.tail or "")
        for block in root.iter("p", "div", "li", "tr"):
            block.tail = "\n" + (block.tail or "")
        text = root.text_content()
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


class ExchangeBackend:
    """One mailbox's calendar and task folders."""

    def __init__(self, account, endpoint: str):
        self.account = account
        self.endpoint = endpoint
        self._folders: dict[str, Any] = {}

    # folders are looked up once per backend (GetFolder), not on every call
    def _folder(self, kind: str):
        if kind not in self._folders:
            with translated_errors(self.endpoint):
                self._folders[kind] = (self.account.calendar if kind == "appointment"
                                       else self.account.tasks)
        return self._folders[kind]

    def _item_class(self, kind: str):
        ews = _ews()
        return ews.CalendarItem if kind == "appointment" else ews.Task

    def test(self) -> None:
        """Touch both folders: raises CalendarError with the reason if that fails."""
        for kind in ("appointment", "task"):
            folder = self._folder(kind)
            with translated_errors(self.endpoint):
                folder.test_access()

    # -- fields ↔ items ---------------------------------------------------------------

    def normalise(self, kind: str, fields: dict) -> dict:
        out = dict(fields)
        if kind == "appointment":
            ews = _ews()
            zone = out.get("time_zone") or "UTC"
            try:
                out["time_zone"] = ews.EWSTimeZone.from_ms_id(ews.EWSTimeZone(zone).ms_id).key
            except Exception:  # noqa: BLE001  (a zone Windows has no name for stays as is)
                out["time_zone"] = zone
        if "body" in out:
            out["body"] = (out["body"] or "").replace("\r\n", "\n").strip()
        return out

    def _values(self, kind: str, fields: dict, names) -> dict:
        """exchangelib attribute values for the calendar fields ``names``."""
        ews = _ews()
        values: dict[str, Any] = {}
        for name in names:
            value = fields.get(name)
            if name == "subject":
                values["subject"] = value or ""
            elif name in ("start", "end", "time_zone"):
                zone = ews.EWSTimeZone(fields.get("time_zone") or "UTC")
                for key in ("start", "end"):
                    values[key] = ews.EWSDateTime.from_datetime(
                        datetime.fromisoformat(fields[key]).astimezone(UTC)).astimezone(zone)
            elif name == "location":
                values["location"] = value or None
            elif name == "body":
                values["body"] = ews.Body(value) if value else None
            elif name == "reminder":
                values["reminder_is_set"] = value is not None
                values["reminder_minutes_before_start"] = int(value or 0)
            elif name == "due_on":
                values["due_date"] = date.fromisoformat(value) if value else None
            elif name == "reminder_at":
                values["reminder_is_set"] = value is not None
                values["reminder_due_by"] = (ews.EWSDateTime.from_datetime(
                    datetime.fromisoformat(value).astimezone(UTC)) if value else None)
            elif name == "status":
                values["status"] = _TASK_STATUS.get(value, "NotStarted")
                values["percent_complete"] = Decimal(
                    {"completed": 100, "in_progress": 50}.get(value, 0))
        return values

    def _fields(self, kind: str, item) -> dict:
        if kind == "appointment":
            zone = getattr(item, "_start_timezone", None)
            return {
                "subject": item.subject or "",
                "start": _utc(item.start), "end": _utc(item.end),
                "time_zone": getattr(zone, "key", None) or "UTC",
                "location": item.location or "",
                "body": plain_text(item.body),
                "reminder": (int(item.reminder_minutes_before_start or 0)
                             if item.reminder_is_set else None),
            }
        due = item.due_date
        return {
            "subject": item.subject or "",
            "due_on": due.isoformat() if due else None,
            "reminder_at": _utc(item.reminder_due_by) if item.reminder_is_set else None,
            "status": _TASK_STATE.get(item.status or "NotStarted", "not_started"),
            "body": plain_text(item.body),
        }

    def _remote(self, kind: str, item, *, with_fields: bool = True) -> RemoteItem:
        return RemoteItem(RemoteRef(item.id, item.changekey),
                          getattr(item, "salesdesk_id", None) or "",
                          self._fields(kind, item) if with_fields else {})

    # -- writes ------------------------------------------------------------------------

    def create(self, kind: str, items: list[tuple[str, dict]]) -> list[RemoteRef | Exception]:
        ews = _ews()
        folder = self._folder(kind)
        cls = self._item_class(kind)
        names = _APPOINTMENT_WRITE if kind == "appointment" else _TASK_WRITE
        made = []
        for uid, fields in items:
            values = {k: v for k, v in self._values(kind, fields, names).items()
                      if v is not None}
            made.append(cls(folder=folder, categories=[CATEGORY], salesdesk_id=uid, **values))
        results: list[RemoteRef | Exception] = []
        with translated_errors(self.endpoint):
            for start in range(0, len(made), CHUNK):
                for result in self.account.bulk_create(
                        folder, made[start:start + CHUNK],
                        send_meeting_invitations=ews.items.SEND_TO_NONE):
                    results.append(CalendarError(_first_line(result))
                                   if isinstance(result, Exception)
                                   else RemoteRef(result.id, result.changekey))
        return results

    def update(self, kind: str, ref: RemoteRef, fields: dict, changed) -> RemoteRef:
        ews = _ews()
        write = _APPOINTMENT_WRITE if kind == "appointment" else _TASK_WRITE
        attributes = list(dict.fromkeys(a for name in changed for a in write[name]))
        folder = self._folder(kind)
        item = self._item_class(kind)(account=self.account, folder=folder,
                                      id=ref.item_id, changekey=ref.change_key)
        for attribute, value in self._values(kind, fields, changed).items():
            setattr(item, attribute, value)
        with translated_errors(self.endpoint):
            item.save(update_fields=attributes,
                      conflict_resolution=ews.items.NEVER_OVERWRITE)
        return RemoteRef(item.id, item.changekey)

    def delete(self, kind: str, refs: list[RemoteRef]) -> None:
        ews = _ews()
        with translated_errors(self.endpoint):
            for start in range(0, len(refs), CHUNK):
                for result in self.account.bulk_delete(
                        [(r.item_id, r.change_key) for r in refs[start:start + CHUNK]],
                        delete_type=ews.items.MOVE_TO_DELETED_ITEMS,
                        send_meeting_cancellations=ews.items.SEND_TO_NONE,
                        affected_task_occurrences=ews.items.ALL_OCCURRENCES):
                    if isinstance(result, Exception) and not isinstance(
                            result, ews.errors.ErrorItemNotFound):
                        raise result

    # -- reads -------------------------------------------------------------------------

    def changes(self, kind: str, state: str) -> RemoteChanges:
        """Ids, change keys and SalesDesk ids of what changed (no fields: ``fetch``
        those that need them); the generator is read to its end first."""
        folder = self._folder(kind)
        changed: dict[str, RemoteItem] = {}
        deleted: list[str] = []
        # exchangelib falls back to the folder's last state when given none
        folder.item_sync_state = state or None
        with translated_errors(self.endpoint):
            for change, item in folder.sync_items(sync_state=state or None,
                                                  only_fields=["salesdesk_id"],
                                                  max_changes_returned=SYNC_PAGE):
                if change in ("create", "update"):
                    changed[item.id] = self._remote(kind, item, with_fields=False)
                elif change == "delete":
                    changed.pop(item.id, None)
                    deleted.append(item.id)
            new_state = folder.item_sync_state
        return RemoteChanges(list(changed.values()), deleted, new_state or "")

    def fetch(self, kind: str, item_ids: list[str]) -> list[RemoteItem]:
        ews = _ews()
        read = _APPOINTMENT_READ if kind == "appointment" else _TASK_READ
        found = []
        with translated_errors(self.endpoint):
            for start in range(0, len(item_ids), CHUNK):
                for item in self.account.fetch(
                        ids=[(i, None) for i in item_ids[start:start + CHUNK]],
                        folder=self._folder(kind), only_fields=list(read)):
                    if isinstance(item, ews.errors.ErrorItemNotFound):
                        continue
                    if isinstance(item, Exception):
                        raise item
                    found.append(self._remote(kind, item))
        return found

    def stamped(self, kind: str) -> list[RemoteItem]:
        read = _APPOINTMENT_READ if kind == "appointment" else _TASK_READ
        folder = self._folder(kind)
        with translated_errors(self.endpoint):
            query = folder.filter(salesdesk_id__exists=True).only(*read)
            return [self._remote(kind, item) for item in query]
