"""Demo pricing: a believable catalogue and conditions that obey the rules of real data."""

import json
import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from sqlalchemy import select
from stdnum import ean

from salesdesk.domain.pricing import (
    INCOTERMS_2020,
    KeyKind,
    PaymentTerms,
    check_base_price,
    check_no_overlap,
    check_payment_terms,
    check_scales,
)
from salesdesk.domain.pricing import ConditionRecord as Rule
from salesdesk.services import pricing as ps
from salesdesk.services.demo import make_demo_data
from salesdesk.services.demo_pricing import RATES, RETURN_CONDITIONS
from salesdesk.store.engine import open_store
from salesdesk.store.models import Customer

TODAY = date.today()
CURRENCIES = ("EUR", "GBP", "CHF")
# types whose values or thresholds are amounts: records of one key in different
# currencies live side by side (one applies per line's currency)
MONEY_TYPES = tuple(sorted(code for code, ctype in ps.types_by_code().items()
                           if ctype.in_money))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("demo-pricing") / "data", user="tester")
    counts = make_demo_data(store, customers=400, seed=11, history=False)
    yield store, counts
    store.close()


def _all(store, sql, params=()):
    return store.reader().execute(sql, params).fetchall()


def _valid_today(alias="r"):
    day = TODAY.isoformat()
    return (f"{alias}.released = 1 AND {alias}.valid_from <= '{day}' AND "
            f"({alias}.valid_to IS NULL OR {alias}.valid_to >= '{day}')")


def _overlaps(store) -> int:
    """Records of one type and key (and currency, for amounts) valid on a common day."""
    money = ", ".join(f"'{code}'" for code in MONEY_TYPES)
    return _all(store, f"""
        SELECT count(*) FROM condition_record a JOIN condition_record b
          ON a.type_code = b.type_code AND a.key_kind = b.key_kind AND a.key1 = b.key1
         AND a.key2 = b.key2 AND a.id < b.id
         AND (a.currency = b.currency OR a.type_code NOT IN ({money}))
        WHERE (a.valid_to IS NULL OR b.valid_from <= a.valid_to)
          AND (b.valid_to IS NULL OR a.valid_from <= b.valid_to)""")[0][0]


def test_counts_match_the_tables(demo):
    store, counts = demo
    for table, key in (("article", "articles"), ("price_list", "price_lists"),
                       ("condition_record", "condition_records"),
                       ("customer_turnover", "customer_turnovers")):
        assert _all(store, f"SELECT count(*) FROM {table}")[0][0] == counts[key] > 0
    assert 250 <= counts["articles"] <= 350 and counts["price_lists"] == 5


def test_no_two_records_of_one_key_overlap(demo):
    store, _ = demo
    assert _overlaps(store) == 0
    # the same through the domain's check, record by record
    by_key = defaultdict(list)
    for rid, code, kind, k1, k2, first, last, scales, released, currency in _all(
            store, "SELECT id, type_code, key_kind, key1, key2, valid_from, valid_to, scales, "
                   "released, currency FROM condition_record"):
        by_key[(code, kind, k1, k2, currency if code in MONEY_TYPES else "")].append(Rule(
            rid, code, KeyKind(kind), (k1, k2) if k2 else (k1,), date.fromisoformat(first),
            date.fromisoformat(last) if last else None, ps.scales_from_json(scales),
            bool(released), currency=currency))
    for records in by_key.values():
        for record in records:
            check_no_overlap("demo", record, records)
    # successors and ended records exist, so the check had something to do
    chained = [r for r in by_key.values() if len(r) > 1]
    assert {r[0].type_code for r in chained} >= {"PRICE", "GROUP_DISCOUNT", "FREIGHT"}
    assert any(r.valid_to and r.valid_to < TODAY for rs in by_key.values() for r in rs)


