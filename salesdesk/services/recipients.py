"""Who is on a distribution list now: the customers a list names (picked by hand or by
its filter), their contact person and address, and the rules of who may be mailed.

Plain SQL through ``dbapi`` (a Session or ``Store.reader()``); everything a list needs is
read in a few queries for all its customers at once, so a list of thousands evaluates in
well under a second. The rules themselves live in domain/mailing.py.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time

from salesdesk.domain.customer import AddressKind
from salesdesk.domain.mailing import (
    ConsentRecord,
    Contactability,
    Criteria,
    Recipient,
    consent_refusal,
    exclusion_reasons,
    newest,
)
from salesdesk.i18n import _
from salesdesk.store.engine import dbapi, named_marks
from salesdesk.store.types import stored_time


def _json_ids(ids) -> str:
    return json.dumps([getattr(i, "hex", i) for i in ids])


_IN_IDS = "IN (SELECT value FROM json_each(:ids))"


def static_targets(conn, list_id: uuid.UUID) -> dict[str, list[str | None]]:
    """Customer (hex) → the contact persons picked (None: the customer itself).

    A member whose customer was merged follows it to the customer it was merged into;
    a contact person picked follows the customer it belongs to now.
    """
    rows = conn.execute(
        "SELECT m.customer_id, m.contact_id, p.customer_id FROM distribution_list_member m "
        "LEFT JOIN contact_person p ON p.id = m.contact_id "
        "WHERE m.list_id = ? AND m.deleted_at IS NULL ORDER BY m.created_at, m.id",
        (list_id.hex,),
    ).fetchall()
    survivors = _merged_into(conn, {r[2] or r[0] for r in rows})
    targets: dict[str, list[str | None]] = defaultdict(list)
    for customer_id, contact_id, owner in rows:
        customer = survivors.get(owner or customer_id)
        if customer is not None and contact_id not in targets[customer]:
            targets[customer].append(contact_id)
    return {key: value for key, value in targets.items() if value}


def _merged_into(conn, ids: set[str]) -> dict[str, str]:
    """Each customer → itself if live, the live customer it was merged into, else absent."""
    result, pending = {}, {i: i for i in ids}
    for _hop in range(10):  # merges chain rarely; a loop in the data must not hang us
        if not pending:
            break
        rows = conn.execute(
            f"SELECT id, deleted_at, merged_into_id FROM customer WHERE id {_IN_IDS}",
            {"ids": _json_ids(set(pending.values()))},
        ).fetchall()
        state = {r[0]: (r[1], r[2]) for r in rows}
        following = {}
        for start, now in pending.items():
            deleted, merged = state.get(now, ("gone", None))
            if deleted is None:
                result[start] = now
            elif merged:
                following[start] = merged
        pending = following
    return result


def matching_customers(source, criteria: Criteria) -> list[str]:
    """Ids (hex) of the live customers a dynamic list's filter matches now."""
    clauses, params = ["c.deleted_at IS NULL"], {}

    def values_in(column: str, key: str, values) -> None:
        clauses.append(f"{column} IN ({named_marks(key, values, params)})")

    # "+" keeps SQLite off the status and country sort indexes: they match a large share
    # of all customers, and a table scan beats 60,000 index-to-row look-ups (330 → 60 ms)
    if criteria.statuses:
        values_in("+c.status", "status", criteria.statuses)
    for column, ids in (
        ("customer_group_id", criteria.customer_group_ids),
        ("territory_id", criteria.territory_ids),
        ("representative_id", criteria.representative_ids),
    ):
        if ids:
            values_in(f"c.{column}", column, [i.hex for i in ids])
    if criteria.countries:
        values_in("+c.main_country", "country", criteria.countries)
    for key, names in (("segment", criteria.segments), ("tag", criteria.tags)):
        if names:
            marks = named_marks(key, names, params)
            clauses.append(
                "EXISTS (SELECT 1 FROM customer_segment s WHERE s.customer_id = c.id AND "
                f"s.deleted_at IS NULL AND s.segment COLLATE NOCASE IN ({marks}))"
            )
    if criteria.postal_code_ranges:
        _postal_clause(criteria, clauses, params)
    if criteria.last_contact_before is not None:
        clauses.append("(c.last_contact_at IS NULL OR c.last_contact_at < :before)")
        params["before"] = _day_start(criteria.last_contact_before)
    if criteria.last_contact_after is not None:
        clauses.append("c.last_contact_at >= :after")
        params["after"] = _day_start(criteria.last_contact_after)
    if criteria.near is not None:
        clauses.append(f"c.id {_IN_IDS}")
        params["ids"] = _json_ids(_near_ids(source, criteria))
    rows = dbapi(source).execute(
        f"SELECT c.id FROM customer c WHERE {' AND '.join(clauses)}", params
    )
    return [r[0] for r in rows]


