"""The bank's content: YAML data files validated with pydantic, one set per locale.

A bank edits ``src/switchboard/tools/data/*.yaml`` (or its own copy, passed as
``data_dir``) without touching code:

- ``accounts_<locale>.yaml``: the 8-step branch process, the 10-step digital
  process, default timings and digital requirements, and per account type
  (checking, savings, business, student) the documents and benefits of each
  channel (seed 2 §2 Tools 1-2);
- ``cards_<locale>.yaml``: the 8-step ordering process, activation and
  replacement, and the card catalog (standard, premium, contactless, virtual)
  with features, fees, eligibility and delivery time (seed 2 §2 Tool 3);
- ``branches_<locale>.yaml``: the (fictional) branch network with address,
  phone, hours, services, specialists and coordinates (seed 2 §2 Tool 4).

Money is numeric in the data (``amounts``) and written into the text through
``{name}`` placeholders, formatted at output time in the locale's currency
(seed 1 §2). A malformed edit raises :class:`CatalogError` naming the file
and the field. Files are read once per process per locale (see
:func:`load_catalog`).
"""

from __future__ import annotations

import re
import string
from datetime import time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from switchboard.domain.types import Locale
from switchboard.errors import ConfigError
from switchboard.tools.locale import DAY_KEYS, rules_for
from switchboard.tools.models import (
    ACCOUNT_TYPES,
    BRANCH_PROCESS_STEPS,
    CARD_ORDERING_STEPS,
    CARD_TYPES,
    DIGITAL_PROCESS_STEPS,
    AccountType,
    CardType,
    ServiceType,
)

#: Where the shipped data files live.
DATA_DIR = Path(__file__).resolve().parent / "data"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]

_M = TypeVar("_M", bound=BaseModel)


class CatalogError(ConfigError):
    """A bank data file is missing, is not valid YAML, or breaks the schema.

    Attributes:
        file: the file at fault (file name only for shipped files).
        field: dotted path of the first offending field, when known
            (e.g. ``accounts.student.branch.documents_required``).

    """

    code = "catalog_error"

    def __init__(self, file: str, message: str, field: str | None = None) -> None:
        where = f"{file}: {field}: " if field else f"{file}: "
        super().__init__(f"bank data file {where}{message}")
        self.file = file
        self.field = field


class DataModel(BaseModel):
    """Base of every data-file model: read-only, unknown keys rejected (typos show up)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _placeholders(text: str) -> set[str]:
    """Names of the ``{name}`` placeholders in ``text``.

    Raises:
        ValueError: when the braces are unbalanced or a placeholder is not a
            plain name.

    """
    names: set[str] = set()
    for _, field_name, format_spec, conversion in string.Formatter().parse(text):
        if field_name is None:
            continue
        if not field_name.isidentifier() or format_spec or conversion:
            raise ValueError(f"placeholder {{{field_name}}} must be a plain name like {{fee}}")
        names.add(field_name)
    return names


def _check_placeholders(texts: dict[str, str | None], amounts: dict[str, Decimal]) -> None:
    """Check every placeholder of ``texts`` has an amount and every amount is used."""
    used: set[str] = set()
    for name, text in texts.items():
        if text is None:
            continue
        found = _placeholders(text)
        missing = found - amounts.keys()
        if missing:
            raise ValueError(
                f"{name} uses {', '.join(sorted('{' + m + '}' for m in missing))} "
                f"but amounts has no such key"
            )
        used |= found
    unused = amounts.keys() - used
    if unused:
        raise ValueError(f"amounts {sorted(unused)} are not used in any text")


# -- accounts -----------------------------------------------------------------


class BranchChannel(DataModel):
    """What opening an account in a branch needs and gives."""

    documents_required: list[Text] = Field(min_length=1)
    benefits: Text
    #: Overrides ``branch_processing_time`` for this account type.
    processing_time: Text | None = None


class DigitalChannel(BranchChannel):
    """What opening an account online needs and gives."""

    #: Overrides ``digital_requirements`` for this account type.
    requirements: Text | None = None


class AccountProduct(DataModel):
    """One account type; ``name`` is the locale's wording ("Current account")."""

    name: Text
    amounts: dict[str, Amount] = Field(default_factory=dict)
    branch: BranchChannel
    digital: DigitalChannel

    @model_validator(mode="after")
    def _amounts_match(self) -> AccountProduct:
        documents = {
            f"{channel}.documents_required.{i}": text
            for channel in ("branch", "digital")
            for i, text in enumerate(getattr(self, channel).documents_required)
        }
        _check_placeholders(
            {
                **documents,
                "branch.benefits": self.branch.benefits,
                "branch.processing_time": self.branch.processing_time,
                "digital.benefits": self.digital.benefits,
                "digital.processing_time": self.digital.processing_time,
                "digital.requirements": self.digital.requirements,
            },
            self.amounts,
        )
        return self


