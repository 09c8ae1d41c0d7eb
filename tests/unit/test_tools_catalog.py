"""The bank data files: they load for every locale, and a bad edit names file and field."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from switchboard.domain.types import Locale
from switchboard.tools.catalog import (
    DATA_DIR,
    CatalogError,
    catalog_files,
    clear_catalog_cache,
    load_catalog,
)
from switchboard.tools.geo import Geocoder, distance_km
from switchboard.tools.models import ACCOUNT_TYPES, CARD_TYPES, SERVICE_TYPES

# Numbers reserved for drama/fiction: Ofcom (UK), NANP 555-0100..0199 (US),
# ARCEP (France). Branch phones must come from these ranges.
FICTION_PHONES = {
    Locale.EN_GB: re.compile(
        r"^(020 7946 0\d{3}|0(113|114|115|116|117|118|121|131|141|151|161) 496 0\d{3}"
        r"|029 2018 0\d{3}|028 9649 6\d{3}|0191 498 0\d{3})$"
    ),
    Locale.EN_US: re.compile(r"^\(\d{3}\) 555-01\d{2}$"),
    Locale.FR_FR: re.compile(r"^(01 99 00|02 61 91|03 53 01|04 65 71|05 36 49) \d{2} \d{2}$"),
}


@pytest.mark.parametrize("locale", list(Locale))
def test_every_locale_has_a_complete_catalog(locale: Locale) -> None:
    catalog = load_catalog(locale)
    assert catalog.locale is locale
    assert set(catalog.accounts.accounts) == set(ACCOUNT_TYPES)
    assert set(catalog.cards.cards) == set(CARD_TYPES)
    assert len(catalog.accounts.branch_process) == 8
    assert len(catalog.accounts.digital_process) == 10
    assert len(catalog.cards.ordering_process) == 8
    offered = {s for b in catalog.branches.branches for s in b.services}
    assert offered == set(SERVICE_TYPES), "every service must be offered somewhere"


def test_catalog_is_loaded_once_per_locale() -> None:
    assert load_catalog(Locale.EN_GB) is load_catalog("en_GB")
    assert load_catalog(Locale.EN_GB) is not load_catalog(Locale.FR_FR)


@pytest.mark.parametrize("locale", list(Locale))
def test_branch_phones_are_from_fiction_ranges(locale: Locale) -> None:
    pattern = FICTION_PHONES[locale]
    for branch in load_catalog(locale).branches.branches:
        assert pattern.match(branch.phone), f"{branch.id}: {branch.phone}"


@pytest.mark.parametrize("locale", list(Locale))
def test_branch_coordinates_agree_with_their_postcode(locale: Locale) -> None:
    """Each branch sits within a few km of where its own postcode geocodes."""
    geocoder = Geocoder(locale)
    for branch in load_catalog(locale).branches.branches:
        place = geocoder.locate(branch.postcode)
        km = distance_km((place.lat, place.lon), (branch.lat, branch.lon))
        assert km < 5.0, f"{branch.id}: {branch.postcode} geocodes {km:.1f} km away"


def test_locale_wording() -> None:
    gb = load_catalog(Locale.EN_GB)
    us = load_catalog(Locale.EN_US)
    fr = load_catalog(Locale.FR_FR)
    gb_docs = " ".join(gb.accounts.accounts["checking"].branch.documents_required)
    us_docs = " ".join(us.accounts.accounts["checking"].branch.documents_required)
    fr_docs = " ".join(fr.accounts.accounts["checking"].branch.documents_required)
    assert "passport" in gb_docs and "driving licence" in gb_docs
    assert "National Insurance number" in gb_docs
    assert gb.accounts.accounts["checking"].name == "Current account"
    assert "Social Security number" in us_docs and "ITIN" in us_docs
    assert "carte nationale d'identité" in fr_docs and "Justificatif de domicile" in fr_docs
    fr_digital = " ".join(fr.accounts.accounts["checking"].digital.documents_required)
    assert "RIB" in fr_digital
    assert "UK mobile" in gb.accounts.digital_requirements
    assert "US mobile" in us.accounts.digital_requirements
    assert "mobile français" in fr.accounts.digital_requirements


# -- a bank's bad edits -------------------------------------------------------------------


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    for path in DATA_DIR.glob("*_en_GB.yaml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _edit(path: Path, change: object) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _load(bank_dir: Path) -> None:
    clear_catalog_cache()
    try:
        load_catalog(Locale.EN_GB, bank_dir)
    finally:
        clear_catalog_cache()


def test_a_copy_of_the_shipped_files_loads(bank_dir: Path) -> None:
    catalog = load_catalog(Locale.EN_GB, bank_dir)
    assert catalog.data_dir == bank_dir
    clear_catalog_cache()


def test_missing_documents_names_file_and_field(bank_dir: Path) -> None:
    path = catalog_files(Locale.EN_GB, bank_dir)["accounts"]
    _edit(path, lambda d: d["accounts"]["student"]["branch"].update(documents_required=[]))
    with pytest.raises(CatalogError) as info:
        _load(bank_dir)
    assert info.value.file == "accounts_en_GB.yaml"
    assert info.value.field == "accounts.student.branch.documents_required"
    assert "accounts_en_GB.yaml" in str(info.value)


def test_wrong_number_of_steps_is_reported(bank_dir: Path) -> None:
    path = catalog_files(Locale.EN_GB, bank_dir)["accounts"]
    _edit(path, lambda d: d["branch_process"].pop())
    with pytest.raises(CatalogError, match="branch_process") as info:
        _load(bank_dir)
    assert info.value.field == "branch_process"


def test_missing_card_type_is_reported(bank_dir: Path) -> None:
    path = catalog_files(Locale.EN_GB, bank_dir)["cards"]
    _edit(path, lambda d: d["cards"].pop("virtual"))
    with pytest.raises(CatalogError, match=r"missing card type.*virtual"):
        _load(bank_dir)


def test_unknown_placeholder_is_reported(bank_dir: Path) -> None:
    path = catalog_files(Locale.EN_GB, bank_dir)["cards"]
    _edit(path, lambda d: d["cards"]["premium"].update(fees="{monthly_charge} a month"))
    with pytest.raises(CatalogError, match=r"monthly_charge.*amounts has no such key") as info:
        _load(bank_dir)
    assert info.value.field == "cards.premium"


def test_typo_in_a_key_is_reported(bank_dir: Path) -> None:
    path = catalog_files(Locale.EN_GB, bank_dir)["cards"]
    _edit(path, lambda d: d["cards"]["standard"].update(delivery_tme="soon"))
    with pytest.raises(CatalogError, match="delivery_tme"):
        _load(bank_dir)


def test_branch_with_a_us_phone_or_bad_postcode_is_rejected(bank_dir: Path) -> None:
    path = catalog_files(Locale.EN_GB, bank_dir)["branches"]
    _edit(path, lambda d: d["branches"][0].update(phone="(312) 555-0142"))
    with pytest.raises(CatalogError, match="not a valid GB phone number") as info:
        _load(bank_dir)
    assert info.value.field == "branches.0.phone"
    shutil.copy(DATA_DIR / "branches_en_GB.yaml", path)
    _edit(path, lambda d: d["branches"][1].update(postcode="E14"))
    with pytest.raises(CatalogError, match="not a full postcode") as info:
        _load(bank_dir)
    assert info.value.field == "branches.1.postcode"


def test_bad_hours_and_services_are_rejected(bank_dir: Path) -> None:
    path = catalog_files(Locale.EN_GB, bank_dir)["branches"]
    _edit(
        path,
        lambda d: d["branches"][0]["hours"].append(
            {"days": "sat", "open": "13:00", "close": "09:00"}
        ),
    )
    with pytest.raises(CatalogError, match="opens at 13:00:00 but closes at 09:00:00"):
        _load(bank_dir)
    shutil.copy(DATA_DIR / "branches_en_GB.yaml", path)
    _edit(path, lambda d: d["branches"][0].update(services=["general", "mortgages"]))
    with pytest.raises(CatalogError, match=r"branches\.0\.services\.1"):
        _load(bank_dir)


def test_invalid_yaml_gives_the_line(bank_dir: Path) -> None:
    path = catalog_files(Locale.EN_GB, bank_dir)["cards"]
    path.write_text("cards: [unclosed\n  - x: y\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"cards_en_GB.yaml: is not valid YAML at line \d+"):
        _load(bank_dir)


def test_missing_file_is_reported(bank_dir: Path) -> None:
    (bank_dir / "branches_en_GB.yaml").unlink()
    with pytest.raises(CatalogError, match=r"branches_en_GB\.yaml: cannot be read"):
        _load(bank_dir)