def _postal_clause(criteria: Criteria, clauses: list[str], params: dict) -> None:
    parts = []
    for n, postal in enumerate(criteria.postal_code_ranges):
        part = f"c.main_postal_code BETWEEN :pc_from{n} AND :pc_to{n}"
        params |= {f"pc_from{n}": postal.start, f"pc_to{n}": postal.end}
        if postal.country:
            part += f" AND c.main_country = :pc_country{n}"
            params[f"pc_country{n}"] = postal.country
        parts.append(f"({part})")
    clauses.append(f"({' OR '.join(parts)})")


def _day_start(day: date) -> str:
    """Midnight of ``day`` on this computer's clock, as the store keeps times (UTC text)."""
    return stored_time(datetime.combine(day, time()).astimezone().astimezone(UTC))


def _near_ids(source, criteria: Criteria) -> list:
    from salesdesk.services.radius import customers_near

    near = criteria.near
    return customers_near(source, near.lat, near.lon, near.radius_km).customer_ids()


class RecipientBuilder:
    """Reads what the rules need for all target customers at once, then applies them."""

    def __init__(
        self, conn, targets: dict[str, list[str | None]], channel: str, address_kind: str, role: str
    ):
        self.conn, self.targets, self.channel = conn, targets, channel
        self.address_kind, self.role = address_kind, role.strip()
        params = {"ids": _json_ids(targets)}
        self.customers = {
            r[0]: r
            for r in conn.execute(
                "SELECT id, number, name, name2, language, do_not_contact, do_not_contact_reason "
                f"FROM customer WHERE deleted_at IS NULL AND id {_IN_IDS}",
                params,
            )
        }
        self.contacts: dict[str, list[tuple]] = defaultdict(list)
        self.contact_by_id: dict[str, tuple] = {}
        for r in conn.execute(
            "SELECT id, customer_id, salutation, title, first_name, last_name, role, "
            "department, phone, mobile, email, language, do_not_contact, deleted_at "
            f"FROM contact_person WHERE customer_id {_IN_IDS} ORDER BY customer_id, "
            "last_name COLLATE NOCASE, first_name COLLATE NOCASE, created_at, id",
            params,
        ):
            self.contact_by_id[r[0]] = r
            if r[13] is None:
                self.contacts[r[1]].append(r)
        self.addresses: dict[str, dict[str, tuple]] = defaultdict(dict)
        for r in conn.execute(
            "SELECT customer_id, kind, street, street2, postal_code, city, country "
            f"FROM address WHERE deleted_at IS NULL AND customer_id {_IN_IDS} "
            "AND kind IN (:kind, 'main') "
            "ORDER BY customer_id, is_default DESC, created_at, id",
            params | {"kind": address_kind},
        ):
            self.addresses[r[0]].setdefault(r[1], r)
        self.consents: dict[tuple, list[ConsentRecord]] = defaultdict(list)
        for r in conn.execute(
            "SELECT customer_id, contact_id, granted, recorded_on, created_at, id "
            f"FROM consent WHERE deleted_at IS NULL AND channel = :channel "
            f"AND customer_id {_IN_IDS}",
            params | {"channel": channel},
        ):
            self.consents[(r[0], r[1])].append(
                ConsentRecord(bool(r[2]), date.fromisoformat(r[3]), f"{r[4]}{r[5]}")
            )

    def recipients(self) -> list[Recipient]:
        found: dict[tuple, Recipient] = {}
        for customer_id, picked in self.targets.items():
            customer = self.customers.get(customer_id)
            if customer is None:
                continue
            for member_contact in picked:
                for recipient in self._for_member(customer, member_contact):
                    found.setdefault(recipient.key, recipient)
        return sorted(
            found.values(),
            key=lambda r: (
                r.name.casefold(),
                r.number,
                r.last_name.casefold(),
                r.first_name.casefold(),
            ),
        )

    def _for_member(self, customer: tuple, member_contact: str | None):
        if member_contact is not None:
            person = self.contact_by_id.get(member_contact)
            if person is None or person[13] is not None:
                gone = self._recipient(customer, None, member_contact, "")
                gone.reasons = [_("The contact person picked for this list no longer exists")]
                yield gone
                return
            yield self._recipient(customer, person, member_contact, "")
            return
        people, note = self._chosen_contacts(customer[0])
        for person in people or [None]:
            yield self._recipient(customer, person, None, note)

    def _chosen_contacts(self, customer_id: str) -> tuple[list[tuple], str]:
        """The first contact person by last name, or every one whose role or department
        holds the list's role text (case ignored)."""
        people = self.contacts.get(customer_id, [])
        if self.role:
            wanted = self.role.casefold()
            people = [p for p in people if wanted in p[6].casefold() or wanted in p[7].casefold()]
            if not people:
                return [], _(
                    "No contact person with the role “{role}”: addressed to the company"
                ).format(role=self.role)
            return people, ""
        if not people:
            return [], _("No contact person: addressed to the company")
        return people[:1], ""

    def _recipient(
        self, customer: tuple, person: tuple | None, member_contact: str | None, note: str
    ) -> Recipient:
        cid, number, name, name2, language, blocked, block_reason = customer
        recipient = Recipient(
            customer_id=uuid.UUID(hex=cid),
            number=number,
            name=name,
            name2=name2,
            language=language,
            member_contact_id=uuid.UUID(hex=member_contact) if member_contact else None,
        )
        if person is not None:
            (
                recipient.salutation,
                recipient.title,
                recipient.first_name,
                recipient.last_name,
                recipient.phone,
                recipient.mobile,
                recipient.email,
            ) = (person[2], person[3], person[4], person[5], person[8], person[9], person[10])
            recipient.contact_id = uuid.UUID(hex=person[0])
            recipient.language = person[11] or language
        notes = [note] if note else []
        address = self._address(cid, notes)
        if address is not None:
            (
                recipient.street,
                recipient.street2,
                recipient.postal_code,
                recipient.city,
                recipient.country,
            ) = address[2:7]
        recipient.note = "; ".join(notes)
        recipient.reasons = exclusion_reasons(
            Contactability(
                channel=self.channel,
                customer_blocked=bool(blocked),
                customer_block_reason=block_reason,
                contact_name=recipient.contact_name,
                contact_blocked=bool(person is not None and person[12]),
                consent=self._consent(cid, person),
                has_email=bool(recipient.email.strip()),
                has_phone=bool(recipient.phone.strip() or recipient.mobile.strip()),
                has_mobile=bool(recipient.mobile.strip()),
                has_address=address is not None and bool(address[5].strip()),
            )
        )
        return recipient

    def _address(self, customer_id: str, notes: list[str]) -> tuple | None:
        kinds = self.addresses.get(customer_id, {})
        if self.address_kind in kinds:
            return kinds[self.address_kind]
        main = kinds.get(AddressKind.MAIN.value)
        if main is not None:
            notes.append(
                _("{kind} missing: main address used").format(
                    kind=AddressKind(self.address_kind).label
                )
            )
        return main

    def _consent(self, customer_id: str, person: tuple | None) -> str | None:
        own = newest(self.consents.get((customer_id, person[0]), [])) if person else None
        company = newest(self.consents.get((customer_id, None), []))
        return consent_refusal(self.channel, own, company)


def contact_choices(source, customer_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """A customer's live contact persons (id, "Eva Roth (Einkauf)") for picking one."""
    rows = dbapi(source).execute(
        "SELECT id, title, first_name, last_name, role FROM contact_person "
        "WHERE customer_id = ? AND deleted_at IS NULL "
        "ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE",
        (customer_id.hex,),
    )
    result = []
    for key, title, first, last, role in rows:
        name = " ".join(p for p in (title, first, last) if p)
        result.append((uuid.UUID(hex=key), f"{name} ({role})" if role else name))
    return result
