"""Distribution lists told as stories: picked by hand or by a filter, checked against
"do not contact" and consent, exported for the mail merge, and logged as mailings."""

import csv
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, insert, select

from salesdesk.domain.errors import DomainError, ValidationFailed
from salesdesk.domain.ids import new_id
from salesdesk.domain.mailing import Criteria, parse_criteria
from salesdesk.services import customers as cs
from salesdesk.services import distribution_lists as dl
from salesdesk.services.duplicates import merge_customers
from salesdesk.services.logbook import create_entry
from salesdesk.store.models import (
    Address,
    AuditEntry,
    Customer,
    CustomerGroup,
    LogbookContact,
    LogbookEntry,
    Mailing,
)

GRANTED = date(2026, 1, 10)


def _customer(
    session,
    name,
    *,
    status="active",
    postal_code="80331",
    country="DE",
    contacts=(),
    segments=(),
    **extra,
):
    customer = cs.create_customer(
        session,
        {"name": name, "status": status, **extra},
        addresses=[
            {
                "street": "Hauptstr. 1",
                "postal_code": postal_code,
                "city": "Stadt",
                "country": country,
            }
        ],
        contacts=list(contacts),
    )
    if segments:
        cs.set_segments(session, customer, list(segments))
    return customer


def _person(last, first="Eva", email="", role="", **extra):
    email = email if email is not None else ""
    return {"first_name": first, "last_name": last, "email": email, "role": role, **extra}


@pytest.fixture
def world(session):
    """Four customers in Munich and Nuremberg; the e-mail consents recorded per person."""
    huber = _customer(
        session,
        "Huber Elektro",
        postal_code="80331",
        segments=["Newsletter"],
        contacts=[
            _person("Zeller", email="zeller@huber.de", role="Einkauf"),
            _person("Adam", email="adam@huber.de", role="Geschäftsführung"),
        ],
    )
    maier = _customer(
        session,
        "Maier Bau",
        status="prospect",
        postal_code="81541",
        contacts=[_person("Maier", email="info@maier-bau.de")],
    )
    nbg = _customer(
        session,
        "Nürnberger Licht",
        postal_code="90402",
        segments=["Key account"],
        contacts=[_person("Roth", email="roth@licht.de", role="Einkauf")],
    )
    wien = _customer(
        session,
        "Wiener Strom",
        postal_code="1010",
        country="AT",
        contacts=[_person("Gruber", email="gruber@strom.at")],
    )
    for customer in (huber, maier, nbg, wien):
        for contact in customer.contacts:
            cs.record_consent(
                session, customer, "email", True, GRANTED, "Trade fair", contact=contact
            )
    session.commit()
    return {"huber": huber, "maier": maier, "nbg": nbg, "wien": wien}


def _names(evaluation, excluded=False):
    chosen = evaluation.excluded if excluded else evaluation.recipients
    return [(r.name, r.last_name) for r in chosen]


def _dynamic(session, name="Dynamisch", channel="email", **criteria):
    created = dl.create_list(
        session, {"name": name, "kind": "dynamic", "channel": channel, "criteria": criteria}
    )
    session.commit()
    return created.id


# -- static lists -----------------------------------------------------------------------------


def test_static_list_holds_picked_customers_and_contact_persons(session, world):
    created = dl.create_list(session, {"name": "Messe-Einladung", "channel": "email"})
    huber, nbg = world["huber"], world["nbg"]
    adam = next(c for c in huber.contacts if c.last_name == "Adam")
    assert dl.add_members(session, created.id, customer_ids=[nbg.id], contact_ids=[adam.id]) == 2
    assert dl.add_members(session, created.id, customer_ids=[nbg.id]) == 0  # picked twice
    session.commit()

    evaluation = dl.evaluate(session, created.id)
    # the contact picked is used; for a customer picked, its first contact by last name
    assert _names(evaluation) == [("Huber Elektro", "Adam"), ("Nürnberger Licht", "Roth")]
    assert evaluation.recipients[0].member_contact_id == adam.id
    assert evaluation.excluded == []

    assert dl.remove_member(session, created.id, huber.id, adam.id) == 1
    session.commit()
    assert _names(dl.evaluate(session, created.id)) == [("Nürnberger Licht", "Roth")]


