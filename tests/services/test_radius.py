"""Radius search as a sales rep uses it: around a customer, a city or coordinates; only
live customers, each once at its nearest address; the route list in xlsx."""

import pytest
from openpyxl import load_workbook

from salesdesk.domain.errors import DomainError, ValidationFailed
from salesdesk.i18n import set_language
from salesdesk.services import customers as cs
from salesdesk.services.geo import resolve_place, set_manual_pin
from salesdesk.services.radius import (
    customers_near,
    customers_near_bruteforce,
    export_near,
)
from salesdesk.store.models import Address

MUNICH = (48.13743, 11.57549)


def _customer(session, name, *addresses, contacts=()):
    return cs.create_customer(
        session,
        {"name": name},
        addresses=[{"country": "DE", **a} for a in addresses],
        contacts=list(contacts),
    )


@pytest.fixture
def bavaria(session):
    """Customers around Munich (distances from Marienplatz, roughly)."""
    huber = _customer(
        session,
        "Huber Elektro GmbH",
        {
            "street": "Sendlinger Str. 1",
            "postal_code": "80331",
            "city": "München",
            "latitude": 48.1345,
            "longitude": 11.5693,
        },
        {
            "kind": "delivery",
            "postal_code": "85748",
            "city": "Garching",
            "latitude": 48.2496,
            "longitude": 11.6519,
        },
        contacts=[{"first_name": "Anna", "last_name": "Huber", "phone": "089 1234567"}],
    )
    erding = _customer(
        session,
        "Erdinger Bau KG",
        {"postal_code": "85435", "city": "Erding", "latitude": 48.3064, "longitude": 11.9071},
    )
    # far away, but its delivery address is close: found there
    nord = _customer(
        session,
        "Nordlicht Handel GmbH",
        {"postal_code": "20095", "city": "Hamburg", "latitude": 53.5511, "longitude": 9.9937},
        {
            "kind": "delivery",
            "postal_code": "82008",
            "city": "Unterhaching",
            "latitude": 48.0658,
            "longitude": 11.6156,
        },
    )
    augsburg = _customer(
        session,
        "Augsburger Stoffe OHG",
        {"postal_code": "86150", "city": "Augsburg", "latitude": 48.3705, "longitude": 10.8978},
    )
    gone = _customer(
        session,
        "Alte Firma AG",
        {"postal_code": "80333", "city": "München", "latitude": 48.1420, "longitude": 11.5700},
    )
    nowhere = _customer(session, "Ohne Ort GmbH", {"postal_code": "80333", "city": "München"})
    cs.delete_customer(session, gone)
    session.commit()
    return {
        "huber": huber,
        "erding": erding,
        "nord": nord,
        "augsburg": augsburg,
        "gone": gone,
        "nowhere": nowhere,
    }


def test_around_munich_each_live_customer_once_nearest_first(session, bavaria):
    found = customers_near(session, *MUNICH, 40)
    assert [r.name for r in found] == [
        "Huber Elektro GmbH",
        "Nordlicht Handel GmbH",
        "Erdinger Bau KG",
    ]
    huber, nord, erding = found
    assert (huber.address_kind, huber.city, huber.postal_code) == ("main", "München", "80331")
    assert huber.distance_km == pytest.approx(0.57, abs=0.01)
    assert (nord.address_kind, nord.city) == ("delivery", "Unterhaching")
    assert erding.distance_km == pytest.approx(31.0, abs=0.1)
    assert huber.customer_id == bavaria["huber"].id
    assert huber.address_id == next(a.id for a in bavaria["huber"].addresses if a.kind == "main")
    assert customers_near(session, *MUNICH, 40) == customers_near_bruteforce(session, *MUNICH, 40)
    assert [r.name for r in customers_near(session, *MUNICH, 60)][-1] == "Augsburger Stoffe OHG"
    assert len(customers_near(session, *MUNICH, 60, limit=2)) == 2


def test_tombstoned_addresses_and_customers_are_not_found(session, bavaria):
    huber = bavaria["huber"]
    main = next(a for a in huber.addresses if a.kind == "main")
    cs.remove_part(session, main)
    session.commit()
    (first, *_rest) = customers_near(session, *MUNICH, 40)
    assert first.name == "Nordlicht Handel GmbH"
    garching = next(r for r in customers_near(session, *MUNICH, 40) if r.name.startswith("Huber"))
    assert garching.city == "Garching"  # its other address is still there
    cs.delete_customer(session, huber)
    session.commit()
    names = {r.name for r in customers_near(session, *MUNICH, 100)}
    assert "Huber Elektro GmbH" not in names and "Alte Firma AG" not in names


def test_a_moved_pin_moves_the_customer_in_the_index(session, bavaria):
    erding = bavaria["erding"]
    set_manual_pin(session, erding.addresses[0].id, *MUNICH)
    session.commit()
    assert customers_near(session, *MUNICH, 0.1)[0].name == "Erdinger Bau KG"
    address = session.get(Address, erding.addresses[0].id)
    assert (address.geo_precision, address.geo_source) == ("manual", "manual")


def test_bad_search_input_names_the_field(session):
    with pytest.raises(ValidationFailed, match="Radius \\(km\\): must be more than 0 km"):
        customers_near(session, *MUNICH, -5)
    with pytest.raises(ValidationFailed, match="Latitude: 100 is out of range"):
        customers_near(session, 100, 0, 5)


def test_places_customer_number_city_coordinates(session, bavaria):
    place = resolve_place(session, "K-000001")
    assert place.label == "K-000001 Huber Elektro GmbH (München)"
    assert (place.latitude, place.longitude) == (48.1345, 11.5693)
    assert resolve_place(session, "k-1").label.startswith("K-000001")
    assert resolve_place(session, "München").label == "Munich, DE"
    assert resolve_place(session, "zurich").label == "Zürich, CH"
    assert resolve_place(session, "Paris, US").label == "Paris, US"
    coordinates = resolve_place(session, "48.137, 11.575")
    assert (coordinates.latitude, coordinates.longitude) == (48.137, 11.575)


