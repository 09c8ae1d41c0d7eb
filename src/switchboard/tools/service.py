"""The four banking tools as plain Python, for one locale (no MCP here).

:class:`BankingTools` turns the bank's catalog (see :mod:`.catalog`) into the
outputs of seed 2 §2 "FastMCP 2.0 Tools". The MCP server
(:mod:`.server`) only wraps these methods. Answers that depend on the
argument alone (tools 1-3) are rendered once, when the object is built; a
branch search costs a geocode plus one haversine per branch.

Failures raise :class:`ToolFailure` carrying a :class:`ToolErrorInfo` the
brain can act on (``invalid_argument`` or ``not_found``, with ``field`` and
``allowed``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from switchboard.domain.types import Locale, ToolErrorInfo
from switchboard.errors import ToolError
from switchboard.tools.catalog import BankCatalog, Branch, load_catalog
from switchboard.tools.geo import Geocoder, LocationError, distance_km
from switchboard.tools.locale import LocaleRules, rules_for
from switchboard.tools.models import (
    ACCOUNT_TYPES,
    ANY_SERVICE,
    CARD_TYPES,
    SERVICE_TYPES,
    AccountType,
    BranchAccountOpeningInfo,
    BranchInfo,
    BranchSearchResult,
    CardDetails,
    CardType,
    DebitCardInfo,
    DigitalAccountOpeningInfo,
)


class ToolFailure(ToolError):
    """A banking tool refused its arguments or found nothing.

    Attributes:
        info: the structured error returned to the caller.

    """

    def __init__(self, info: ToolErrorInfo) -> None:
        super().__init__(info.message)
        self.info = info
        self.code = info.code


def _invalid_choice(field: str, value: object, allowed: tuple[str, ...]) -> ToolFailure:
    return ToolFailure(
        ToolErrorInfo(
            code="invalid_argument",
            message=f"{field} must be one of {', '.join(allowed)}; got {value!r}",
            field=field,
            allowed=list(allowed),
        )
    )


def _render(text: str, amounts: dict[str, Decimal], rules: LocaleRules) -> str:
    """Fill ``{name}`` placeholders with amounts formatted in the locale's currency."""
    if not amounts:
        return text
    return text.format_map({k: rules.format_money(v) for k, v in amounts.items()})


class _BranchStatic(NamedTuple):
    """The parts of a branch result that do not depend on the search."""

    name: str
    address: str
    phone: str
    hours: str
    services: list[str]