def test_contact_role_picks_every_matching_person_or_the_company(session, world):
    created = dl.create_list(
        session, {"name": "Einkäufer", "channel": "letter", "contact_role": "einkauf"}
    )
    dl.add_members(session, created.id, customer_ids=[world["huber"].id, world["maier"].id])
    session.commit()
    evaluation = dl.evaluate(session, created.id)
    assert _names(evaluation) == [("Huber Elektro", "Zeller"), ("Maier Bau", "")]
    assert "No contact person with the role “einkauf”" in evaluation.recipients[1].note


def test_a_dynamic_list_takes_no_hand_picked_members(session, world):
    list_id = _dynamic(session, statuses=["active"])
    with pytest.raises(DomainError, match="is dynamic"):
        dl.add_members(session, list_id, customer_ids=[world["maier"].id])


def test_a_member_follows_its_customer_into_a_merge(session, world):
    created = dl.create_list(session, {"name": "Fusion", "channel": "letter"})
    dl.add_members(session, created.id, customer_ids=[world["maier"].id])
    merge_customers(session, world["huber"], world["maier"])
    session.commit()
    assert [r.number for r in dl.evaluate(session, created.id).recipients] == [
        world["huber"].number
    ]


# -- dynamic lists -----------------------------------------------------------------------------


def test_dynamic_list_is_evaluated_afresh_after_each_change(session, world):
    list_id = _dynamic(session, statuses=["active"], postal_code_ranges=[["80000", "81999"]])
    assert _names(dl.evaluate(session, list_id)) == [("Huber Elektro", "Adam")]

    cs.update_customer(session, world["maier"], {"status": "active"})  # now a customer
    session.commit()
    assert _names(dl.evaluate(session, list_id)) == [
        ("Huber Elektro", "Adam"),
        ("Maier Bau", "Maier"),
    ]


def test_segments_and_tags_both_match_the_customers_segments(session, world):
    by_segment = _dynamic(session, "Segment", segments=["newsletter"])
    by_tag = _dynamic(session, "Tag", tags=["Key account", "Newsletter"])
    assert [r.name for r in dl.evaluate(session, by_segment).recipients] == ["Huber Elektro"]
    assert [r.name for r in dl.evaluate(session, by_tag).recipients] == [
        "Huber Elektro",
        "Nürnberger Licht",
    ]

    cs.set_segments(session, world["maier"], ["Newsletter"])
    cs.set_segments(session, world["huber"], [])
    session.commit()
    assert [r.name for r in dl.evaluate(session, by_segment).recipients] == ["Maier Bau"]


def test_last_contact_criteria_follow_the_logbook(session, world):
    list_id = _dynamic(session, last_contact_before="2026-03-01")
    # never contacted counts as "before"
    assert len(dl.evaluate(session, list_id).recipients) == 4
    create_entry(
        session,
        world["nbg"].id,
        {"occurred_at": datetime(2026, 3, 5, 9, tzinfo=UTC), "kind": "visit", "subject": "Besuch"},
    )
    session.commit()
    assert "Nürnberger Licht" not in [r.name for r in dl.evaluate(session, list_id).recipients]

    recent = _dynamic(session, "Kürzlich", last_contact_after="2026-03-01")
    assert [r.name for r in dl.evaluate(session, recent).recipients] == ["Nürnberger Licht"]


def test_postal_ranges_countries_and_groups(session, world):
    group = CustomerGroup(code="RET", name="Retail")
    session.add(group)
    session.flush()
    cs.update_customer(session, world["wien"], {"customer_group_id": group.id})
    session.commit()
    austria = _dynamic(session, "AT", postal_code_ranges=[["1000", "1999", "AT"]])
    assert [r.name for r in dl.evaluate(session, austria).recipients] == ["Wiener Strom"]
    countries = _dynamic(
        session,
        "DE",
        countries=["de"],
        postal_code_ranges=[{"from": "90000", "to": "90999"}, ["80000", "80999"]],
    )
    assert [r.name for r in dl.evaluate(session, countries).recipients] == [
        "Huber Elektro",
        "Nürnberger Licht",
    ]
    groups = _dynamic(session, "Retail", customer_group_ids=[group.id.hex])
    assert [r.name for r in dl.evaluate(session, groups).recipients] == ["Wiener Strom"]


# -- who may be mailed --------------------------------------------------------------------------


