"""Coordinates of addresses: geocoding them in batches, manual pins, and reading a
place ("K-000001", "München", "48.137, 11.575") for the radius search.

Geocoding asks the configured online service first (settings "geocoder.*") and falls
back to the offline city centroid when it fails or knows nothing. Each batch is written
in one short transaction after its lookups (never a transaction open across network
calls), so a cancel or a kill keeps the finished batches and never half an address.
A manual pin (precision "manual") is never overwritten.
"""

from __future__ import annotations

import json
import re
import statistics
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import closing, nullcontext
from dataclasses import dataclass, field

from salesdesk.domain.customer import CUSTOMER_PREFIX, AddressKind
from salesdesk.domain.errors import DomainError, NotFound
from salesdesk.domain.geo import (
    PRECISION_MANUAL,
    SOURCE_MANUAL,
    check_coordinates,
    format_coordinates,
    parse_coordinates,
)
from salesdesk.i18n import _
from salesdesk.integrations.geocoding import (
    AddressGeocoder,
    AddressQuery,
    GeocoderSettings,
    find_city,
    place_key,
)
from salesdesk.services.settings import get_settings
from salesdesk.store.engine import Store, dbapi

BATCH_SIZE = 25
# after this many failures in a row the online service is left alone for the rest of
# the run (it is down or unreachable): the remaining addresses get the offline centroid
MAX_ONLINE_FAILURES_IN_A_ROW = 3

Progress = Callable[[int, int], None]


# -- geocoding --------------------------------------------------------------------------


@dataclass
class GeocodeSummary:
    """What a geocoding run did; names are "Customer K-000001 Name, Main address"."""

    total: int = 0  # addresses to do
    geocoded: int = 0  # found by the online service
    offline: int = 0  # placed at their city's centre (offline, or the service failed)
    not_found: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "record: what went wrong"
    processed: int = 0  # addresses looked up so far
    cancelled: bool = False

    def summary(self) -> str:
        text = _(
            "Geocoded {geocoded} addresses online, {offline} at their city's centre; "
            "{missing} not found."
        ).format(geocoded=self.geocoded, offline=self.offline, missing=len(self.not_found))
        if self.errors:
            text += " " + _("{count} errors of the geocoding service.").format(
                count=len(self.errors)
            )
        if self.cancelled:
            text += " " + _(
                "Cancelled after {done} of {total}; the finished ones are kept."
            ).format(done=self.processed, total=self.total)
        return text


@dataclass(frozen=True)
class _Todo:
    address_id: str  # hex, as stored
    record: str
    query: AddressQuery


_TODO_SQL = """
SELECT a.id, a.street, a.postal_code, a.city, a.country, a.kind, c.number, c.name
FROM address a JOIN customer c ON c.id = a.customer_id
WHERE a.deleted_at IS NULL AND c.deleted_at IS NULL AND a.geo_precision != 'manual'
"""


def _address_record(number: str, name: str, kind: str) -> str:
    try:
        kind_label = AddressKind(kind).label
    except ValueError:
        kind_label = kind
    return _("Customer {number} {name}, {kind}").format(number=number, name=name, kind=kind_label)


def _todo(conn, only_missing: bool, address_ids) -> list[_Todo]:
    sql, params = _TODO_SQL, []
    if only_missing:
        sql += " AND (a.latitude IS NULL OR a.longitude IS NULL)"
    if address_ids is not None:
        ids = [i.hex if isinstance(i, uuid.UUID) else str(i) for i in address_ids]
        sql += " AND a.id IN (SELECT value FROM json_each(?))"
        params = [json.dumps(ids)]
    rows = conn.execute(
        sql + " ORDER BY c.number, a.kind != 'main', a.kind, a.id", params
    ).fetchall()
    return [
        _Todo(
            aid,
            _address_record(number, name, kind),
            AddressQuery(street, postal, city, (country or "").upper()),
        )
        for aid, street, postal, city, country, kind, number, name in rows
    ]


def count_missing_coordinates(source) -> int:
    """Live addresses of live customers without coordinates (what a run would do)."""
    return (
        dbapi(source)
        .execute(
            "SELECT count(*) FROM address a JOIN customer c ON c.id = a.customer_id "
            "WHERE a.deleted_at IS NULL AND c.deleted_at IS NULL "
            "AND (a.latitude IS NULL OR a.longitude IS NULL)"
        )
        .fetchone()[0]
    )


