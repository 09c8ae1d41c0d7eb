r"""Static checks of a flow document: the flow language reference plus "no customer lost".

Rules and their sources:

* ``Version`` is ``2019-10-30``; ``StartAction`` names an action; identifiers
  are unique, at most 50 characters, contain none of ``% : ( \\ / ) = $ , ; [ ] { }``
  and are not one of the reserved JavaScript names ("Actions in the Amazon
  Connect Flow Language", Identifier).
* Every ``Type`` is a flow-language action; a known wrong name (seed 2's
  ``TransferToQueue``, ``CheckAttribute``, ``SetQueue``, ``PlayPrompt``...) is
  reported with its replacement (:data:`~.actions.KNOWN_MISTAKES`).
* Parameters match the action's parameter object; error types and
  conditions are those the action's page allows; the action is allowed in
  the flow's type (each action page, "Restrictions").
* Every ``NextAction`` names an action; every action is reachable from
  ``StartAction``; every error an action can raise has a branch (the flow
  designer refuses to publish unconnected branches); a non-terminal action has
  somewhere to go.
* **No customer lost** (seed 2 "Queue Management and Customer Retention
  Design": "Never disconnect a customer who needs agent assistance"): from
  every error branch (``NoMatchingCondition`` is the "else" of a test, not an
  error), from every branch taken once the bot has decided to
  hand over (a condition on ``TransferToAgent`` or on ``handover`` = ``true``)
  and from the start of a customer queue flow, every way the flow can end is a
  queue transfer or comes after a booked callback — never a bare disconnect,
  never a dead end.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from switchboard.contactflow.actions import (
    FLOW_VERSION,
    KNOWN_MISTAKES,
    NUMBER_RANGES,
    OPERATORS,
    PARAMETER_HINTS,
    SPECS,
    ActionSpec,
    Conds,
    FlowType,
)
from switchboard.contactflow.model import Action, Finding, FlowDocument, Severity, parse_flow
from switchboard.domain.attributes import ATTR_HANDOVER, TRANSFER_INTENT
from switchboard.errors import FlowDocumentError

MAX_IDENTIFIER = 50
_FORBIDDEN_CHARS = set("%:(\\/)=$,;[]{}")
_RESERVED = frozenset(
    {
        "__proto__",
        "constructor",
        "__defineGetter__",
        "__defineSetter__",
        "toString",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
        "toLocaleString",
        "valueOf",
    }
)
_JSONPATH = re.compile(r"^\$\.[A-Za-z0-9_.\-\[\]'\" ]+$")
_DTMF_KEY = re.compile(r"^[0-9*#]$")
_ENDS_ON_SUCCESS = frozenset({"TransferContactToQueue", "TransferToFlow"})
NEEDS_AGENT_KEY = "customerNeedsAgent"
"""``Metadata`` flag of a flow every caller of which needs an agent (an after-hours or
callback flow): its whole run falls under the no-customer-lost rule."""


def _err(action_id: str, code: str, message: str) -> Finding:
    return Finding(action_id=action_id, severity=Severity.ERROR, code=code, message=message)


def _warn(action_id: str, code: str, message: str) -> Finding:
    return Finding(action_id=action_id, severity=Severity.WARNING, code=code, message=message)


def spec_for(action: Action) -> ActionSpec | None:
    """The spec of an action's type, or of its replacement when the type is a known mistake."""
    if action.Type in SPECS:
        return SPECS[action.Type]
    mistake = KNOWN_MISTAKES.get(action.Type)
    return SPECS.get(mistake.replacement) if mistake else None


def validate(doc: FlowDocument) -> list[Finding]:
    """Check ``doc`` against the flow language and the no-customer-lost rule.

    Returns:
        Findings in document order: document-level first, then per action,
        then graph findings (dangling, unreachable, customer lost).
    """
    findings = list(_document(doc))
    for action in doc.Actions:
        findings.extend(_action(action, doc.flow_type))
    findings.extend(_graph(doc))
    return findings


def check_data(data: Any) -> list[Finding]:
    """Validate decoded flow JSON, turning shape problems into findings too.

    ``Actions`` written as an object keyed by identifier (seed 5) is reported
    and then read as a list, so its actions are checked as well.
    """
    findings: list[Finding] = []
    if isinstance(data, dict) and isinstance(data.get("Actions"), dict):
        findings.append(
            _err(
                "",
                "actions-object",
                "Actions must be a list of action objects with an "
                "Identifier each, not an object keyed by identifier",
            )
        )
        data = {
            **data,
            "Actions": [
                {"Identifier": key, **(value if isinstance(value, dict) else {})}
                for key, value in data["Actions"].items()
            ],
        }
    try:
        doc = parse_flow(data)
    except FlowDocumentError as exc:
        return [*findings, _err("", "document", exc.message)]
    return findings + validate(doc)