def test_do_not_contact_excludes_customer_and_person_with_reasons(session, world):
    cs.update_customer(
        session, world["maier"], {"do_not_contact": True, "do_not_contact_reason": "Objection"}
    )
    roth = world["nbg"].contacts[0]
    cs.save_contact(
        session,
        world["nbg"],
        {
            "last_name": "Roth",
            "first_name": "Eva",
            "email": "roth@licht.de",
            "do_not_contact": True,
        },
        roth,
    )
    session.commit()
    evaluation = dl.evaluate(session, _dynamic(session, statuses=["active", "prospect"]))
    assert _names(evaluation) == [("Huber Elektro", "Adam"), ("Wiener Strom", "Gruber")]
    reasons = {r.name: r.reason for r in evaluation.excluded}
    assert reasons == {
        "Maier Bau": "Customer is marked “do not contact” (Objection)",
        "Nürnberger Licht": "Contact person Eva Roth is marked “do not contact”",
    }


def test_consent_rules_per_channel(session, world):
    huber, maier, nbg, wien = (world[k] for k in ("huber", "maier", "nbg", "wien"))
    # Maier withdraws by e-mail; the company's later consent does not outweigh that
    cs.record_consent(
        session, maier, "email", False, date(2026, 2, 1), "Reply", contact=maier.contacts[0]
    )
    cs.record_consent(session, maier, "email", True, date(2026, 3, 1), "Company form")
    # the company of Nürnberger Licht withdraws after its buyer's consent
    cs.record_consent(session, nbg, "email", False, date(2026, 2, 1), "Letter")
    # Wiener Strom: the person's consent is newer than the company's withdrawal
    cs.record_consent(session, wien, "email", False, date(2025, 1, 1), "Old objection")
    # phone: only Huber's company agreed; nobody agreed to SMS
    cs.record_consent(session, huber, "phone", True, GRANTED, "Contract")
    cs.save_contact(
        session,
        huber,
        {
            "last_name": "Adam",
            "first_name": "Eva",
            "email": "adam@huber.de",
            "phone": "089 1234567",
        },
        next(c for c in huber.contacts if c.last_name == "Adam"),
    )
    session.commit()

    email = dl.evaluate(session, _dynamic(session, "E-Mail", channel="email"))
    assert _names(email) == [("Huber Elektro", "Adam"), ("Wiener Strom", "Gruber")]
    reasons = {r.name: r.reason for r in email.excluded}
    assert reasons == {
        "Maier Bau": "Consent for E-mail withdrawn on 2026-02-01",
        "Nürnberger Licht": "Consent for E-mail withdrawn on 2026-02-01",
    }

    phone = dl.evaluate(session, _dynamic(session, "Telefon", channel="phone"))
    assert _names(phone) == [("Huber Elektro", "Adam")]
    assert {r.reason for r in phone.excluded} == {"No consent for Phone; No phone number"}

    letter = dl.evaluate(session, _dynamic(session, "Brief", channel="letter"))
    assert len(letter.recipients) == 4  # a letter needs no consent


def test_missing_email_or_address_excludes(session, world):
    cs.save_contact(
        session,
        world["huber"],
        {"last_name": "Adam", "email": ""},
        next(c for c in world["huber"].contacts if c.last_name == "Adam"),
    )
    for address in world["wien"].addresses:
        cs.remove_part(session, address)
    session.commit()
    email = dl.evaluate(session, _dynamic(session, "E-Mail", channel="email"))
    assert {r.name: r.reason for r in email.excluded} == {"Huber Elektro": "No e-mail address"}
    letter = dl.evaluate(session, _dynamic(session, "Brief", channel="letter"))
    assert {r.name: r.reason for r in letter.excluded} == {"Wiener Strom": "No postal address"}


def test_address_kind_falls_back_to_the_main_address_and_says_so(session, world):
    cs.save_address(
        session,
        world["huber"],
        {
            "kind": "delivery",
            "street": "Lager 3",
            "postal_code": "85748",
            "city": "Garching",
            "country": "DE",
        },
    )
    session.commit()
    created = dl.create_list(
        session,
        {
            "name": "Lieferung",
            "kind": "dynamic",
            "channel": "letter",
            "address_kind": "delivery",
            "criteria": {"postal_code_ranges": [["80000", "81999"]]},
        },
    )
    session.commit()
    recipients = {r.name: r for r in dl.evaluate(session, created.id).recipients}
    assert (recipients["Huber Elektro"].city, recipients["Huber Elektro"].note) == ("Garching", "")
    assert recipients["Maier Bau"].postal_code == "81541"
    assert recipients["Maier Bau"].note == "Delivery address missing: main address used"


