"""Demo history per customer: two years of logbook entries, open and done tasks with
their workflow steps, appointments in the coming weeks.

Rows are plain dicts for bulk inserts (services/demo.py). Times are drawn on working
days in office hours of the customer's country and stored in UTC; entries older than
the edit window are history, as they would be in a real store.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from salesdesk.domain.ids import new_id

ZONES = {"DE": "Europe/Berlin", "AT": "Europe/Vienna", "CH": "Europe/Zurich",
         "FR": "Europe/Paris", "GB": "Europe/London", "NL": "Europe/Amsterdam",
         "IT": "Europe/Rome"}
KINDS = ["visit"] * 30 + ["phone"] * 35 + ["email"] * 20 + ["letter"] * 4 + ["fair"] * 4 + \
    ["video"] * 5 + ["other"] * 2
REASONS = ["regular"] * 5 + ["order"] * 2 + ["price", "new_product", "complaint", ""]
COMMITMENTS = ["call_back"] * 4 + ["send_offer"] * 3 + ["provide_sample"] * 2 + \
    ["conclude_contract", "develop_test_product", "issue_invoice", "other"]

# (subject, notes, outcome) per language; {product} and {n} are filled in
TEXTS = {
    "de": [
        ("Jahresgespräch {year}", "Umsatz und Sortiment besprochen. Interesse an {product}; "
         "Preise für Staffel ab {n} Stück gewünscht.", "Angebot zusagen"),
        ("Reklamation Lieferung", "Lieferung unvollständig, {n} Kartons {product} fehlen. "
         "Ersatz zugesagt, Gutschrift geprüft.", "Ersatz geliefert"),
        ("Neuheiten vorgestellt", "Musterkoffer gezeigt, {product} kam gut an. Katalog und "
         "Preisliste dagelassen.", "Muster senden"),
        ("Rückruf wegen Angebot", "Angebot über {n} Stück {product} besprochen, Skonto "
         "gewünscht. Entscheidung nächste Woche.", "Nachfassen"),
        ("Besuch Filiale", "Regalfläche für {product} geprüft, Nachbestellung über {n} "
         "Stück aufgenommen.", "Auftrag erhalten"),
        ("Messegespräch", "Am Messestand getroffen: Straßenfest und Saisonware geplant, "
         "Bedarf {product} etwa {n} Stück.", "Termin vereinbart"),
        ("Konditionen", "Neue Konditionen ab Januar erklärt, Frachtfreigrenze und Zahlungsziel "
         "besprochen.", "Einverstanden"),
    ],
    "en": [
        ("Annual review {year}", "Discussed turnover and range. Interested in {product}; "
         "asked for scale prices from {n} pieces.", "Send offer"),
        ("Complaint about delivery", "Delivery incomplete, {n} boxes of {product} missing. "
         "Replacement promised, credit note checked.", "Replacement sent"),
        ("New products presented", "Showed the sample case, {product} went down well. Left "
         "catalogue and price list.", "Send samples"),
        ("Call back about offer", "Went through the offer for {n} pieces of {product}; they "
         "want a cash discount. Decision next week.", "Follow up"),
        ("Store visit", "Checked shelf space for {product}, took a reorder of {n} pieces.",
         "Order received"),
        ("Trade fair talk", "Met at our stand: planning the season, needs about {n} pieces "
         "of {product}.", "Appointment made"),
    ],
}
PRODUCTS = {
    "de": ["Arbeitshandschuhe", "Gartenschläuche", "LED-Leuchten", "Kaffeebecher",
           "Regenjacken", "Schrauben-Sortiment", "Thermoskannen", "Werkzeugkoffer"],
    "en": ["work gloves", "garden hoses", "LED lamps", "coffee mugs", "rain jackets",
           "screw assortments", "vacuum flasks", "tool cases"],
}
TASK_TITLES = {
    "de": {"call_back": "Zurückrufen", "send_offer": "Angebot senden",
           "provide_sample": "Muster schicken", "conclude_contract": "Rahmenvertrag abschließen",
           "develop_test_product": "Testprodukt entwickeln", "issue_invoice": "Rechnung stellen",
           "other": "Unterlagen nachreichen"},
    "en": {"call_back": "Call back", "send_offer": "Send offer",
           "provide_sample": "Send samples", "conclude_contract": "Conclude framework contract",
           "develop_test_product": "Develop test product", "issue_invoice": "Issue invoice",
           "other": "Send documents"},
}


class HistoryBuilder:
    """Makes the history rows of one customer; ``rows`` collects them per table."""

    def __init__(self, rng: random.Random, today: date, now: datetime, entries_per_customer:
                 float = 10.5, tasks_per_customer: float = 2.5):
        self.rng, self.today, self.now = rng, today, now
        self.entries_mean = entries_per_customer
        self.tasks_mean = tasks_per_customer
        self.rows: dict[str, list[dict]] = {k: [] for k in (
            "logbook", "logbook_contact", "task", "task_transition", "appointment")}
        self._zones: dict[str, ZoneInfo] = {}
        self.next_search_key = 1  # set from the store; saves the insert trigger an UPDATE

    def _meta(self, at: datetime, user: str) -> dict:
        return {"id": new_id(), "version": 0, "created_at": at, "updated_at": at,
                "updated_by": user, "deleted_at": None}

    def _zone(self, country: str) -> ZoneInfo:
        name = ZONES.get(country, "Europe/Berlin")
        if name not in self._zones:
            self._zones[name] = ZoneInfo(name)
        return self._zones[name]

    def _office_time(self, day: date, zone: ZoneInfo, start: int = 8, end: int = 18) -> datetime:
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        minute = self.rng.randrange(start * 60, end * 60, 5)
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
        return local.astimezone(UTC)

    def customer(self, cid, rep_id, rep_login: str, language: str, country: str,
                 contact_ids: list, location: str) -> datetime | None:
        """History of one customer; returns its last contact time."""
        rng = self.rng
        lang = "de" if language == "de" else "en"
        zone = self._zone(country)
        last = None
        count = min(60, int(rng.expovariate(1 / self.entries_mean))) if self.entries_mean \
            else 0
        for _ in range(count):
            day = self.today - timedelta(days=rng.randint(1, 730))
            at = self._office_time(day, zone)
            subject, notes, outcome = rng.choice(TEXTS[lang])
            product = rng.choice(PRODUCTS[lang])
            n = rng.choice([12, 24, 50, 100, 250, 500])
            kind = rng.choice(KINDS)
            entry = self._meta(at, rep_login) | {
                "customer_id": cid, "user_id": rep_id, "author": rep_login, "occurred_at": at,
                "duration_minutes": rng.choice([5, 10, 15, 30, 45, 60, 90]) if kind != "email"
                else 0,
                "kind": kind, "subject": subject.format(year=day.year),
                "notes": notes.format(product=product, n=n), "outcome": outcome,
                "reason_code": rng.choice(REASONS), "follow_up_on": None, "mailing_id": None,
                "delete_reason": "", "search_key": self.next_search_key,
            }
            self.next_search_key += 1
            self.rows["logbook"].append(entry)
            if contact_ids and rng.random() < 0.6:
                self.rows["logbook_contact"].append(self._meta(at, rep_login) | {
                    "entry_id": entry["id"], "contact_id": rng.choice(contact_ids)})
            last = at if last is None or at > last else last
        for _ in range(int(rng.expovariate(1 / self.tasks_mean)) if self.tasks_mean else 0):
            self._task(cid, rep_id, rep_login, lang, zone, contact_ids)
        if rng.random() < 0.3:
            self._appointment(cid, rep_id, rep_login, lang, zone, location)
        return last

    def _task(self, cid, rep_id, rep_login, lang, zone, contact_ids) -> None:
        rng = self.rng
        kind = rng.choice(COMMITMENTS)
        roll = rng.random()
        if roll < 0.68:
            status = rng.choice(["confirmed"] * 3 + ["rejected"])
            due = self.today - timedelta(days=rng.randint(1, 700))
        elif roll < 0.72:
            status, due = "cancelled", self.today - timedelta(days=rng.randint(1, 400))
        else:
            status = rng.choice(["assigned"] * 5 + ["in_progress"] * 3 + ["on_hold"])
            due = self.today + timedelta(days=rng.randint(-20, 45))
        created = self._office_time(min(due, self.today) - timedelta(days=rng.randint(1, 21)),
                                    zone)  # planned in the past, for a day in the future
        remind = None
        if status in ("assigned", "in_progress") and due >= self.today and rng.random() < 0.2:
            remind = datetime.combine(due, time(8, 0), tzinfo=zone).astimezone(UTC)
        done_at = None
        if status in ("confirmed", "rejected", "cancelled"):  # (weekends move both back)
            done_at = max(self._office_time(due, zone), created + timedelta(minutes=30))
        task = self._meta(created, rep_login) | {
            "title": TASK_TITLES[lang][kind], "customer_id": cid,
            "contact_id": rng.choice(contact_ids) if contact_ids and rng.random() < 0.5
            else None,
            "assignee_id": rep_id, "creator_id": rep_id, "due_on": due, "remind_at": remind,
            "reminder_dismissed": done_at is not None, "priority": rng.choice([1, 2, 2, 2, 3]),
            "kind": kind, "description": "", "status": status, "completed_at": done_at,
            "logbook_entry_id": None, "recurrence": "", "series_id": None,
        }
        if done_at is not None:
            task["updated_at"] = done_at
        self.rows["task"].append(task)
        self.rows["task_transition"].append(self._meta(created, rep_login) | {
            "task_id": task["id"], "from_status": "", "to_status": "assigned",
            "changed_at": created, "changed_by": rep_login, "comment": ""})
        if status != "assigned":
            at = done_at or min(self.now, created + timedelta(days=1))
            self.rows["task_transition"].append(self._meta(at, rep_login) | {
                "task_id": task["id"], "from_status": "assigned", "to_status": status,
                "changed_at": at, "changed_by": rep_login, "comment": ""})

    def _appointment(self, cid, rep_id, rep_login, lang, zone, location) -> None:
        rng = self.rng
        day = self.today + timedelta(days=rng.randint(0, 27))
        if day.weekday() >= 5:
            day += timedelta(days=7 - day.weekday())
        start = self._office_time(day, zone, 8, 17)
        minutes = rng.choice([30, 60, 60, 90, 120])
        subject = {"de": ["Besuch", "Jahresgespräch", "Präsentation Neuheiten",
                          "Konditionsgespräch"],
                   "en": ["Visit", "Annual review", "New products", "Terms meeting"]}[lang]
        self.rows["appointment"].append(self._meta(self.now, rep_login) | {
            "subject": rng.choice(subject), "customer_id": cid, "organizer_id": rep_id,
            "starts_at": start, "ends_at": start + timedelta(minutes=minutes),
            "time_zone": zone.key, "location": location,
            "remind_at": start - timedelta(minutes=30) if rng.random() < 0.5 else None,
            "reminder_dismissed": False, "notes": "", "status": "planned",
            "logbook_entry_id": None,
        })
