"""Settings of the store that are not per desktop user: the logbook's edit window, the
geocoder, … Values are JSON; unknown keys fall back to the documented default."""

from __future__ import annotations

import json
from typing import Any

from salesdesk.store.engine import dbapi

DEFAULTS: dict[str, Any] = {
    # how long the author may still correct a logbook entry, in hours (0: never)
    "logbook.edit_window_hours": 72,
    # geocoding: "" means offline (shipped city data only); otherwise a geopy service
    "geocoder.provider": "",
    "geocoder.domain": "",
    "geocoder.scheme": "https",
    "geocoder.user_agent": "SalesDesk",
    # the central database for sync, without its password (that is in the keyring)
    "sync.central_url": "",
    "geocoder.min_delay_seconds": 1.0,
    # the issuing company on printed documents (condition sheets): letterhead and footer
    "company.name": "SalesDesk Demo GmbH",
    "company.address_lines": ["Musterstraße 1", "10115 Berlin"],
    "company.country": "DE",  # addresses abroad get their country printed
    "company.phone": "+49 30 1234567-0",
    "company.email": "vertrieb@salesdesk-demo.example",
    "company.website": "www.salesdesk-demo.example",
    "company.vat_id": "",
    "company.logo_path": "",  # a PNG or JPEG file; "" prints the name instead
}


def get_setting(source, key: str) -> Any:
    """A setting's value (session, connection or reader), or its default."""
    row = dbapi(source).execute("SELECT value FROM app_setting WHERE key = ?", (key,)).fetchone()
    if row is None:
        return DEFAULTS.get(key)
    return json.loads(row[0])


def get_settings(source, prefix: str) -> dict[str, Any]:
    """Every setting whose key starts with ``prefix`` (defaults filled in)."""
    values = {k: v for k, v in DEFAULTS.items() if k.startswith(prefix)}
    rows = dbapi(source).execute("SELECT key, value FROM app_setting WHERE key LIKE ?",
                                 (prefix + "%",))
    values.update({key: json.loads(value) for key, value in rows})
    return values


def set_setting(session, key: str, value: Any) -> None:
    """Store a setting (in the caller's transaction)."""
    from salesdesk.store.models import AppSetting

    row = session.get(AppSetting, key)
    if row is None:
        session.add(AppSetting(key=key, value=json.dumps(value)))
    else:
        row.value = json.dumps(value)
    session.flush()