# -- export -----------------------------------------------------------------------------------


def _blocked_world(session, world):
    cs.update_customer(
        session, world["maier"], {"do_not_contact": True, "do_not_contact_reason": "Objection"}
    )
    cs.record_consent(
        session,
        world["nbg"],
        "email",
        False,
        date(2026, 2, 1),
        "Letter",
        contact=world["nbg"].contacts[0],
    )
    session.commit()
    return _dynamic(session, "Newsletter", statuses=["active", "prospect"])


def test_xlsx_export_puts_the_excluded_on_their_own_sheet(session, world, tmp_path):
    list_id = _blocked_world(session, world)
    result = dl.export_list(session, list_id, tmp_path / "newsletter", "xlsx")
    assert result.files == (tmp_path / "newsletter.xlsx",)
    assert (result.recipients, result.excluded) == (2, 2)
    book = load_workbook(result.files[0], read_only=True)
    assert book.sheetnames == ["Recipients", "Excluded"]
    recipients = list(book["Recipients"].iter_rows(values_only=True))
    excluded = list(book["Excluded"].iter_rows(values_only=True))
    book.close()
    assert recipients[0][:8] == (
        "Customer number",
        "Name",
        "Name 2",
        "Salutation",
        "Title",
        "First name",
        "Last name",
        "E-mail",
    )
    assert [row[1] for row in recipients[1:]] == ["Huber Elektro", "Wiener Strom"]
    assert recipients[1][7] == "adam@huber.de"
    assert excluded[0] == ("Customer number", "Name", "Contact person", "Reason")
    assert [(row[1], row[3]) for row in excluded[1:]] == [
        ("Maier Bau", "Customer is marked “do not contact” (Objection)"),
        ("Nürnberger Licht", "Consent for E-mail withdrawn on 2026-02-01"),
    ]


def test_csv_export_writes_the_excluded_beside_the_recipients(session, world, tmp_path):
    list_id = _blocked_world(session, world)
    result = dl.export_list(session, list_id, tmp_path / "newsletter.csv")
    assert result.files == (tmp_path / "newsletter.csv", tmp_path / "newsletter.excluded.csv")

    def read(path):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.reader(handle, delimiter=";"))

    recipients, excluded = read(result.files[0]), read(result.files[1])
    assert [row[1] for row in recipients[1:]] == ["Huber Elektro", "Wiener Strom"]
    assert [row[1] for row in excluded[1:]] == ["Maier Bau", "Nürnberger Licht"]
    assert not {"Maier Bau", "Nürnberger Licht"} & {row[1] for row in recipients}


def test_export_headers_speak_the_users_language(session, world, tmp_path):
    from salesdesk.i18n import set_language

    list_id = _blocked_world(session, world)
    set_language("de")
    result = dl.export_list(session, list_id, tmp_path / "liste.xlsx")
    book = load_workbook(result.files[0], read_only=True)
    first = next(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert first[0] == "Kundennummer"


# -- mailings ------------------------------------------------------------------------------------


def _entries(session, mailing_id):
    return session.scalars(select(LogbookEntry).where(LogbookEntry.mailing_id == mailing_id)).all()


def test_recording_a_mailing_logs_each_recipient_once(session, world):
    list_id = _blocked_world(session, world)
    when = datetime(2026, 4, 2, 8, 30, tzinfo=UTC)
    result = dl.record_mailing(session, list_id, "Frühjahrsaktion", when)
    session.commit()

    assert (result.recipients, result.excluded) == (2, 2)
    mailing = session.get(Mailing, result.mailing_id)
    assert (mailing.subject, mailing.channel, mailing.recipients) == ("Frühjahrsaktion", "email", 2)
    entries = _entries(session, result.mailing_id)
    assert sorted(e.customer_id for e in entries) == sorted([world["huber"].id, world["wien"].id])
    assert {(e.kind, e.subject, e.author, e.occurred_at) for e in entries} == {
        ("mailing", "Frühjahrsaktion", "tester", when)
    }
    adam = next(c for c in world["huber"].contacts if c.last_name == "Adam")
    links = session.scalars(
        select(LogbookContact.contact_id)
        .join(LogbookEntry)
        .where(LogbookEntry.customer_id == world["huber"].id)
    ).all()
    assert links == [adam.id]
    # the excluded got no entry; the mailed customers' last contact moved
    for key in ("maier", "nbg"):
        assert (
            session.scalar(
                select(func.count())
                .select_from(LogbookEntry)
                .where(LogbookEntry.customer_id == world[key].id)
            )
            == 0
        )
    stored = session.scalar(
        select(Customer.last_contact_at).where(Customer.id == world["huber"].id)
    )
    assert stored == when
    # audited like any insert
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "logbook_entry", AuditEntry.action == "insert")
        )
        == 2
    )


