"""Customers around a place: one row per live customer, its nearest live geocoded address
within the radius, sorted by distance, then number.

The R*Tree ``address_geo`` (store/geoindex.py) pre-filters by the boxes that surely hold
the circle (domain/geo.py ``bounding_boxes``, then ``search_ellipse`` for the corners);
the candidates' columns come from two covering indexes (migration 0004) in one query;
the exact geodesic distance on WGS84, computed for all candidates in one vectorised
call, decides membership and order. benchmarks/radius.py measures it (~50 ms for the
8,700 candidates around Berlin in the 100k demo store).
``customers_near_bruteforce`` scans every address with the same distance function and
the same choice per customer: the reference for the tests and the benchmark.

Plain SQL on the sqlite3 connection (a Session's, same transaction, or
``Store.reader()``), like the customer list.
"""

from __future__ import annotations

import gc
import json
import uuid
from array import array
from collections.abc import Sequence
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from salesdesk.domain.customer import AddressKind
from salesdesk.domain.errors import FieldError, ValidationFailed
from salesdesk.domain.geo import (
    bounding_boxes,
    check_latitude,
    check_longitude,
    check_radius_km,
    coordinate_labels,
    distances_km,
    longitude_shift,
    search_ellipse,
)
from salesdesk.i18n import _
from salesdesk.store.engine import dbapi
from salesdesk.store.geoindex import ADDRESS_RADIUS_INDEX, CUSTOMER_RADIUS_INDEX, GEO_TABLE


class NearCustomer(NamedTuple):
    """One customer of a radius search. The ids are kept as stored (hex) and made UUIDs
    on demand: a search around Berlin returns 8,000 rows."""

    customer_key: str
    number: str
    name: str
    address_key: str
    address_kind: str
    postal_code: str
    city: str
    country: str
    distance_km: float

    @property
    def customer_id(self) -> uuid.UUID:
        return uuid.UUID(hex=self.customer_key)

    @property
    def address_id(self) -> uuid.UUID:
        return uuid.UUID(hex=self.address_key)


# A candidate row: what ranking needs and nothing more (reading ~9,000 rows of all the
# display columns into Python cost ~18 ms around Wien; the found rows' names and places
# are read afterwards, a page at a time: NearResult).
_COLUMNS = "a.geo_key, a.latitude, a.longitude, a.customer_id, c.number, a.kind"
_KIND = 5  # the column of the address kind in a candidate row
# The R*Tree's ids, sorted by SQLite for the IN list, drive the look-ups in geo_key order.
# The two covering indexes (migration 0004) answer them without reading the address and
# customer tables: around Berlin 8,700 candidates take ~30 ms instead of ~55 ms.
# The ellipse (domain/geo.py) drops the boxes' corners before the customer look-up.
_CANDIDATES = (
    "SELECT {columns} FROM address a {address_index} JOIN customer c {customer_index} "
    "ON c.id = a.customer_id "
    f"WHERE a.geo_key IN (SELECT id FROM {GEO_TABLE} WHERE max_lat >= :min_lat "
    "AND min_lat <= :max_lat AND max_lon >= :min_lon AND min_lon <= :max_lon) "
    "AND c.deleted_at IS NULL{ellipse}"
)
_ELLIPSE = (
    " AND ((a.latitude - :lat) * :km_lat) * ((a.latitude - :lat) * :km_lat)"
    " + ((a.longitude - :lon) * :km_lon) * ((a.longitude - :lon) * :km_lon) <= :limit_sq"
)
_EVERYTHING = (
    f"SELECT {_COLUMNS} FROM address a JOIN customer c ON c.id = a.customer_id "
    "WHERE a.deleted_at IS NULL AND a.latitude IS NOT NULL AND a.longitude IS NOT NULL "
    "AND c.deleted_at IS NULL"
)
_KIND_ORDER = {kind.value: n for n, kind in enumerate(AddressKind)}


def _indexed_by(conn) -> dict[str, str]:
    """INDEXED BY clauses for the covering indexes the store has (0004 made them)."""
    present = {
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name IN (?, ?)",
            (ADDRESS_RADIUS_INDEX, CUSTOMER_RADIUS_INDEX),
        )
    }
    return {
        "address_index": f"INDEXED BY {ADDRESS_RADIUS_INDEX}"
        if ADDRESS_RADIUS_INDEX in present else "",
        "customer_index": f"INDEXED BY {CUSTOMER_RADIUS_INDEX}"
        if CUSTOMER_RADIUS_INDEX in present else "",
    }


def _candidates_sql(conn, ellipse: bool = True) -> str:
    """The candidate query, using the covering indexes where the store has them."""
    return _CANDIDATES.format(columns=_COLUMNS, ellipse=_ELLIPSE if ellipse else "",
                              **_indexed_by(conn))