def test_every_scale_passes_the_checks_of_its_type(demo):
    store, _ = demo
    types = ps.types_by_code()
    rows = _all(store, "SELECT type_code, key_kind, scales, turnover_period, currency "
                       "FROM condition_record")
    assert {row[0] for row in rows} == set(types)  # every condition type is shown
    assert {row[1] for row in rows} == {kind.value for kind in KeyKind}
    for code, kind, text, period, currency in rows:
        ctype = types[code]
        assert KeyKind(kind) in ctype.access
        scales = ps.scales_from_json(text)
        check_scales(code, scales, ctype.calculation)
        if code == "PRICE":
            check_base_price(code, scales)
            assert all(s.value > 0 for s in scales)
        if code == "TURNOVER_BONUS":
            assert period in ("month", "quarter", "half_year", "year") and len(scales) in (2, 3)
            assert all(s.value < 0 for s in scales)  # a bonus lowers the price
        else:
            assert period == ""
        assert currency in ("EUR", "GBP", "CHF")
    quantity_scales = [t for code, _, t, _, _ in rows
                       if code == "PRICE" and len(json.loads(t)) > 1]
    assert len(quantity_scales) > 50


def _converted(value: D, currency: str) -> D:
    """The demo's conversion of a EUR list price: half-up to 0.01, CHF to 0.05."""
    step = D("0.05") if currency == "CHF" else D("0.01")
    return (value * RATES[currency] / step).quantize(D(1), ROUND_HALF_UP) * step


def test_every_active_article_has_a_list_price_today(demo):
    store, _ = demo
    for currency in CURRENCIES:
        without = _all(store, f"""
            SELECT a.number FROM article a WHERE a.active = 1 AND NOT EXISTS (
              SELECT 1 FROM condition_record r WHERE r.type_code = 'PRICE'
                 AND r.key_kind = 'article' AND r.key1 = a.id AND r.currency = ?
                 AND {_valid_today()})""", (currency,))
        assert without == [], currency
    # one list price per article and currency today, on the list of that currency; the
    # GBP and CHF prices are the EUR ones at the demo rate, scale by scale
    prices = defaultdict(dict)
    for article, currency, listed, scales in _all(store, f"""
            SELECT r.key1, r.currency, l.currency, r.scales FROM condition_record r
            JOIN price_list l ON l.id = r.price_list_id
            WHERE r.type_code = 'PRICE' AND r.key_kind = 'article' AND {_valid_today()}"""):
        assert currency == listed and currency not in prices[article]
        prices[article][currency] = ps.scales_from_json(scales)
    assert prices and all(set(p) == set(CURRENCIES) for p in prices.values())
    for by_currency in prices.values():
        for currency in ("GBP", "CHF"):
            assert [(s.threshold, s.value) for s in by_currency[currency]] == [
                (s.threshold, _converted(s.value, currency)) for s in by_currency["EUR"]]
    # inactive articles are priced no longer; their old list price is kept (per currency)
    inactive = _all(store, f"""
        SELECT a.number, r.currency, count(*), sum({_valid_today()}) FROM article a
        JOIN condition_record r ON r.key1 = a.id AND r.key_kind = 'article'
         AND r.type_code = 'PRICE' WHERE a.active = 0 GROUP BY a.number, r.currency""")
    assert inactive and all(total == 1 and today == 0 for _, _, total, today in inactive)
    assert len(inactive) == 3 * len({number for number, *_ in inactive})


def test_the_catalogue_looks_real(demo):
    store, _ = demo
    articles = _all(store, "SELECT number, name, names, unit, pack_size, season, ean, "
                           "product_group_id FROM article")
    assert all(ean.is_valid(row[6]) and len(row[6]) == 13 for row in articles)
    assert len({row[6] for row in articles}) == len(articles)
    assert {row[3] for row in articles} == {"pcs", "pair", "box", "m", "kg"}
    assert {row[5] for row in articles} >= {f"FS{TODAY.year % 100}", f"HW{TODAY.year % 100}"}
    assert any(row[4] > 1 for row in articles)
    for row in articles:
        names = json.loads(row[2])
        assert set(names) == {"en", "fr"} and all(names.values())
    parents = dict(_all(store, "SELECT id, parent_id FROM product_group"))
    depth = {g: 1 + (parents[g] is not None) + (parents.get(parents[g]) is not None)
             for g in parents}
    leaves = {g for g in parents if g not in parents.values()}
    assert sum(1 for p in parents.values() if p is None) == 6 and max(depth.values()) == 3
    assert 18 <= len(leaves) <= 25
    assert {row[7] for row in articles} == leaves  # articles hang on the leaves


