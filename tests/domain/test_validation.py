"""Field checks: each bad value is named with its record, field and problem."""

from decimal import Decimal

import pytest

from salesdesk.domain import validation as v
from salesdesk.domain.customer import (
    check_address,
    check_bank_account,
    check_contact,
    check_customer,
)
from salesdesk.domain.errors import ValidationFailed
from salesdesk.i18n import set_language


def test_iban_is_normalised():
    assert v.check_iban("de89 3704 0044 0532 0130 00") == "DE89370400440532013000"


@pytest.mark.parametrize("iban", ["DE89370400440532013001", "DE8937040044053201300", "XX00"])
def test_bad_iban_is_named(iban):
    with pytest.raises(ValidationFailed) as caught:
        check_bank_account("Customer K-000001 Huber", {"iban": iban})
    (error,) = caught.value.errors
    assert (error.record, error.field, error.key) == ("Customer K-000001 Huber", "IBAN", "iban")
    assert "not a valid IBAN" in error.message


def test_vat_id_checksum():
    assert v.check_vat_id("DE 136 695 976") == "DE136695976"
    with pytest.raises(ValueError, match="not a valid VAT id"):
        v.check_vat_id("DE136695977")


def test_phone_normalised_to_e164_in_the_customer_country():
    assert v.check_phone("089 1234567", "DE") == "+49891234567"
    assert v.check_phone("+43 1 58858", "DE") == "+43158858"
    assert v.check_phone("020 7946 0958", "GB") == "+442079460958"


@pytest.mark.parametrize("phone", ["123", "abc", "+49 0"])
def test_bad_phone_is_refused(phone):
    with pytest.raises(ValidationFailed, match="Phone"):
        check_contact("Contact", {"last_name": "Huber", "phone": phone}, country="DE")


def test_all_errors_of_a_record_come_at_once():
    with pytest.raises(ValidationFailed) as caught:
        check_customer("Customer K-000009", {"name": " ", "vat_id": "DE1", "status": "gone",
                                             "credit_limit": "-5", "website": "nope"})
    keys = {e.key for e in caught.value.errors}
    assert keys == {"name", "vat_id", "status", "credit_limit", "website"}
    assert "Customer K-000009, Name: is required" in str(caught.value)


def test_customer_values_are_normalised():
    clean = check_customer("C", {"name": " Huber ", "credit_limit": "1.234,50", "language": "DE",
                                 "currency": "eur", "status": "Active"})
    assert clean == {"name": "Huber", "credit_limit": Decimal("1234.50"), "language": "de",
                     "currency": "EUR", "status": "active"}


def test_postal_code_is_checked_for_the_country():
    assert check_address("A", {"city": "Wien", "country": "at", "postal_code": "1010"}) == {
        "city": "Wien", "country": "AT", "postal_code": "1010"}
    with pytest.raises(ValidationFailed, match="Postal code: not a postal code of DE"):
        check_address("A", {"city": "Köln", "country": "DE", "postal_code": "5066"})
    with pytest.raises(ValidationFailed, match="Country"):
        check_address("A", {"city": "X", "country": "Germany"})


def test_messages_are_translated_to_german():
    set_language("de")
    with pytest.raises(ValidationFailed) as caught:
        check_customer("Kunde K-000001", {"name": ""})
    assert str(caught.value) == "Kunde K-000001, Name: ist erforderlich"