class AccountsCatalog(DataModel):
    """``accounts_<locale>.yaml`` (seed 2 §2 Tools 1-2)."""

    branch_process: list[Text] = Field(
        min_length=BRANCH_PROCESS_STEPS, max_length=BRANCH_PROCESS_STEPS
    )
    digital_process: list[Text] = Field(
        min_length=DIGITAL_PROCESS_STEPS, max_length=DIGITAL_PROCESS_STEPS
    )
    branch_processing_time: Text
    digital_processing_time: Text
    digital_requirements: Text
    accounts: dict[AccountType, AccountProduct]

    @field_validator("accounts")
    @classmethod
    def _all_account_types(cls, value: dict[str, AccountProduct]) -> dict[str, AccountProduct]:
        missing = [t for t in ACCOUNT_TYPES if t not in value]
        if missing:
            raise ValueError(f"missing account type(s): {', '.join(missing)}")
        return value


# -- cards --------------------------------------------------------------------


class Card(DataModel):
    """One debit card of the catalog."""

    name: Text
    features: list[Text] = Field(min_length=1)
    fees: Text
    eligibility: Text
    delivery_time: Text
    amounts: dict[str, Amount] = Field(default_factory=dict)
    #: Override the catalog-wide defaults for this card (e.g. a virtual card).
    ordering_process: list[Text] | None = Field(
        default=None, min_length=CARD_ORDERING_STEPS, max_length=CARD_ORDERING_STEPS
    )
    activation: Text | None = None
    replacement_info: Text | None = None

    @model_validator(mode="after")
    def _amounts_match(self) -> Card:
        _check_placeholders(
            {
                "fees": self.fees,
                "eligibility": self.eligibility,
                "activation": self.activation,
                "replacement_info": self.replacement_info,
            },
            self.amounts,
        )
        return self


class CardsCatalog(DataModel):
    """``cards_<locale>.yaml`` (seed 2 §2 Tool 3)."""

    ordering_process: list[Text] = Field(
        min_length=CARD_ORDERING_STEPS, max_length=CARD_ORDERING_STEPS
    )
    activation: Text
    replacement_info: Text
    cards: dict[CardType, Card]

    @field_validator("cards")
    @classmethod
    def _all_card_types(cls, value: dict[str, Card]) -> dict[str, Card]:
        missing = [t for t in CARD_TYPES if t not in value]
        if missing:
            raise ValueError(f"missing card type(s): {', '.join(missing)}")
        return value

    @model_validator(mode="after")
    def _defaults_have_no_placeholders(self) -> CardsCatalog:
        for name in ("activation", "replacement_info"):
            if _placeholders(getattr(self, name)):
                raise ValueError(f"{name}: placeholders are only allowed inside a card")
        return self


# -- branches -----------------------------------------------------------------

_DAYS_RE = re.compile(rf"({'|'.join(DAY_KEYS)})(?:-({'|'.join(DAY_KEYS)}))?")


class OpeningPeriod(DataModel):
    """Opening hours for one day or a run of days.

    In YAML: ``{days: mon-fri, open: "09:00", close: "17:00"}``.
    """

    days: str
    open: time
    close: time

    @field_validator("days")
    @classmethod
    def _days_format(cls, value: str) -> str:
        match = _DAYS_RE.fullmatch(value.strip().lower())
        if not match:
            raise ValueError(f"days must be a day key or a range like 'mon-fri', got {value!r}")
        if match[2] and DAY_KEYS.index(match[2]) <= DAY_KEYS.index(match[1]):
            raise ValueError(f"day range {value!r} must run forwards (e.g. mon-fri)")
        return match.group(0)

    @model_validator(mode="after")
    def _opens_before_closing(self) -> OpeningPeriod:
        if self.open >= self.close:
            raise ValueError(f"opens at {self.open} but closes at {self.close}")
        return self

    @property
    def first_day(self) -> str:
        """First day key of the period ("mon")."""
        return self.days.split("-")[0]

    @property
    def last_day(self) -> str | None:
        """Last day key of a range ("fri"), None for a single day."""
        parts = self.days.split("-")
        return parts[1] if len(parts) == 2 else None