def test_a_mailing_is_one_transaction(session, world):
    list_id = _dynamic(session, channel="letter")
    dl.record_mailing(session, list_id, "Katalog", datetime(2026, 4, 2, tzinfo=UTC))
    assert session.scalar(select(func.count()).select_from(LogbookEntry)) == 4
    session.rollback()
    assert session.scalar(select(func.count()).select_from(LogbookEntry)) == 0
    assert session.scalar(select(func.count()).select_from(Mailing)) == 0
    assert (
        session.scalar(
            select(func.count()).select_from(Customer).where(Customer.last_contact_at.is_not(None))
        )
        == 0
    )


def test_a_mailing_needs_a_subject_a_time_zone_and_recipients(session, world):
    list_id = _dynamic(session, channel="sms")
    with pytest.raises(
        ValidationFailed, match="Distribution list “Dynamisch”, Subject: is required"
    ):
        dl.record_mailing(session, list_id, " ", datetime.now(UTC))
    with pytest.raises(ValidationFailed, match="has no time zone"):
        dl.record_mailing(session, list_id, "SMS", datetime(2026, 4, 2, 8))
    with pytest.raises(DomainError, match="no recipients"):
        dl.record_mailing(session, list_id, "SMS", datetime.now(UTC))  # nobody agreed to SMS


def test_thousands_of_recipients_are_logged_quickly(session):
    ids = [new_id() for _n in range(2000)]
    session.execute(
        insert(Customer),
        [
            {"id": key, "number": f"K-{n + 1:06d}", "name": f"Kunde {n:04d}", "status": "active"}
            for n, key in enumerate(ids)
        ],
    )
    session.execute(
        insert(Address),
        [
            {
                "customer_id": key,
                "kind": "main",
                "is_default": True,
                "street": "Weg 1",
                "postal_code": "80331",
                "city": "München",
                "country": "DE",
            }
            for key in ids
        ],
    )
    session.commit()
    list_id = _dynamic(session, "Alle", channel="letter")
    started = time.perf_counter()
    result = dl.record_mailing(session, list_id, "Katalog", datetime.now(UTC))
    session.commit()
    elapsed = time.perf_counter() - started
    assert result.recipients == 2000
    assert len(_entries(session, result.mailing_id)) == 2000
    assert elapsed < 10, f"recording 2000 recipients took {elapsed:.1f} s"


# -- bad lists and criteria -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ("{nope", "Distribution list “Kaputt”, Criteria: not readable as JSON"),
        ({"colour": ["red"]}, "Criteria: unknown criterion “colour”"),
        ({"statuses": ["gold"]}, "Status: “gold” is not a status"),
        ({"statuses": "active"}, "Status: must be a list"),
        ({"territory_ids": ["x1"]}, "Territories: entry 1 (“x1”) is not a record id"),
        (
            {"postal_code_ranges": [["81999", "80000"]]},
            "Postal code ranges: range 1 (81999-80000): the start comes after the end",
        ),
        (
            {"postal_code_ranges": [[80000, 81999]]},
            "Postal code ranges: range 1: postal codes must be texts",
        ),
        (
            {"postal_code_ranges": [["80000", "81999", "Bayern"]]},
            "range 1: “Bayern” is not a two-letter country code",
        ),
        ({"countries": ["Deutschland"]}, "Countries: “Deutschland” is not a two-letter country"),
        ({"near": {"place": "München"}}, "Near a place: lat, lon, radius_km missing"),
        (
            {"near": {"place": "X", "lat": 95, "lon": 11, "radius_km": 5}},
            "Near a place: lat: 95 is out of range",
        ),
        (
            {"near": {"place": "X", "lat": 48, "lon": 11, "radius_km": 0}},
            "radius_km: must be more than 0 km",
        ),
        ({"last_contact_before": "01.02.2026"}, "Last contact before: is not a date"),
        (
            {"last_contact_before": "2026-01-01", "last_contact_after": "2026-02-01"},
            "Last contact before: must be later than “last contact after” (2026-02-01)",
        ),
    ],
)
def test_bad_criteria_are_named_with_list_field_and_problem(session, criteria, message):
    with pytest.raises(ValidationFailed) as caught:
        dl.create_list(session, {"name": "Kaputt", "kind": "dynamic", "criteria": criteria})
    assert message in str(caught.value)


