"""Coordinates on WGS84: checking them, reading them from text, exact geodesic distances,
and the boxes that surely hold every point within a radius (the radius search's index
pre-filter, services/radius.py).

Distances are Karney's exact geodesic on the WGS84 ellipsoid (pyproj's ``Geod.inv``, the
same algorithm as geopy's ``geodesic`` and geographiclib), computed for many points in
one call. pyproj is imported on first use.
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from salesdesk.domain.errors import FieldError, ValidationFailed
from salesdesk.i18n import _

# WGS84 in kilometres
A_KM = 6378.137
FLATTENING = 1 / 298.257223563
E2 = FLATTENING * (2 - FLATTENING)
# the smallest meridional radius of curvature (at the equator): no path of length d
# changes the latitude by more than d / M_MIN radians
M_MIN_KM = A_KM * (1 - E2)
# safety on top of the exact bounds (R*Tree boxes are 32-bit floats rounded outwards,
# so they need none; this guards our own arithmetic)
_MARGIN = 1.0001
_EPS_DEG = 1e-7

LAT_RANGE = (-90.0, 90.0)
LON_RANGE = (-180.0, 180.0)

# how exactly an address's coordinates are known (Address.geo_precision)
PRECISION_STREET = "street"
PRECISION_POSTAL = "postal"
PRECISION_CITY = "city"
PRECISION_MANUAL = "manual"
PRECISIONS = (PRECISION_STREET, PRECISION_POSTAL, PRECISION_CITY, PRECISION_MANUAL)
SOURCE_OFFLINE = "offline"
SOURCE_MANUAL = "manual"

Box = tuple[float, float, float, float]  # min_lat, max_lat, min_lon, max_lon


def precision_label(precision: str) -> str:
    return {
        PRECISION_STREET: _("street"),
        PRECISION_POSTAL: _("postal code"),
        PRECISION_CITY: _("city"),
        PRECISION_MANUAL: _("manual pin"),
    }.get(precision, precision)


# -- checking ---------------------------------------------------------------------------


def _number(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError(_("must be a number"))
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise ValueError(_("must be a number such as 48.137")) from None
    else:
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(_("must be a number such as 48.137")) from None
    if not math.isfinite(number):
        raise ValueError(_("must be a finite number"))
    return number


def check_latitude(value: object) -> float:
    """A latitude in degrees, -90 … 90 (ValueError with a user text otherwise)."""
    number = _number(value)
    if not LAT_RANGE[0] <= number <= LAT_RANGE[1]:
        raise ValueError(
            _("{value} is out of range: a latitude lies between -90 and 90 degrees").format(
                value=_plain(number)
            )
        )
    return number


def check_longitude(value: object) -> float:
    """A longitude in degrees, -180 … 180 (ValueError with a user text otherwise)."""
    number = _number(value)
    if not LON_RANGE[0] <= number <= LON_RANGE[1]:
        raise ValueError(
            _("{value} is out of range: a longitude lies between -180 and 180 degrees").format(
                value=_plain(number)
            )
        )
    return number


def check_radius_km(value: object) -> float:
    """A search radius in km: a number above 0."""
    number = _number(value)
    if number <= 0:
        raise ValueError(_("must be more than 0 km"))
    return number


def coordinate_labels() -> dict[str, str]:
    return {"latitude": _("Latitude"), "longitude": _("Longitude"), "radius_km": _("Radius (km)")}


def check_coordinates(record: str, latitude: object, longitude: object) -> tuple[float, float]:
    """Both coordinates checked; ValidationFailed naming the record, field and problem.

    Both empty is not allowed here (a pin needs both); see ``check_optional_coordinates``.
    """
    labels = coordinate_labels()
    errors, result = [], []
    for key, value, check in (
        ("latitude", latitude, check_latitude),
        ("longitude", longitude, check_longitude),
    ):
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.append(FieldError(record, labels[key], _("is required"), key=key))
            continue
        try:
            result.append(check(value))
        except ValueError as exc:
            errors.append(FieldError(record, labels[key], str(exc), key=key))
    if errors:
        raise ValidationFailed(errors)
    return result[0], result[1]


def check_optional_coordinates(
    record: str, latitude: object, longitude: object
) -> tuple[float, float] | None:
    """Both empty → None; otherwise both must be there and in range."""

    def empty(value: object) -> bool:
        return value is None or (isinstance(value, str) and not value.strip())

    if empty(latitude) and empty(longitude):
        return None
    return check_coordinates(record, latitude, longitude)


def _plain(number: float) -> str:
    return f"{number:.6f}".rstrip("0").rstrip(".")


# -- reading coordinates from text ------------------------------------------------------

_NUM_DOT = r"[-+−]?\d{1,3}(?:\.\d+)?"
_NUM_COMMA = r"[-+−]?\d{1,3}(?:,\d+)?"
_NS = r"\s*°?\s*(?P<{name}>[NSns])?"
_EW = r"\s*°?\s*(?P<{name}>[EWOewo])?"


def _pattern(number: str, separator: str) -> re.Pattern:
    return re.compile(
        rf"^\s*(?P<lat>{number}){_NS.format(name='ns')}\s*{separator}\s*"
        rf"(?P<lon>{number}){_EW.format(name='ew')}\s*$"
    )


# "48.137, 11.575", "48.137 11.575", "48.137;11.575", "48.137° N, 11.575° E" and with
# decimal commas "48,137; 11,575" or "48,137 11,575"
_PATTERNS = (_pattern(_NUM_DOT, r"(?:[,;]|\s)"), _pattern(_NUM_COMMA, r"(?:;|\s)"))


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """(latitude, longitude) when ``text`` is a pair of coordinates, else None.

    Raises ValueError (a user text) when it is a pair but out of range.
    """
    for pattern in _PATTERNS:
        found = pattern.match(text or "")
        if found is None:
            continue
        lat = float(found["lat"].replace(",", ".").replace("−", "-"))
        lon = float(found["lon"].replace(",", ".").replace("−", "-"))
        if (found["ns"] or "").upper() == "S":
            lat = -lat
        if (found["ew"] or "").upper() == "W":
            lon = -lon
        labels = coordinate_labels()
        for label, value, check in (
            (labels["latitude"], lat, check_latitude),
            (labels["longitude"], lon, check_longitude),
        ):
            try:
                check(value)
            except ValueError as exc:
                raise ValueError(_("{field} {message}").format(field=label, message=exc)) from None
        return lat, lon
    return None


def format_coordinates(lat: float, lon: float) -> str:
    """ "48.137000, 11.575000" → "48.137, 11.575" (what parse_coordinates reads back)."""
    return f"{_plain(lat)}, {_plain(lon)}"


# -- the pre-filter boxes ---------------------------------------------------------------


def bounding_boxes(lat: float, lon: float, radius_km: float) -> list[Box]:
    """Boxes (min_lat, max_lat, min_lon, max_lon) holding every point within geodesic
    distance ``radius_km`` of (lat, lon) on WGS84.

    Rigorous bounds from the ellipsoid's metric ds² = M²dφ² + p²dλ²: a path of length d
    changes the latitude by at most d / M_min (M_min = a(1−e²), at the equator), so it
    stays in the band |φ| ≤ φ_max, where it changes the longitude by at most
    d / p(φ_max), with p(φ) = N(φ)·cos φ ≥ a·cos φ. Near a pole (the cap reaches it) or
    when the longitude span exceeds half the globe: the full longitude range. A box
    crossing the antimeridian is split in two.
    """
    lat, lon = check_latitude(lat), check_longitude(lon)
    radius_km = check_radius_km(radius_km)
    dlat = math.degrees(radius_km / M_MIN_KM) * _MARGIN + _EPS_DEG
    min_lat, max_lat = lat - dlat, lat + dlat
    if min_lat <= -90.0 or max_lat >= 90.0:
        return [(max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0)]
    poleward = max(abs(min_lat), abs(max_lat))
    parallel_km = A_KM * math.cos(math.radians(poleward))
    dlon = math.degrees(radius_km / parallel_km) * _MARGIN + _EPS_DEG
    if dlon >= 180.0:
        return [(min_lat, max_lat, -180.0, 180.0)]
    west, east = lon - dlon, lon + dlon
    if west < -180.0:
        return [(min_lat, max_lat, west + 360.0, 180.0), (min_lat, max_lat, -180.0, east)]
    if east > 180.0:
        return [(min_lat, max_lat, west, 180.0), (min_lat, max_lat, -180.0, east - 360.0)]
    return [(min_lat, max_lat, west, east)]


@dataclass(frozen=True)
class Ellipse:
    """A second, rounder pre-filter inside the boxes: every point within the radius has
    (km_per_deg_lat·Δφ)² + (km_per_deg_lon·Δλ)² ≤ limit_km² (degrees; Δλ unwrapped).

    Within the band |φ| ≤ φ_max the true metric is at least the flat one with
    M_min and a·cos φ_max per radian, and the shortest path to a point within the radius
    never leaves the band; so that point's flat straight-line distance is at most its
    geodesic distance. Cheap enough for SQL, it drops the corners of the boxes.
    """

    lat: float
    lon: float
    km_per_deg_lat: float
    km_per_deg_lon: float
    limit_km: float


def search_ellipse(lat: float, lon: float, radius_km: float) -> Ellipse | None:
    """The ellipse for ``bounding_boxes(lat, lon, radius_km)``; None when those span all
    longitudes (near a pole, or a radius of half the globe): then there is none."""
    lat, lon = check_latitude(lat), check_longitude(lon)
    radius_km = check_radius_km(radius_km)
    boxes = bounding_boxes(lat, lon, radius_km)
    if boxes[0][2] == -180.0 and boxes[0][3] == 180.0:
        return None
    poleward = max(abs(boxes[0][0]), abs(boxes[0][1]))
    per_degree = math.pi / 180.0
    return Ellipse(
        lat,
        lon,
        M_MIN_KM * per_degree,
        A_KM * math.cos(math.radians(poleward)) * per_degree,
        radius_km * _MARGIN + 1e-6,
    )


def longitude_shift(box: Box, lon: float) -> float:
    """What to add to a longitude in ``box`` to unwrap it next to ``lon`` (±360 for the
    part of a split box beyond the antimeridian, else 0)."""
    if lon > 0 and box[3] < 0:
        return 360.0
    if lon < 0 and box[2] > 0:
        return -360.0
    return 0.0


# -- distances --------------------------------------------------------------------------


@cache
def _geod():
    from pyproj import Geod

    return Geod(ellps="WGS84")


def distances_km(lat: float, lon: float, lats: Sequence[float], lons: Sequence[float]) -> array:
    """Exact geodesic distances in km from (lat, lon) to each (lats[i], lons[i]).

    One vectorised pyproj call (Karney's algorithm): ~5 ms for 8,000 points.
    """
    count = len(lats)
    if count != len(lons):
        raise ValueError("lats and lons differ in length")
    if count == 0:
        return array("d")
    lats_a = lats if isinstance(lats, array) else array("d", lats)
    lons_a = lons if isinstance(lons, array) else array("d", lons)
    _az, _back, metres = _geod().inv(
        array("d", [lon]) * count, array("d", [lat]) * count, lons_a, lats_a
    )
    return array("d", (m / 1000.0 for m in metres))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Exact geodesic distance in km between two points."""
    _az, _back, metres = _geod().inv(lon1, lat1, lon2, lat2)
    return metres / 1000.0
