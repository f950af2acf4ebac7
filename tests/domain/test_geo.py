"""Coordinates, boxes and distances (domain/geo.py), and the radius search agreeing with
a scan of every address (services/radius.py) on random places all over the globe,
including the antimeridian and the poles."""

import itertools
import math
from datetime import UTC, datetime

import pytest
from geopy.distance import geodesic
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from salesdesk.domain.errors import ValidationFailed
from salesdesk.domain.geo import (
    bounding_boxes,
    check_coordinates,
    check_optional_coordinates,
    distance_km,
    distances_km,
    format_coordinates,
    parse_coordinates,
)
from salesdesk.services.radius import customers_near, customers_near_bruteforce
from salesdesk.store.engine import open_store
from salesdesk.store.models import Address, Customer

GEOD = Geod(ellps="WGS84")

# -- reading and checking ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("48.137, 11.575", (48.137, 11.575)),
        ("48.137 11.575", (48.137, 11.575)),
        ("  48.137;11.575 ", (48.137, 11.575)),
        ("-33.8688, 151.2093", (-33.8688, 151.2093)),
        ("48,137; 11,575", (48.137, 11.575)),
        ("48,137 11,575", (48.137, 11.575)),
        ("48.137° N, 11.575° E", (48.137, 11.575)),
        ("33.87 S 151.21 E", (-33.87, 151.21)),
        ("40.7 N, 74.0 W", (40.7, -74.0)),
        ("90, -180", (90.0, -180.0)),
    ],
)
def test_coordinates_are_read_from_text(text, expected):
    assert parse_coordinates(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text", ["München", "K-000001", "80331", "", "48.137", "Berlin 10115", "1, 2, 3", "48.1.3, 11"]
)
def test_other_text_is_not_coordinates(text):
    assert parse_coordinates(text) is None


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("95.5, 11", "Latitude", "95.5"),
        ("48, 181", "Longitude", "181"),
        ("-90.1, 0", "Latitude", "-90.1"),
    ],
)
def test_coordinates_out_of_range_say_which_and_why(text, field, value):
    with pytest.raises(ValueError, match="out of range") as caught:
        parse_coordinates(text)
    assert str(caught.value).startswith(f"{field} {value} is out of range")


def test_check_coordinates_names_record_field_and_problem():
    assert check_coordinates("Customer K-1", "48,5", 11) == (48.5, 11.0)
    with pytest.raises(ValidationFailed) as caught:
        check_coordinates("Customer K-000001 Huber", "91", "abc")
    errors = {e.key: str(e) for e in caught.value.errors}
    assert errors["latitude"] == (
        "Customer K-000001 Huber, Latitude: 91 is out of range: a "
        "latitude lies between -90 and 90 degrees"
    )
    assert errors["longitude"].startswith("Customer K-000001 Huber, Longitude: must be a number")
    with pytest.raises(ValidationFailed, match="Longitude: is required"):
        check_coordinates("X", 48, None)
    assert check_optional_coordinates("X", "", None) is None
    with pytest.raises(ValidationFailed, match="nan|finite|number"):
        check_coordinates("X", float("nan"), 0)


def test_format_and_parse_round_trip():
    assert format_coordinates(48.137, 11.5) == "48.137, 11.5"
    assert parse_coordinates(format_coordinates(-12.345678, 179.999999)) == (-12.345678, 179.999999)


# -- distances --------------------------------------------------------------------------


def test_distances_agree_with_geopy_geodesic():
    centre = (48.13743, 11.57549)
    points = [
        (52.52437, 13.41053),
        (-33.8688, 151.2093),
        (48.13743, 11.57549),
        (-48.0, -168.0),
        (89.9, 10.0),
        (-89.99, -170.0),
        (0.0, 179.9999),
        (0.1, -0.1),
    ]
    computed = distances_km(*centre, [p[0] for p in points], [p[1] for p in points])
    for (lat, lon), km in zip(points, computed, strict=True):
        assert abs(km - geodesic(centre, (lat, lon)).km) < 1e-6
        assert distance_km(*centre, lat, lon) == km
    assert len(distances_km(0, 0, [], [])) == 0


@settings(max_examples=200, deadline=None)
@given(st.floats(-90, 90), st.floats(-180, 180), st.floats(-90, 90), st.floats(-180, 180))
def test_distance_matches_geopy_anywhere(lat1, lon1, lat2, lon2):
    (km,) = distances_km(lat1, lon1, [lat2], [lon2])
    assert abs(km - geodesic((lat1, lon1), (lat2, lon2)).km) < 1e-6


# -- boxes ------------------------------------------------------------------------------


def _in_boxes(boxes, lat, lon) -> bool:
    return any(b[0] <= lat <= b[1] and b[2] <= lon <= b[3] for b in boxes)


