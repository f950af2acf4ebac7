"""Geocoding against a real HTTP server on the loopback interface that speaks Nominatim's
/search API (format=json), with geopy's own Nominatim client and RateLimiter, and the
offline fallback to shipped city centroids."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from salesdesk.domain.errors import DomainError
from salesdesk.integrations.geocoding import (
    AddressQuery,
    GeocoderSettings,
    OnlineGeocoder,
    find_city,
    geocode_address,
    geocode_offline,
    place_key,
    precision_of,
)
from salesdesk.services import customers as cs
from salesdesk.services.geo import clear_manual_pin, geocode_addresses, set_manual_pin
from salesdesk.services.settings import set_setting
from salesdesk.store.models import Address

LICENCE = "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright"

# what the fake Nominatim knows: street/postcode/city of a structured query → answer
PLACES = {
    ("Sendlinger Str. 1", "80331", "München"): {
        "lat": "48.1345",
        "lon": "11.5693",
        "class": "building",
        "type": "yes",
        "place_rank": 30,
        "addresstype": "building",
        "display_name": "1, Sendlinger Straße, Altstadt, München, Bayern, 80331, Deutschland",
    },
    ("", "85748", "Garching"): {
        "lat": "48.2496",
        "lon": "11.6519",
        "class": "place",
        "type": "postcode",
        "place_rank": 21,
        "addresstype": "postcode",
        "display_name": "85748, Garching bei München, Bayern, Deutschland",
    },
    ("", "", "Erding"): {
        "lat": "48.3064",
        "lon": "11.9071",
        "class": "boundary",
        "type": "administrative",
        "place_rank": 16,
        "addresstype": "town",
        "display_name": "Erding, Landkreis Erding, Bayern, Deutschland",
    },
}


class FakeNominatim:
    """A Nominatim look-alike: GET /search?format=json&street=…&city=…&postalcode=…"""

    def __init__(self):
        self.requests: list[tuple[float, dict]] = []
        self.mode = "ok"  # ok | error | slow
        self.slow_seconds = 2.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.requests.append((time.monotonic(), params))
                if url.path != "/search" or params.get("format") != "json":
                    return self._send(400, {"error": "bad request"})
                if fake.mode == "error":
                    return self._send(500, {"error": "Internal Server Error"})
                if fake.mode == "slow":
                    time.sleep(fake.slow_seconds)
                key = (
                    params.get("street", ""),
                    params.get("postalcode", ""),
                    params.get("city", ""),
                )
                answer = PLACES.get(key)
                if answer is None:
                    return self._send(200, [])
                return self._send(
                    200,
                    [
                        {
                            "place_id": 1000 + len(fake.requests),
                            "licence": LICENCE,
                            "osm_type": "way",
                            "osm_id": 4242,
                            "importance": 0.5,
                            "boundingbox": [
                                answer["lat"],
                                answer["lat"],
                                answer["lon"],
                                answer["lon"],
                            ],
                            "name": key[2],
                            "address": {"city": key[2], "country_code": "de"},
                            **answer,
                        }
                    ],
                )

            def _send(self, status, body):
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def nominatim(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with FakeNominatim() as server:
        yield server


def _configure(session, server, delay=0.0, timeout=None):
    set_setting(session, "geocoder.provider", "nominatim")
    set_setting(session, "geocoder.domain", server.domain)
    set_setting(session, "geocoder.scheme", "http")
    set_setting(session, "geocoder.user_agent", "SalesDesk tests")
    set_setting(session, "geocoder.min_delay_seconds", delay)
    if timeout is not None:
        set_setting(session, "geocoder.timeout_seconds", timeout)
    session.commit()


def _customers(session):
    """Four addresses without coordinates: street, postal code, city, unknown street."""
    first = cs.create_customer(
        session,
        {"name": "Huber Elektro GmbH"},
        addresses=[
            {
                "street": "Sendlinger Str. 1",
                "postal_code": "80331",
                "city": "München",
                "country": "DE",
            },
            {"kind": "delivery", "postal_code": "85748", "city": "Garching", "country": "DE"},
        ],
    )
    second = cs.create_customer(
        session,
        {"name": "Erdinger Bau KG"},
        addresses=[
            {"city": "Erding", "country": "DE"},
            {
                "kind": "billing",
                "street": "Nirgendwo 9",
                "postal_code": "10115",
                "city": "Berlin",
                "country": "DE",
            },
        ],
    )
    session.commit()
    return first, second


def _by_city(session):
    rows = session.query(Address).filter(Address.deleted_at.is_(None)).all()
    return {a.city: a for a in rows}


def test_addresses_get_coordinates_precision_and_source_from_the_service(store, nominatim):
    with store.session() as session:
        _configure(session, nominatim)
        _customers(session)
    progress = []
    summary = geocode_addresses(store, progress=lambda done, total: progress.append(done))
    assert (summary.total, summary.geocoded, summary.offline, summary.not_found) == (4, 3, 1, [])
    assert progress[0] == 0 and progress[-1] == 4
    with store.session() as session:
        found = _by_city(session)
        street, postal, city, fallback = (
            found["München"],
            found["Garching"],
            found["Erding"],
            found["Berlin"],
        )
        assert (street.latitude, street.longitude) == (48.1345, 11.5693)
        assert (street.geo_precision, street.geo_source) == ("street", "nominatim")
        assert (postal.geo_precision, postal.latitude) == ("postal", 48.2496)
        assert (city.geo_precision, city.longitude) == ("city", 11.9071)
        # the service knew no "Nirgendwo 9": Berlin's centre, offline
        assert (fallback.geo_precision, fallback.geo_source) == ("city", "offline")
        assert fallback.latitude == pytest.approx(52.52437)
        assert all(a.geocoded_at is not None for a in found.values())
    # what geopy asked: Nominatim's structured search, JSON, one result, the country
    params = nominatim.requests[0][1]
    assert params["format"] == "json" and params["limit"] == "1"
    assert params["countrycodes"] == "de" and params["city"] == "München"
    # a second run has nothing left to do
    assert geocode_addresses(store).total == 0


def test_the_rate_limiter_waits_between_calls(store, nominatim):
    with store.session() as session:
        _configure(session, nominatim, delay=0.4)
        _customers(session)
    geocode_addresses(store)
    times = [t for t, _params in nominatim.requests]
    assert len(times) == 4
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.38, gaps


@pytest.mark.parametrize("mode", ["error", "slow"])
def test_a_failing_service_falls_back_to_the_city_centre(store, nominatim, mode):
    nominatim.mode = mode
    nominatim.slow_seconds = 1.5
    with store.session() as session:
        _configure(session, nominatim, timeout=0.3)
        _customers(session)
    summary = geocode_addresses(store)
    assert (summary.geocoded, summary.offline) == (0, 4)
    assert summary.errors and summary.errors[0].startswith("Customer K-000001 Huber Elektro GmbH")
    # the service is left alone after three failures in a row: the fourth address is
    # not asked for (geopy's HTTP adapter itself retries a timed-out request twice)
    asked = {params.get("city") for _t, params in nominatim.requests}
    assert asked == {"München", "Garching", "Erding"}
    with store.session() as session:
        found = _by_city(session)
        assert {a.geo_precision for a in found.values()} == {"city"}
        assert {a.geo_source for a in found.values()} == {"offline"}
        assert found["München"].latitude == pytest.approx(48.13743)  # Munich's centroid
        assert found["Garching"].latitude == pytest.approx(48.24896, abs=1e-3)
    assert "errors of the geocoding service" in summary.summary()


def test_manual_pins_are_never_overwritten(store, nominatim):
    with store.session() as session:
        _configure(session, nominatim)
        first, _second = _customers(session)
        main = next(a for a in first.addresses if a.kind == "main")
        set_manual_pin(session, main.id, "48,1", 11.6)
        session.commit()
        pinned_id = main.id
    summary = geocode_addresses(store, only_missing=False)
    assert summary.total == 3  # the pin is not even looked up
    with store.session() as session:
        pinned = session.get(Address, pinned_id)
        assert (pinned.latitude, pinned.longitude) == (48.1, 11.6)
        assert (pinned.geo_precision, pinned.geo_source) == ("manual", "manual")
        # cleared, it is geocoded again
        clear_manual_pin(session, pinned_id)
        session.commit()
    assert geocode_addresses(store).geocoded == 1
    with store.session() as session:
        assert session.get(Address, pinned_id).geo_precision == "street"


def test_cancel_keeps_the_finished_addresses(store):
    with store.session() as session:
        _customers(session)  # offline: no provider configured
    seen = []
    summary = geocode_addresses(
        store, batch_size=2, progress=lambda d, t: seen.append(d), cancelled=lambda: len(seen) > 3
    )
    assert summary.cancelled and summary.processed == 3
    assert "Cancelled after 3 of 4" in summary.summary()
    with store.session() as session:
        placed = [a for a in _by_city(session).values() if a.latitude is not None]
        assert len(placed) == 3
        assert all(a.geo_source == "offline" for a in placed)
    assert geocode_addresses(store).total == 1


def test_unknown_provider_is_a_clear_error(store):
    with store.session() as session:
        set_setting(session, "geocoder.provider", "no-such-service")
        session.commit()
    with pytest.raises(DomainError, match="no-such-service"):
        geocode_addresses(store)


def test_online_geocoder_directly(nominatim):
    settings = GeocoderSettings(
        provider="nominatim", domain=nominatim.domain, scheme="http", min_delay_seconds=0
    )
    geocoder = OnlineGeocoder(settings)
    result = geocoder.geocode(AddressQuery("", "", "Erding", "DE"))
    assert (result.latitude, result.longitude, result.precision, result.source) == (
        48.3064,
        11.9071,
        "city",
        "nominatim",
    )
    assert geocoder.geocode(AddressQuery("", "", "Atlantis", "DE")) is None
    assert geocode_address({"city": "Erding", "country": "DE"}, settings).precision == "city"


def test_offline_city_centroids():
    assert find_city("München").name == "Munich"
    assert find_city("munchen", "DE").name == "Munich"
    assert find_city("Muenchen").name == "Munich"
    assert find_city("ZÜRICH").country == "CH"
    assert find_city("Wien").name == "Vienna"
    assert find_city("Frankfurt").name == "Frankfurt am Main"  # the most populous
    assert find_city("Frankfurt (Oder)").name == "Frankfurt (Oder)"
    assert find_city("Paris", "US").country == "US"
    assert find_city("Xyzzyhausen") is None and find_city("  ") is None
    result = geocode_offline(AddressQuery(city="Köln", country="DE"))
    assert (result.precision, result.source) == ("city", "offline")
    assert geocode_offline(AddressQuery(street="Hauptstr. 1")) is None
    assert place_key("Frankfurt (Oder)") == "frankfurt oder"
    assert geocode_address({"city": "Hamburg", "country": "DE"}).source == "offline"


def test_precision_from_other_providers():
    assert precision_of({"geometry": {"location_type": "ROOFTOP"}}) == "street"
    assert (
        precision_of({"geometry": {"location_type": "APPROXIMATE"}, "types": ["postal_code"]})
        == "postal"
    )
    assert precision_of({"properties": {"type": "house"}}) == "street"
    assert precision_of({"properties": {"type": "city"}}) == "city"
    assert precision_of({"place_rank": 26}, asked_for_street=False) == "postal"
    assert precision_of(None) == "city"


def test_geocoding_in_the_callers_session_and_for_chosen_addresses(session):
    first, second = _customers(session)
    chosen = [a.id for a in first.addresses]
    summary = geocode_addresses(session, address_ids=chosen, batch_size=1)
    assert (summary.total, summary.offline) == (2, 2)
    placed = {a.city for a in _by_city(session).values() if a.latitude is not None}
    assert placed == {"München", "Garching"}
    assert geocode_addresses(session, address_ids=[]).total == 0


def test_an_address_as_place_asks_the_service_then_falls_back_to_its_city(store, nominatim):
    from salesdesk.services.geo import resolve_place

    reader = store.reader()
    offline = resolve_place(reader, "Sendlinger Str. 1, 80331 München")
    assert offline.label == "Sendlinger Str. 1, 80331 München (centre of München)"
    assert (round(offline.latitude, 2), round(offline.longitude, 2)) == (48.14, 11.58)
    with store.session() as session:
        _configure(session, nominatim)
    online = resolve_place(reader, "Sendlinger Str. 1, 80331 München")
    assert (online.latitude, online.longitude) == (48.1345, 11.5693)
    assert online.label == "Sendlinger Str. 1, 80331 München"
    assert nominatim.requests[-1][1]["street"] == "Sendlinger Str. 1"
    unknown = resolve_place(reader, "Nirgendwo 9, 10115 Berlin")  # the service knows nothing
    assert unknown.label.endswith("(centre of Berlin)")
