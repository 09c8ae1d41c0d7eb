"""A flow document of the Amazon Connect flow language, as pydantic models.

Shape ("Amazon Connect Flow language", pages ``flow-language`` and
``flow-language-actions`` of the Connect API Reference)::

    {"Version": "2019-10-30", "StartAction": "<Identifier>", "Metadata": {...},
     "Actions": [{"Identifier": str, "Type": str, "Parameters": {...},
                  "Transitions": {"NextAction": str,
                                  "Conditions": [{"NextAction": str,
                                                  "Condition": {"Operator": str,
                                                                "Operands": [str]}}],
                                  "Errors": [{"NextAction": str, "ErrorType": str}]}}]}

The document model is lenient on purpose: it accepts what a person wrote
(a missing ``Version``, an unknown ``Type``, any ``Parameters``) so that the
validator can report every problem as a finding instead of stopping at the
first one. The per-type parameter models live in :mod:`.actions`.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from switchboard.contactflow.actions import FlowType
from switchboard.errors import FlowDocumentError


class FlowCondition(BaseModel):
    """``{"Operator": ..., "Operands": [...]}``; operands are strings (or nested conditions)."""

    model_config = ConfigDict(extra="forbid")

    Operator: str
    Operands: list[Any] = Field(default_factory=list)


class ConditionBranch(BaseModel):
    """One entry of ``Transitions.Conditions``."""

    model_config = ConfigDict(extra="forbid")

    NextAction: str
    Condition: FlowCondition


class ErrorBranch(BaseModel):
    """One entry of ``Transitions.Errors``."""

    model_config = ConfigDict(extra="forbid")

    NextAction: str
    ErrorType: str


class ActionTransitions(BaseModel):
    """Where the flow goes after an action: default, by condition, by error."""

    model_config = ConfigDict(extra="forbid")

    NextAction: str | None = None
    Conditions: list[ConditionBranch] = Field(default_factory=list)
    Errors: list[ErrorBranch] = Field(default_factory=list)

    def error_target(self, error_type: str) -> str | None:
        """The action to run on ``error_type``, falling back to ``NoMatchingError``."""
        for branch in self.Errors:
            if branch.ErrorType == error_type:
                return branch.NextAction
        if error_type not in ("NoMatchingError", "NoMatchingCondition"):
            return self.error_target("NoMatchingError")
        return None

    @property
    def empty(self) -> bool:
        """True when no transition at all is defined."""
        return not (self.NextAction or self.Conditions or self.Errors)


class Action(BaseModel):
    """One step of a flow."""

    model_config = ConfigDict(extra="forbid")

    Identifier: str
    Type: str
    Parameters: dict[str, Any] = Field(default_factory=dict)
    Transitions: ActionTransitions = Field(default_factory=ActionTransitions)


class FlowDocument(BaseModel):
    """A whole flow: ``Version``, ``StartAction``, ``Metadata`` and the ``Actions`` list."""

    model_config = ConfigDict(extra="forbid")

    Version: str | None = None
    StartAction: str | None = None
    Metadata: dict[str, Any] = Field(default_factory=dict)
    Actions: list[Action] = Field(default_factory=list)

    @property
    def flow_type(self) -> FlowType:
        """``Metadata.type`` as a :class:`FlowType`; inbound ``contactFlow`` when absent."""
        raw = self.Metadata.get("type")
        try:
            return FlowType(str(raw)) if raw else FlowType.CONTACT_FLOW
        except ValueError:
            return FlowType.CONTACT_FLOW

    @property
    def name(self) -> str:
        """``Metadata.name`` or an empty string."""
        return str(self.Metadata.get("name") or "")

    def by_id(self) -> dict[str, Action]:
        """Actions by ``Identifier`` (the last one wins on a duplicate)."""
        return {a.Identifier: a for a in self.Actions}


class Severity(StrEnum):
    """How bad a finding is: ``error`` fails ``flow check``."""

    ERROR = "error"
    WARNING = "warning"


class Finding(BaseModel):
    """One problem in a flow.

    Attributes:
        action_id: the action's ``Identifier`` ("" for the document itself).
        severity: ``error`` (the flow must not be published) or ``warning``.
        code: a stable short code (``unknown-type``, ``customer-lost``...).
        message: what is wrong and what to do instead.
    """

    model_config = ConfigDict(frozen=True)

    action_id: str
    severity: Severity
    code: str
    message: str

    def render(self, source: str = "") -> str:
        """One line: ``source: severity [code] action: message``."""
        where = f"{source}: " if source else ""
        action = self.action_id or "<flow>"
        return f"{where}{self.severity.value} [{self.code}] {action}: {self.message}"


def parse_flow(data: Any) -> FlowDocument:
    """Build a :class:`FlowDocument` from decoded JSON.

    Raises:
        FlowDocumentError: the document is not an object, ``Actions`` is not a
            list, or an action lacks ``Identifier``/``Type`` (the message says where).
    """
    if not isinstance(data, dict):
        raise FlowDocumentError("a flow document is a JSON object")
    actions = data.get("Actions")
    if isinstance(actions, dict):
        raise FlowDocumentError(
            "Actions must be a list of action objects, not an object keyed by identifier"
        )
    try:
        return FlowDocument.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise FlowDocumentError(f"{where}: {first['msg']}") from exc


def load_flow(path: Path) -> FlowDocument:
    """Read and parse a flow JSON file.

    Raises:
        FlowDocumentError: unreadable file, invalid JSON or a malformed document.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FlowDocumentError(f"cannot read {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise FlowDocumentError(f"{path} is not valid JSON: {exc}") from exc
    return parse_flow(data)