def test_five_price_lists_and_an_upcoming_price_change(demo):
    store, _ = demo
    lists = _all(store, "SELECT l.code, l.name, l.currency, g.code, l.id FROM price_list l "
                        "LEFT JOIN price_group g ON g.id = l.price_group_id ORDER BY l.code")
    assert [row[:4] for row in lists] == [("FH", "Fachhandel", "EUR", "PG2"),
                                          ("GH", "Großhandel", "EUR", "PG3"),
                                          ("LISTE", "Listenpreise", "EUR", None),
                                          ("LISTE-CHF", "Listenpreise CHF", "CHF", None),
                                          ("LISTE-GBP", "List prices GBP", "GBP", None)]
    kinds = {code: {row for row in _all(
        store, "SELECT DISTINCT key_kind, currency FROM condition_record "
               "WHERE price_list_id = ?", (lid,))} for code, _, _, _, lid in lists}
    assert kinds == {"FH": {("price_group_article", "EUR")},
                     "GH": {("price_group_article", "EUR")},
                     "LISTE": {("article", "EUR")}, "LISTE-CHF": {("article", "CHF")},
                     "LISTE-GBP": {("article", "GBP")}}
    first = (TODAY.replace(day=28) + timedelta(days=4)).replace(day=1)
    changes = _all(store, """
        SELECT old.scales, new.scales FROM condition_record old JOIN condition_record new
          ON new.key1 = old.key1 AND new.key2 = old.key2 AND new.type_code = old.type_code
         AND new.valid_from = ? AND old.valid_to = ?
         JOIN price_list l ON l.id = old.price_list_id AND l.id = new.price_list_id
        WHERE l.code = 'FH'""", (first.isoformat(), (first - timedelta(days=1)).isoformat()))
    active = _all(store, "SELECT count(*) FROM article WHERE active = 1")[0][0]
    assert len(changes) == active
    assert all(ps.scales_from_json(new)[0].value > ps.scales_from_json(old)[0].value
               for old, new in changes)


def _expected_base(store, customer_id, price_group, article_id) -> str:
    found = _all(store, f"""SELECT 1 FROM condition_record r WHERE r.type_code = 'PRICE'
        AND r.key_kind = 'customer_article' AND r.key1 = ? AND r.key2 = ?
        AND {_valid_today()}""", (customer_id, article_id))
    if found:
        return "customer_article"
    return "price_group_article" if price_group in ("PG2", "PG3") else "article"