def test_cities_only_the_store_knows(session):
    for lat in (50.0, 50.2, 50.4):
        _customer(
            session,
            f"Kunde {lat}",
            {"postal_code": "12345", "city": "Kleinstädtle", "latitude": lat, "longitude": 8.0},
        )
    session.commit()
    place = resolve_place(session, "kleinstadtle")
    assert (place.label, place.latitude, place.longitude) == ("Kleinstädtle, DE", 50.2, 8.0)


def test_unknown_places_say_what_is_accepted(session, bavaria):
    with pytest.raises(DomainError) as caught:
        resolve_place(session, "Xyzzyhausen")
    assert str(caught.value) == (
        "No place called “Xyzzyhausen”. Enter a customer number (K-000001), an address "
        "(Marienplatz 1, 80331 München), a city (München) or coordinates (48.137, 11.575)."
    )
    with pytest.raises(DomainError, match="there is no customer with that number"):
        resolve_place(session, "K-000099")
    with pytest.raises(DomainError, match="K-000005 Alte Firma AG|no customer"):
        resolve_place(session, "K-000005")  # tombstoned
    with pytest.raises(DomainError, match="Ohne Ort GmbH has no coordinates yet"):
        resolve_place(session, "K-000006")
    with pytest.raises(DomainError, match="Latitude 91 is out of range"):
        resolve_place(session, "91, 11")
    with pytest.raises(DomainError, match="Enter a place"):
        resolve_place(session, "  ")


def test_route_list_in_xlsx(session, bavaria, tmp_path):
    rows = customers_near(session, *MUNICH, 60)
    path = tmp_path / "route.xlsx"
    assert export_near(session, path, rows, place="Munich, DE", radius_km=60) == 4
    sheet = load_workbook(path).active
    values = list(sheet.values)
    assert values[0] == (
        "Customer number",
        "Name",
        "Address",
        "Postal code",
        "City",
        "Country",
        "Distance (km)",
        "Phone",
        "Address type",
        "Do not contact",
    )
    first = values[1]
    assert first[:6] == (
        "K-000001",
        "Huber Elektro GmbH",
        "Sendlinger Str. 1",
        "80331",
        "München",
        "DE",
    )
    assert isinstance(first[6], float) and first[6] == round(rows[0].distance_km, 1)
    assert first[7] == "+49 89 1234567" and first[8] == "Main address"
    assert sheet.cell(2, 7).number_format == "0.0"
    assert [v[1] for v in values[1:]] == [r.name for r in rows]
    assert values[2][8] == "Delivery address"


def test_route_list_headers_in_german(session, bavaria, tmp_path):
    set_language("de")
    path = tmp_path / "tour.xlsx"
    export_near(session, path, customers_near(session, *MUNICH, 10))
    header, first = list(load_workbook(path).active.values)[:2]
    assert header[:6] == ("Kundennummer", "Name", "Adresse", "PLZ", "Ort", "Land")
    assert first[8] == "Hauptadresse"


def test_the_search_works_without_the_covering_indexes(session, bavaria):
    expected = customers_near(session, *MUNICH, 60)
    for name in ("ix_address_radius", "ix_customer_radius"):
        session.connection().exec_driver_sql(f"DROP INDEX {name}")
    assert customers_near(session, *MUNICH, 60) == expected
    session.rollback()


def test_an_address_that_moves_forgets_its_geocode_but_not_a_manual_pin(session, bavaria):
    erding = bavaria["erding"]
    address = erding.addresses[0]
    address.geo_precision, address.geo_source = "city", "offline"  # as geocoding left it
    session.commit()
    assert "Erdinger Bau KG" in {r.name for r in customers_near(session, 48.3064, 11.9071, 1)}
    values = {"kind": "main", "street": "Am Gries 2", "postal_code": "84028",
              "city": "Landshut", "country": "DE", "latitude": address.latitude,
              "longitude": address.longitude}  # the dialog sends the coordinates it showed
    cs.save_address(session, erding, values, address)
    session.commit()
    assert (address.latitude, address.geo_precision) == (None, "")
    assert "Erdinger Bau KG" not in {r.name for r in customers_near(session, 48.3064, 11.9071,
                                                                     1)}
    huber_main = next(a for a in bavaria["huber"].addresses if a.kind == "main")
    huber_main.geo_precision = huber_main.geo_source = "manual"
    cs.save_address(session, bavaria["huber"], {"kind": "main", "street": "Neuhauser Str. 8",
                                                "postal_code": "80331", "city": "München",
                                                "country": "DE"}, huber_main)
    session.commit()
    assert huber_main.latitude == 48.1345  # a pin set by hand stays where it was put


def test_found_rows_are_read_a_page_at_a_time(session, bavaria, monkeypatch):
    from salesdesk.services.radius import NearResult

    monkeypatch.setattr(NearResult, "PAGE", 1)
    found = customers_near(session, *MUNICH, 100)
    assert len(found) >= 2
    # who and how far is known at once: list filters and sorting need nothing more
    assert found.distance_km(0) <= found.distance_km(1)
    assert len(found.customer_ids()) == len(found)
    assert all(row is None for row in found._rows)
    first = found[0]
    assert (first.distance_km, first.number) == (found.distance_km(0), found.number(0))
    assert found._rows[1] is None  # the next page is not read yet
    assert list(found)[0] == first and None not in found._rows
    assert found == customers_near_bruteforce(session, *MUNICH, 100)
