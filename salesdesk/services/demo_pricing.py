"""Seeded demo pricing: product groups, articles, price lists and condition records.

The catalogue (product-group tree, ~300 articles with German, English and French names,
five price lists, a few global discounts, promotions and surcharges) is made once per
store; a later demo run reuses it. The per-customer part (customer prices, group
discounts, turnover bonuses and turnover, freight, drafts, invoice recipient, return
conditions, collection discount) is made in the customer batch loop of
services/demo.py with the same bulk inserts, so 100,000 customers stay cheap: no ORM
objects and no checking queries per row. The records obey the rules that
services/pricing.py enforces on save (rising scales, no negative price, no overlapping
validity per type and key — and, for amounts, currency) by construction;
tests/services/test_demo_pricing.py checks.

Currencies. Customers in GB pay in GBP, in CH in CHF (services/demo.py), and the engine
applies an amount only in the line's currency. So the list prices exist three times: the
EUR list ("Listenpreise") and two lists derived from it, "List prices GBP" and
"Listenpreise CHF" (no price group), whose records are the EUR list's records (article
key, same validity and quantity scales) converted at the fixed demo ``RATES``: GBP
rounded half-up to 0.01, CHF half-up to 0.05 as Swiss price lists are ("Rappenrundung");
the copper surcharge per metre is converted the same way. The dealer (PG2) and
key-account (PG3) lists stay in EUR, so customers abroad are never put in those groups:
they are in PG4 "Export", which has no list of its own, and pay the list price in their
currency. Everything made for one customer that is an amount (customer prices, special
packing, freight, turnover-bonus tiers) and their turnover rows are in the customer's
currency; their percentages are too, though a percentage applies in any currency.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from stdnum import ean

from salesdesk.domain.ids import new_id
from salesdesk.store.models import (
    Article,
    ConditionRecord,
    CustomerGroup,
    CustomerTurnover,
    PriceList,
    ProductGroup,
)
from salesdesk.store.types import utcnow

CENT = Decimal("0.01")
DAY = timedelta(days=1)
# demo exchange rates for the amounts agreed with customers outside the euro area
RATES = {"EUR": Decimal(1), "GBP": Decimal("0.86"), "CHF": Decimal("0.94")}
# the smallest step of a demo price: Swiss francs to 0.05 (Rappenrundung), else the cent
STEPS = {"CHF": Decimal("0.05")}
LIST_PRICES, DEALER_LIST, WHOLESALE_LIST = "LISTE", "FH", "GH"
# the list prices in the other currencies: code and name of each list, made from the EUR one
FOREIGN_LISTS = {"GBP": ("LISTE-GBP", "List prices GBP"),
                 "CHF": ("LISTE-CHF", "Listenpreise CHF")}

# A leaf: code, names (de, en, fr), unit, pack sizes, price range in EUR, items, variants.
# An item or variant is (de, en, fr); a variant may add its pack size. Fashion leaves
# have seasons. A node: code, names, children.
_COLOURS = [("schwarz", "black", "noir"), ("marine", "navy", "marine"),
            ("bordeaux", "burgundy", "bordeaux"), ("salbei", "sage", "sauge"),
            ("weiß", "white", "blanc")]


def _sizes(*sizes) -> list[tuple[str, str, str]]:
    return [(f"Gr. {s}", f"size {s}", f"taille {s}") for s in sizes]


_S = _sizes("S", "M", "L", "XL", "XXL")


def _same(*texts) -> list[tuple[str, str, str]]:
    return [(t, t.replace(",", "."), t) for t in texts]


@dataclass(frozen=True)
class _Leaf:
    code: str
    names: tuple[str, str, str]
    unit: str
    packs: tuple[int, ...]
    prices: tuple[int, int]
    items: list
    variants: list
    fashion: bool = False


TREE = [
    ("WORKWEAR", ("Arbeitskleidung", "Workwear", "Vêtements de travail"), [
        ("GLOVES", ("Handschuhe", "Gloves", "Gants"), [
            _Leaf("GLV-LEATHER", ("Lederhandschuhe", "Leather gloves", "Gants en cuir"),
                  "pair", (1, 12), (4, 18), [
                      ("Rindnappa-Handschuh", "Cowhide nappa glove", "Gant en nappa de bovin"),
                      ("Schweißerhandschuh", "Welding glove", "Gant de soudeur"),
                      ("Montagehandschuh Leder", "Leather assembly glove",
                       "Gant de montage en cuir")], _sizes(8, 9, 10, 11)),
            _Leaf("GLV-NITRILE", ("Nitrilhandschuhe", "Nitrile gloves", "Gants en nitrile"),
                  "box", (1,), (6, 16), [
                      ("Nitril-Einweghandschuh puderfrei, 100 Stück",
                       "Disposable nitrile glove, powder-free, 100 pieces",
                       "Gant jetable en nitrile non poudré, 100 pièces"),
                      ("Nitril-Schutzhandschuh beschichtet, 12 Paar",
                       "Nitrile-coated safety glove, 12 pairs",
                       "Gant de protection enduit nitrile, 12 paires")], _S[:4]),
            _Leaf("GLV-CUT", ("Schnittschutzhandschuhe", "Cut-resistant gloves",
                              "Gants anti-coupure"), "pair", (1, 6), (7, 24), [
                      (f"Schnittschutzhandschuh Klasse {c}", f"Cut-resistant glove level {c}",
                       f"Gant anti-coupure niveau {c}") for c in "CDF"], _sizes(7, 8, 9, 10)),
        ]),
        _Leaf("JACKETS", ("Arbeitsjacken", "Work jackets", "Vestes de travail"), "pcs", (1,),
              (25, 120), [("Bundjacke", "Work jacket", "Blouson de travail"),
                          ("Softshelljacke", "Softshell jacket", "Veste softshell"),
                          ("Warnschutzjacke", "High-visibility jacket",
                           "Veste haute visibilité"),
                          ("Winterjacke gefüttert", "Lined winter jacket",
                           "Veste d'hiver doublée")], _S),
        _Leaf("TROUSERS", ("Arbeitshosen", "Work trousers", "Pantalons de travail"), "pcs",
              (1,), (20, 70), [("Bundhose", "Work trousers", "Pantalon de travail"),
                               ("Latzhose", "Bib overalls", "Salopette"),
                               ("Arbeitsshorts", "Work shorts", "Short de travail")],
              _sizes(46, 50, 54, 58)),
        _Leaf("SHOES", ("Sicherheitsschuhe", "Safety shoes", "Chaussures de sécurité"),
              "pair", (1,), (45, 140), [
                  ("Sicherheitshalbschuh S3", "Safety shoe S3, low",
                   "Chaussure de sécurité basse S3"),
                  ("Sicherheitsstiefel S3", "Safety boot S3", "Botte de sécurité S3"),
                  ("Sicherheitssandale S1", "Safety sandal S1", "Sandale de sécurité S1")],
              _sizes(39, 41, 42, 43, 44, 46)),
    ]),
    ("FASHION", ("Mode", "Fashion", "Mode"), [
        ("WOMEN", ("Damenmode", "Womenswear", "Mode femme"), [
            _Leaf("DRESSES", ("Kleider", "Dresses", "Robes"), "pcs", (1,), (39, 129), [
                ("Jerseykleid", "Jersey dress", "Robe en jersey"),
                ("Blusenkleid", "Shirt dress", "Robe chemise"),
                ("Strickkleid", "Knitted dress", "Robe en maille")], _COLOURS, True),
            _Leaf("BLOUSES", ("Blusen", "Blouses", "Chemisiers"), "pcs", (1,), (29, 89), [
                ("Leinenbluse", "Linen blouse", "Chemisier en lin"),
                ("Seidenbluse", "Silk blouse", "Chemisier en soie"),
                ("Hemdbluse", "Shirt blouse", "Chemisier classique")], _COLOURS, True),
        ]),
        ("MEN", ("Herrenmode", "Menswear", "Mode homme"), [
            _Leaf("SHIRTS", ("Hemden", "Shirts", "Chemises"), "pcs", (1,), (25, 79), [
                ("Businesshemd Slim Fit", "Business shirt, slim fit",
                 "Chemise de ville coupe ajustée"),
                ("Flanellhemd", "Flannel shirt", "Chemise en flanelle"),
                ("Poloshirt", "Polo shirt", "Polo")], _COLOURS, True),
            _Leaf("KNITWEAR", ("Strickwaren", "Knitwear", "Maille"), "pcs", (1,), (39, 149), [
                ("Merino-Pullover", "Merino jumper", "Pull en mérinos"),
                ("Strickjacke", "Cardigan", "Gilet"),
                ("Rollkragenpullover", "Roll-neck jumper", "Pull col roulé")], _COLOURS, True),
        ]),
        _Leaf("ACCESSORIES", ("Accessoires", "Accessories", "Accessoires"), "pcs", (1,),
              (12, 69), [("Ledergürtel", "Leather belt", "Ceinture en cuir"),
                         ("Wollschal", "Wool scarf", "Écharpe en laine"),
                         ("Strickmütze", "Knitted hat", "Bonnet"),
                         ("Lederhandschuhe gefüttert", "Lined leather gloves",
                          "Gants en cuir doublés")], _COLOURS[:4], True),
    ]),
    ("TOOLS", ("Werkzeuge", "Tools", "Outillage"), [
        _Leaf("HANDTOOLS", ("Handwerkzeuge", "Hand tools", "Outils à main"), "pcs", (1,),
              (8, 35), [("Kombizange", "Combination pliers", "Pince universelle"),
                        ("Seitenschneider", "Side cutters", "Pince coupante"),
                        ("Wasserpumpenzange", "Water pump pliers", "Pince multiprise"),
                        ("Schraubendreher Schlitz", "Slotted screwdriver", "Tournevis plat")],
              _same("160 mm", "180 mm", "250 mm")),
        _Leaf("POWERTOOLS", ("Elektrowerkzeuge", "Power tools", "Outillage électrique"), "pcs",
              (1,), (79, 349), [
                  ("Akku-Bohrschrauber 18 V", "Cordless drill driver 18 V",
                   "Perceuse-visseuse sans fil 18 V"),
                  ("Akku-Winkelschleifer 125 mm", "Cordless angle grinder 125 mm",
                   "Meuleuse d'angle sans fil 125 mm"),
                  ("Akku-Stichsäge", "Cordless jigsaw", "Scie sauteuse sans fil"),
                  ("Akku-Bohrhammer SDS-plus", "Cordless SDS-plus rotary hammer",
                   "Perforateur SDS-plus sans fil")],
              [("ohne Akku", "bare tool", "sans batterie"),
               ("mit 2 Akkus 4,0 Ah", "with 2 batteries 4.0 Ah", "avec 2 batteries 4,0 Ah"),
               ("im Koffer", "in a case", "en coffret")]),
        _Leaf("MEASURING", ("Messwerkzeuge", "Measuring tools", "Instruments de mesure"),
              "pcs", (1,), (6, 180), [
                  ("Wasserwaage 60 cm", "Spirit level 60 cm", "Niveau à bulle 60 cm"),
                  ("Wasserwaage 120 cm", "Spirit level 120 cm", "Niveau à bulle 120 cm"),
                  ("Gliedermaßstab 2 m", "Folding rule 2 m", "Mètre pliant 2 m"),
                  ("Bandmaß 5 m", "Tape measure 5 m", "Mètre ruban 5 m"),
                  ("Bandmaß 8 m", "Tape measure 8 m", "Mètre ruban 8 m"),
                  ("Laser-Entfernungsmesser 50 m", "Laser distance meter 50 m",
                   "Télémètre laser 50 m"),
                  ("Kreuzlinienlaser", "Cross-line laser", "Laser lignes croisées"),
                  ("Messschieber digital", "Digital caliper", "Pied à coulisse numérique")],
              [("", "", "")]),
    ]),
    ("FASTENERS", ("Befestigungstechnik", "Fasteners", "Fixations"), [
        _Leaf("SCREWS", ("Schrauben", "Screws", "Vis"), "box", (100, 200, 500), (5, 40), [
            ("Spanplattenschraube", "Chipboard screw", "Vis à aggloméré"),
            ("Holzbauschraube", "Timber construction screw", "Vis de charpente"),
            ("Edelstahlschraube A2", "Stainless steel screw A2", "Vis inox A2")],
            _same("4 × 40", "4 × 50", "5 × 60", "6 × 80", "8 × 120")),
        _Leaf("ANCHORS", ("Dübel", "Wall plugs", "Chevilles"), "box", (50, 100), (3, 25), [
            ("Spreizdübel", "Expansion plug", "Cheville à expansion"),
            ("Universaldübel", "Universal plug", "Cheville universelle"),
            ("Hohlraumdübel", "Cavity anchor", "Cheville pour corps creux")],
            _same("6 mm", "8 mm", "10 mm")),
        _Leaf("NAILS", ("Nägel", "Nails", "Clous"), "kg", (1, 5), (4, 15), [
            ("Drahtstift blank", "Bright wire nail", "Pointe tête plate"),
            ("Drahtstift verzinkt", "Galvanised wire nail", "Pointe galvanisée"),
            ("Dachpappstift", "Roofing nail", "Clou de couverture")],
            _same("2,0 × 40", "2,8 × 65", "3,1 × 80")),
    ]),
    ("ELECTRICAL", ("Elektroinstallation", "Electrical installation",
                    "Installation électrique"), [
        _Leaf("CABLES", ("Kabel und Leitungen", "Cables", "Câbles"), "m", (50, 100), (1, 4), [
            ("Mantelleitung NYM-J", "Sheathed cable NYM-J", "Câble sous gaine NYM-J"),
            ("Erdkabel NYY-J", "Underground cable NYY-J", "Câble enterré NYY-J"),
            ("Gummischlauchleitung H07RN-F", "Rubber cable H07RN-F", "Câble souple H07RN-F")],
            _same("3 × 1,5 mm²", "5 × 1,5 mm²", "3 × 2,5 mm²", "5 × 2,5 mm²")),
        _Leaf("LAMPS", ("Leuchtmittel", "Lamps", "Ampoules"), "pcs", (1, 10), (2, 15), [
            ("LED-Lampe E27 8 W", "LED bulb E27 8 W", "Ampoule LED E27 8 W"),
            ("LED-Lampe E14 5 W", "LED bulb E14 5 W", "Ampoule LED E14 5 W"),
            ("LED-Röhre T8 18 W", "LED tube T8 18 W", "Tube LED T8 18 W"),
            ("LED-Spot GU10 5 W", "LED spot GU10 5 W", "Spot LED GU10 5 W")],
            [("warmweiß", "warm white", "blanc chaud"),
             ("neutralweiß", "neutral white", "blanc neutre")]),
        _Leaf("SWITCHES", ("Schalter und Steckdosen", "Switches and sockets",
                           "Interrupteurs et prises"), "pcs", (1, 10), (3, 25), [
            ("Schuko-Steckdose", "Schuko socket", "Prise Schuko"),
            ("Wechselschalter", "Two-way switch", "Interrupteur va-et-vient"),
            ("Taster", "Push button", "Bouton-poussoir"),
            ("Abdeckrahmen 2-fach", "Double cover frame", "Plaque double")],
            [("reinweiß", "pure white", "blanc pur"), ("anthrazit", "anthracite", "anthracite"),
             ("Edelstahl", "stainless steel", "inox")]),
    ]),
    ("CLEANING", ("Reinigung und Hygiene", "Cleaning and hygiene", "Nettoyage et hygiène"), [
        _Leaf("CLEANERS", ("Reinigungsmittel", "Cleaning agents", "Produits de nettoyage"),
              "kg", (1,), (3, 45), [
                  ("Allzweckreiniger", "All-purpose cleaner", "Nettoyant multi-usage"),
                  ("Sanitärreiniger", "Sanitary cleaner", "Nettoyant sanitaire"),
                  ("Handwaschpaste", "Hand cleaning paste", "Pâte nettoyante pour les mains"),
                  ("Glasreiniger", "Glass cleaner", "Nettoyant vitres")],
              [("Flasche 1 kg", "bottle 1 kg", "flacon 1 kg", 1),
               ("Kanister 10 kg", "canister 10 kg", "bidon 10 kg", 10)]),
        _Leaf("PAPER", ("Papier und Spender", "Paper and dispensers",
                        "Papier et distributeurs"), "box", (1,), (18, 60), [
            ("Papierhandtücher Z-Falz, 3750 Blatt", "Z-fold paper towels, 3,750 sheets",
             "Essuie-mains pliés en Z, 3 750 feuilles"),
            ("Toilettenpapier 3-lagig, 72 Rollen", "Toilet paper, 3-ply, 72 rolls",
             "Papier toilette 3 plis, 72 rouleaux"),
            ("Putzrolle 2-lagig, 2 Rollen", "Cleaning roll, 2-ply, 2 rolls",
             "Bobine d'essuyage 2 plis, 2 rouleaux"),
            ("Spender für Papierhandtücher", "Paper towel dispenser",
             "Distributeur d'essuie-mains")], [("", "", "")]),
    ]),
]

# customer group code → (product group code, percent, validity: open/year/next)
CUSTOMER_GROUP_DISCOUNTS = [("WHS", "TOOLS", "-5", "open"), ("WHS", "FASTENERS", "-7", "open"),
                            ("IND", "WORKWEAR", "-8", "open"), ("CRA", "FASTENERS", "-4", "open"),
                            ("CRA", "ELECTRICAL", "-3", "year"), ("PUB", "CLEANING", "-6", "year"),
                            ("WEB", "FASHION", "-3", "next")]
RETURN_CONDITIONS = {
    "de": ["Rücknahme nur originalverpackt innerhalb von 14 Tagen nach Lieferung; "
           "10 % Bearbeitungsgebühr.",
           "Saisonware: Rückgaberecht für 20 % der Vorordermenge bis 6 Wochen nach "
           "Auslieferung.",
           "Keine Rücknahme von Sonderanfertigungen und Meterware."],
    "en": ["Returns only in original packaging within 14 days of delivery; 10 % handling fee.",
           "Seasonal goods: up to 20 % of the pre-order may be returned within 6 weeks of "
           "delivery.",
           "Custom-made items and goods cut to length cannot be returned."],
    "fr": ["Reprise uniquement dans l'emballage d'origine sous 14 jours après livraison ; "
           "frais de traitement de 10 %.",
           "Articles saisonniers : retour possible de 20 % de la précommande jusqu'à "
           "6 semaines après livraison.",
           "Les fabrications spéciales et les articles coupés à longueur ne sont pas repris."],
}
# period → its length in quarters (a quarter's turnover times this is the period's)
PERIODS = {"month": Decimal(1) / 3, "quarter": Decimal(1), "half_year": Decimal(2),
           "year": Decimal(4)}
FREIGHT_SCALES = [[(0, "9.90")], [(0, "12.50"), (250, "6.90"), (500, "0")],
                  [(0, "19.90"), (1000, "0")], [(0, "6.50"), (150, "0")]]


def _month(day: date, months: int = 0) -> date:
    """The first of the month ``months`` after the month of ``day``."""
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, 1)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _amount(value: Decimal, currency: str) -> Decimal:
    """A price in ``currency``, rounded half-up to its step (CHF 0.05, else 0.01)."""
    step = STEPS.get(currency)
    if step is None:
        return _money(value)
    return (value / step).quantize(Decimal(1), ROUND_HALF_UP) * step


def _converted(scales: str, currency: str) -> str:
    """A stored EUR scale in ``currency`` at the demo rate (the thresholds, quantities,
    stay as they are)."""
    return _scales([(t, _amount(Decimal(v) * RATES[currency], currency))
                    for t, v in json.loads(scales)])


def _pct(rng: random.Random, low: int, high: int) -> Decimal:
    """A factor between low % and high % (whole percents: no float)."""
    return Decimal(rng.randint(low, high)) / 100


def _shop_price(rng: random.Random, low: int, high: int) -> Decimal:
    """A price as shops write it: 12.49, 12.90, 12.95, 12.99 (cents below 10)."""
    cents = rng.randint(low * 100, high * 100)
    if cents < 1000:
        return Decimal(cents) / 100
    return Decimal(cents // 100) + Decimal(rng.choice(["0.49", "0.90", "0.95", "0.99"]))


def _scales(pairs) -> str:
    return json.dumps([[str(t), str(v)] for t, v in pairs])


@dataclass(frozen=True)
class _Item:
    """An active article as the per-customer part needs it."""

    id: str  # hex, as condition keys hold it
    groups: tuple[str, ...]  # its group, then the parents
    prices: dict[str, Decimal]  # list price today, per currency
    pack: int

    def price(self, currency: str) -> Decimal:
        """The list price today in ``currency`` (one the lists lack: the EUR price at the
        demo rate)."""
        found = self.prices.get(currency)
        if found is None:
            found = _amount(self.prices["EUR"] * RATES.get(currency, Decimal(1)), currency)
        return found


class DemoPricing:
    """Makes the catalogue when the store has none, then the pricing of each customer."""

    def __init__(self, session, rng: random.Random, master: dict, today: date | None = None):
        self.rng, self.master = rng, master
        self.today = today or date.today()
        self.now = utcnow()
        self.this_month, self.next_month = _month(self.today), _month(self.today, 1)
        self.year_start, self.year_end = date(self.today.year, 1, 1), \
            date(self.today.year, 12, 31)
        quarter = _month(self.today, -((self.today.month - 1) % 3))
        self.quarters = [(_month(quarter, -3 * n), _month(quarter, -3 * n + 3) - DAY)
                         for n in range(4, 0, -1)]
        self.months = [(_month(self.this_month, -n), _month(self.this_month, -n + 1) - DAY)
                       for n in range(12, 0, -1)]
        self.rows: dict[str, list[dict]] = {"condition": [], "turnover": []}
        self.counts = dict.fromkeys(("articles", "price_lists", "condition_records",
                                     "customer_turnovers"), 0)
        self.heads: dict[str, list] = {}  # country → customers that may get branches
        conn = session.connection()
        if session.scalar(select(PriceList.id).where(PriceList.code == LIST_PRICES)) is None:
            self._catalogue(conn)
            self.flush(conn)
        known = set(conn.execute(select(PriceList.code)).scalars())
        for currency, (code, name) in FOREIGN_LISTS.items():
            if code not in known:  # a store from before the lists abroad gets them too
                self._foreign_list(conn, currency, code, name)
        self.flush(conn)
        self.items, self.groups = self._load(conn)

    def _meta(self) -> dict:
        return {"id": new_id(), "version": 0, "created_at": self.now, "updated_at": self.now,
                "updated_by": "demo", "deleted_at": None}

    def _record(self, type_code: str, kind: str, key1: str, key2: str, valid_from: date,
                valid_to: date | None, scales: str, *, currency: str = "EUR",
                price_list=None, note: str = "", released: bool = True,
                period: str = "") -> None:
        self.rows["condition"].append(self._meta() | {
            "type_code": type_code, "key_kind": kind, "key1": key1, "key2": key2,
            "valid_from": valid_from, "valid_to": valid_to, "released": released,
            "currency": currency, "scales": scales, "price_list_id": price_list, "note": note,
            "turnover_period": period})

    # -- the catalogue (once per store) -----------------------------------------------------

    def _catalogue(self, conn) -> None:
        rng = self.rng
        known_groups = dict(conn.execute(select(ProductGroup.code, ProductGroup.id)).all())
        known_articles = set(conn.execute(select(Article.number)).scalars())
        groups, articles, leaves = [], [], []

        def add_group(node, parent, order: int) -> None:
            code, names = (node.code, node.names) if isinstance(node, _Leaf) else node[:2]
            gid = known_groups.get(code)
            if gid is None:
                gid = known_groups[code] = new_id()
                groups.append(self._meta() | {"id": gid, "code": code, "name": names[0],
                                              "parent_id": parent, "sort_order": order})
            if isinstance(node, _Leaf):
                leaves.append((node, gid))
                return
            for n, child in enumerate(node[2]):
                add_group(child, gid, n)

        for n, top in enumerate(TREE):
            add_group(top, None, n)
        year = self.today.year % 100
        company = rng.randint(10_000, 99_999)  # the GS1 company prefix 40xxxxx (Germany)
        for leaf_no, (leaf, gid) in enumerate(leaves, 1):
            combos = [(item, variant) for item in leaf.items for variant in leaf.variants]
            seasons = [(f"FS{year}", 0.7), (f"HW{year}", 0.7), (f"HW{year - 1}", 0.1)] \
                if leaf.fashion else [("", 1)]  # new articles each season, a few old ones
            combos = [(item, variant, season) for item, variant in combos
                      for season, share in seasons if share == 1 or rng.random() < share]
            for n, (item, variant, season) in enumerate(combos, 1):
                number = f"A-{leaf_no:02d}{n:03d}"
                if number in known_articles:
                    continue
                names = [f"{i} {v}".strip() for i, v in zip(item, variant[:3], strict=True)]
                body = f"40{company}{leaf_no:02d}{n:03d}"
                old_season = season == f"HW{year - 1}"
                articles.append(self._meta() | {
                    "number": number, "name": names[0],
                    "names": json.dumps({"en": names[1], "fr": names[2]}, ensure_ascii=False),
                    "product_group_id": gid, "unit": leaf.unit,
                    "pack_size": variant[3] if len(variant) > 3 else rng.choice(leaf.packs),
                    "season": season, "ean": body + ean.calc_check_digit(body),
                    # last season's and a few discontinued articles are inactive
                    "active": not old_season and rng.random() > 0.02,
                    "_price": _shop_price(rng, *leaf.prices), "_leaf": leaf.code})
        self._price_lists(conn, articles, known_groups)
        if groups:
            conn.execute(ProductGroup.__table__.insert(), groups)
        if articles:
            conn.execute(Article.__table__.insert(),
                         [{k: v for k, v in a.items() if not k.startswith("_")}
                          for a in articles])
        self.counts["articles"] += len(articles)

    def _price_lists(self, conn, articles: list[dict], groups: dict) -> None:
        rng, today = self.rng, self.today
        start = date(today.year - 1, 1, 1)
        price_groups = self.master["price_groups"]  # PG1 list prices, PG2 dealer, PG3 key acc.
        lists = [(LIST_PRICES, "Listenpreise", None), (DEALER_LIST, "Fachhandel",
                                                       price_groups[1]),
                 (WHOLESALE_LIST, "Großhandel", price_groups[2])]
        ids = {}
        rows = []
        for code, name, group in lists:
            ids[code] = new_id()
            rows.append(self._meta() | {"id": ids[code], "code": code, "name": name,
                                        "currency": "EUR", "price_group_id": group,
                                        "valid_from": start, "valid_to": None})
        conn.execute(PriceList.__table__.insert(), rows)
        self.counts["price_lists"] += len(rows)
        change = self.next_month  # the dealer list changes then: the current prices end
        for article in articles:
            key, price, pack = article["id"].hex, article["_price"], article["pack_size"]
            first, second = (10, 50) if pack == 1 else (5 * pack, 20 * pack)
            if not article["active"]:  # its list price ended when it was taken off
                self._record("PRICE", "article", key, "", start,
                             today - timedelta(days=rng.randint(20, 200)), _scales([(0, price)]),
                             price_list=ids[LIST_PRICES])
                continue
            scale = [(0, price)]
            if article["unit"] in ("m", "box") and rng.random() < 0.4:
                scale.append((first, _money(price * Decimal("0.95"))))
            self._record("PRICE", "article", key, "", start, None, _scales(scale),
                         price_list=ids[LIST_PRICES])
            dealer = _money(price * _pct(rng, 88, 93))
            scale = [(0, dealer)] + ([(first, _money(dealer * Decimal("0.97")))]
                                     if rng.random() < 0.3 else [])
            raised = [(t, _money(v * Decimal("1.04"))) for t, v in scale]
            self._record("PRICE", "price_group_article", price_groups[1].hex, key, start,
                         change - DAY, _scales(scale), price_list=ids[DEALER_LIST])
            self._record("PRICE", "price_group_article", price_groups[1].hex, key, change,
                         None, _scales(raised), price_list=ids[DEALER_LIST],
                         note="Preisanpassung Fachhandel")
            wholesale = _money(price * _pct(rng, 78, 85))
            scale = [(0, wholesale)]
            if rng.random() < 0.5:
                scale += [(first, _money(wholesale * Decimal("0.97"))),
                          (second, _money(wholesale * Decimal("0.94")))]
            self._record("PRICE", "price_group_article", price_groups[2].hex, key, start,
                         None, _scales(scale), price_list=ids[WHOLESALE_LIST])
            if article["_leaf"] == "CABLES":  # copper surcharge per metre
                self._record("SURCHARGE", "article", key, "", self.year_start, None,
                             _scales([(0, Decimal(rng.randint(6, 25)) / 100)]),
                             note="Kupferzuschlag")
        active = [a for a in articles if a["active"]]
        # promotions: one running this month, upcoming ones and ended ones
        for n, article in enumerate(rng.sample(active, min(12, len(active)))):
            if n % 3 == 0:
                period = (self.this_month, self.next_month - DAY)
            elif n % 3 == 1:
                period = (self.next_month, self.next_month + timedelta(days=44))
            else:
                period = (_month(self.today, -3), _month(self.today, -2) - DAY)
            self._record("PROMOTION", "article", article["id"].hex, "", *period,
                         _scales([(0, rng.choice(["-10", "-15", "-20"]))]),
                         note=rng.choice(["Frühjahrsaktion", "Messeangebot", "Abverkauf"]))
        codes = {code: gid.hex for code, gid in groups.items()}
        customer_groups = dict(conn.execute(select(CustomerGroup.code, CustomerGroup.id)).all())
        for group, product_group, percent, validity in CUSTOMER_GROUP_DISCOUNTS:
            if group not in customer_groups or product_group not in codes:
                continue
            period = {"open": (start, None), "year": (self.year_start, self.year_end),
                      "next": (self.next_month, None)}[validity]
            self._record("CUSTOMER_GROUP_DISCOUNT", "customer_group_product_group",
                         customer_groups[group].hex, codes[product_group], *period,
                         _scales([(0, percent)]))
        if "ACCESSORIES" in codes:  # a clearance sale of a whole group, this month
            self._record("GROUP_DISCOUNT", "product_group", codes["ACCESSORIES"], "",
                         self.this_month, self.next_month - DAY, _scales([(0, "-25")]),
                         note="Schlussverkauf Accessoires")

    def _foreign_list(self, conn, currency: str, code: str, name: str) -> None:
        """The list prices in another currency: a list without a price group whose
        records are those of the EUR list prices (ended ones too), converted at the demo
        rate with the same validity and quantity scales; and the copper surcharges."""
        source = conn.execute(select(PriceList.id, PriceList.valid_from).where(
            PriceList.code == LIST_PRICES)).one()
        lid = new_id()
        conn.execute(PriceList.__table__.insert(), [self._meta() | {
            "id": lid, "code": code, "name": name, "currency": currency,
            "price_group_id": None, "valid_from": source.valid_from, "valid_to": None}])
        self.counts["price_lists"] += 1
        record = ConditionRecord
        rows = conn.execute(select(
            record.type_code, record.key1, record.valid_from, record.valid_to, record.scales,
            record.price_list_id, record.note, record.released).where(
            record.key_kind == "article", record.currency == "EUR",
            record.deleted_at.is_(None),
            ((record.type_code == "PRICE") & (record.price_list_id == source.id))
            | (record.type_code == "SURCHARGE")).order_by(
            record.type_code, record.key1, record.valid_from)).all()
        for type_code, key, first, last, scales, price_list, note, released in rows:
            self._record(type_code, "article", key, "", first, last, _converted(scales, currency),
                         currency=currency, price_list=lid if price_list else None,
                         note=note, released=released)

    def _load(self, conn) -> tuple[list[_Item], list[str]]:
        """The active articles with their list prices today (per currency; those with one
        in EUR), and every product group."""
        groups = conn.exec_driver_sql("SELECT id, parent_id FROM product_group "
                                      "WHERE deleted_at IS NULL ORDER BY code").all()
        parents = dict(groups)
        day = self.today.isoformat()
        rows = conn.exec_driver_sql(
            "SELECT a.id, a.product_group_id, a.pack_size, c.currency, c.scales FROM article a "
            "JOIN condition_record c ON c.type_code = 'PRICE' AND c.key_kind = 'article' "
            "AND c.key1 = a.id AND c.key2 = '' AND c.released = 1 AND c.deleted_at IS NULL "
            "AND c.valid_from <= ? AND (c.valid_to IS NULL OR c.valid_to >= ?) "
            "WHERE a.active = 1 AND a.deleted_at IS NULL ORDER BY a.number, c.currency",
            (day, day)).all()
        found: dict[str, tuple] = {}
        for aid, group, pack, currency, scales in rows:
            found.setdefault(aid, (group, pack, {}))[2][currency] = \
                Decimal(json.loads(scales)[0][1])
        items = []
        for aid, (group, pack, prices) in found.items():
            if "EUR" not in prices:
                continue
            chain = []
            while group and group not in chain:
                chain.append(group)
                group = parents.get(group)
            items.append(_Item(aid, tuple(chain), prices, pack))
        return items, [group for group, _ in groups]  # by code: ids differ from run to run

    # -- per customer (in the batch loop) ---------------------------------------------------

    def _periods(self, weights: tuple[int, int, int, int, int]) -> list[tuple[date, date | None]]:
        """One validity or a record and its successor, never overlapping: open-ended,
        ended, ended and followed, ending soon, or followed from next month."""
        rng, today = self.rng, self.today
        start = today - timedelta(days=rng.randint(20, 700))
        kind = rng.choices(range(5), weights)[0]
        if kind == 0:
            return [(start, None)]
        if kind in (1, 2):
            end = today - timedelta(days=rng.randint(1, 120))
            first = (end - timedelta(days=rng.randint(60, 400)), end)
            return [first] if kind == 1 else [first, (end + DAY, None)]
        if kind == 3:
            return [(start, today + timedelta(days=rng.randint(3, 150)))]
        return [(min(start, self.next_month - 2 * DAY), self.next_month - DAY),
                (self.next_month, None)]

    def customer(self, row: dict) -> None:
        """The pricing of one customer row (made by demo._Builder; changed in place)."""
        rng = self.rng
        cid, currency = row["id"], row["currency"]
        key, rate = cid.hex, RATES.get(currency, Decimal(1))
        heads = self.heads.setdefault(row["main_country"], [])
        parent = None
        if heads and rng.random() < 0.05:  # a branch: the head office may get the invoice
            parent = rng.choice(heads)
            row["parent_id"] = parent
        elif len(heads) < 300 and rng.random() < 0.1:
            heads.append(cid)
        row["invoice_recipient_id"] = parent if parent and rng.random() < 0.8 else None
        row["return_conditions"] = rng.choice(
            RETURN_CONDITIONS.get(row["language"], RETURN_CONDITIONS["en"])) \
            if rng.random() < 0.08 else ""
        row["collection_discount"] = Decimal(rng.choice(["1", "1.5", "2", "3"])) \
            if rng.random() < 0.05 else None
        items = self.items
        if not items:
            return
        priced: set[str] = set()
        if rng.random() < 0.2:  # customer prices for a few articles
            for item in rng.sample(items, min(len(items), rng.choice([1, 1, 2, 2, 3, 4, 6]))):
                priced.add(item.id)
                value = _amount(item.price(currency) * _pct(rng, 82, 95), currency)
                scaled = rng.random() < 0.25
                for step, (first, last) in enumerate(self._periods((40, 10, 10, 20, 20))):
                    price = _amount(value * (1 + Decimal(3 * step) / 100), currency)
                    scale = [(0, price)] + ([(10 * item.pack,
                                              _amount(price * Decimal("0.96"), currency))]
                                            if scaled else [])
                    self._record("PRICE", "customer_article", key, item.id, first, last,
                                 _scales(scale), currency=currency,
                                 note="Sonderpreis" if step == 0 else "Folgepreis")
        if rng.random() < 0.25:  # discounts on product groups
            for group in rng.sample(self.groups, rng.choice([1, 1, 2, 3])):
                percent = Decimal(rng.choice(["2", "3", "5", "7.5", "10", "12", "15"]))
                for step, (first, last) in enumerate(self._periods((55, 5, 10, 15, 15))):
                    self._record("GROUP_DISCOUNT", "customer_product_group", key, group,
                                 first, last, _scales([(0, -percent - step)]),
                                 currency=currency)
        if rng.random() < 0.02:  # a promotion for this customer only
            item = rng.choice(items)
            self._record("PROMOTION", "customer_article", key, item.id,
                         self.today - timedelta(days=rng.randint(0, 10)),
                         self.today + timedelta(days=rng.randint(14, 45)),
                         _scales([(0, rng.choice(["-5", "-8", "-10"]))]), currency=currency,
                         note="Kundenaktion")
        if rng.random() < 0.015:  # special packing, per unit
            item = rng.choice(items)
            self._record("SURCHARGE", "customer_article", key, item.id,
                         self.today - timedelta(days=rng.randint(30, 500)), None,
                         _scales([(0, _amount(Decimal("0.50") * rate, currency))]),
                         currency=currency, note="Sonderverpackung")
        if rng.random() < 0.1:
            self._bonus(key, cid, currency, rate)
        if rng.random() < 0.2:  # freight per document, free above an order value
            scale = rng.choice(FREIGHT_SCALES)
            for step, (first, last) in enumerate(self._periods((75, 0, 0, 0, 25))):
                raise_by = 1 + Decimal(step) / 10  # the successor costs 10 % more
                self._record("FREIGHT", "customer", key, "", first, last, _scales(
                    [(Decimal(t) * rate // 10 * 10, _amount(Decimal(v) * rate * raise_by, currency))
                     for t, v in scale]), currency=currency)
        if rng.random() < 0.03:  # a price offered, not yet released
            item = rng.choice(items)
            if item.id not in priced:
                self._record("PRICE", "customer_article", key, item.id, self.next_month, None,
                             _scales([(0, _amount(item.price(currency) * _pct(rng, 80, 90),
                                                  currency))]),
                             currency=currency, released=False, note="Angebot in Prüfung")

    def _bonus(self, key: str, cid, currency: str, rate: Decimal) -> None:
        """A turnover bonus with 2–3 tiers and the turnover of the periods behind it."""
        rng = self.rng
        quarter = Decimal(rng.choice([5, 8, 12, 20, 30, 45, 60, 80, 120, 200]) * 1000) * rate
        period = rng.choices(list(PERIODS), (10, 50, 10, 30))[0]
        amount = quarter * PERIODS[period]
        unit = Decimal(1000) if amount >= 20000 else Decimal(100)
        shares = ("0.75", "1", "1.4") if rng.random() < 0.6 else ("0.8", "1.25")
        values = ("-1", "-2", "-3") if len(shares) == 3 else ("-1.5", "-3")
        tiers = [((amount * Decimal(s) / unit).quantize(Decimal(1), ROUND_HALF_UP) * unit, v)
                 for s, v in zip(shares, values, strict=True)]
        if rng.random() < 0.5:
            periods = [(self.year_start, self.year_end)]
            if rng.random() < 0.5:  # last year's agreement, ended
                periods.insert(0, (date(self.today.year - 1, 1, 1), self.year_start - DAY))
        else:
            periods = [(self.year_start - timedelta(days=rng.randint(0, 400)), None)]
        for first, last in periods:
            self._record("TURNOVER_BONUS", "customer", key, "", first, last, _scales(tiers),
                         currency=currency, period=period,
                         note=f"Umsatzbonus {first.year}")
        spans, share = (self.months, Decimal(1) / 3) if period == "month" else \
            (self.quarters, Decimal(1))
        for first, last in spans:
            self.rows["turnover"].append(self._meta() | {
                "customer_id": cid, "period_start": first, "period_end": last,
                "amount": _money(quarter * share * Decimal(rng.randint(7000, 13000)) / 10000),
                "currency": currency, "source": "demo"})

    def flush(self, conn) -> None:
        """Insert what was made since the last flush (after the customers' rows)."""
        for key, model, count in (("condition", ConditionRecord, "condition_records"),
                                  ("turnover", CustomerTurnover, "customer_turnovers")):
            rows = self.rows[key]
            if rows:
                conn.execute(model.__table__.insert(), rows)
                self.counts[count] += len(rows)
            self.rows[key] = []