def check_file(path: Path) -> list[Finding]:
    """Read ``path`` and validate it; unreadable files and bad JSON are findings."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return [_err("", "document", f"cannot read {path}: {exc.strerror or exc}")]
    except json.JSONDecodeError as exc:
        return [_err("", "document", f"not valid JSON: {exc}")]
    return check_data(data)


def has_errors(findings: list[Finding]) -> bool:
    """True when any finding is an error."""
    return any(f.severity is Severity.ERROR for f in findings)


# -- document and identifiers ------------------------------------------------------------


def _document(doc: FlowDocument) -> Iterator[Finding]:
    if doc.Version is None:
        yield _err("", "version", f'Version is missing; it must be "{FLOW_VERSION}"')
    elif doc.Version != FLOW_VERSION:
        yield _err("", "version", f'Version is "{doc.Version}"; it must be "{FLOW_VERSION}"')
    if not doc.Actions:
        yield _err("", "no-actions", "Actions is empty")
    if doc.StartAction is None:
        yield _err("", "start-action", "StartAction is missing; name the first action")
    elif doc.StartAction not in doc.by_id():
        yield _err("", "start-action", f"StartAction {doc.StartAction!r} is not an action")
    seen: set[str] = set()
    for action in doc.Actions:
        ident = action.Identifier
        if ident in seen:
            yield _err(ident, "duplicate-id", "Identifier is used by more than one action")
        seen.add(ident)
        yield from _identifier(ident)


def _identifier(ident: str) -> Iterator[Finding]:
    if not ident:
        yield _err(ident, "identifier", "Identifier is empty")
    if len(ident) > MAX_IDENTIFIER:
        yield _err(ident, "identifier", f"Identifier is {len(ident)} characters; at most 50")
    bad = sorted(set(ident) & _FORBIDDEN_CHARS)
    if bad:
        yield _err(ident, "identifier", f"Identifier contains forbidden characters {' '.join(bad)}")
    if ident in _RESERVED:
        yield _err(ident, "identifier", f"Identifier {ident!r} is a reserved name")


# -- one action ----------------------------------------------------------------------------


def _action(action: Action, flow_type: FlowType) -> Iterator[Finding]:
    ident = action.Identifier
    spec = spec_for(action)
    if action.Type not in SPECS:
        mistake = KNOWN_MISTAKES.get(action.Type)
        if mistake:
            yield _err(
                ident,
                "unknown-type",
                f"{action.Type} is not a flow-language action; use {mistake.replacement} "
                f"({mistake.hint})",
            )
        else:
            yield _err(ident, "unknown-type", f"{action.Type} is not a flow-language action")
    if spec is None:
        return
    yield from _parameters(action, spec)
    if spec.flows is not None and flow_type not in spec.flows:
        yield _err(ident, "flow-type", f"{spec.type} is not allowed in a {flow_type.value} flow")
    yield from _transitions(action, spec)


def _parameters(action: Action, spec: ActionSpec) -> Iterator[Finding]:
    ident = action.Identifier
    try:
        spec.params.model_validate(action.Parameters)
    except ValidationError as exc:
        for error in exc.errors():
            loc = ".".join(str(p) for p in error["loc"])
            if error["type"] == "extra_forbidden":
                hint = PARAMETER_HINTS.get((spec.type, loc)) or PARAMETER_HINTS.get(
                    (action.Type, loc)
                )
                text = f"unknown parameter {loc} for {spec.type}"
                yield _err(ident, "unknown-parameter", f"{text}; {hint}" if hint else text)
            elif error["type"] == "missing":
                yield _err(ident, "missing-parameter", f"{spec.type} needs parameter {loc}")
            else:
                where = f"{loc}: " if loc else ""
                message = str(error["msg"]).removeprefix("Value error, ")
                yield _err(ident, "bad-parameter", f"{where}{message}")
    for key in ("ComparisonValue", "CallbackNumber"):
        value = action.Parameters.get(key)
        if isinstance(value, str) and not _JSONPATH.match(value):
            yield _err(
                ident,
                "bad-parameter",
                f"{key} must be a single JSONPath such as $.Attributes.name, got {value!r}",
            )
    for (kind, key), (low, high) in NUMBER_RANGES.items():
        raw = action.Parameters.get(key)
        if kind != spec.type or raw is None or str(raw).startswith("$."):
            continue
        text = str(raw)
        if not (text.isdigit() and low <= int(text) <= high):
            yield _err(
                ident, "bad-parameter", f"{key} must be an integer {low}..{high}, got {raw!r}"
            )
    for note in spec.notes:
        yield _warn(ident, "restriction", f"{spec.type}: {note}")


def _transitions(action: Action, spec: ActionSpec) -> Iterator[Finding]:
    ident = action.Identifier
    tr = action.Transitions
    if spec.terminal:
        if not tr.empty:
            yield _err(ident, "terminal", f"{spec.type} ends the flow; Transitions must be empty")
        return
    for branch in tr.Errors:
        if branch.ErrorType not in spec.errors:
            allowed = ", ".join(sorted(spec.errors)) or "none"
            yield _err(
                ident,
                "error-type",
                f"{spec.type} cannot raise {branch.ErrorType} (allowed: {allowed})",
            )
    yield from _conditions(action, spec)
    yield from _missing_errors(action, spec)
    present = {str(c.Condition.Operands[0]) for c in tr.Conditions if c.Condition.Operands}
    covered = spec.conditions is Conds.FIXED and spec.operands <= present
    if not tr.NextAction and not covered and spec.type not in _ENDS_ON_SUCCESS:
        yield _err(
            ident,
            "dead-end",
            f"{spec.type} has no NextAction: the contact would fall off the flow",
        )
    if spec.type in _ENDS_ON_SUCCESS and tr.NextAction:
        yield _warn(
            ident,
            "after-transfer",
            f"a successful {spec.type} ends this flow (the queue or the next flow takes "
            f"over); NextAction {tr.NextAction!r} is never run",
        )


def _conditions(action: Action, spec: ActionSpec) -> Iterator[Finding]:
    ident = action.Identifier
    conds = action.Transitions.Conditions
    stored = (
        spec.type == "GetParticipantInput"
        and str(action.Parameters.get("StoreInput", "")).lower() == "true"
    )
    if conds and (spec.conditions is Conds.NONE or stored):
        why = "when StoreInput is True" if stored else ""
        yield _err(ident, "conditions", f"{spec.type} supports no Conditions {why}".strip())
        return
    operands: set[str] = set()
    for branch in conds:
        op = branch.Condition.Operator
        if op not in OPERATORS:
            yield _err(ident, "operator", f"unknown operator {op!r}")
        elif spec.conditions in (Conds.EQUALS, Conds.FIXED) and op != "Equals":
            yield _err(ident, "operator", f"{spec.type} conditions may only use Equals")
        if len(branch.Condition.Operands) != 1:
            yield _err(ident, "operands", f"{op} takes exactly one operand")
            continue
        value = str(branch.Condition.Operands[0])
        operands.add(value)
        if spec.type == "GetParticipantInput" and not _DTMF_KEY.match(value):
            yield _err(ident, "operands", f"DTMF condition {value!r} must be one key 0-9, * or #")
    if (
        spec.conditions is Conds.FIXED
        and spec.operands != operands
        and (conds or spec.type != "MessageParticipantIteratively")
    ):
        need = " and ".join(f"Equals {o}" for o in sorted(spec.operands))
        yield _err(ident, "conditions", f"{spec.type} needs exactly the conditions {need}")
    if spec.type == "Wait" and "WaitCompleted" not in operands:
        yield _err(ident, "conditions", "Wait needs a condition Equals WaitCompleted")


def _missing_errors(action: Action, spec: ActionSpec) -> Iterator[Finding]:
    ident = action.Identifier
    present = {b.ErrorType for b in action.Transitions.Errors}
    needed = set(spec.errors) - {"NoMatchingCondition", "InvalidPhoneNumber"}
    if spec.conditions is not Conds.NONE and action.Transitions.Conditions:
        if "NoMatchingCondition" in spec.errors and spec.conditions is not Conds.FIXED:
            needed.add("NoMatchingCondition")
    if spec.type == "GetParticipantInput":
        stores = str(action.Parameters.get("StoreInput", "")).lower() == "true"
        validation = action.Parameters.get("InputValidation") or {}
        if stores:
            needed.discard("InputTimeLimitExceeded")
            if "PhoneNumberValidation" in validation:
                needed.add("InvalidPhoneNumber")
    for error in sorted(needed - present):
        yield _err(
            ident,
            "missing-error-branch",
            f"no branch for {error}: when it happens the contact has nowhere to go",
        )


# -- the graph -----------------------------------------------------------------------------


def _edges(action: Action) -> Iterator[tuple[str, str, str]]:
    """``(kind, label, target)``: kind is ``next``, ``condition`` or ``error``."""
    tr = action.Transitions
    if tr.NextAction:
        yield "next", "", tr.NextAction
    for branch in tr.Conditions:
        operand = str(branch.Condition.Operands[0]) if branch.Condition.Operands else ""
        yield "condition", operand, branch.NextAction
    for error in tr.Errors:
        yield "error", error.ErrorType, error.NextAction


def _is_handover_branch(action: Action, label: str) -> bool:
    """True for a condition that is taken because the bot decided to hand over."""
    if label == TRANSFER_INTENT:
        return True
    value = str(action.Parameters.get("ComparisonValue", ""))
    return label.lower() == "true" and value.endswith(f".{ATTR_HANDOVER}")


def _graph(doc: FlowDocument) -> Iterator[Finding]:
    actions = doc.by_id()
    for action in doc.Actions:
        for kind, label, target in _edges(action):
            if target not in actions:
                what = f"{kind} {label}".strip()
                yield _err(
                    action.Identifier,
                    "dangling",
                    f"{what} goes to {target!r}, which is not an action",
                )
    if doc.StartAction in actions:
        reached = _reachable(doc, doc.StartAction)
        for action in doc.Actions:
            if action.Identifier not in reached:
                yield _warn(action.Identifier, "unreachable", "no path from StartAction reaches it")
    yield from _customer_lost(doc)


def _reachable(doc: FlowDocument, start: str) -> set[str]:
    actions = doc.by_id()
    seen = {start}
    todo = deque([start])
    while todo:
        action = actions.get(todo.popleft())
        if action is None:
            continue
        for _kind, _label, target in _edges(action):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _lost_end(action: Action, booked: bool, flow_type: FlowType) -> str | None:
    """Why ending at ``action`` loses the customer, or None when the ending is safe.

    Safe: a queue transfer, any end after a booked callback, the end of a customer
    queue flow (the contact stays queued), a jump to another flow (checked on its own).
    """
    if action.Type in _ENDS_ON_SUCCESS or booked:
        return None
    if action.Type == "DisconnectParticipant":
        return "disconnects the customer with no queue transfer and no callback booked"
    if action.Type == "EndFlowExecution":
        if flow_type is FlowType.CUSTOMER_QUEUE:
            return None
        return "ends the flow without queueing the customer"
    return "the flow stops here (no transition) with the customer neither queued nor called back"


def _customer_lost(doc: FlowDocument) -> Iterator[Finding]:
    """Report every ending that leaves a customer who needs an agent unqueued.

    Walks every path from the start, tracking whether a callback is booked and
    whether the customer needs an agent (after an error or the bot's handover).

    A path stops being critical when it returns to the bot (``ConnectParticipantWithLexBot``):
    the bot decides again, and its own errors and handover mark the path anew.
    """
    actions = doc.by_id()
    if doc.StartAction in actions:
        start = doc.StartAction
        assert start is not None
        critical = (
            doc.flow_type is FlowType.CUSTOMER_QUEUE or doc.Metadata.get(NEEDS_AGENT_KEY) is True
        )
        origin = "the start of the flow (the customer needs an agent)" if critical else ""
        todo = deque([(start, False, origin)])
    else:  # no usable StartAction (reported): check from every action
        todo = deque((a.Identifier, False, "") for a in doc.Actions)
    seen: set[tuple[str, bool, bool]] = set()
    lost: dict[str, tuple[str, list[str]]] = {}  # end action -> (reason, origins)
    while todo:
        ident, booked, origin = todo.popleft()
        key = (ident, booked, bool(origin))
        action = actions.get(ident)
        if key in seen or action is None:
            continue  # a missing action is reported as dangling
        seen.add(key)
        if action.Type == "ConnectParticipantWithLexBot":
            origin = ""
        nexts = 0
        for kind, label, target in _edges(action):
            if action.Type in _ENDS_ON_SUCCESS and kind == "next":
                continue  # success ends this flow: in the queue, or in the next flow
            nexts += 1
            now_booked = booked or (action.Type == "CreateCallbackContact" and kind == "next")
            new_origin = origin
            if not origin and kind == "error" and label != "NoMatchingCondition":
                new_origin = f"error {label} of {ident}"
            elif not origin and kind == "condition" and _is_handover_branch(action, label):
                new_origin = f"the handover branch of {ident}"
            todo.append((target, now_booked, new_origin))
        if nexts == 0 and origin:
            reason = _lost_end(action, booked, doc.flow_type)
            if reason:
                entry = lost.setdefault(ident, (reason, []))
                if origin not in entry[1]:
                    entry[1].append(origin)
    for end_id, (reason, origins) in lost.items():
        more = f" and {len(origins) - 1} more critical branch(es)" if len(origins) > 1 else ""
        yield _err(end_id, "customer-lost", f"{reason}; reached from {origins[0]}{more}")