def _box_params(lat: float, lon: float, radius_km: float) -> list[dict]:
    """The parameters of the candidate query, one set per box."""
    ellipse = search_ellipse(lat, lon, radius_km)
    params = []
    for box in bounding_boxes(lat, lon, radius_km):
        values = dict(zip(("min_lat", "max_lat", "min_lon", "max_lon"), box, strict=True))
        if ellipse is not None:
            values |= {
                "lat": ellipse.lat,
                "lon": ellipse.lon - longitude_shift(box, lon),
                "km_lat": ellipse.km_per_deg_lat,
                "km_lon": ellipse.km_per_deg_lon,
                "limit_sq": ellipse.limit_km * ellipse.limit_km,
            }
        params.append(values)
    return params


def check_search(lat: object, lon: object, radius_km: object) -> tuple[float, float, float]:
    """The centre and radius, checked (ValidationFailed naming the field and problem)."""
    labels = coordinate_labels()
    values, errors = [], []
    for key, value, check in (
        ("latitude", lat, check_latitude),
        ("longitude", lon, check_longitude),
        ("radius_km", radius_km, check_radius_km),
    ):
        try:
            values.append(check(value))
        except ValueError as exc:
            errors.append(FieldError(_("Radius search"), labels[key], str(exc), key=key))
    if errors:
        raise ValidationFailed(errors)
    return values[0], values[1], values[2]


def customers_near(
    source, lat: float, lon: float, radius_km: float, limit: int | None = None
) -> NearResult:
    """Live customers with a live geocoded address within ``radius_km`` of (lat, lon),
    nearest first. Who and how far is known at once; each row's name and place are read
    from ``source`` when first asked for (see NearResult)."""
    lat, lon, radius_km = check_search(lat, lon, radius_km)
    conn = dbapi(source)
    boxes = _box_params(lat, lon, radius_km)
    sql = _candidates_sql(conn, ellipse="limit_sq" in boxes[0])
    with _gc_paused():
        rows = conn.execute(sql, boxes[0]).fetchall()
        for box in boxes[1:]:
            rows += conn.execute(sql, box).fetchall()
        if len(boxes) > 1:  # two boxes at the antimeridian never overlap; be sure anyway
            rows = list({row[0]: row for row in rows}.values())
        return NearResult(conn, _nearest(rows, lat, lon, radius_km, limit))


def customers_near_bruteforce(
    source, lat: float, lon: float, radius_km: float, limit: int | None = None
) -> NearResult:
    """The same answer as ``customers_near`` from every address, without the index."""
    lat, lon, radius_km = check_search(lat, lon, radius_km)
    with _gc_paused():
        conn = dbapi(source)
        rows = conn.execute(_EVERYTHING).fetchall()
        return NearResult(conn, _nearest(rows, lat, lon, radius_km, limit))