class BankingTools:
    """The four tools for one locale, backed by a :class:`BankCatalog`."""

    def __init__(self, locale: Locale | str, catalog: BankCatalog | None = None) -> None:
        """Build the tools for ``locale``.

        Args:
            locale: "en_GB", "en_US" or "fr_FR".
            catalog: the bank data; :func:`load_catalog` for the locale when None.

        Raises:
            switchboard.tools.catalog.CatalogError: when the data files are invalid.
            ValueError: when ``catalog`` belongs to another locale.

        """
        self.locale = Locale(locale)
        self.catalog = catalog or load_catalog(self.locale)
        if self.catalog.locale is not self.locale:
            raise ValueError(
                f"catalog is for {self.catalog.locale.value}, server is for {self.locale.value}"
            )
        self.rules = rules_for(self.locale)
        self.geocoder = Geocoder(self.locale)
        self._branch_info: dict[str, BranchAccountOpeningInfo] = {
            t: self._render_branch_info(t) for t in ACCOUNT_TYPES
        }
        self._digital_info: dict[str, DigitalAccountOpeningInfo] = {
            t: self._render_digital_info(t) for t in ACCOUNT_TYPES
        }
        self._card_info: dict[str, DebitCardInfo] = {
            t: self._render_card_info(t) for t in CARD_TYPES
        }
        self._branches = [(b, self._branch_fields(b)) for b in self.catalog.branches.branches]

    # -- tools 1-2: account opening ------------------------------------------------

    def branch_account_opening(self, account_type: str) -> BranchAccountOpeningInfo:
        """Seed 2 §2 Tool 1: documents, 8 steps, timing and benefits at a branch.

        Raises:
            ToolFailure: ``invalid_argument`` for an unknown account type.

        """
        try:
            return self._branch_info[account_type]
        except (KeyError, TypeError):
            raise _invalid_choice("account_type", account_type, ACCOUNT_TYPES) from None

    def digital_account_opening(self, account_type: str) -> DigitalAccountOpeningInfo:
        """Seed 2 §2 Tool 2: documents, 10 online steps, timing, benefits, requirements.

        Raises:
            ToolFailure: ``invalid_argument`` for an unknown account type.

        """
        try:
            return self._digital_info[account_type]
        except (KeyError, TypeError):
            raise _invalid_choice("account_type", account_type, ACCOUNT_TYPES) from None

    def _render_branch_info(self, account_type: AccountType) -> BranchAccountOpeningInfo:
        accounts = self.catalog.accounts
        product = accounts.accounts[account_type]
        channel = product.branch
        return BranchAccountOpeningInfo(
            account_type=account_type,
            documents_required=[
                _render(d, product.amounts, self.rules) for d in channel.documents_required
            ],
            process_steps=list(accounts.branch_process),
            processing_time=_render(
                channel.processing_time or accounts.branch_processing_time,
                product.amounts,
                self.rules,
            ),
            benefits=_render(channel.benefits, product.amounts, self.rules),
        )

    def _render_digital_info(self, account_type: AccountType) -> DigitalAccountOpeningInfo:
        accounts = self.catalog.accounts
        product = accounts.accounts[account_type]
        channel = product.digital
        return DigitalAccountOpeningInfo(
            account_type=account_type,
            documents_required=[
                _render(d, product.amounts, self.rules) for d in channel.documents_required
            ],
            process_steps=list(accounts.digital_process),
            processing_time=_render(
                channel.processing_time or accounts.digital_processing_time,
                product.amounts,
                self.rules,
            ),
            benefits=_render(channel.benefits, product.amounts, self.rules),
            requirements=_render(
                channel.requirements or accounts.digital_requirements,
                product.amounts,
                self.rules,
            ),
        )

    # -- tool 3: debit cards ----------------------------------------------------------

    def debit_card(self, card_type: str) -> DebitCardInfo:
        """Seed 2 §2 Tool 3: card details, 8 ordering steps, replacement, activation.

        Raises:
            ToolFailure: ``invalid_argument`` for an unknown card type.

        """
        try:
            return self._card_info[card_type]
        except (KeyError, TypeError):
            raise _invalid_choice("card_type", card_type, CARD_TYPES) from None

    def _render_card_info(self, card_type: CardType) -> DebitCardInfo:
        cards = self.catalog.cards
        card = cards.cards[card_type]
        return DebitCardInfo(
            card_type=card_type,
            card_details=CardDetails(
                name=card.name,
                features=list(card.features),
                fees=_render(card.fees, card.amounts, self.rules),
                eligibility=_render(card.eligibility, card.amounts, self.rules),
                delivery_time=card.delivery_time,
            ),
            ordering_process=list(card.ordering_process or cards.ordering_process),
            replacement_info=_render(
                card.replacement_info or cards.replacement_info, card.amounts, self.rules
            ),
            activation=_render(card.activation or cards.activation, card.amounts, self.rules),
        )

    # -- tool 4: branches ---------------------------------------------------------------

    def nearest_branches(
        self, location: str, service_type: str | None = None
    ) -> BranchSearchResult:
        """Seed 2 §2 Tool 4: the nearest branches to ``location``, nearest first.

        Args:
            location: a postcode/ZIP/code postal or a city of the locale.
            service_type: keep only branches offering this service; any when None.

        Returns:
            At most ``branches.max_results`` branches with real great-circle
            distances; a far-away location still gets the nearest ones.

        Raises:
            ToolFailure: ``invalid_argument`` (empty location, malformed
                postcode, unknown service type) or ``not_found`` (unknown
                place, or no branch offers the service — the seed's fallback).

        """
        if service_type is not None and service_type not in SERVICE_TYPES:
            raise _invalid_choice("service_type", service_type, SERVICE_TYPES)
        try:
            place = self.geocoder.locate(location)
        except LocationError as exc:
            raise ToolFailure(
                ToolErrorInfo(code=exc.code, message=exc.message, field="location")
            ) from None
        candidates = [
            (distance_km((place.lat, place.lon), (branch.lat, branch.lon)), branch, fields)
            for branch, fields in self._branches
            if service_type is None or service_type in branch.services
        ]
        if not candidates:
            raise ToolFailure(
                ToolErrorInfo(
                    code="not_found",
                    message=(
                        f"no branch offers {service_type}; offer the phone or digital "
                        f"channel, or a handover to a specialist"
                    ),
                    field="service_type",
                    allowed=sorted({s for b, _ in self._branches for s in b.services}),
                )
            )
        candidates.sort(key=lambda item: item[0])
        found = [
            BranchInfo(
                **fields._asdict(),
                distance=self.rules.format_distance(km),
                specialists_available=(
                    service_type in branch.specialists
                    if service_type is not None
                    else bool(branch.specialists)
                ),
            )
            for km, branch, fields in candidates[: self.catalog.branches.max_results]
        ]
        return BranchSearchResult(
            search_location=place.label,
            service_requested=service_type or ANY_SERVICE,
            branches_found=len(found),
            branches=found,
        )

    def _branch_fields(self, branch: Branch) -> _BranchStatic:
        return _BranchStatic(
            name=branch.name,
            address=self._address(branch),
            phone=branch.phone,
            hours=self.rules.format_hours(
                [(p.first_day, p.last_day, p.open, p.close) for p in branch.hours]
            ),
            services=list(branch.services),
        )

    def _address(self, branch: Branch) -> str:
        """One-line postal address in the country's order."""
        if self.locale is Locale.EN_US:
            return f"{branch.street}, {branch.city}, {branch.region} {branch.postcode}"
        if self.locale is Locale.FR_FR:
            return f"{branch.street}, {branch.postcode} {branch.city}"
        return f"{branch.street}, {branch.city} {branch.postcode}"
