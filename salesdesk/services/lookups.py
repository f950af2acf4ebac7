"""Small lists for pickers and filters: customer groups, territories, representatives…"""

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from salesdesk.store.models import (
    CustomerGroup,
    DeliveryTerm,
    PaymentTerm,
    PriceGroup,
    Territory,
    UserAccount,
)


@dataclass(frozen=True)
class LookupEntry:
    id: uuid.UUID
    code: str
    name: str

    @property
    def label(self) -> str:
        """What a picker shows: "Retail (RET)"; the name alone when it is the code."""
        return self.name if self.name == self.code else f"{self.name} ({self.code})"


def _entries(session: Session, model) -> list[LookupEntry]:
    query = select(model.id, model.code, model.name).where(model.deleted_at.is_(None))
    return [LookupEntry(*row) for row in session.execute(query.order_by(model.code))]


def customer_groups(session: Session) -> list[LookupEntry]:
    return _entries(session, CustomerGroup)


def price_groups(session: Session) -> list[LookupEntry]:
    return _entries(session, PriceGroup)


def territories(session: Session) -> list[LookupEntry]:
    return _entries(session, Territory)


def payment_terms(session: Session) -> list[LookupEntry]:
    return _entries(session, PaymentTerm)


def delivery_terms(session: Session) -> list[LookupEntry]:
    return _entries(session, DeliveryTerm)


def representatives(session: Session) -> list[LookupEntry]:
    """Active users who can look after customers, by display name (code: login)."""
    query = (select(UserAccount.id, UserAccount.login, UserAccount.display_name)
             .where(UserAccount.deleted_at.is_(None), UserAccount.active.is_(True))
             .order_by(UserAccount.display_name))
    return [LookupEntry(*row) for row in session.execute(query)]


LOOKUPS = {
    "customer_group_id": customer_groups,
    "price_group_id": price_groups,
    "territory_id": territories,
    "payment_term_id": payment_terms,
    "delivery_term_id": delivery_terms,
    "representative_id": representatives,
}


def all_lookups(session: Session) -> dict[str, list[LookupEntry]]:
    """Every picker list of the customer form, keyed by the customer field it fills."""
    return {field: load(session) for field, load in LOOKUPS.items()}


def lookup_entry(session: Session, field: str, key: uuid.UUID) -> LookupEntry | None:
    """The entry a customer field points at, even if it is no longer offered."""
    if field == "representative_id":
        row = session.execute(select(UserAccount.id, UserAccount.login, UserAccount.display_name)
                              .where(UserAccount.id == key)).first()
    else:
        model = _MODELS[field]
        row = session.execute(select(model.id, model.code, model.name)
                              .where(model.id == key)).first()
    return LookupEntry(*row) if row else None


_MODELS = {"customer_group_id": CustomerGroup, "price_group_id": PriceGroup,
           "territory_id": Territory, "payment_term_id": PaymentTerm,
           "delivery_term_id": DeliveryTerm}
