"""Fixtures for the loopback EWS emulator (tests/integrations/ews_emulator.py).

exchangelib is imported inside the fixtures only: collecting the test suite must not import it.
"""

from __future__ import annotations

import pytest
from ews_emulator import SALESDESK_PROPERTY_NAME, SALESDESK_PROPERTY_SET_ID, EwsEmulator

EWS_MAILBOX = "rep@example.com"
EWS_PASSWORD = "Secret-1"


def _close_exchangelib_connections() -> None:
    import sys

    if "exchangelib" in sys.modules:
        from exchangelib.protocol import close_connections

        close_connections()  # drops the process-wide Protocol cache and its sessions


@pytest.fixture
def ews_emulator():
    """A running emulator with Basic auth; the user EWS_MAILBOX / EWS_PASSWORD owns the mailbox."""
    with EwsEmulator(users={EWS_MAILBOX: EWS_PASSWORD}, auth="basic", mailbox=EWS_MAILBOX) as em:
        yield em
    _close_exchangelib_connections()


@pytest.fixture
def ews_ntlm_emulator():
    """A running emulator with NTLM auth (pyspnego acceptor, NTLM_USER_FILE set while running)."""
    with EwsEmulator(users={EWS_MAILBOX: EWS_PASSWORD}, auth="ntlm", mailbox=EWS_MAILBOX) as em:
        yield em
    _close_exchangelib_connections()


@pytest.fixture
def ews_connect():
    """connect(emulator, password=EWS_PASSWORD, retry_policy=None → FailFast(), auth_type=None →
    the emulator's, pin=True) → exchangelib Account, configured the way SalesDesk connects
    (service endpoint, pinned auth type and version, no autodiscover, Europe/Berlin)."""
    from exchangelib import DELEGATE, Account, Configuration, Credentials, EWSTimeZone, FailFast
    from exchangelib.transport import BASIC, NTLM
    from exchangelib.version import Build, Version

    def connect(
        emulator: EwsEmulator,
        password: str = EWS_PASSWORD,
        retry_policy=None,
        auth_type: str | None = None,
        pin: bool = True,
        username: str = EWS_MAILBOX,
    ):
        config = Configuration(
            credentials=Credentials(username, password),
            service_endpoint=emulator.url,
            auth_type=(auth_type or (NTLM if emulator.auth == "ntlm" else BASIC)) if pin else None,
            version=Version(build=Build(15, 1, 2507, 6)) if pin else None,
            retry_policy=retry_policy or FailFast(),
        )
        return Account(
            primary_smtp_address=emulator.mailbox,
            config=config,
            autodiscover=False,
            access_type=DELEGATE,
            default_timezone=EWSTimeZone("Europe/Berlin"),
        )

    yield connect
    _close_exchangelib_connections()


@pytest.fixture
def ews_account(ews_emulator, ews_connect):
    """An exchangelib Account on ``ews_emulator`` (FailFast)."""
    return ews_connect(ews_emulator)


@pytest.fixture
def salesdesk_id_property():
    """The SalesDesk id extended property registered as ``salesdesk_id`` on exchangelib's
    CalendarItem and Task. If the app already registered the same property, that one is used
    (and left registered); otherwise it is deregistered again after the test."""
    from exchangelib import CalendarItem, ExtendedProperty, Task
    from exchangelib.fields import InvalidField

    class SalesDeskId(ExtendedProperty):
        property_set_id = SALESDESK_PROPERTY_SET_ID
        property_name = SALESDESK_PROPERTY_NAME
        property_type = "String"

    registered = []
    for cls in (CalendarItem, Task):
        try:
            existing = cls.get_field_by_fieldname("salesdesk_id").value_cls
        except InvalidField:
            cls.register("salesdesk_id", SalesDeskId)
            registered.append(cls)
            continue
        same = (
            (existing.property_set_id or "").lower() == SALESDESK_PROPERTY_SET_ID
            and existing.property_name == SALESDESK_PROPERTY_NAME
            and existing.property_type == "String"
        )
        if not same:
            raise RuntimeError(f"another 'salesdesk_id' is registered on {cls.__name__}")
    yield SalesDeskId
    for cls in registered:
        cls.deregister("salesdesk_id")