class Branch(DataModel):
    """One branch; ``region`` is the US state code (unused elsewhere)."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: Text
    street: Text
    city: Text
    region: Text | None = None
    postcode: Text
    phone: Text
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    hours: list[OpeningPeriod] = Field(min_length=1)
    services: list[ServiceType] = Field(min_length=1)
    specialists: list[ServiceType] = Field(default_factory=list)

    @field_validator("postcode")
    @classmethod
    def _postcode_for_locale(cls, value: str, info: ValidationInfo) -> str:
        locale = _context_locale(info)
        if locale is None:
            return value
        rules = rules_for(locale)
        parsed = rules.parse_postcode(value)
        if parsed is None or parsed.partial:
            raise ValueError(
                f"{value!r} is not a full {rules.postcode_label} (e.g. {rules.postcode_example})"
            )
        return parsed.text

    @field_validator("phone")
    @classmethod
    def _phone_for_locale(cls, value: str, info: ValidationInfo) -> str:
        locale = _context_locale(info)
        if locale is None:
            return value
        return rules_for(locale).format_phone(value)

    @field_validator("services", "specialists")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("must not repeat a service")
        return value

    @model_validator(mode="after")
    def _region_rule(self, info: ValidationInfo) -> Branch:
        locale = _context_locale(info)
        if locale is Locale.EN_US and not self.region:
            raise ValueError("region (the two-letter state code) is required for en_US")
        bad = [s for s in self.specialists if s not in self.services]
        if bad:
            raise ValueError(f"specialists {bad} must also be listed in services")
        return self


class BranchesCatalog(DataModel):
    """``branches_<locale>.yaml`` (seed 2 §2 Tool 4)."""

    #: How many branches ``find_nearest_branch`` returns at most.
    max_results: int = Field(default=3, ge=1, le=20)
    branches: list[Branch] = Field(min_length=1)

    @field_validator("branches")
    @classmethod
    def _unique_ids(cls, value: list[Branch]) -> list[Branch]:
        seen: set[str] = set()
        for branch in value:
            if branch.id in seen:
                raise ValueError(f"duplicate branch id {branch.id!r}")
            seen.add(branch.id)
        return value


def _context_locale(info: ValidationInfo) -> Locale | None:
    context = info.context
    if isinstance(context, dict) and context.get("locale") is not None:
        return Locale(context["locale"])
    return None


# -- the catalog --------------------------------------------------------------


class BankCatalog(BaseModel):
    """Everything the banking tools know for one locale (read-only).

    Use :func:`load_catalog` to get one; the validation agent and the
    dialogue may read it directly (e.g. ``catalog.accounts.accounts["student"]``).
    """

    model_config = ConfigDict(frozen=True)

    locale: Locale
    accounts: AccountsCatalog
    cards: CardsCatalog
    branches: BranchesCatalog
    data_dir: Path


def read_yaml(path: Path) -> Any:
    """Read one YAML file with the safe loader.

    Raises:
        CatalogError: when the file is missing or is not valid YAML (the
            message gives the line and column).

    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(path.name, f"cannot be read ({exc.strerror or exc})") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CatalogError(path.name, f"is not valid YAML{where}: {problem}") from exc


def validate_file(model: type[_M], path: Path, context: dict[str, Any] | None = None) -> _M:
    """Read ``path`` and validate it as ``model``.

    Raises:
        CatalogError: naming the file and the first offending field; the
            message lists every problem found.

    """
    data = read_yaml(path)
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        problems = []
        first_field: str | None = None
        for error in exc.errors(include_url=False):
            field = ".".join(str(part) for part in error["loc"]) or "(top level)"
            first_field = first_field or field
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{field}: {message}")
        raise CatalogError(path.name, "; ".join(problems), field=first_field) from exc


def catalog_files(locale: Locale, data_dir: Path | None = None) -> dict[str, Path]:
    """Return the three data files of ``locale``: keys accounts, cards, branches."""
    base = data_dir or DATA_DIR
    kinds = ("accounts", "cards", "branches")
    return {kind: base / f"{kind}_{locale.value}.yaml" for kind in kinds}


def load_catalog(locale: Locale | str = Locale.EN_GB, data_dir: Path | None = None) -> BankCatalog:
    """Load and validate the bank data of ``locale`` (cached per process).

    Args:
        locale: "en_GB" (default), "en_US" or "fr_FR".
        data_dir: a folder holding the bank's own copies of the data files;
            the shipped files when None.

    Returns:
        The typed, read-only :class:`BankCatalog`. Repeated calls with the
        same arguments return the same object; :func:`clear_catalog_cache`
        forgets it (e.g. after a bank edits a file).

    Raises:
        CatalogError: when a file is missing, malformed, or breaks a rule
            (missing account/card type, wrong number of steps, invalid
            postcode or phone number for the locale, unknown placeholder...).
        ValueError: when the locale is not supported.

    """
    return _load_catalog(Locale(locale), data_dir.resolve() if data_dir else None)


def clear_catalog_cache() -> None:
    """Forget every loaded catalog; the next :func:`load_catalog` reads the files again."""
    _load_catalog.cache_clear()


@lru_cache(maxsize=16)
def _load_catalog(locale: Locale, data_dir: Path | None) -> BankCatalog:
    files = catalog_files(locale, data_dir)
    context = {"locale": locale}
    return BankCatalog(
        locale=locale,
        accounts=validate_file(AccountsCatalog, files["accounts"], context),
        cards=validate_file(CardsCatalog, files["cards"], context),
        branches=validate_file(BranchesCatalog, files["branches"], context),
        data_dir=files["accounts"].parent,
    )