def test_lines_are_priced_and_the_customers_own_records_win(demo):
    store, _ = demo
    reader = store.reader()
    customers = _all(store, "SELECT c.number, c.id, coalesce(g.code, '') FROM customer c "
                            "LEFT JOIN price_group g ON g.id = c.price_group_id ORDER BY number")
    articles = _all(store, "SELECT number, id FROM article WHERE active = 1 ORDER BY number")
    rng = random.Random(5)
    bases = set()
    for number, cid, group in customers[::8]:
        for art_number, aid in rng.sample(articles, 4):
            result = ps.price_line(reader, number, art_number, D(1), TODAY)
            assert result.net_value > 0 and result.net_unit_price > 0
            base = result.applied[0]
            assert base.type_code == "PRICE"
            assert base.key_kind.value == _expected_base(store, cid, group, aid)
            bases.add(base.key_kind.value)
    assert bases >= {"price_group_article", "article"}

    # customers abroad: a price in their own currency, never one of the EUR lists
    currencies = dict(_all(store, "SELECT id, currency FROM condition_record"))
    foreign = _all(store, "SELECT c.number, c.currency, g.code FROM customer c "
                          "JOIN price_group g ON g.id = c.price_group_id "
                          "WHERE c.main_country IN ('GB', 'CH') ORDER BY c.number")
    assert {currency for _, currency, _ in foreign} == {"GBP", "CHF"}
    assert {group for _, _, group in foreign} == {"PG4"}  # export: no EUR dealer list
    seen = set()
    for number, currency, _ in foreign[::3]:
        for art_number, _ in rng.sample(articles, 3):
            result = ps.price_line(reader, number, art_number, D(1), TODAY)
            assert result.net_value > 0 and result.net_unit_price > 0
            base = result.applied[0]
            assert base.type_code == "PRICE" and currencies[base.record_id] == currency
            assert all(currencies[a.record_id] == currency for a in result.applied
                       if a.type_code in MONEY_TYPES)
            assert all(currencies[a.record_id] == currency for a in result.document)
            seen.add(currency)
    assert seen == {"GBP", "CHF"}

    # a customer price valid today beats the price lists
    prices = _all(store, f"""SELECT c.number, a.number, r.id, r.scales FROM condition_record r
        JOIN customer c ON c.id = r.key1 JOIN article a ON a.id = r.key2
        WHERE r.type_code = 'PRICE' AND r.key_kind = 'customer_article' AND {_valid_today()}
        ORDER BY c.number, a.number""")
    assert len(prices) > 20
    for customer, article, rid, scales in prices[:40]:
        result = ps.price_line(reader, customer, article, D(1), TODAY)
        assert (result.applied[0].record_id, result.applied[0].rate) == \
            (rid, ps.scales_from_json(scales)[0].value)

    # a customer's product-group discount beats every other group discount
    discounts = _all(store, f"""SELECT c.number, r.key1, r.key2 FROM condition_record r
        JOIN customer c ON c.id = r.key1
        WHERE r.type_code = 'GROUP_DISCOUNT' AND r.key_kind = 'customer_product_group'
          AND {_valid_today()} ORDER BY c.number, r.key2""")
    parents = dict(_all(store, "SELECT id, parent_id FROM product_group"))
    by_group = defaultdict(list)
    for number, group in _all(store, "SELECT number, product_group_id FROM article "
                                     "WHERE active = 1 ORDER BY number"):
        while group:
            by_group[group].append(number)
            group = parents[group]
    assert len(discounts) > 20
    for customer, _, group in discounts[:40]:
        result = ps.price_line(reader, customer, by_group[group][0], D(1), TODAY)
        won = [a for a in result.applied if a.type_code == "GROUP_DISCOUNT"]
        assert len(won) == 1 and won[0].key_kind is KeyKind.CUSTOMER_PRODUCT_GROUP
        assert won[0].rate < 0 and won[0].value < 0

    # turnover bonus: the top tier for a turnover above it; freight on the document
    bonuses = _all(store, f"""SELECT c.number, r.id, r.scales FROM condition_record r
        JOIN customer c ON c.id = r.key1 WHERE r.type_code = 'TURNOVER_BONUS'
        AND {_valid_today()} ORDER BY c.number LIMIT 10""")
    assert bonuses
    for customer, rid, scales in bonuses:
        top = ps.scales_from_json(scales)[-1]
        result = ps.price_line(reader, customer, articles[0][0], D(1), TODAY,
                               turnover=top.threshold)
        assert [(a.record_id, a.rate) for a in result.applied
                if a.type_code == "TURNOVER_BONUS"] == [(rid, top.value)]
    freights = _all(store, f"""SELECT c.number, r.id FROM condition_record r
        JOIN customer c ON c.id = r.key1 WHERE r.type_code = 'FREIGHT' AND {_valid_today()}
        ORDER BY c.number LIMIT 10""")
    assert freights
    for customer, rid in freights:
        result = ps.price_line(reader, customer, articles[0][0], D(1), TODAY)
        assert [a.record_id for a in result.document if a.type_code == "FREIGHT"] == [rid]