def geocode_addresses(
    store_or_session,
    *,
    only_missing: bool = True,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    address_ids=None,
    batch_size: int = BATCH_SIZE,
    geocoder: AddressGeocoder | None = None,
) -> GeocodeSummary:
    """Geocode the live addresses of live customers (only those without coordinates
    unless ``only_missing`` is False; never manual pins), ``batch_size`` per
    transaction. ``progress(done, total)`` after each address; ``cancelled()`` is asked
    before each one: then the finished batches stay, the rest is left alone.

    ``store_or_session``: a Store (a session per batch) or a Session (committed per
    batch).
    """
    batch_size = max(1, batch_size)
    if isinstance(store_or_session, Store):
        session_of = store_or_session.session
        reader = store_or_session.session()
    else:
        reader = store_or_session
        session_of = None
    with closing(reader) if session_of else nullcontext():
        conn = dbapi(reader)
        settings = GeocoderSettings.from_values(get_settings(conn, "geocoder."))
        todo = _todo(conn, only_missing, address_ids)
        if session_of:
            reader.rollback()  # no read transaction open across the network calls
    geocoder = geocoder or AddressGeocoder(settings)
    summary = GeocodeSummary(total=len(todo))
    report = progress or (lambda done, total: None)
    stop = cancelled or (lambda: False)
    report(0, summary.total)
    failures_in_a_row = 0
    for start in range(0, len(todo), batch_size):
        found: list[tuple[_Todo, object]] = []
        for item in todo[start : start + batch_size]:
            if stop():
                summary.cancelled = True
                break
            outcome = geocoder.geocode(
                item.query, use_online=failures_in_a_row < MAX_ONLINE_FAILURES_IN_A_ROW
            )
            if outcome.error:
                failures_in_a_row += 1
                summary.errors.append(
                    _("{record}: {problem}").format(record=item.record, problem=outcome.error)
                )
            elif geocoder.online is not None:
                failures_in_a_row = 0
            found.append((item, outcome.result))
            summary.processed += 1
            report(summary.processed, summary.total)
        _write_batch(store_or_session, session_of, found, summary)
        if summary.cancelled:
            break
    return summary


def _write_batch(store_or_session, session_of, found, summary: GeocodeSummary) -> None:
    """One transaction: every address of the batch gets its whole result, or none does."""
    from salesdesk.store.models import Address
    from salesdesk.store.types import utcnow

    if not found:
        return
    session = session_of() if session_of else store_or_session
    try:
        now = utcnow()
        counts = Counter()
        missing = []
        for item, result in found:
            address = session.get(Address, uuid.UUID(hex=item.address_id))
            if address is None or address.geo_precision == PRECISION_MANUAL:
                continue  # pinned by hand meanwhile: never overwritten
            if result is None:
                missing.append(item.record)
                continue
            address.latitude, address.longitude = result.latitude, result.longitude
            address.geo_precision, address.geo_source = result.precision, result.source
            address.geocoded_at = now
            counts["offline" if result.source == "offline" else "geocoded"] += 1
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        if session_of:
            session.close()
    summary.geocoded += counts["geocoded"]
    summary.offline += counts["offline"]
    summary.not_found.extend(missing)


# -- manual pins --------------------------------------------------------------------------


def _address(session, address_id: uuid.UUID):
    from salesdesk.store.models import Address

    address = session.get(Address, address_id)
    if address is None or address.deleted_at is not None:
        raise NotFound(_("There is no such address (any more)."))
    return address


def set_manual_pin(session, address_id: uuid.UUID, latitude, longitude):
    """Put the address where the user says; geocoding never moves it again. The caller
    commits."""
    from salesdesk.services.customers import record_name
    from salesdesk.store.types import utcnow

    address = _address(session, address_id)
    lat, lon = check_coordinates(record_name(address.customer), latitude, longitude)
    address.latitude, address.longitude = lat, lon
    address.geo_precision, address.geo_source = PRECISION_MANUAL, SOURCE_MANUAL
    address.geocoded_at = utcnow()
    session.flush()
    return address


def clear_manual_pin(session, address_id: uuid.UUID):
    """Remove a manual pin (and the coordinates): the next geocoding run places the
    address again. The caller commits."""
    address = _address(session, address_id)
    if address.geo_precision == PRECISION_MANUAL:
        address.latitude = address.longitude = None
        address.geo_precision = address.geo_source = ""
        address.geocoded_at = None
        session.flush()
    return address


# -- places -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    label: str
    latitude: float
    longitude: float


_NUMBER = re.compile(rf"^\s*{CUSTOMER_PREFIX}-?\d+\s*$", re.IGNORECASE)
_CITY_COUNTRY = re.compile(r"^(?P<city>.+?)\s*,\s*(?P<country>[A-Za-z]{2})\s*$")
# "Sendlinger Str. 1, 80331 München", "80331 München", "Rathausplatz 1, 1010 Wien, AT"
_ADDRESS = re.compile(
    r"^(?:(?P<street>[^,]+?)\s*,\s*)?(?P<postal>\d{4,5})\s+(?P<city>[^,]+?)"
    r"(?:\s*,\s*(?P<country>[A-Za-z]{2}))?\s*$")


def prepare_places() -> None:
    """Load the shipped city data now (~0.5 s, once), e.g. on a worker thread when the
    radius search is first shown, so the first search by city does not wait for it."""
    find_city("Berlin")


