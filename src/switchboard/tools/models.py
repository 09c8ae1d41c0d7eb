"""Input enums and output shapes of the four banking tools.

The names, enums and fields follow seed 2 §2 "FastMCP 2.0 Tools" exactly:
the tool inputs are closed sets (``Literal``, so the MCP input schema carries
a JSON-schema ``enum`` an LLM can read) and the outputs have precisely the
fields listed there, in that order.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

#: ``account_type`` of tools 1 and 2 (seed 2 §2). UK wording may say "current
#: account"; the enum value stays ``checking``.
AccountType = Literal["checking", "savings", "business", "student"]
#: ``card_type`` of tool 3 (seed 2 §2).
CardType = Literal["standard", "premium", "contactless", "virtual"]
#: ``service_type`` of tool 4 (seed 2 §2) and the services a branch offers.
ServiceType = Literal["account_opening", "card_services", "general", "business_banking"]

ACCOUNT_TYPES: tuple[AccountType, ...] = get_args(AccountType)
CARD_TYPES: tuple[CardType, ...] = get_args(CardType)
SERVICE_TYPES: tuple[ServiceType, ...] = get_args(ServiceType)

#: Value of ``service_requested`` when the caller gave no ``service_type``.
ANY_SERVICE = "any"

#: Number of steps seed 2 §2 gives each process.
BRANCH_PROCESS_STEPS = 8
DIGITAL_PROCESS_STEPS = 10
CARD_ORDERING_STEPS = 8


class _Output(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BranchAccountOpeningInfo(_Output):
    """Output of ``get_branch_account_opening_info`` (seed 2 §2 Tool 1)."""

    account_type: AccountType
    channel: Literal["branch"] = "branch"
    documents_required: list[str]
    process_steps: list[str]
    processing_time: str
    benefits: str


class DigitalAccountOpeningInfo(_Output):
    """Output of ``get_digital_account_opening_info`` (seed 2 §2 Tool 2)."""

    account_type: AccountType
    channel: Literal["digital"] = "digital"
    documents_required: list[str]
    process_steps: list[str]
    processing_time: str
    benefits: str
    requirements: str


class CardDetails(_Output):
    """``card_details`` of ``get_debit_card_info`` (seed 2 §2 Tool 3)."""

    name: str
    features: list[str]
    fees: str
    eligibility: str
    delivery_time: str


class DebitCardInfo(_Output):
    """Output of ``get_debit_card_info`` (seed 2 §2 Tool 3)."""

    card_type: CardType
    card_details: CardDetails
    ordering_process: list[str]
    replacement_info: str
    activation: str


class BranchInfo(_Output):
    """One branch in ``find_nearest_branch`` results (seed 2 §2 Tool 4).

    ``distance`` is the great-circle distance from the searched location,
    formatted in the locale's unit ("1.2 miles", "3,4 km").
    """

    name: str
    address: str
    phone: str
    hours: str
    services: list[str]
    distance: str
    specialists_available: bool


class BranchSearchResult(_Output):
    """Output of ``find_nearest_branch`` (seed 2 §2 Tool 4), nearest first."""

    search_location: str
    service_requested: str
    branches_found: int
    branches: list[BranchInfo]
