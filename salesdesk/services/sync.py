"""Synchronisation as the user starts it: which central database, with which login and
password (the URL is a setting without the password; the password lives in the OS
keyring, never in a file), then one run of salesdesk.sync.session."""

from __future__ import annotations

from collections.abc import Callable

from salesdesk.i18n import _
from salesdesk.services.settings import get_setting, set_setting
from salesdesk.store.engine import Store
from salesdesk.sync.session import SyncError, SyncReport, run_sync

KEYRING_SERVICE = "SalesDesk central database"
URL_SETTING = "sync.central_url"


def _without_password(url: str) -> tuple[str, str | None]:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    parts = conninfo_to_dict(url)
    password = parts.pop("password", None)
    return make_conninfo(**parts), password


def save_connection(store: Store, url: str, password: str | None = None) -> str:
    """Remember the central database: the URL (without a password) as a setting, the
    password in the keyring. Returns the URL as stored."""
    import keyring

    bare, in_url = _without_password(url)
    secret = password or in_url
    if secret:
        keyring.set_password(KEYRING_SERVICE, bare, secret)
    with store.session() as session:
        set_setting(session, URL_SETTING, bare)
        session.commit()
    return bare


def stored_url(store: Store) -> str:
    """The saved central URL with the password from the keyring."""
    import keyring
    from psycopg.conninfo import make_conninfo

    bare = get_setting(store.reader(), URL_SETTING) or ""
    if not bare:
        raise SyncError(_("No central database is set up on this device: give one with "
                          "--central URL, or in the sync panel."))
    password = keyring.get_password(KEYRING_SERVICE, bare)
    return make_conninfo(bare, password=password) if password else bare


def sync_now(store: Store, url: str | None = None, *,
             progress: Callable[[str, int], None] | None = None,
             cancel: Callable[[], bool] | None = None) -> SyncReport:
    """Push and pull once, with the URL given or the one saved on this device."""
    return run_sync(store, url or stored_url(store), progress=progress, cancel=cancel)