@contextmanager
def _gc_paused():
    """A search makes ~20,000 tuples of strings and numbers, which hold no reference
    cycles; the cyclic collector would walk them (and, now and then, every object of the
    app) several times for nothing: ~10 % of a search and most of its outliers."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _nearest(
    rows: list[tuple], lat: float, lon: float, radius_km: float, limit: int | None
) -> list[tuple]:
    """Per customer its nearest address within the radius (ties: main before delivery,
    billing, other; then the lower index key), sorted by distance, then number. Returns
    (km, candidate row) pairs."""
    distances = distances_km(
        lat, lon, array("d", [r[1] for r in rows]), array("d", [r[2] for r in rows])
    )
    best: dict[str, tuple[float, tuple]] = {}
    for row, km in zip(rows, distances, strict=True):
        if km > radius_km:
            continue
        held = best.get(row[3])
        if held is None or km < held[0] or (km == held[0] and _tie(row) < _tie(held[1])):
            best[row[3]] = (km, row)
    # by distance (float keys sort fastest); equal distances, common when addresses share
    # a city centre, then by number
    ordered = sorted(best.values(), key=itemgetter(0))
    if any(a[0] == b[0] for a, b in zip(ordered, ordered[1:], strict=False)):
        ordered.sort(key=lambda pair: (pair[0], pair[1][4]))
    if limit is not None:
        ordered = ordered[: max(0, limit)]
    return ordered


def _tie(row: tuple) -> tuple:
    return _KIND_ORDER.get(row[_KIND], len(_KIND_ORDER)), row[0]


# The rest of the found rows, by geo_key, from the covering indexes where the store has
# them (not the tables: twice as fast for 7,000 rows)
_DETAILS = (
    "SELECT a.geo_key, c.name, a.id, a.postal_code, a.city, a.country FROM address a "
    "{address_index} JOIN customer c {customer_index} ON c.id = a.customer_id "
    "WHERE a.geo_key IN (SELECT value FROM json_each(?))"
)


class NearResult(Sequence):
    """The customers found, nearest first: a sequence of NearCustomer.

    Number, customer, address kind and distance of every row are known at once (that is
    what ranking needed); name, address and place are read from the search's connection
    a page at a time when a row is first asked for — the radius view shows the first page
    straight away, around Wien 7,000 rows would otherwise be read for nothing. Read rows
    while that connection is open; ``list(result)`` reads them all.
    """

    PAGE = 200

    def __init__(self, conn, hits: list[tuple]):
        self._conn = conn
        self._hits = hits  # (km, candidate row)
        self._rows: list[NearCustomer | None] = [None] * len(hits)

    def __len__(self) -> int:
        return len(self._hits)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        row = self._rows[index]
        if row is None:
            self._read_page(index // self.PAGE)
            row = self._rows[index]
        return row

    def __iter__(self):
        missing = [page for page in range(0, len(self), self.PAGE) if self._rows[page] is None]
        if missing:  # everything wanted: read what is left in one query
            self._read(0, len(self))
        return iter(self._rows)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and list(self) == list(other)

    __hash__ = None  # a sequence that compares by content

    def __repr__(self) -> str:
        return f"NearResult({len(self)} customers)"

    # -- known without reading -------------------------------------------------------------

    def distance_km(self, index: int) -> float:
        return self._hits[index][0]

    def number(self, index: int) -> str:
        return self._hits[index][1][4]

    def customer_keys(self) -> list[str]:
        return [row[3] for _km, row in self._hits]

    def customer_ids(self) -> list[uuid.UUID]:
        return [uuid.UUID(hex=key) for key in self.customer_keys()]

    # -- reading ---------------------------------------------------------------------------

    def _read_page(self, page: int) -> None:
        self._read(page * self.PAGE, self.PAGE)

    def _read(self, start: int, count: int) -> None:
        hits = self._hits[start : start + count]
        keys = json.dumps([row[0] for _km, row in hits])
        sql = _DETAILS.format(**_indexed_by(self._conn))
        details = {geo_key: rest for geo_key, *rest in self._conn.execute(sql, (keys,))}
        new = tuple.__new__  # NearCustomer(...) without its argument handling
        for offset, (km, row) in enumerate(hits):
            # an address purged since the search (another window) keeps its row, unnamed
            name, address_key, postal_code, city, country = details.get(
                row[0], ("–", "", "", "", ""))
            self._rows[start + offset] = new(NearCustomer, (
                row[3], row[4], name, address_key, row[_KIND], postal_code, city, country,
                km))


# -- export -------------------------------------------------------------------------------


def export_near(
    source, path: Path, rows: list[NearCustomer], *, place: str = "", radius_km: float | None = None
) -> int:
    """Write ``rows`` as a route list (xlsx): street, phone of the first contact with a
    phone, do-not-contact marked. Returns the number of rows written."""
    from salesdesk.domain.validation import format_phone
    from salesdesk.reports.radius_export import RouteRow, write_route_xlsx

    conn = dbapi(source)
    streets = _by_key(
        conn,
        "SELECT id, street, street2 FROM address WHERE id IN ({marks})",
        [r.address_key for r in rows],
    )
    customers = _by_key(
        conn,
        "SELECT id, do_not_contact FROM customer WHERE id IN ({marks})",
        [r.customer_key for r in rows],
    )
    phones = _first_phones(conn, [r.customer_key for r in rows])
    route = []
    for row in rows:
        street, street2 = streets.get(row.address_key, ("", ""))
        (dnc,) = customers.get(row.customer_key, (0,))
        route.append(
            RouteRow(
                number=row.number,
                name=row.name,
                address=", ".join(p for p in (street, street2) if p),
                postal_code=row.postal_code,
                city=row.city,
                country=row.country,
                distance_km=row.distance_km,
                phone=""
                if dnc or row.customer_key not in phones
                else format_phone(phones[row.customer_key]),
                do_not_contact=bool(dnc),
                address_kind=row.address_kind,
            )
        )
    write_route_xlsx(Path(path), route, place=place, radius_km=radius_km)
    return len(route)


def _chunks(keys: list[str], size: int = 500):
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


def _by_key(conn, sql: str, keys: list[str]) -> dict[str, tuple]:
    found = {}
    for chunk in _chunks(sorted(set(keys))):
        for key, *values in conn.execute(sql.format(marks=", ".join("?" * len(chunk))), chunk):
            found[key] = tuple(values)
    return found


def _first_phones(conn, customer_keys: list[str]) -> dict[str, str]:
    """The phone (else mobile) of each customer's first-entered live contact that has
    one and may be contacted."""
    phones: dict[str, str] = {}
    for chunk in _chunks(sorted(set(customer_keys))):
        rows = conn.execute(
            "SELECT customer_id, phone, mobile FROM contact_person "
            f"WHERE customer_id IN ({', '.join('?' * len(chunk))}) AND deleted_at IS NULL "
            "AND do_not_contact = 0 AND (phone != '' OR mobile != '') "
            "ORDER BY customer_id, created_at, id",
            chunk,
        )
        for cid, phone, mobile in rows:
            phones.setdefault(cid, phone or mobile)
    return phones