def test_most_customers_have_something_of_their_own(demo):
    store, _ = demo
    total = _all(store, "SELECT count(*) FROM customer")[0][0]
    own = _all(store, "SELECT count(DISTINCT key1) FROM condition_record WHERE key_kind IN "
                      "('customer', 'customer_article', 'customer_product_group')")[0][0]
    assert own > total / 2
    shares = dict(_all(store, """SELECT type_code || '/' || key_kind, count(DISTINCT key1)
        FROM condition_record GROUP BY 1"""))
    assert 0.12 * total < shares["PRICE/customer_article"] < 0.3 * total
    assert 0.15 * total < shares["GROUP_DISCOUNT/customer_product_group"] < 0.35 * total
    assert 0.04 * total < shares["TURNOVER_BONUS/customer"] < 0.18 * total
    drafts = _all(store, "SELECT type_code, key_kind, valid_from FROM condition_record "
                         "WHERE released = 0")
    assert drafts and all(row[:2] == ("PRICE", "customer_article") for row in drafts)
    assert all(row[2] > TODAY.isoformat() for row in drafts)
    promotions = _all(store, "SELECT valid_from, valid_to FROM condition_record "
                             "WHERE type_code = 'PROMOTION' AND key_kind = 'article'")
    assert promotions and all(last is not None for _, last in promotions)
    assert any(first <= TODAY.isoformat() <= last for first, last in promotions)


def test_amounts_for_a_customer_are_in_their_currency(demo):
    store, _ = demo
    money = ", ".join(f"'{code}'" for code in MONEY_TYPES)
    mismatched = _all(store, """
        SELECT c.number, r.type_code, r.currency, c.currency FROM condition_record r
        JOIN customer c ON c.id = r.key1
        WHERE r.key_kind IN ('customer', 'customer_article', 'customer_product_group')
          AND r.currency != c.currency""")
    assert mismatched == []
    assert _all(store, "SELECT count(*) FROM customer_turnover t JOIN customer c "
                       "ON c.id = t.customer_id WHERE t.currency != c.currency")[0][0] == 0
    shown = _all(store, f"""SELECT DISTINCT r.currency, r.type_code FROM condition_record r
        JOIN customer c ON c.id = r.key1 WHERE r.type_code IN ({money})""")
    assert {currency for currency, _ in shown} == set(CURRENCIES)
    # the copper surcharge per metre exists in each currency, converted like the prices
    copper = defaultdict(dict)
    for article, currency, scales in _all(store, """SELECT key1, currency, scales
            FROM condition_record WHERE type_code = 'SURCHARGE' AND key_kind = 'article'"""):
        copper[article][currency] = ps.scales_from_json(scales)[0].value
    assert copper and all(set(c) == set(CURRENCIES) for c in copper.values())
    assert all(c[cur] == _converted(c["EUR"], cur) > 0 for c in copper.values()
               for cur in ("GBP", "CHF"))


def test_turnover_rows_behind_every_bonus(demo):
    store, _ = demo
    bonuses = _all(store, "SELECT DISTINCT key1, turnover_period FROM condition_record "
                          "WHERE type_code = 'TURNOVER_BONUS'")
    rows = defaultdict(list)
    for cid, first, last, amount in _all(
            store, "SELECT customer_id, period_start, period_end, amount FROM "
                   "customer_turnover ORDER BY customer_id, period_start"):
        rows[cid].append((date.fromisoformat(first), date.fromisoformat(last), amount))
    assert set(rows) == {cid for cid, _ in bonuses}
    for cid, period in bonuses:
        spans = rows[cid]
        assert len(spans) == (12 if period == "month" else 4)
        assert spans[-1][1] < TODAY and (TODAY - spans[-1][1]).days <= 92
        assert all(b[0] == a[1] + timedelta(days=1) for a, b in zip(spans, spans[1:], strict=False))
        assert all(amount > 0 for _, _, amount in spans)


