"""A loopback Exchange Web Services (EWS) emulator: the test peer for exchangelib.

This is NOT Exchange. It speaks just enough SOAP 1.1 / EWS (as exchangelib 5.6 sends and reads
it) to drive the real exchangelib over HTTP on 127.0.0.1: GetFolder, CreateItem, GetItem,
UpdateItem, DeleteItem, MoveItem, FindItem, SyncFolderItems and ConvertId (version probe), for
calendar items and tasks, with Basic or NTLM (pyspnego) authentication.

The mailbox lives in memory: folders (root, msgfolderroot, calendar, tasks, deleteditems,
recoverableitemsroot, recoverableitemsdeletions), items indexed by id, one change log per folder.
Every modification (by exchangelib or by the "Outlook user" methods below) gives the item a new
ChangeKey and appends to the folder's change log; SyncFolderItems replays that log from the
position stored in its opaque SyncState.

Test-side API (thread-safe): ``items()``, ``item()``, ``find_by_extended()``, ``outlook_create()``,
``outlook_edit()``, ``outlook_move()``, ``outlook_delete()``; fault injection ``busy_next()``,
``fail_next_with()``, ``invalidate_sync_states()``; the ``requests`` log of handled operations.

Deliberate simplifications: no recurrence expansion, no attachments, no meeting logic, restrictions
compare values exactly (IsEqualTo is case-sensitive), FindItem / SyncFolderItems never return
Body (as documented for Exchange), unknown item fields are stored as raw XML and echoed back.
Other operations (FindFolder, GetServerTimeZones, ...) answer a SOAP fault ErrorInvalidOperation,
which exchangelib raises as ``ErrorInvalidOperation``. DeleteItem ``MoveToDeletedItems`` and
``SoftDelete`` move the item (new id) to deleteditems / recoverableitemsdeletions;
MaxChangesReturned outside 1..512 is an ErrorSchemaValidation fault, as the EWS schema demands.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import json
import os
import secrets
import socket
import struct
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from lxml import etree

S_NS = "http://schemas.xmlsoap.org/soap/envelope/"
M_NS = "http://schemas.microsoft.com/exchange/services/2006/messages"
T_NS = "http://schemas.microsoft.com/exchange/services/2006/types"
E_NS = "http://schemas.microsoft.com/exchange/services/2006/errors"

SALESDESK_PROPERTY_SET_ID = "1cf13efb-b707-4184-9bc5-2d50f93ab0d2"
SALESDESK_PROPERTY_NAME = "SalesDeskId"

SERVER_BUILD = (15, 1, 2507, 6)
SERVER_VERSION = "Exchange2016"
ENDPOINT_PATH = "/EWS/Exchange.asmx"
MAX_SYNC_CHANGES = 512  # EWS schema limit for MaxChangesReturned
DEFAULT_TIMEZONE_ID = "W. Europe Standard Time"  # for items created by the "Outlook user"

UTC = dt.UTC

# Public GUIDs of the distinguished MAPI property sets (MS-OXPROPS), to match both spellings.
_DISTINGUISHED_SETS = {
    "Address": "00062004-0000-0000-c000-000000000046",
    "Appointment": "00062002-0000-0000-c000-000000000046",
    "CalendarAssistant": "11000e07-b51b-40d6-af21-caa85edab1d0",
    "Common": "00062008-0000-0000-c000-000000000046",
    "InternetHeaders": "00020386-0000-0000-c000-000000000046",
    "Meeting": "6ed8da90-450b-101b-98da-00aa003f1305",
    "PublicStrings": "00020329-0000-0000-c000-000000000046",
    "Sharing": "00062040-0000-0000-c000-000000000046",
    "Task": "00062003-0000-0000-c000-000000000046",
    "UnifiedMessaging": "4442858e-a9e3-4e80-b900-317a210cc15b",
}

# Element order of the item types as exchangelib's models list them (EWS schema order).
# "ExtendedProperty" marks where extended properties go.
_ITEM_COMMON_ORDER = (
    "MimeContent", "ItemId", "ParentFolderId", "ItemClass", "Subject", "Sensitivity", "TextBody",
    "Body", "Attachments", "DateTimeReceived", "Size", "Categories", "Importance", "InReplyTo",
    "IsSubmitted", "IsDraft", "IsFromMe", "IsResend", "IsUnmodified", "InternetMessageHeaders",
    "DateTimeSent", "DateTimeCreated", "ResponseObjects", "ReminderDueBy", "ReminderIsSet",
    "ReminderMinutesBeforeStart", "DisplayCc", "DisplayTo", "HasAttachments", "ExtendedProperty",
    "Culture", "EffectiveRights", "LastModifiedName", "LastModifiedTime", "IsAssociated",
    "WebClientReadFormQueryString", "WebClientEditFormQueryString", "ConversationId", "UniqueBody",
)  # fmt: skip
_CALENDAR_ORDER = _ITEM_COMMON_ORDER + (
    "UID", "RecurrenceId", "Start", "End", "OriginalStart", "IsAllDayEvent",
    "LegacyFreeBusyStatus", "Location", "When", "IsMeeting", "IsCancelled", "IsRecurring",
    "MeetingRequestWasSent", "IsResponseRequested", "CalendarItemType", "MyResponseType",
    "Organizer", "RequiredAttendees", "OptionalAttendees", "Resources", "ConflictingMeetingCount",
    "AdjacentMeetingCount", "ConflictingMeetings", "AdjacentMeetings", "Duration",
    "AppointmentReplyTime", "AppointmentSequenceNumber", "AppointmentState", "Recurrence",
    "FirstOccurrence", "LastOccurrence", "ModifiedOccurrences", "DeletedOccurrences",
    "MeetingTimeZone", "StartTimeZone", "EndTimeZone", "ConferenceType", "AllowNewTimeProposal",
    "IsOnlineMeeting", "MeetingWorkspaceUrl", "NetShowUrl",
)  # fmt: skip
_TASK_ORDER = _ITEM_COMMON_ORDER + (
    "ActualWork", "AssignedTime", "BillingInformation", "ChangeCount", "Companies", "CompleteDate",
    "Contacts", "DelegationState", "Delegator", "DueDate", "IsAssignmentEditable", "IsComplete",
    "IsRecurring", "IsTeamTask", "Mileage", "Owner", "PercentComplete", "Recurrence", "StartDate",
    "Status", "StatusDescription", "TotalWork",
)  # fmt: skip
_ORDER = {"CalendarItem": _CALENDAR_ORDER, "Task": _TASK_ORDER}
_ITEM_CLASS = {"CalendarItem": "IPM.Appointment", "Task": "IPM.Task"}
_DEFAULT_FOLDER = {"CalendarItem": "calendar", "Task": "tasks"}

# Typed fields (by element name); every other writable element is stored and echoed as raw XML.
_TYPES = {
    "Subject": "str", "Sensitivity": "str", "Importance": "str", "Body": "body",
    "Categories": "strlist", "ReminderDueBy": "datetime", "ReminderIsSet": "bool",
    "ReminderMinutesBeforeStart": "int", "Culture": "str", "UID": "str", "Start": "datetime",
    "End": "datetime", "IsAllDayEvent": "bool", "LegacyFreeBusyStatus": "str", "Location": "str",
    "IsResponseRequested": "bool", "AllowNewTimeProposal": "bool", "StartTimeZone": "tz",
    "EndTimeZone": "tz", "ActualWork": "int", "TotalWork": "int", "BillingInformation": "str",
    "Companies": "strlist", "Contacts": "strlist", "Mileage": "str", "CompleteDate": "datetime",
    "DueDate": "datetime", "StartDate": "datetime", "Status": "str", "PercentComplete": "decimal",
}  # fmt: skip
# Computed by the server on every read.
_COMPUTED = frozenset({
    "ItemId", "ParentFolderId", "ItemClass", "DateTimeReceived", "Size", "DateTimeCreated",
    "HasAttachments", "LastModifiedName", "LastModifiedTime", "IsAssociated", "IsMeeting",
    "IsCancelled", "IsRecurring", "CalendarItemType", "MyResponseType", "Duration", "IsComplete",
    "ChangeCount",
})  # fmt: skip
_READ_ONLY = _COMPUTED | {"CompleteDate", "MimeContent", "Attachments", "UniqueBody", "TextBody"}
# FindItem and SyncFolderItems cannot return these (Exchange documents this for Body).
_NOT_IN_VIEWS = frozenset({"Body", "UniqueBody", "TextBody", "MimeContent", "Attachments"})
_DEFAULT_SHAPE = {
    "CalendarItem": frozenset({
        "ItemClass", "Subject", "Sensitivity", "Body", "DateTimeCreated", "HasAttachments",
        "Importance", "Start", "End", "IsAllDayEvent", "LegacyFreeBusyStatus", "Location",
        "IsMeeting", "IsCancelled", "IsRecurring", "CalendarItemType", "MyResponseType",
    }),
    "Task": frozenset({
        "ItemClass", "Subject", "Sensitivity", "Body", "DateTimeCreated", "HasAttachments",
        "Importance", "DueDate", "StartDate", "Status", "PercentComplete", "IsComplete",
        "CompleteDate",
    }),
}  # fmt: skip
_TASK_STATUSES = ("NotStarted", "InProgress", "Completed", "WaitingOnOthers", "Deferred")

# "Outlook user" keyword → element name.
_OUTLOOK_FIELDS = {
    "subject": "Subject", "body": "Body", "categories": "Categories", "start": "Start",
    "end": "End", "is_all_day": "IsAllDayEvent", "location": "Location",
    "reminder_is_set": "ReminderIsSet",
    "reminder_minutes_before_start": "ReminderMinutesBeforeStart",
    "reminder_due_by": "ReminderDueBy", "legacy_free_busy_status": "LegacyFreeBusyStatus",
    "sensitivity": "Sensitivity", "importance": "Importance", "due_date": "DueDate",
    "start_date": "StartDate", "status": "Status", "percent_complete": "PercentComplete",
    "start_timezone": "StartTimeZone", "end_timezone": "EndTimeZone",
}  # fmt: skip


def _s(tag: str) -> str:
    return f"{{{S_NS}}}{tag}"


def _m(tag: str) -> str:
    return f"{{{M_NS}}}{tag}"


def _t(tag: str) -> str:
    return f"{{{T_NS}}}{tag}"


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _format_dt(value: dt.datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_dt(text: str) -> dt.datetime:
    text = (text or "").strip()
    if len(text) <= 16 and "T" not in text:  # a date, maybe with a zone ("2024-07-15Z")
        day = dt.date.fromisoformat(text[:10])
        return dt.datetime.combine(day, dt.time(0, 0), tzinfo=UTC)
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # exchangelib never sends naive values
    return value.astimezone(UTC).replace(microsecond=0)


def _parse_bool(text: str) -> bool:
    lowered = (text or "").strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _format_decimal(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _to_utc(value: Any, name: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware")
        # via the timestamp: exchangelib's EWSDateTime.astimezone() only takes its own zones
        return dt.datetime.fromtimestamp(int(value.timestamp()), UTC)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(0, 0), tzinfo=UTC)
    raise TypeError(f"{name} must be a datetime or date, not {type(value).__name__}")


def _new_id(prefix: bytes) -> str:
    return base64.b64encode(prefix + uuid.uuid4().bytes + secrets.token_bytes(8)).decode()


def _int_attr(text: str) -> int:
    text = text.strip()
    return int(text, 16) if text.lower().startswith("0x") else int(text)


class EwsError(Exception):
    """An EWS ResponseCode the emulator answers a request (or one item of it) with."""

    def __init__(self, code: str, message: str | None = None):
        super().__init__(message or code)
        self.code = code
        self.message = message or code


class _Fault(Exception):
    """A SOAP fault for the whole request (HTTP 500)."""

    def __init__(self, code: str, message: str, back_off_ms: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.back_off_ms = back_off_ms


class EwsRequest(NamedTuple):
    """One handled SOAP request: the operation name and notable details (see ``EwsEmulator``)."""

    operation: str
    info: dict[str, Any]


@dataclass(frozen=True)
class ItemSnapshot:
    """A plain copy of one item, as the "Outlook user" sees it. Datetimes are aware UTC."""

    id: str
    changekey: str
    kind: str  # "CalendarItem" | "Task"
    folder: str  # distinguished folder name: "calendar", "tasks", "deleteditems", ...
    subject: str | None
    body: str | None
    body_type: str | None  # "Text" | "HTML"
    categories: tuple[str, ...]
    start: dt.datetime | None
    end: dt.datetime | None
    is_all_day: bool | None
    location: str | None
    legacy_free_busy_status: str | None
    start_timezone: str | None  # Windows time zone id, e.g. "W. Europe Standard Time"
    end_timezone: str | None
    reminder_is_set: bool | None
    reminder_minutes_before_start: int | None
    reminder_due_by: dt.datetime | None
    due_date: dt.date | None  # the date part of `due` (UTC)
    due: dt.datetime | None
    start_date: dt.date | None
    status: str | None
    percent_complete: Decimal | None
    complete_date: dt.datetime | None
    extended: dict[str, Any]  # property name (or "0x8001"-style id / tag) → value
    created: dt.datetime
    last_modified: dt.datetime


@dataclass
class _Extended:
    uri_attrs: dict[str, str]  # the ExtendedFieldURI attributes as first written
    prop_type: str
    value: str | list[str]


@dataclass
class _Item:
    id: str
    changekey: str
    kind: str
    folder: str
    created: dt.datetime
    modified: dt.datetime
    fields: dict[str, Any] = field(default_factory=dict)
    extended: dict[tuple[str, str], _Extended] = field(default_factory=dict)
    change_count: int = 1


@dataclass
class _Folder:
    key: str
    id: str
    changekey: str
    display_name: str
    folder_class: str | None
    tag: str
    parent: str | None
    items: dict[str, _Item] = field(default_factory=dict)
    log: list[tuple[str, str]] = field(default_factory=list)  # (item id, create|update|delete)


@dataclass
class _Shape:
    base: str = "IdOnly"
    names: frozenset[str] = frozenset()
    extended: tuple[tuple[str, str], ...] = ()
    uris: tuple[str, ...] = ()

    def wanted(self, kind: str) -> set[str]:
        if self.base == "AllProperties":
            wanted = set(_ORDER.get(kind, _ITEM_COMMON_ORDER))
        elif self.base == "Default":
            wanted = set(_DEFAULT_SHAPE.get(kind, ()))
        else:
            wanted = set()
        return wanted | self.names


def _extended_key(uri: etree._Element) -> tuple[str, str]:
    """Normalise an ExtendedFieldURI to (property set GUID or "", name / id / tag)."""
    set_id = (uri.get("PropertySetId") or "").lower()
    distinguished = uri.get("DistinguishedPropertySetId")
    if distinguished:
        set_id = _DISTINGUISHED_SETS.get(distinguished, distinguished.lower())
    if uri.get("PropertyName") is not None:
        return set_id, "name:" + uri.get("PropertyName")
    if uri.get("PropertyId") is not None:
        return set_id, f"id:{_int_attr(uri.get('PropertyId'))}"
    if uri.get("PropertyTag") is not None:
        return "", f"tag:{_int_attr(uri.get('PropertyTag'))}"
    raise EwsError("ErrorInvalidPropertyRequest", "ExtendedFieldURI without a property")


def _extended_label(key: tuple[str, str]) -> str:
    kind, _, value = key[1].partition(":")
    return value if kind == "name" else hex(int(value))


class _NtlmUserFile:
    """The NTLM_USER_FILE pyspnego's acceptor reads: the users of all running NTLM emulators."""

    _lock = threading.Lock()
    _owners: dict[int, dict[str, str]] = {}
    _path: str | None = None
    _previous_env: str | None = None

    @classmethod
    def register(cls, owner: int, users: dict[str, str]) -> None:
        for password in users.values():
            if ":" in password or "\n" in password:
                raise ValueError("NTLM emulator passwords cannot contain ':' or newlines")
        with cls._lock:
            if not cls._owners:
                cls._previous_env = os.environ.get("NTLM_USER_FILE")
                handle, cls._path = tempfile.mkstemp(prefix="ews-emulator-ntlm-", suffix=".txt")
                os.close(handle)
            cls._owners[owner] = dict(users)
            cls._write()
            os.environ["NTLM_USER_FILE"] = cls._path

    @classmethod
    def unregister(cls, owner: int) -> None:
        with cls._lock:
            if cls._owners.pop(owner, None) is None:
                return
            if cls._owners:
                cls._write()
                return
            if cls._path:
                with suppress(OSError):
                    os.unlink(cls._path)
            cls._path = None
            if cls._previous_env is None:
                os.environ.pop("NTLM_USER_FILE", None)
            else:
                os.environ["NTLM_USER_FILE"] = cls._previous_env

    @classmethod
    def _write(cls) -> None:
        lines = []
        for users in cls._owners.values():
            for user, password in users.items():
                domain, _, name = user.rpartition("\\")
                lines.append(f"{domain}:{name}:{password}")
        with open(cls._path, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind() would resolve the host name (slow without DNS); skip that.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""
    disable_nagle_algorithm = True  # headers and body go out in two writes; avoid ACK stalls

    def setup(self) -> None:
        super().setup()
        self.emulator: EwsEmulator = self.server.emulator  # type: ignore[attr-defined]
        self.ntlm_context: Any = None
        self.ntlm_user: str | None = None  # NTLM authenticates the connection, not each request
        self.emulator._track_connection(self.connection, add=True)

    def finish(self) -> None:
        self.emulator._track_connection(self.connection, add=False)
        with suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, headers: Iterable[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _challenge(self, value: str) -> None:
        self._send(401, b"401 - Unauthorized: Access is denied.", [("WWW-Authenticate", value)])

    def do_GET(self) -> None:
        self._read_body()
        self._send(405, b"405 - Method not allowed")

    def do_POST(self) -> None:
        body = self._read_body()
        if urlsplit(self.path).path.lower() != ENDPOINT_PATH.lower():
            self._send(404, b"404 - Not found")
            return
        user = self._authenticate()
        if user is None:
            return
        status, payload = self.emulator._handle_soap(body, user)
        self._send(status, payload)

    def _authenticate(self) -> str | None:
        emulator = self.emulator
        header = self.headers.get("Authorization") or ""
        scheme, _, credentials = header.strip().partition(" ")
        if emulator.auth == "basic":
            if scheme.lower() == "basic":
                try:
                    user, _, password = base64.b64decode(credentials).decode().partition(":")
                except (binascii.Error, UnicodeDecodeError):
                    user, password = "", None
                known = emulator._known_user(user)
                if known and emulator.users[known] == password:
                    return known
                emulator._count_auth_failure()
            self._challenge(f'Basic realm="{emulator.realm}"')
            return None
        if scheme.lower() in ("ntlm", "negotiate") and credentials:
            return self._ntlm_step(credentials)
        if self.ntlm_user:
            return self.ntlm_user
        self._challenge("NTLM")
        return None

    def _ntlm_step(self, credentials: str) -> str | None:
        import spnego
        import spnego.exceptions

        try:
            token = base64.b64decode(credentials)
        except binascii.Error:
            token = b""
        message_type = struct.unpack("<I", token[8:12])[0] if token[:8] == b"NTLMSSP\0" else 0
        if message_type == 1:
            self.ntlm_user = None
            self.ntlm_context = spnego.server(
                protocol="ntlm", options=spnego.NegotiateOptions.use_ntlm
            )
            try:
                challenge = self.ntlm_context.step(token)
            except spnego.exceptions.SpnegoError:
                self.ntlm_context = None
            else:
                self._challenge("NTLM " + base64.b64encode(challenge).decode())
                return None
        if message_type == 3 and self.ntlm_context is not None:
            context, self.ntlm_context = self.ntlm_context, None
            try:
                context.step(token)
                principal = context.client_principal if context.complete else None
            except spnego.exceptions.SpnegoError:
                principal = None
            known = self.emulator._known_user(principal or "")
            if known:
                self.ntlm_user = known
                self.emulator._count_ntlm_login()
                return known
        self.emulator._count_auth_failure()
        self._challenge("NTLM")
        return None


class EwsEmulator:
    """An in-memory EWS server on 127.0.0.1 (see the module docstring).

    ``requests`` lists every SOAP request that got past authentication as ``EwsRequest(operation,
    info)``. ``info`` holds the attributes of the operation element (e.g. ``ConflictResolution``,
    ``DeleteType``, ``Traversal``) plus, where they apply: ``user``, ``version``
    (RequestServerVersion), ``timezone`` (TimeZoneContext id), ``items`` (number of items / ids /
    changes), ``folders`` (distinguished names), ``shape``, ``properties`` (requested field URIs),
    ``updates`` (UpdateItem: per change a list of ``(action, path)``), ``sync_state`` (bool),
    ``max_changes``, ``changes`` (returned), ``restriction`` (text), ``fault`` / ``response`` (the
    first non-NoError code).
    """

    def __init__(
        self,
        users: dict[str, str] | None = None,
        auth: str = "basic",
        mailbox: str = "rep@example.com",
        realm: str = "EWS emulator",
    ):
        if auth not in ("basic", "ntlm"):
            raise ValueError("auth must be 'basic' or 'ntlm'")
        self.users = dict(users if users is not None else {mailbox: "secret"})
        self.auth = auth
        self.mailbox = mailbox
        self.realm = realm
        self.requests: list[EwsRequest] = []
        self.auth_failures = 0  # rejected credentials (a bare 401 challenge is not counted)
        self.ntlm_logins = 0  # completed NTLM handshakes (one per TCP connection)
        self.connections_opened = 0
        self._lock = threading.RLock()
        self._epoch = secrets.token_hex(8)
        self._sync_series: dict[str, tuple[str, int, list[tuple[str, str]]]] = {}
        self._busy: list[int] = []  # back-off milliseconds, one per coming request
        self._failures: list[tuple[str, str | None]] = []  # (code, operation or None)
        self._port = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._folders: dict[str, _Folder] = {}
        self._folder_by_id: dict[str, _Folder] = {}
        self._items: dict[str, _Item] = {}
        self._version = 0
        for key, name, folder_class, tag, parent in (
            ("root", "Top of Information Store", None, "Folder", None),
            ("msgfolderroot", "Top of Information Store", "IPF.Note", "Folder", "root"),
            ("calendar", "Calendar", "IPF.Appointment", "CalendarFolder", "msgfolderroot"),
            ("tasks", "Tasks", "IPF.Task", "TasksFolder", "msgfolderroot"),
            ("deleteditems", "Deleted Items", "IPF.Note", "Folder", "msgfolderroot"),
            ("recoverableitemsroot", "Recoverable Items", None, "Folder", "root"),
            ("recoverableitemsdeletions", "Deletions", None, "Folder", "recoverableitemsroot"),
        ):
            folder = _Folder(
                key=key,
                id=_new_id(b"EMUF"),
                changekey=self._next_changekey(),
                display_name=name,
                folder_class=folder_class,
                tag=tag,
                parent=parent,
            )
            self._folders[key] = folder
            self._folder_by_id[folder.id] = folder

    # ----------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}{ENDPOINT_PATH}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> EwsEmulator:
        """Listen (again). After stop(), the same port and the same mailbox content."""
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.emulator = self  # type: ignore[attr-defined]
        self._port = server.server_address[1]
        if self.auth == "ntlm":
            _NtlmUserFile.register(id(self), self.users)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name=f"ews-emulator-{self._port}",
        )  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and drop open connections (clients then get connection errors)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            with suppress(OSError):
                connection.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self.auth == "ntlm":
            _NtlmUserFile.unregister(id(self))

    close = stop

    def __enter__(self) -> EwsEmulator:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def _track_connection(self, connection: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self.connections_opened += 1
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def _known_user(self, name: str) -> str | None:
        lowered = name.lower()
        for user in self.users:
            if user.lower() == lowered or user.lower().rpartition("\\")[2] == lowered:
                return user
        return None

    def _count_ntlm_login(self) -> None:
        with self._lock:
            self.ntlm_logins += 1

    def _count_auth_failure(self) -> None:
        with self._lock:
            self.auth_failures += 1

    # ----------------------------------------------------------------- fault injection

    def busy_next(self, n: int = 1, back_off_ms: int = 100) -> None:
        """Answer the next ``n`` SOAP requests with an ErrorServerBusy fault (HTTP 500) carrying
        BackOffMilliseconds, as Exchange does when it throttles."""
        with self._lock:
            self._busy.extend([back_off_ms] * n)

    def fail_next_with(self, code: str, n: int = 1, operation: str | None = None) -> None:
        """Answer the next ``n`` requests (of ``operation``, or any) with ResponseClass=Error."""
        with self._lock:
            self._failures.extend([(code, operation)] * n)

    def invalidate_sync_states(self) -> None:
        """Every SyncState handed out so far becomes invalid (ErrorInvalidSyncStateData)."""
        with self._lock:
            self._epoch = secrets.token_hex(8)
            self._sync_series.clear()

    def operations(self) -> list[str]:
        """The operation names of ``requests``, in order."""
        with self._lock:
            return [request.operation for request in self.requests]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    # ----------------------------------------------------------------- the "Outlook user"

    def folder_id(self, folder: str) -> str:
        return self._folder(folder).id

    def items(self, folder: str = "calendar") -> list[ItemSnapshot]:
        with self._lock:
            return [self._snapshot(item) for item in self._folder(folder).items.values()]

    def item(self, item_id: str) -> ItemSnapshot | None:
        with self._lock:
            item = self._items.get(item_id)
            return None if item is None else self._snapshot(item)

    def find_by_extended(self, name: str, value: Any) -> list[ItemSnapshot]:
        """Items (any folder) whose extended property ``name`` (or "0x8001"-style id) == value."""
        with self._lock:
            found = []
            for item in self._items.values():
                for key, prop in item.extended.items():
                    if _extended_label(key) == name and prop.value == value:
                        found.append(self._snapshot(item))
                        break
            return found

    def outlook_create(self, folder: str = "calendar", **fields: Any) -> ItemSnapshot:
        """Create an item like Outlook would. Keywords as in ``ItemSnapshot`` plus ``body_type``
        and ``extended`` ({property name: value} in the SalesDesk property set, or
        {(property set GUID, name, type): value}); time zones are Windows ids."""
        with self._lock:
            target = self._folder(folder)
            kind = "Task" if target.key == "tasks" else "CalendarItem"
            if kind == "CalendarItem":
                fields.setdefault("start_timezone", DEFAULT_TIMEZONE_ID)
                fields.setdefault("end_timezone", fields["start_timezone"])
                fields.setdefault("legacy_free_busy_status", "Busy")
            item = self._new_item(kind, target)
            self._apply_outlook_fields(item, fields)
            self._insert(item, target)
            return self._snapshot(item)

    def outlook_edit(self, item_id: str, **fields: Any) -> ItemSnapshot:
        """Change fields like Outlook would (None removes a field); new ChangeKey, logged."""
        with self._lock:
            item = self._item_or_raise(item_id)
            candidate = copy.deepcopy(item)
            self._apply_outlook_fields(candidate, fields)
            item.fields, item.extended = candidate.fields, candidate.extended
            self._touch(item)
            return self._snapshot(item)

    def outlook_move(self, item_id: str, start: dt.datetime, end: dt.datetime) -> ItemSnapshot:
        """Drag the appointment to a new time (the user's own time zone stays)."""
        return self.outlook_edit(item_id, start=start, end=end)

    def outlook_delete(self, item_id: str) -> None:
        with self._lock:
            self._remove(self._item_or_raise(item_id))

    def _item_or_raise(self, item_id: str) -> _Item:
        item = self._items.get(item_id)
        if item is None:
            raise KeyError(f"no item {item_id!r}")
        return item

    def _folder(self, key: str) -> _Folder:
        try:
            return self._folders[key]
        except KeyError:
            raise KeyError(f"unknown folder {key!r}; known: {sorted(self._folders)}") from None

    def _apply_outlook_fields(self, item: _Item, fields: dict[str, Any]) -> None:
        fields = dict(fields)
        body_type = fields.pop("body_type", None)
        extended = fields.pop("extended", None) or {}
        for name, value in fields.items():
            element = _OUTLOOK_FIELDS.get(name)
            if element is None:
                raise TypeError(f"unknown field {name!r}")
            if value is None:
                item.fields.pop(element, None)
                continue
            kind = _TYPES[element]
            if kind == "body":
                value = (body_type or "Text", str(value))
            elif kind == "strlist":
                value = [str(v) for v in value]
            elif kind == "datetime":
                value = _to_utc(value, name)
            elif kind == "tz":
                value = etree.Element(_t(element), Id=str(value))
            elif kind == "decimal":
                value = Decimal(str(value))
            elif kind == "bool":
                value = bool(value)
            elif kind == "int":
                value = int(value)
            item.fields[element] = value
        if body_type and "body" not in fields and "Body" in item.fields:
            item.fields["Body"] = (body_type, item.fields["Body"][1])
        for key, value in extended.items():
            if isinstance(key, tuple):
                set_id, name, prop_type = key
            else:
                set_id, name, prop_type = SALESDESK_PROPERTY_SET_ID, key, "String"
            uri = {"PropertySetId": set_id.lower(), "PropertyName": name, "PropertyType": prop_type}
            ext_key = (set_id.lower(), "name:" + name)
            if value is None:
                item.extended.pop(ext_key, None)
            else:
                stored = [str(v) for v in value] if isinstance(value, list) else str(value)
                item.extended[ext_key] = _Extended(uri, prop_type, stored)
        if item.kind == "Task" and {"status", "percent_complete"} & set(fields):
            self._task_rules(item, status_changed="status" in fields)
        try:
            self._check_item(item)
        except EwsError as error:
            raise ValueError(error.message) from None

    # ----------------------------------------------------------------- mailbox internals

    def _next_changekey(self) -> str:
        self._version += 1
        return base64.b64encode(b"CQAAAB" + struct.pack(">Q", self._version)).decode()

    def _new_item(self, kind: str, folder: _Folder) -> _Item:
        now = dt.datetime.now(UTC).replace(microsecond=0)
        return _Item(
            id=_new_id(b"EMUI"),
            changekey=self._next_changekey(),
            kind=kind,
            folder=folder.key,
            created=now,
            modified=now,
        )

    def _insert(self, item: _Item, folder: _Folder) -> None:
        if item.kind == "CalendarItem":
            item.fields.setdefault("UID", uuid.uuid4().hex.upper())
        if item.kind == "Task":
            item.fields.setdefault("Status", "NotStarted")
            item.fields.setdefault("PercentComplete", Decimal(0))
        item.folder = folder.key
        folder.items[item.id] = item
        folder.log.append((item.id, "create"))
        self._items[item.id] = item

    def _touch(self, item: _Item) -> None:
        item.changekey = self._next_changekey()
        item.modified = dt.datetime.now(UTC).replace(microsecond=0)
        item.change_count += 1
        self._folders[item.folder].log.append((item.id, "update"))

    def _remove(self, item: _Item) -> None:
        folder = self._folders[item.folder]
        del folder.items[item.id]
        del self._items[item.id]
        folder.log.append((item.id, "delete"))

    def _move(self, item: _Item, target: _Folder) -> _Item:
        """Move = delete here, create there with a new id (as Exchange does)."""
        self._remove(item)
        moved = copy.deepcopy(item)
        moved.id = _new_id(b"EMUI")
        moved.changekey = self._next_changekey()
        self._insert(moved, target)
        return moved

    @staticmethod
    def _task_rules(item: _Item, status_changed: bool) -> None:
        fields = item.fields
        status = fields.get("Status", "NotStarted")
        percent = fields.get("PercentComplete", Decimal(0))
        if status_changed:
            if status == "Completed":
                fields["PercentComplete"] = Decimal(100)
            elif status == "NotStarted":
                fields["PercentComplete"] = Decimal(0)
        elif percent >= 100:
            fields["Status"] = "Completed"
        elif percent > 0 and status in ("NotStarted", "Completed"):
            fields["Status"] = "InProgress"
        elif percent == 0 and status == "Completed":
            fields["Status"] = "NotStarted"
        if fields.get("Status") == "Completed":
            fields.setdefault("CompleteDate", dt.datetime.now(UTC).replace(microsecond=0))
        else:
            fields.pop("CompleteDate", None)

    @staticmethod
    def _check_item(item: _Item) -> None:
        start, end = item.fields.get("Start"), item.fields.get("End")
        if item.kind == "CalendarItem" and start and end and end < start:
            raise EwsError(
                "ErrorCalendarEndDateIsEarlierThanStartDate", "EndDate is earlier than StartDate"
            )
        status = item.fields.get("Status")
        if item.kind == "Task" and status is not None and status not in _TASK_STATUSES:
            raise EwsError("ErrorInvalidValueForProperty", f"invalid task status {status!r}")

    def _snapshot(self, item: _Item) -> ItemSnapshot:
        f = item.fields
        body = f.get("Body")
        due = f.get("DueDate")
        start_date = f.get("StartDate")
        return ItemSnapshot(
            id=item.id,
            changekey=item.changekey,
            kind=item.kind,
            folder=item.folder,
            subject=f.get("Subject"),
            body=body[1] if body else None,
            body_type=body[0] if body else None,
            categories=tuple(f.get("Categories") or ()),
            start=f.get("Start"),
            end=f.get("End"),
            is_all_day=f.get("IsAllDayEvent"),
            location=f.get("Location"),
            legacy_free_busy_status=f.get("LegacyFreeBusyStatus"),
            start_timezone=f["StartTimeZone"].get("Id") if "StartTimeZone" in f else None,
            end_timezone=f["EndTimeZone"].get("Id") if "EndTimeZone" in f else None,
            reminder_is_set=f.get("ReminderIsSet"),
            reminder_minutes_before_start=f.get("ReminderMinutesBeforeStart"),
            reminder_due_by=f.get("ReminderDueBy"),
            due_date=due.date() if due else None,
            due=due,
            start_date=start_date.date() if start_date else None,
            status=f.get("Status"),
            percent_complete=f.get("PercentComplete"),
            complete_date=f.get("CompleteDate"),
            extended={
                _extended_label(key): (list(p.value) if isinstance(p.value, list) else p.value)
                for key, p in item.extended.items()
            },
            created=item.created,
            last_modified=item.modified,
        )

    # ----------------------------------------------------------------- SOAP plumbing

    def _handle_soap(self, body: bytes, user: str) -> tuple[int, bytes]:
        with self._lock:
            info: dict[str, Any] = {"user": user}
            operation = "?"
            try:
                try:
                    envelope = etree.fromstring(body)
                except etree.XMLSyntaxError as exc:
                    raise _Fault(
                        "ErrorSchemaValidation", f"The request is not XML: {exc}"
                    ) from None
                soap_body = envelope.find(_s("Body"))
                if soap_body is None or len(soap_body) == 0:
                    raise _Fault("ErrorSchemaValidation", "The request has no SOAP body")
                op = soap_body[0]
                operation = _local(op.tag)
                info.update(op.attrib)
                header = envelope.find(_s("Header"))
                timezone = None
                if header is not None:
                    version = header.find(_t("RequestServerVersion"))
                    if version is not None:
                        info["version"] = version.get("Version")
                    definition = header.find(f"{_t('TimeZoneContext')}/{_t('TimeZoneDefinition')}")
                    if definition is not None:
                        timezone = definition.get("Id")
                        info["timezone"] = timezone
                if self._busy:
                    back_off = self._busy.pop(0)
                    raise _Fault(
                        "ErrorServerBusy",
                        "The server cannot service this request right now. Try again later.",
                        back_off_ms=back_off,
                    )
                handler = getattr(self, f"_op_{operation}", None)
                if handler is None:
                    raise _Fault(
                        "ErrorInvalidOperation", f"The EWS emulator does not implement {operation}"
                    )
                failure = self._take_failure(operation)
                try:
                    if failure:
                        info["injected"] = failure
                        raise EwsError(failure, f"Injected {failure}")
                    response = handler(op, info, timezone)
                except EwsError as error:
                    response = self._error_response(operation, op, error)
                code = self._first_error(response)
                if code:
                    info["response"] = code
                return 200, self._envelope(response)
            except _Fault as fault:
                info["fault"] = fault.code
                return 500, self._envelope(self._fault_element(fault))
            except Exception as exc:  # a bug in the emulator: tell the client, keep serving
                info["fault"] = "ErrorInternalServerError"
                info["exception"] = repr(exc)
                fault = _Fault("ErrorInternalServerError", f"EWS emulator bug: {exc!r}")
                return 500, self._envelope(self._fault_element(fault))
            finally:
                self.requests.append(EwsRequest(operation, info))

    def _take_failure(self, operation: str) -> str | None:
        for index, (code, wanted) in enumerate(self._failures):
            if wanted is None or wanted == operation:
                del self._failures[index]
                return code
        return None

    @staticmethod
    def _first_error(response: etree._Element) -> str | None:
        for code in response.iter(_m("ResponseCode")):
            if code.text != "NoError":
                return code.text
        return None

    def _envelope(self, content: etree._Element) -> bytes:
        envelope = etree.Element(_s("Envelope"), nsmap={"s": S_NS})
        header = etree.SubElement(envelope, _s("Header"))
        major, minor, build, revision = SERVER_BUILD
        etree.SubElement(
            header,
            _t("ServerVersionInfo"),
            {
                "MajorVersion": str(major),
                "MinorVersion": str(minor),
                "MajorBuildNumber": str(build),
                "MinorBuildNumber": str(revision),
                "Version": SERVER_VERSION,
            },
            nsmap={"t": T_NS},
        )
        etree.SubElement(envelope, _s("Body")).append(content)
        return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")

    @staticmethod
    def _fault_element(fault: _Fault) -> etree._Element:
        element = etree.Element(_s("Fault"))
        etree.SubElement(element, "faultcode", nsmap={"a": T_NS}).text = f"a:{fault.code}"
        etree.SubElement(element, "faultstring").text = fault.message
        detail = etree.SubElement(element, "detail")
        etree.SubElement(detail, f"{{{E_NS}}}ResponseCode", nsmap={"e": E_NS}).text = fault.code
        etree.SubElement(detail, f"{{{E_NS}}}Message", nsmap={"e": E_NS}).text = fault.message
        if fault.back_off_ms is not None:
            xml = etree.SubElement(detail, _t("MessageXml"), nsmap={"t": T_NS})
            value = etree.SubElement(xml, _t("Value"), Name="BackOffMilliseconds")
            value.text = str(fault.back_off_ms)
        return element

    @staticmethod
    def _response(operation: str) -> tuple[etree._Element, etree._Element]:
        response = etree.Element(_m(f"{operation}Response"), nsmap={"m": M_NS, "t": T_NS})
        return response, etree.SubElement(response, _m("ResponseMessages"))

    @staticmethod
    def _message(
        messages: etree._Element, operation: str, error: EwsError | None = None
    ) -> etree._Element:
        message = etree.SubElement(
            messages,
            _m(f"{operation}ResponseMessage"),
            ResponseClass="Error" if error else "Success",
        )
        if error:
            etree.SubElement(message, _m("MessageText")).text = error.message
        etree.SubElement(message, _m("ResponseCode")).text = error.code if error else "NoError"
        if error:
            etree.SubElement(message, _m("DescriptiveLinkKey")).text = "0"
        return message

    def _error_response(
        self, operation: str, op: etree._Element, error: EwsError
    ) -> etree._Element:
        """The whole request fails: one error message per item (or folder) it names."""
        response, messages = self._response(operation)
        count = 1
        for container in ("Items", "ItemIds", "ItemChanges", "FolderIds", "ParentFolderIds"):
            element = op.find(_m(container))
            if element is not None:
                count = max(1, len(element))
        for _ in range(count):
            message = self._message(messages, operation, error)
            if operation == "SyncFolderItems":
                etree.SubElement(message, _m("SyncState"))
                etree.SubElement(message, _m("IncludesLastItemInRange")).text = "true"
        return response

    # ----------------------------------------------------------------- request parsing

    def _resolve_folder(self, element: etree._Element | None) -> _Folder:
        if element is None:
            raise EwsError("ErrorFolderNotFound", "No folder id given")
        tag = _local(element.tag)
        if tag == "DistinguishedFolderId":
            address = element.findtext(f"{_t('Mailbox')}/{_t('EmailAddress')}")
            if address and address.lower() != self.mailbox.lower():
                raise EwsError("ErrorNonExistentMailbox", f"No mailbox with address {address}")
            folder = self._folders.get(element.get("Id", ""))
        elif tag == "FolderId":
            folder = self._folder_by_id.get(element.get("Id", ""))
        else:
            folder = None
        if folder is None:
            raise EwsError("ErrorFolderNotFound", "The specified folder could not be found")
        return folder

    def _parse_shape(self, element: etree._Element | None) -> _Shape:
        if element is None:
            return _Shape()
        names: set[str] = set()
        extended: list[tuple[str, str]] = []
        uris: list[str] = []
        properties = element.find(_t("AdditionalProperties"))
        for path in properties if properties is not None else ():
            tag = _local(path.tag)
            if tag == "FieldURI":
                uri = path.get("FieldURI", "")
                uris.append(uri)
                names.add(uri.rpartition(":")[2])
            elif tag == "ExtendedFieldURI":
                key = _extended_key(path)
                extended.append(key)
                uris.append("extended:" + _extended_label(key))
            elif tag == "IndexedFieldURI":
                uris.append(f"{path.get('FieldURI')}[{path.get('FieldIndex')}]")
        return _Shape(
            base=element.findtext(_t("BaseShape")) or "IdOnly",
            names=frozenset(names),
            extended=tuple(extended),
            uris=tuple(uris),
        )

    def _parse_value(self, element: etree._Element) -> Any:
        name = _local(element.tag)
        kind = _TYPES.get(name, "raw")
        text = element.text or ""
        try:
            if kind == "str":
                return text
            if kind == "bool":
                return _parse_bool(text)
            if kind == "int":
                return int(text)
            if kind == "decimal":
                return Decimal(text)
            if kind == "datetime":
                return _parse_dt(text)
            if kind == "body":
                return (element.get("BodyType", "Text"), text)
            if kind == "strlist":
                return [child.text or "" for child in element]
        except (ValueError, InvalidOperation) as exc:
            raise EwsError("ErrorInvalidValueForProperty", f"{name}: {exc}") from None
        copied = copy.deepcopy(element)
        copied.tail = None
        return copied

    @staticmethod
    def _parse_extended(element: etree._Element) -> tuple[tuple[str, str], _Extended]:
        uri = element.find(_t("ExtendedFieldURI"))
        if uri is None:
            raise EwsError("ErrorInvalidPropertySet", "ExtendedProperty without ExtendedFieldURI")
        key = _extended_key(uri)
        values = element.find(_t("Values"))
        value: str | list[str]
        if values is not None:
            value = [child.text or "" for child in values]
        else:
            value = element.findtext(_t("Value")) or ""
        return key, _Extended(dict(uri.attrib), uri.get("PropertyType", "String"), value)

    def _apply_element(self, item: _Item, element: etree._Element, append: bool = False) -> None:
        name = _local(element.tag)
        if name == "ExtendedProperty":
            key, prop = self._parse_extended(element)
            existing = item.extended.get(key)
            if existing is not None:
                prop.uri_attrs = existing.uri_attrs
            item.extended[key] = prop
            return
        if name in _READ_ONLY:
            raise EwsError("ErrorInvalidPropertySet", f"{name} is read-only")
        value = self._parse_value(element)
        if append:
            current = item.fields.get(name)
            if name == "Body":
                value = (
                    current[0] if current else value[0],
                    (current[1] if current else "") + value[1],
                )
            elif _TYPES.get(name) == "strlist":
                value = list(current or []) + value
            else:
                raise EwsError("ErrorInvalidPropertyAppend", f"{name} does not support append")
        item.fields[name] = value

    # ----------------------------------------------------------------- rendering

    def _render_item(self, item: _Item, shape: _Shape, view: bool = False) -> etree._Element:
        element = etree.Element(_t(item.kind))
        wanted = shape.wanted(item.kind)
        for name in _ORDER.get(item.kind, _ITEM_COMMON_ORDER):
            if name == "ItemId":
                etree.SubElement(element, _t("ItemId"), Id=item.id, ChangeKey=item.changekey)
            elif name == "ExtendedProperty":
                for key in shape.extended:
                    prop = item.extended.get(key)
                    if prop is not None:
                        element.append(self._render_extended(prop))
            elif name in wanted and not (view and name in _NOT_IN_VIEWS):
                self._render_field(element, item, name)
        return element

    @staticmethod
    def _render_extended(prop: _Extended) -> etree._Element:
        element = etree.Element(_t("ExtendedProperty"))
        etree.SubElement(element, _t("ExtendedFieldURI"), prop.uri_attrs)
        if isinstance(prop.value, list):
            values = etree.SubElement(element, _t("Values"))
            for value in prop.value:
                etree.SubElement(values, _t("Value")).text = value
        else:
            etree.SubElement(element, _t("Value")).text = prop.value
        return element

    def _computed(self, item: _Item, name: str) -> Any:
        fields = item.fields
        if name == "ItemClass":
            return _ITEM_CLASS.get(item.kind, "IPM.Item")
        if name in ("DateTimeCreated", "DateTimeReceived"):
            return item.created
        if name == "LastModifiedTime":
            return item.modified
        if name == "LastModifiedName":
            return self.mailbox.split("@")[0]
        if name == "Size":
            return 512 + sum(len(str(v)) for v in fields.values())
        if name in ("HasAttachments", "IsAssociated", "IsMeeting", "IsCancelled", "IsRecurring"):
            return False
        if name == "CalendarItemType":
            return "Single"
        if name == "MyResponseType":
            return "Organizer"
        if name == "IsComplete":
            return fields.get("Status") == "Completed"
        if name == "ChangeCount":
            return item.change_count
        if name == "Duration" and fields.get("Start") and fields.get("End"):
            seconds = int((fields["End"] - fields["Start"]).total_seconds())
            return f"PT{seconds // 3600}H{seconds % 3600 // 60}M"
        return None

    def _render_field(self, parent: etree._Element, item: _Item, name: str) -> None:
        if name == "ParentFolderId":
            folder = self._folders[item.folder]
            etree.SubElement(parent, _t(name), Id=folder.id, ChangeKey=folder.changekey)
            return
        value = self._computed(item, name) if name in _COMPUTED else item.fields.get(name)
        if value is None:
            return
        if isinstance(value, etree._Element):
            parent.append(copy.deepcopy(value))
            return
        element = etree.SubElement(parent, _t(name))
        if name == "Body":
            element.set("BodyType", value[0])
            element.text = value[1]
        elif isinstance(value, list):
            for entry in value:
                etree.SubElement(element, _t("String")).text = entry
        elif isinstance(value, bool):
            element.text = "true" if value else "false"
        elif isinstance(value, dt.datetime):
            element.text = _format_dt(value)
        elif isinstance(value, Decimal):
            element.text = _format_decimal(value)
        else:
            element.text = str(value)

    def _render_folder(self, folder: _Folder) -> etree._Element:
        element = etree.Element(_t(folder.tag))
        etree.SubElement(element, _t("FolderId"), Id=folder.id, ChangeKey=folder.changekey)
        if folder.parent:
            parent = self._folders[folder.parent]
            etree.SubElement(
                element, _t("ParentFolderId"), Id=parent.id, ChangeKey=parent.changekey
            )
        if folder.folder_class:
            etree.SubElement(element, _t("FolderClass")).text = folder.folder_class
        etree.SubElement(element, _t("DisplayName")).text = folder.display_name
        etree.SubElement(element, _t("TotalCount")).text = str(len(folder.items))
        children = sum(1 for f in self._folders.values() if f.parent == folder.key)
        etree.SubElement(element, _t("ChildFolderCount")).text = str(children)
        if folder.tag == "Folder":
            etree.SubElement(element, _t("UnreadCount")).text = "0"
        return element

    # ----------------------------------------------------------------- operations

    def _op_ConvertId(self, op: etree._Element, info: dict, timezone: str | None):
        response, messages = self._response("ConvertId")
        source = op.find(_m("SourceIds"))
        for _ in source if source is not None else [None]:
            self._message(
                messages, "ConvertId", EwsError("ErrorInvalidIdMalformed", "Id is malformed.")
            )
        return response

    def _op_GetFolder(self, op: etree._Element, info: dict, timezone: str | None):
        response, messages = self._response("GetFolder")
        ids = op.find(_m("FolderIds"))
        info["folders"] = []
        for folder_id in ids if ids is not None else ():
            try:
                folder = self._resolve_folder(folder_id)
            except EwsError as error:
                info["folders"].append(folder_id.get("Id"))
                self._message(messages, "GetFolder", error)
                continue
            info["folders"].append(folder.key)
            message = self._message(messages, "GetFolder")
            etree.SubElement(message, _m("Folders")).append(self._render_folder(folder))
        return response

    def _op_CreateItem(self, op: etree._Element, info: dict, timezone: str | None):
        response, messages = self._response("CreateItem")
        items = op.find(_m("Items"))
        items = list(items) if items is not None else []
        info["items"] = len(items)
        saved = op.find(_m("SavedItemFolderId"))
        target: _Folder | None = None
        folder_error: EwsError | None = None
        if saved is not None and len(saved):
            try:
                target = self._resolve_folder(saved[0])
                info["folders"] = [target.key]
            except EwsError as error:
                folder_error = error
        for element in items:
            kind = _local(element.tag)
            try:
                if folder_error:
                    raise folder_error
                if kind not in _ORDER:
                    raise EwsError("ErrorItemSave", f"The EWS emulator cannot store a {kind}")
                folder = target or self._folders[_DEFAULT_FOLDER[kind]]
                item = self._new_item(kind, folder)
                for child in element:
                    if isinstance(child.tag, str):
                        self._apply_element(item, child)
                if kind == "CalendarItem":
                    zone = etree.Element(_t("StartTimeZone"), Id=timezone or "UTC")
                    item.fields.setdefault("StartTimeZone", zone)
                    end_zone = copy.deepcopy(item.fields["StartTimeZone"])
                    end_zone.tag = _t("EndTimeZone")
                    item.fields.setdefault("EndTimeZone", end_zone)
                if kind == "Task" and ("Status" in item.fields or "PercentComplete" in item.fields):
                    self._task_rules(item, status_changed="Status" in item.fields)
                self._check_item(item)
            except EwsError as error:
                message = self._message(messages, "CreateItem", error)
                etree.SubElement(message, _m("Items"))
                continue
            self._insert(item, folder)
            message = self._message(messages, "CreateItem")
            created = etree.SubElement(etree.SubElement(message, _m("Items")), _t(kind))
            etree.SubElement(created, _t("ItemId"), Id=item.id, ChangeKey=item.changekey)
        return response

    def _op_GetItem(self, op: etree._Element, info: dict, timezone: str | None):
        response, messages = self._response("GetItem")
        shape = self._parse_shape(op.find(_m("ItemShape")))
        info["shape"] = shape.base
        info["properties"] = list(shape.uris)
        ids = op.find(_m("ItemIds"))
        ids = list(ids) if ids is not None else []
        info["items"] = len(ids)
        for item_id in ids:
            item = (
                self._items.get(item_id.get("Id", "")) if _local(item_id.tag) == "ItemId" else None
            )
            if item is None:
                self._message(messages, "GetItem", EwsError("ErrorItemNotFound", _NOT_FOUND))
                continue
            message = self._message(messages, "GetItem")
            etree.SubElement(message, _m("Items")).append(self._render_item(item, shape))
        return response

    def _op_UpdateItem(self, op: etree._Element, info: dict, timezone: str | None):
        response, messages = self._response("UpdateItem")
        resolution = op.get("ConflictResolution", "AutoResolve")
        changes = op.find(_m("ItemChanges"))
        changes = list(changes) if changes is not None else []
        info["items"] = len(changes)
        info["updates"] = []
        for change in changes:
            item_id = change.find(_t("ItemId"))
            updates = change.find(_t("Updates"))
            paths: list[tuple[str, str]] = []
            info["updates"].append(paths)
            try:
                item = self._items.get(item_id.get("Id", "")) if item_id is not None else None
                if item is None:
                    raise EwsError("ErrorItemNotFound", _NOT_FOUND)
                changekey = item_id.get("ChangeKey")
                if resolution == "NeverOverwrite" and changekey and changekey != item.changekey:
                    raise EwsError(
                        "ErrorIrresolvableConflict",
                        "The send or update operation could not be performed because the change "
                        "key passed in the request does not match the current change key for the "
                        "item.",
                    )
                candidate = copy.deepcopy(item)
                for update in updates if updates is not None else ():
                    if isinstance(update.tag, str):
                        paths.append(self._apply_update(candidate, update))
                if candidate.kind == "Task" and {"Status", "PercentComplete"} & {
                    p.rpartition(":")[2] for _, p in paths
                }:
                    status_changed = any(p.endswith(":Status") for _, p in paths)
                    self._task_rules(candidate, status_changed=status_changed)
                self._check_item(candidate)
            except EwsError as error:
                message = self._message(messages, "UpdateItem", error)
                etree.SubElement(message, _m("Items"))
                continue
            item.fields, item.extended = candidate.fields, candidate.extended
            self._touch(item)
            message = self._message(messages, "UpdateItem")
            updated = etree.SubElement(etree.SubElement(message, _m("Items")), _t(item.kind))
            etree.SubElement(updated, _t("ItemId"), Id=item.id, ChangeKey=item.changekey)
            conflicts = etree.SubElement(message, _m("ConflictResults"))
            etree.SubElement(conflicts, _t("Count")).text = "0"
        return response

    def _apply_update(self, item: _Item, update: etree._Element) -> tuple[str, str]:
        action = _local(update.tag)
        path = update[0] if len(update) else None
        if path is None:
            raise EwsError("ErrorInvalidPropertySet", f"{action} without a property path")
        path_tag = _local(path.tag)
        if path_tag == "FieldURI":
            label = path.get("FieldURI", "")
        elif path_tag == "ExtendedFieldURI":
            label = "extended:" + _extended_label(_extended_key(path))
        else:
            label = f"{path.get('FieldURI')}[{path.get('FieldIndex')}]"
        if action == "DeleteItemField":
            if path_tag == "ExtendedFieldURI":
                item.extended.pop(_extended_key(path), None)
            elif path_tag == "FieldURI":
                name = label.rpartition(":")[2]
                if name in _READ_ONLY:
                    raise EwsError("ErrorInvalidPropertyDelete", f"{name} cannot be deleted")
                item.fields.pop(name, None)
            return "delete", label
        if action not in ("SetItemField", "AppendToItemField"):
            raise EwsError("ErrorInvalidPropertySet", f"unknown update {action}")
        holder = update[1] if len(update) > 1 else None
        if holder is None or len(holder) != 1:
            raise EwsError("ErrorIncorrectUpdatePropertyCount", "Exactly one property per update")
        if path_tag == "IndexedFieldURI":
            return ("set" if action == "SetItemField" else "append"), label
        self._apply_element(item, holder[0], append=action == "AppendToItemField")
        return ("set" if action == "SetItemField" else "append"), label

    def _op_DeleteItem(self, op: etree._Element, info: dict, timezone: str | None):
        response, messages = self._response("DeleteItem")
        delete_type = op.get("DeleteType", "HardDelete")
        ids = op.find(_m("ItemIds"))
        ids = list(ids) if ids is not None else []
        info["items"] = len(ids)
        for item_id in ids:
            item = (
                self._items.get(item_id.get("Id", "")) if _local(item_id.tag) == "ItemId" else None
            )
            if item is None:
                self._message(messages, "DeleteItem", EwsError("ErrorItemNotFound", _NOT_FOUND))
                continue
            if delete_type == "MoveToDeletedItems" and item.folder != "deleteditems":
                self._move(item, self._folders["deleteditems"])
            elif delete_type == "SoftDelete":
                self._move(item, self._folders["recoverableitemsdeletions"])
            else:
                self._remove(item)
            self._message(messages, "DeleteItem")
        return response

    def _op_MoveItem(self, op: etree._Element, info: dict, timezone: str | None):
        response, messages = self._response("MoveItem")
        to_folder = op.find(_m("ToFolderId"))
        ids = op.find(_m("ItemIds"))
        ids = list(ids) if ids is not None else []
        info["items"] = len(ids)
        try:
            target = self._resolve_folder(to_folder[0] if to_folder is not None else None)
            info["folders"] = [target.key]
        except EwsError as error:
            for _ in ids:
                self._message(messages, "MoveItem", error)
            return response
        for item_id in ids:
            item = (
                self._items.get(item_id.get("Id", "")) if _local(item_id.tag) == "ItemId" else None
            )
            if item is None:
                self._message(messages, "MoveItem", EwsError("ErrorItemNotFound", _NOT_FOUND))
                continue
            moved = item if item.folder == target.key else self._move(item, target)
            message = self._message(messages, "MoveItem")
            element = etree.SubElement(etree.SubElement(message, _m("Items")), _t(moved.kind))
            etree.SubElement(element, _t("ItemId"), Id=moved.id, ChangeKey=moved.changekey)
        return response

    def _op_FindItem(self, op: etree._Element, info: dict, timezone: str | None):
        response, messages = self._response("FindItem")
        shape = self._parse_shape(op.find(_m("ItemShape")))
        info["shape"] = shape.base
        info["properties"] = list(shape.uris)
        restriction = op.find(_m("Restriction"))
        predicate: Callable[[_Item], bool] | None = None
        if restriction is not None and len(restriction):
            info["restriction"] = self._describe(restriction[0])
            predicate = self._compile(restriction[0])
        sort = op.find(_m("SortOrder"))
        parents = op.find(_m("ParentFolderIds"))
        info["folders"] = []
        for folder_element in parents if parents is not None else ():
            try:
                folder = self._resolve_folder(folder_element)
            except EwsError as error:
                self._message(messages, "FindItem", error)
                continue
            info["folders"].append(folder.key)
            if op.get("Traversal") == "SoftDeleted":
                candidates: list[_Item] = []
            else:
                candidates = [i for i in folder.items.values() if predicate is None or predicate(i)]
            if sort is not None:
                candidates = self._sorted(candidates, sort)
            message = self._message(messages, "FindItem")
            root = etree.SubElement(message, _m("RootFolder"))
            page = self._page(op, candidates, root, info)
            container = etree.SubElement(root, _t("Items"))
            for item in page:
                container.append(self._render_item(item, shape, view=True))
        return response

    @staticmethod
    def _page(
        op: etree._Element, candidates: list[_Item], root: etree._Element, info: dict
    ) -> list[_Item]:
        calendar_view = op.find(_m("CalendarView"))
        if calendar_view is not None:
            start = _parse_dt(calendar_view.get("StartDate", ""))
            end = _parse_dt(calendar_view.get("EndDate", ""))
            hits = [
                i
                for i in candidates
                if i.fields.get("Start") and i.fields.get("End")
                and i.fields["Start"] < end and i.fields["End"] > start
            ]  # fmt: skip
            hits.sort(key=lambda i: i.fields["Start"])
            limit = calendar_view.get("MaxEntriesReturned")
            page = hits[: int(limit)] if limit else hits
            root.set("TotalItemsInView", str(len(hits)))
            root.set("IncludesLastItemInRange", "true" if len(page) == len(hits) else "false")
            return page
        view = op.find(_m("IndexedPageItemView"))
        total = len(candidates)
        offset, limit = 0, total
        if view is not None:
            offset = int(view.get("Offset", "0"))
            limit = int(view.get("MaxEntriesReturned", str(total)) or total)
            if view.get("BasePoint") == "End":
                offset = max(0, total - offset - limit)
        info["offset"], info["max_entries"] = offset, limit
        page = candidates[offset : offset + limit]
        end = offset + len(page)
        root.set("IndexedPagingOffset", str(end))
        root.set("TotalItemsInView", str(total))
        root.set("IncludesLastItemInRange", "true" if end >= total else "false")
        return page

    def _op_SyncFolderItems(self, op: etree._Element, info: dict, timezone: str | None):
        response, messages = self._response("SyncFolderItems")
        shape = self._parse_shape(op.find(_m("ItemShape")))
        info["shape"] = shape.base
        info["properties"] = list(shape.uris)
        text = (op.findtext(_m("MaxChangesReturned")) or "").strip()
        try:
            max_changes = int(text)
        except ValueError:
            max_changes = 0
        info["max_changes"] = max_changes
        if not 1 <= max_changes <= MAX_SYNC_CHANGES:
            raise _Fault(
                "ErrorSchemaValidation",
                f"The request failed schema validation: MaxChangesReturned must be between 1 "
                f"and {MAX_SYNC_CHANGES} (got {text!r}).",
            )
        state = (op.findtext(_m("SyncState")) or "").strip()
        info["sync_state"] = bool(state)
        ignore_element = op.find(_m("Ignore"))
        ignore = {e.get("Id") for e in ignore_element} if ignore_element is not None else set()
        folder_element = op.find(_m("SyncFolderId"))
        try:
            folder = self._resolve_folder(folder_element[0] if folder_element is not None else None)
            info["folders"] = [folder.key]
            changes, end, next_state = self._sync_changes(folder, state, max_changes, ignore)
        except EwsError as error:
            message = self._message(messages, "SyncFolderItems", error)
            etree.SubElement(message, _m("SyncState"))
            etree.SubElement(message, _m("IncludesLastItemInRange")).text = "true"
            return response
        message = self._message(messages, "SyncFolderItems")
        etree.SubElement(message, _m("SyncState")).text = next_state
        etree.SubElement(message, _m("IncludesLastItemInRange")).text = "true" if end else "false"
        container = etree.SubElement(message, _m("Changes"))
        returned = 0
        for kind, item_id in changes:
            item = folder.items.get(item_id)
            if kind == "delete":
                change = etree.SubElement(container, _t("Delete"))
                etree.SubElement(change, _t("ItemId"), Id=item_id)
            elif item is not None:
                change = etree.SubElement(container, _t("Create" if kind == "create" else "Update"))
                change.append(self._render_item(item, shape, view=True))
            else:
                continue  # gone since the page was planned; the log replays the delete later
            returned += 1
        info["changes"] = returned
        info["includes_last"] = end
        return response

    def _encode_state(self, folder: _Folder, **values: Any) -> str:
        payload = {"e": self._epoch, "f": folder.id, **values}
        return base64.b64encode(json.dumps(payload, sort_keys=True).encode()).decode()

    def _decode_state(self, folder: _Folder, state: str) -> dict[str, Any]:
        try:
            payload = json.loads(base64.b64decode(state, validate=True))
            valid = (
                isinstance(payload, dict)
                and payload.get("e") == self._epoch
                and payload.get("f") == folder.id
            )
        except (ValueError, binascii.Error):
            valid = False
        if not valid:
            raise EwsError(
                "ErrorInvalidSyncStateData",
                "Synchronization state data is corrupt or otherwise invalid.",
            )
        return payload

    def _sync_changes(
        self, folder: _Folder, state: str, max_changes: int, ignore: set[str]
    ) -> tuple[list[tuple[str, str]], bool, str]:
        """Plan the page: (changes, includes last, next SyncState).

        The first page of a run collapses the folder log from the state's position to its
        current end (one change per item; created and deleted since → nothing) and keeps the
        plan; later pages of the same run read from that plan.
        """
        payload = self._decode_state(folder, state) if state else {"p": 0}
        if "s" in payload:
            series = self._sync_series.get(payload["s"])
            if series is None or series[0] != folder.key:
                raise EwsError("ErrorInvalidSyncStateData", "Synchronization state is unknown.")
            _, end_position, plan = series
            offset = int(payload["o"])
            series_id = payload["s"]
        else:
            start = int(payload["p"])
            if not 0 <= start <= len(folder.log):
                raise EwsError("ErrorInvalidSyncStateData", "Synchronization state is corrupt.")
            end_position = len(folder.log)
            plan = self._collapse(folder.log, start, end_position)
            offset = 0
            series_id = None
        plan_left = [(kind, item_id) for kind, item_id in plan[offset:]]
        page, consumed = [], 0
        for kind, item_id in plan_left:
            if len(page) >= max_changes:
                break
            consumed += 1
            if item_id not in ignore:
                page.append((kind, item_id))
        finished = offset + consumed >= len(plan)
        if finished:
            return page, True, self._encode_state(folder, p=end_position)
        if series_id is None:
            series_id = secrets.token_hex(6)
            self._sync_series[series_id] = (folder.key, end_position, plan)
        return page, False, self._encode_state(folder, s=series_id, o=offset + consumed)

    @staticmethod
    def _collapse(log: list[tuple[str, str]], start: int, end: int) -> list[tuple[str, str]]:
        first: dict[str, str] = {}
        last: dict[str, str] = {}
        for item_id, kind in log[start:end]:
            first.setdefault(item_id, kind)
            last[item_id] = kind
        plan = []
        for item_id, first_kind in first.items():
            last_kind = last[item_id]
            if first_kind == "create":
                if last_kind != "delete":
                    plan.append(("create", item_id))
            elif last_kind == "delete":
                plan.append(("delete", item_id))
            else:
                plan.append(("update", item_id))
        return plan

    # ----------------------------------------------------------------- restrictions

    def _path_getter(self, path: etree._Element) -> tuple[Callable[[_Item], Any], str]:
        tag = _local(path.tag)
        if tag == "FieldURI":
            name = path.get("FieldURI", "").rpartition(":")[2]
            kind = _TYPES.get(name, "str")

            def get_field(item: _Item) -> Any:
                if name in _COMPUTED:
                    return self._computed(item, name)
                value = item.fields.get(name)
                if isinstance(value, tuple):  # body
                    return value[1]
                if isinstance(value, etree._Element):
                    return value.get("Id") or value.text
                return value

            return get_field, kind
        if tag == "ExtendedFieldURI":
            key = _extended_key(path)
            prop_type = path.get("PropertyType", "String").removesuffix("Array")
            kind = {
                "Boolean": "bool", "Integer": "int", "Long": "int", "Short": "int",
                "SystemTime": "datetime", "Double": "decimal", "Float": "decimal",
                "Currency": "decimal",
            }.get(prop_type, "str")  # fmt: skip

            def get_extended(item: _Item) -> Any:
                prop = item.extended.get(key)
                if prop is None:
                    return None
                if isinstance(prop.value, list):
                    return [_coerce(v, kind) for v in prop.value]
                return _coerce(prop.value, kind)

            return get_extended, kind
        raise EwsError("ErrorUnsupportedPathForQuery", f"The emulator cannot filter on {tag}")

    def _compile(self, element: etree._Element) -> Callable[[_Item], bool]:
        tag = _local(element.tag)
        if tag in ("And", "Or"):
            parts = [self._compile(child) for child in element if isinstance(child.tag, str)]
            if tag == "And":
                return lambda item: all(part(item) for part in parts)
            return lambda item: any(part(item) for part in parts)
        if tag == "Not":
            inner = self._compile(element[0])
            return lambda item: not inner(item)
        if tag == "Exists":
            getter, _ = self._path_getter(element[0])
            return lambda item: getter(item) not in (None, [])
        if tag in _COMPARISONS:
            getter, kind = self._path_getter(element[0])
            constant = element.find(f"{_t('FieldURIOrConstant')}/{_t('Constant')}")
            if constant is None:
                raise EwsError("ErrorInvalidRestriction", f"{tag} needs a constant")
            try:
                wanted = _coerce(constant.get("Value", ""), kind)
            except (ValueError, InvalidOperation):
                raise EwsError("ErrorInvalidRestriction", f"bad constant for {tag}") from None
            compare = _COMPARISONS[tag]

            def compare_item(item: _Item) -> bool:
                value = getter(item)
                values = value if isinstance(value, list) else [value]
                return any(v is not None and compare(v, wanted) for v in values)

            return compare_item
        if tag == "Contains":
            getter, _ = self._path_getter(element[0])
            needle = (element.find(_t("Constant")).get("Value") or "") if len(element) > 1 else ""
            mode = element.get("ContainmentMode", "Substring")
            ignore_case = "IgnoreCase" in element.get("ContainmentComparison", "Exact")
            if ignore_case:
                needle = needle.lower()

            def contains(item: _Item) -> bool:
                value = getter(item)
                values = value if isinstance(value, list) else [value]
                for v in values:
                    if v is None:
                        continue
                    text = str(v).lower() if ignore_case else str(v)
                    if mode == "FullString" and text == needle:
                        return True
                    if mode == "Prefixed" and text.startswith(needle):
                        return True
                    if mode not in ("FullString", "Prefixed") and needle in text:
                        return True
                return False

            return contains
        raise EwsError("ErrorInvalidRestriction", f"The emulator does not support {tag}")

    def _describe(self, element: etree._Element) -> str:
        tag = _local(element.tag)
        if tag in ("FieldURI", "ExtendedFieldURI", "IndexedFieldURI"):
            if tag == "ExtendedFieldURI":
                return _extended_label(_extended_key(element))
            return element.get("FieldURI", "")
        if tag == "Constant":
            return repr(element.get("Value"))
        if tag == "FieldURIOrConstant":
            return ", ".join(self._describe(child) for child in element)
        parts = ", ".join(self._describe(child) for child in element if isinstance(child.tag, str))
        return f"{tag}({parts})"

    def _sorted(self, items: list[_Item], sort: etree._Element) -> list[_Item]:
        result = list(items)
        for order in reversed([o for o in sort if isinstance(o.tag, str)]):
            getter, _ = self._path_getter(order[0])
            descending = order.get("Order") == "Descending"
            present = [i for i in result if getter(i) is not None]
            missing = [i for i in result if getter(i) is None]
            present.sort(key=getter, reverse=descending)
            result = present + missing
        return result


_NOT_FOUND = "The specified object was not found in the store."
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "IsEqualTo": lambda a, b: a == b,
    "IsNotEqualTo": lambda a, b: a != b,
    "IsGreaterThan": lambda a, b: a > b,
    "IsGreaterThanOrEqualTo": lambda a, b: a >= b,
    "IsLessThan": lambda a, b: a < b,
    "IsLessThanOrEqualTo": lambda a, b: a <= b,
}


def _coerce(text: Any, kind: str) -> Any:
    if not isinstance(text, str):
        return text
    if kind == "bool":
        return _parse_bool(text)
    if kind == "int":
        return int(text)
    if kind == "decimal":
        return Decimal(text)
    if kind == "datetime":
        return _parse_dt(text)
    return text
