"""Geocoding: postcodes and city names to coordinates, and great-circle distances."""

from __future__ import annotations

import math

import pytest

from switchboard.domain.types import Locale
from switchboard.tools.geo import (
    Geocoder,
    LocationError,
    distance_km,
    fr_postcode_table,
    gb_postcode_table,
    normalize_name,
)


def _reference_haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Textbook haversine on a 6371.0088 km mean-radius sphere, independent of the product."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_distance_matches_a_known_value() -> None:
    manchester, london = (53.4808, -2.2426), (51.5074, -0.1278)
    km = distance_km(manchester, london)
    assert km == pytest.approx(_reference_haversine(manchester, london), rel=1e-4)
    assert 260 < km < 265  # Manchester–London great circle ≈ 262 km
    assert distance_km(london, london) == 0


def test_postcode_tables_cover_every_uk_area_and_french_departement() -> None:
    areas = gb_postcode_table().areas
    assert len(areas) >= 121
    for code in ("AB", "B", "BT", "E", "EC", "M", "SW", "WC", "ZE", "JE", "GY", "IM"):
        assert code in areas
    districts = gb_postcode_table().districts
    for code in ("M1", "M20", "B15", "SW1A", "EC2", "E14", "NW1"):
        assert code in districts
    departements = fr_postcode_table().departements
    assert len(departements) == 101  # 96 metropolitan (with 2A/2B) + 5 overseas
    for lat_lon in (areas["M"], departements["69"]):
        assert -90 <= lat_lon.lat <= 90


@pytest.mark.parametrize(
    ("locale", "text", "label", "near", "max_km"),
    [
        (Locale.EN_GB, "M1 1AE", "M1 1AE", (53.4794, -2.2453), 2.0),  # Manchester centre
        (Locale.EN_GB, "sw1a", "SW1A", (51.5014, -0.1419), 2.0),  # Westminster
        (Locale.EN_GB, "B15 2TT", "B15 2TT", (52.4508, -1.9305), 3.0),  # Edgbaston
        (Locale.EN_GB, "AB10 1XG", "AB10 1XG", (57.1437, -2.0981), 5.0),  # area fallback
        (Locale.EN_GB, "manchester", "Manchester", (53.4808, -2.2426), 2.0),
        (Locale.EN_GB, "Newcastle upon Tyne", "Newcastle upon Tyne", (54.9783, -1.6178), 3.0),
        (Locale.EN_US, "10001", "10001", (40.7506, -73.9972), 3.0),
        (Locale.EN_US, "60601-1234", "60601-1234", (41.8858, -87.6181), 3.0),
        (Locale.EN_US, "new york", "New York City", (40.7128, -74.0060), 5.0),
        (Locale.EN_US, "Springfield, IL", "Springfield", (39.7817, -89.6501), 10.0),
        (Locale.EN_US, "Springfield, MA", "Springfield", (42.1015, -72.5898), 10.0),
        (Locale.FR_FR, "75008", "75008", (48.8727, 2.3125), 2.0),
        (Locale.FR_FR, "69003", "69003", (45.7597, 4.8510), 2.0),
        (Locale.FR_FR, "33000", "33000", (44.8378, -0.5792), 3.0),  # département 33 → Bordeaux
        (Locale.FR_FR, "20000", "20000", (41.9192, 8.7386), 3.0),  # Corse-du-Sud → Ajaccio
        (Locale.FR_FR, "saint-etienne", "Saint-Étienne", (45.4397, 4.3872), 3.0),
        (Locale.FR_FR, "SAINT ÉTIENNE", "Saint-Étienne", (45.4397, 4.3872), 3.0),
    ],
)
def test_locations_resolve_near_where_they_are(
    locale: Locale, text: str, label: str, near: tuple[float, float], max_km: float
) -> None:
    place = Geocoder(locale).locate(text)
    assert place.label == label
    assert _reference_haversine((place.lat, place.lon), near) < max_km


def test_city_is_searched_only_in_the_locale_country() -> None:
    # Paris, Texas exists but is small; en_US must still find it, fr_FR finds Paris, France.
    us = Geocoder(Locale.EN_US).locate("Paris")
    fr = Geocoder(Locale.FR_FR).locate("Paris")
    assert us.lat < 40 and fr.lat > 48
    with pytest.raises(LocationError) as info:
        Geocoder(Locale.EN_GB).locate("Chicago")
    assert info.value.code == "not_found"


@pytest.mark.parametrize(
    ("locale", "text", "code"),
    [
        (Locale.EN_GB, "", "invalid_argument"),
        (Locale.EN_GB, "   ", "invalid_argument"),
        (Locale.EN_GB, "M1 1CI", "invalid_argument"),
        (Locale.EN_GB, "12345", "invalid_argument"),
        (Locale.EN_GB, "Atlantis", "not_found"),
        (Locale.EN_US, "1234", "invalid_argument"),
        (Locale.EN_US, "00000", "not_found"),
        (Locale.FR_FR, "7500", "invalid_argument"),
        (Locale.FR_FR, "00000", "not_found"),
    ],
)
def test_bad_locations_are_classified(locale: Locale, text: str, code: str) -> None:
    with pytest.raises(LocationError) as info:
        Geocoder(locale).locate(text)
    assert info.value.code == code
    assert info.value.message


def test_names_are_folded_for_matching() -> None:
    assert normalize_name("Saint-Étienne") == "saint etienne"
    assert normalize_name("  King's   LYNN ") == "kings lynn"
    assert normalize_name("Москва") == ""