@st.composite
def centres(draw):
    """Anywhere, or close to the antimeridian, or close to a pole."""
    where = draw(st.sampled_from(["anywhere", "antimeridian", "pole", "equator"]))
    if where == "antimeridian":
        lat = draw(st.floats(-80, 80))
        lon = draw(st.sampled_from([-1, 1])) * draw(st.floats(179.0, 180.0))
    elif where == "pole":
        lat = draw(st.sampled_from([-1, 1])) * draw(st.floats(80.0, 90.0))
        lon = draw(st.floats(-180, 180))
    elif where == "equator":
        lat, lon = draw(st.floats(-1, 1)), draw(st.floats(-180, 180))
    else:
        lat, lon = draw(st.floats(-90, 90)), draw(st.floats(-180, 180))
    return lat, lon


radii = st.one_of(st.floats(0.1, 5), st.floats(5, 200), st.floats(200, 2000))


def _destination(lat, lon, bearing, km):
    lon2, lat2, _ = GEOD.fwd(lon, lat, bearing, km * 1000.0)
    return lat2, lon2


@settings(max_examples=300, deadline=None)
@given(
    centres(),
    radii,
    st.lists(st.tuples(st.floats(0, 360), st.floats(0, 1)), min_size=1, max_size=20),
)
def test_boxes_hold_every_point_within_the_radius(centre, radius, offsets):
    boxes = bounding_boxes(*centre, radius)
    assert 1 <= len(boxes) <= 2
    for box in boxes:
        assert -90 <= box[0] <= box[1] <= 90 and -180 <= box[2] <= box[3] <= 180
    for bearing, share in offsets:
        lat, lon = _destination(*centre, bearing, radius * share)
        assert distance_km(*centre, lat, lon) <= radius * (1 + 1e-9) + 1e-9
        assert _in_boxes(boxes, lat, lon), (centre, radius, bearing, share, lat, lon, boxes)


def test_boxes_at_the_antimeridian_and_the_poles():
    east, west = bounding_boxes(10.0, 179.9, 50)
    assert east[3] == 180.0 and west[2] == -180.0 and east[2] > 179 and west[3] < -179
    (polar,) = bounding_boxes(89.8, 45.0, 50)
    assert (polar[1], polar[2], polar[3]) == (90.0, -180.0, 180.0)
    (south,) = bounding_boxes(-89.9, 0.0, 20)
    assert (south[0], south[2], south[3]) == (-90.0, -180.0, 180.0)
    (small,) = bounding_boxes(48.137, 11.575, 50)
    assert 0.45 < small[1] - 48.137 < 0.46  # conservative, but not wasteful
    with pytest.raises(ValueError, match="more than 0 km"):
        bounding_boxes(48, 11, -1)


# -- the indexed search equals the full scan --------------------------------------------


@pytest.fixture(scope="module")
def geo_store(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("geo") / "data", user="tester")
    yield store
    store.close()


_numbers = itertools.count(1)


def _fill(session, centre, radius, points):
    """Tombstone everything from earlier examples, then add this example's customers."""
    now = datetime.now(UTC)
    session.query(Customer).filter(Customer.deleted_at.is_(None)).update(
        {Customer.deleted_at: now}, synchronize_session=False
    )
    customer = None
    for n, (bearing, share, new_customer, fate) in enumerate(points):
        if customer is None or new_customer:
            customer = Customer(number=f"K-{next(_numbers):06d}", name=f"Kunde {n}")
            session.add(customer)
        lat, lon = _destination(*centre, bearing, radius * share)
        kind = ("main", "delivery", "billing", "other")[n % 4]
        address = Address(kind=kind, city="X", country="DE", latitude=lat, longitude=lon)
        if fate == "no coordinates":
            address.latitude = address.longitude = None
        customer.addresses.append(address)
        if fate == "deleted address":
            address.deleted_at = now
        elif fate == "deleted customer":
            customer.deleted_at = now
        elif fate == "moved":  # an update must move it in the index too
            session.flush()
            address.latitude, address.longitude = _destination(
                *centre, bearing + 180, radius * share * 0.5
            )
        elif fate == "exactly on the circle":
            address.latitude, address.longitude = _destination(*centre, bearing, radius)
    session.commit()


point = st.tuples(
    st.floats(0, 360),
    st.floats(0, 1.6),
    st.booleans(),
    st.sampled_from(
        ["live"] * 6
        + [
            "no coordinates",
            "deleted address",
            "deleted customer",
            "moved",
            "exactly on the circle",
        ]
    ),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(centres(), radii, st.lists(point, min_size=1, max_size=25), st.none() | st.integers(1, 5))
def test_indexed_search_equals_the_full_scan(geo_store, centre, radius, points, limit):
    with geo_store.session() as session:
        _fill(session, centre, radius, points)
        indexed = customers_near(session, *centre, radius, limit=limit)
        reference = customers_near_bruteforce(session, *centre, radius, limit=limit)
    event(f"found {min(len(reference), 3)}{'+' if len(reference) >= 3 else ''}")
    assert indexed == reference
    assert [r.customer_key for r in indexed] == [r.customer_key for r in reference]
    assert all(r.distance_km <= radius for r in indexed)
    assert all(not math.isnan(r.distance_km) for r in indexed)
    keys = [(r.distance_km, r.number) for r in indexed]
    assert keys == sorted(keys)
    assert len({r.customer_key for r in indexed}) == len(indexed)