def test_terms_invoice_recipient_and_returns(demo):
    store, _ = demo
    terms = _all(store, "SELECT code, net_days, cash_discounts FROM payment_term")
    stages = set()
    for code, net, text in terms:
        parsed = PaymentTerms(net, tuple((D(p), days) for p, days in json.loads(text)))
        assert check_payment_terms(code, parsed) == parsed
        stages.add(len(parsed.cash_discounts))
    assert stages == {0, 1, 2} and any(net == 0 for _, net, _ in terms)
    delivery = _all(store, "SELECT incoterm, incoterm_place, free_freight_threshold, "
                           "minimum_order FROM delivery_term")
    assert {row[0] for row in delivery} >= {"EXW", "DAP", "DDP"}
    assert all(row[0] in INCOTERMS_2020 and row[1] for row in delivery)
    assert any(row[2] for row in delivery) and any(row[3] for row in delivery)
    used = _all(store, "SELECT count(DISTINCT payment_term_id), count(DISTINCT delivery_term_id) "
                       "FROM customer")[0]
    assert used == (len(terms), len(delivery))

    branches = _all(store, "SELECT c.invoice_recipient_id, c.parent_id, p.parent_id, "
                           "c.main_country, p.main_country FROM customer c "
                           "JOIN customer p ON p.id = c.parent_id")
    assert branches
    assert all(recipient in (None, parent) and grand is None and own == theirs
               for recipient, parent, grand, own, theirs in branches)
    assert any(row[0] for row in branches)
    assert _all(store, "SELECT count(*) FROM customer WHERE invoice_recipient_id IS NOT NULL "
                       "AND parent_id IS NULL")[0][0] == 0
    returns = _all(store, "SELECT language, return_conditions FROM customer "
                          "WHERE return_conditions != ''")
    assert {lang for lang, _ in returns} == {"de", "en", "fr"}
    assert all(text in RETURN_CONDITIONS[lang] for lang, text in returns)  # in their language
    with store.session() as session:
        discounts = session.scalars(select(Customer.collection_discount).where(
            Customer.collection_discount.is_not(None))).all()
    assert discounts and set(discounts) <= {D("1"), D("1.5"), D("2"), D("3")}


def _content(store) -> dict:
    """What the demo made, with ids replaced by the numbers and codes people see."""
    names = {}
    for table, column in (("customer", "number"), ("article", "number"),
                          ("product_group", "code"), ("price_group", "code"),
                          ("customer_group", "code"), ("price_list", "code")):
        names.update(dict(_all(store, f"SELECT id, {column} FROM {table}")))

    def name(value):
        return names.get(value, value)

    return {
        "records": sorted(
            (code, kind, name(k1), name(k2), first, last, released, currency, scales,
             name(lid), note, period)
            for code, kind, k1, k2, first, last, released, currency, scales, lid, note, period
            in _all(store, "SELECT type_code, key_kind, key1, key2, valid_from, valid_to, "
                           "released, currency, scales, price_list_id, note, turnover_period "
                           "FROM condition_record")),
        "articles": _all(store, "SELECT a.number, a.name, a.names, g.code, a.unit, "
                                "a.pack_size, a.season, a.ean, a.active FROM article a JOIN "
                                "product_group g ON g.id = a.product_group_id ORDER BY 1"),
        "customers": [tuple(name(v) for v in row) for row in _all(
            store, "SELECT number, parent_id, invoice_recipient_id, return_conditions, "
                   "collection_discount FROM customer ORDER BY number")],
        "turnover": sorted((name(c), a, b, amount) for c, a, b, amount in _all(
            store, "SELECT customer_id, period_start, period_end, amount "
                   "FROM customer_turnover")),
    }


def test_the_same_seed_makes_the_same_pricing(tmp_path):
    contents = []
    for name, seed in (("a", 4), ("b", 4), ("c", 5)):
        store = open_store(tmp_path / name, user="tester")
        make_demo_data(store, customers=150, seed=seed, history=False)
        contents.append(_content(store))
        if name == "a":  # a second run adds customers and their pricing, not a catalogue
            before = contents[0]
            counts = make_demo_data(store, customers=60, seed=9, history=True)
            assert counts["articles"] == counts["price_lists"] == 0
            assert counts["condition_records"] > 30 and _overlaps(store) == 0
            after = _content(store)
            assert after["articles"] == before["articles"]
            assert set(before["records"]) < set(after["records"])
        store.close()
    assert len(contents[0]["records"]) > 1000
    assert contents[0] == contents[1]
    assert contents[0]["records"] != contents[2]["records"]