def test_every_problem_is_reported_at_once(session):
    with pytest.raises(ValidationFailed) as caught:
        dl.create_list(
            session,
            {
                "name": "",
                "kind": "dynamic",
                "channel": "fax",
                "criteria": {"statuses": ["gold"], "countries": ["X"]},
            },
        )
    fields = {e.key for e in caught.value.errors}
    assert fields == {"name", "channel", "statuses", "countries"}


def test_stored_criteria_round_trip_in_the_agreed_json(session):
    text = (
        '{"statuses": ["active"], "postal_code_ranges": [["80000", "81999"]], '
        '"near": {"place": "München", "lat": 48.14, "lon": 11.58, "radius_km": 50}, '
        '"last_contact_before": "2026-01-01", "tags": ["Newsletter"]}'
    )
    criteria = parse_criteria("Demo", text)
    assert criteria.near.radius_km == 50
    assert parse_criteria("Demo", criteria.to_json()) == criteria
    assert Criteria().to_json() == ""


def test_names_are_unique_among_live_lists_and_deleting_frees_them(session):
    first = dl.create_list(session, {"name": "Newsletter"})
    with pytest.raises(ValidationFailed, match="Name: another distribution list"):
        dl.create_list(session, {"name": "newsletter"})
    dl.delete_list(session, first.id)
    session.commit()
    assert [s.name for s in dl.list_summaries(session)] == []
    again = dl.create_list(
        session, {"name": "Newsletter", "kind": "dynamic", "criteria": {"statuses": ["active"]}}
    )
    session.commit()
    assert [s.name for s in dl.list_summaries(session)] == ["Newsletter"]
    assert dl.list_values(session, again.id)["criteria"].statuses == ("active",)
    updated = dl.update_list(session, again.id, {"kind": "static"})
    assert updated.criteria == ""


def test_a_deleted_list_cannot_be_opened(session):
    created = dl.create_list(session, {"name": "Weg"})
    dl.delete_list(session, created.id)
    with pytest.raises(DomainError, match="does not exist"):
        dl.evaluate(session, created.id)


def test_times_between_days_use_the_local_midnight(session, world):
    today = date.today()
    create_entry(
        session,
        world["huber"].id,
        {"occurred_at": datetime.now(UTC), "kind": "visit", "subject": "Heute"},
    )
    session.commit()
    since_today = _dynamic(session, "Heute", last_contact_after=today.isoformat())
    assert [r.name for r in dl.evaluate(session, since_today).recipients] == ["Huber Elektro"]
    tomorrow = _dynamic(
        session, "Morgen", last_contact_after=(today + timedelta(days=1)).isoformat()
    )
    assert dl.evaluate(session, tomorrow).recipients == []


# -- around a place (services/radius.py) -----------------------------------------------------


def test_near_a_place_uses_the_radius_search(session):
    def located(name, city, lat, lon):
        return cs.create_customer(
            session,
            {"name": name},
            addresses=[
                {
                    "postal_code": "80331",
                    "city": city,
                    "country": "DE",
                    "latitude": lat,
                    "longitude": lon,
                }
            ],
        )

    located("Huber Elektro", "München", 48.1345, 11.5693)
    located("Erdinger Bau", "Erding", 48.3064, 11.9071)
    far = located("Nordlicht Handel", "Hamburg", 53.5511, 9.9937)
    session.commit()
    near_munich = {"place": "München", "lat": 48.13743, "lon": 11.57549, "radius_km": 20}
    list_id = _dynamic(session, "Rund um München", channel="letter", near=near_munich)
    assert [r.name for r in dl.evaluate(session, list_id).recipients] == ["Huber Elektro"]

    dl.update_list(session, list_id, {"criteria": {"near": near_munich | {"radius_km": 40}}})
    from salesdesk.services.geo import set_manual_pin

    set_manual_pin(session, far.addresses[0].id, 48.2, 11.6)  # moved close: found next time
    session.commit()
    assert [r.name for r in dl.evaluate(session, list_id).recipients] == [
        "Erdinger Bau",
        "Huber Elektro",
        "Nordlicht Handel",
    ]