def place_hint() -> str:
    return _("a customer number (K-000001), an address (Marienplatz 1, 80331 München), a city "
             "(München) or coordinates (48.137, 11.575)")


def resolve_place(source, text: str) -> Place:
    """Where PLACE is: a customer number (its default main address), "lat, lon", or a
    city (shipped city data, then the cities of stored addresses). DomainError with a
    clear text when there is no such place."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Enter a place: {hint}.").format(hint=place_hint()))
    try:
        coordinates = parse_coordinates(text)
    except ValueError as exc:
        raise DomainError(str(exc)) from None
    if coordinates is not None:
        return Place(format_coordinates(*coordinates), *coordinates)
    conn = dbapi(source)
    if _NUMBER.match(text):
        return _customer_place(conn, text)
    address = _ADDRESS.match(text)
    if address is not None:
        return _address_place(conn, text, address)
    found = _CITY_COUNTRY.match(text)
    city_name, country = (found["city"], found["country"].upper()) if found else (text, "")
    city = find_city(city_name, country)
    if city is not None:
        return Place(city.label, city.latitude, city.longitude)
    stored = _stored_city(conn, city_name, country)
    if stored is not None:
        return stored
    raise DomainError(
        _("No place called “{text}”. Enter {hint}.").format(text=text, hint=place_hint())
    )


def _address_place(conn, text: str, parts: re.Match) -> Place:
    """An address typed as PLACE: the configured geocoding service if there is one, else
    (or when it knows nothing) the centre of the address's city."""
    from salesdesk.integrations.geocoding import (
        AddressGeocoder,
        AddressQuery,
        GeocoderSettings,
    )
    from salesdesk.services.settings import get_settings

    query = AddressQuery(street=(parts["street"] or "").strip(), postal_code=parts["postal"],
                         city=parts["city"].strip(), country=(parts["country"] or "").upper())
    settings = GeocoderSettings.from_values(get_settings(conn, "geocoder."))
    outcome = AddressGeocoder(settings).geocode(query)
    if outcome.result is None:
        raise DomainError(
            _("No place called “{text}”. Enter {hint}.").format(text=text, hint=place_hint()))
    result = outcome.result
    label = text if result.precision != "city" else _("{address} (centre of {city})").format(
        address=text, city=query.city)
    return Place(label, result.latitude, result.longitude)


def _customer_place(conn, text: str) -> Place:
    digits = re.sub(r"\D", "", text)
    number = (
        f"{CUSTOMER_PREFIX}-{int(digits):06d}" if len(digits) < 6 else f"{CUSTOMER_PREFIX}-{digits}"
    )
    row = conn.execute(
        "SELECT c.id, c.number, c.name FROM customer c WHERE c.number IN (?, ?) "
        "AND c.deleted_at IS NULL",
        (number, text.strip().upper()),
    ).fetchone()
    if row is None:
        raise DomainError(
            _("No place called “{text}”: there is no customer with that number.").format(
                text=text.strip()
            )
        )
    cid, number, name = row
    # its default main address first, then any other address with coordinates
    located = conn.execute(
        "SELECT latitude, longitude, city FROM address WHERE customer_id = ? "
        "AND deleted_at IS NULL AND latitude IS NOT NULL AND longitude IS NOT NULL "
        "ORDER BY kind = 'main' DESC, is_default DESC, kind, id LIMIT 1",
        (cid,),
    ).fetchone()
    if located is None:
        raise DomainError(
            _(
                "Customer {number} {name} has no coordinates yet: geocode its addresses first."
            ).format(number=number, name=name)
        )
    lat, lon, city = located
    label = f"{number} {name}" + (f" ({city})" if city else "")
    return Place(label, lat, lon)


def _stored_city(conn, name: str, country: str) -> Place | None:
    """A city only the store knows: the median position of its geocoded addresses (in
    the country most of them are in). Case and diacritics do not matter."""
    key = place_key(name)
    names = [
        city
        for (city,) in conn.execute(
            "SELECT DISTINCT city FROM address WHERE deleted_at IS NULL "
            "AND latitude IS NOT NULL AND longitude IS NOT NULL"
        )
        if place_key(city) == key
    ]
    if not key or not names:
        return None
    rows = conn.execute(
        f"SELECT city, country, latitude, longitude FROM address WHERE city IN "
        f"({', '.join('?' * len(names))}) AND deleted_at IS NULL "
        "AND latitude IS NOT NULL AND longitude IS NOT NULL",
        names,
    ).fetchall()
    rows = [r for r in rows if not country or r[1] == country]
    if not rows:
        return None
    top = Counter(r[1] for r in rows).most_common(1)[0][0]
    rows = [r for r in rows if r[1] == top]
    return Place(
        f"{Counter(r[0] for r in rows).most_common(1)[0][0]}, {top}",
        statistics.median(r[2] for r in rows),
        statistics.median(r[3] for r in rows),
    )
