"""The action types of the Amazon Connect flow language that switchboard understands.

Each :class:`ActionSpec` records, for one action ``Type``, what the flow
language reference says about it: its parameter object (a pydantic model with
``extra="forbid"``, so an unknown parameter is reported), the error types its
``Transitions.Errors`` may name, what its ``Conditions`` may test, the flow
types it may appear in and whether it ends the flow.

Sources (Amazon Connect Administrator Guide, "Amazon Connect Flow language",
one page per action, mirrored in ``awsdocs/amazon-connect-admin-guide``
``doc_source/<page>.md``; the API Reference carries the same pages):
``participant-actions-messageparticipant``, ``participant-actions-connectparticipantwithlexbot``,
``participant-actions-getparticipantinput``, ``participant-actions-disconnectparticipant``,
``participant-actions-messageparticipantiteratively``, ``flow-control-actions-compare``,
``flow-control-actions-checkhoursofoperation``, ``flow-control-actions-checkmetricdata``,
``flow-control-actions-loop``, ``flow-control-actions-wait``,
``flow-control-actions-endflowexecution``, ``flow-control-actions-transfertoflow``,
``contact-actions-updatecontactattributes``, ``contact-actions-updatecontacttargetqueue``,
``contact-actions-transfercontacttoqueue``, ``contact-actions-updatecontactcallbacknumber``,
``contact-actions-updatecontactroutingbehavior``, ``contact-actions-updatecontacteventhooks``,
``contact-actions-updatecontactrecordingbehavior``,
``contact-actions-updatecontactmediastreamingbehavior``, ``interactions-invokelambdafunction``,
``interactions-createcallbackcontact``.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

DOC_BASE = "https://docs.aws.amazon.com/connect/latest/APIReference/"
FLOW_VERSION = "2019-10-30"
"""The only ``Version`` the flow language defines."""


class FlowType(StrEnum):
    """``Metadata.type`` of an exported flow (the flow types of the reference)."""

    CONTACT_FLOW = "contactFlow"
    CUSTOMER_QUEUE = "customerQueue"
    CUSTOMER_HOLD = "customerHold"
    CUSTOMER_WHISPER = "customerWhisper"
    AGENT_HOLD = "agentHold"
    AGENT_WHISPER = "agentWhisper"
    OUTBOUND_WHISPER = "outboundWhisper"
    AGENT_TRANSFER = "agentTransfer"
    QUEUE_TRANSFER = "queueTransfer"


_INBOUND = frozenset({FlowType.CONTACT_FLOW, FlowType.AGENT_TRANSFER, FlowType.QUEUE_TRANSFER})
_INBOUND_AND_QUEUE = _INBOUND | {FlowType.CUSTOMER_QUEUE}
_WHISPERS = frozenset(
    {FlowType.CUSTOMER_WHISPER, FlowType.AGENT_WHISPER, FlowType.OUTBOUND_WHISPER}
)

OPERATORS = frozenset(
    {
        "Equals",
        "TextStartsWith",
        "TextEndsWith",
        "TextContains",
        "NumberGreaterThan",
        "NumberGreaterOrEqualTo",
        "NumberLessThan",
        "NumberLessOrEqualTo",
    }
)
"""Condition operators ("Actions in the Amazon Connect Flow Language", List of Operators)."""


class _Params(BaseModel):
    """Base of every parameter object: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class _Prompt(_Params):
    """The prompt fields shared by participant actions: at most one of them."""

    PromptId: str | None = None
    Text: str | None = None
    SSML: str | None = None
    Media: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_prompt(self) -> _Prompt:
        given = [k for k in ("PromptId", "Text", "SSML") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give only one of PromptId, Text, SSML (got {', '.join(given)})")
        return self


class MessageParticipantParams(_Prompt):
    """``MessageParticipant``: play a prompt or send a text; one of the prompt fields."""

    @model_validator(mode="after")
    def _needs_prompt(self) -> MessageParticipantParams:
        if self.PromptId is None and self.Text is None and self.SSML is None and not self.Media:
            raise ValueError("MessageParticipant needs one of PromptId, Text, SSML or Media")
        return self


class LexV2BotRef(_Params):
    """``LexV2Bot``: the alias ARN of the Lex V2 bot."""

    AliasArn: str


class LexV1BotRef(_Params):
    """``LexBot``: a Lex (V1) bot by name, region and alias."""

    Name: str
    Region: str
    Alias: str


class ConnectParticipantWithLexBotParams(_Prompt):
    """``ConnectParticipantWithLexBot``: hand the participant to a Lex bot.

    The prompt is played by the bot connection itself, so the caller can speak
    over it (barge-in is the Lex V2 session attribute
    ``x-amz-lex:allow-interrupt:*:*``).
    """

    LexV2Bot: LexV2BotRef | None = None
    LexBot: LexV1BotRef | None = None
    LexSessionAttributes: dict[str, str] | None = None
    LexInitilizationData: dict[str, str] | None = None  # sic, as the reference spells it
    LexTimeoutSeconds: dict[str, str] | None = None

    @model_validator(mode="after")
    def _one_bot(self) -> ConnectParticipantWithLexBotParams:
        if (self.LexV2Bot is None) == (self.LexBot is None):
            raise ValueError("give exactly one of LexV2Bot or LexBot")
        return self


class PhoneNumberValidationSpec(_Params):
    """``InputValidation.PhoneNumberValidation``."""

    NumberFormat: str
    CountryCode: str | None = None


class CustomValidationSpec(_Params):
    """``InputValidation.CustomValidation``."""

    MaximumLength: str | int


class InputValidationSpec(_Params):
    """How stored input is validated: a phone number or a maximum length."""

    PhoneNumberValidation: PhoneNumberValidationSpec | None = None
    CustomValidation: CustomValidationSpec | None = None


class DTMFConfigurationSpec(_Params):
    """Overrides of DTMF gathering."""

    InputTerminationSequence: str | None = None
    DisableCancelKey: str | None = None


class GetParticipantInputParams(_Prompt):
    """``GetParticipantInput``: gather DTMF (one digit to branch on, or stored input)."""

    InputTimeLimitSeconds: str | int | None = None
    StoreInput: str | None = None
    InputValidation: InputValidationSpec | None = None
    InputEncryption: dict[str, str] | None = None
    DTMFConfiguration: DTMFConfigurationSpec | None = None

    @property
    def stores(self) -> bool:
        """True when the input is stored (``$.StoredCustomerInput``) rather than branched on."""
        return str(self.StoreInput).lower() == "true"

    @model_validator(mode="after")
    def _validation_iff_store(self) -> GetParticipantInputParams:
        if self.stores and self.InputValidation is None:
            raise ValueError("InputValidation is required when StoreInput is True")
        if not self.stores and self.InputValidation is not None:
            raise ValueError("InputValidation is only allowed when StoreInput is True")
        return self


class CompareParams(_Params):
    """``Compare``: the value (one JSONPath) its Conditions test."""

    ComparisonValue: str


class UpdateContactAttributesParams(_Params):
    """``UpdateContactAttributes``: set user-defined contact attributes (all or none)."""

    Attributes: dict[str, str]
    TargetContact: str | None = None


class _QueueOrAgent(_Params):
    """A queue (``QueueId``) or an agent queue (``AgentId``), not both."""

    QueueId: str | None = None
    AgentId: str | None = None

    @model_validator(mode="after")
    def _not_both(self) -> _QueueOrAgent:
        if self.QueueId is not None and self.AgentId is not None:
            raise ValueError("give QueueId or AgentId, not both")
        return self


class UpdateContactTargetQueueParams(_QueueOrAgent):
    """``UpdateContactTargetQueue``: the queue ``TransferContactToQueue`` will use."""


class CheckHoursOfOperationParams(_Params):
    """``CheckHoursOfOperation``: default is the target queue's hours."""

    HoursOfOperationId: str | None = None


class EmptyParams(_Params):
    """Actions whose parameter object must be empty."""


class InvokeLambdaFunctionParams(_Params):
    """``InvokeLambdaFunction``: the response lands under ``$.External``."""

    LambdaFunctionARN: str
    InvocationTimeLimitSeconds: str | int
    LambdaInvocationAttributes: dict[str, str] | None = None
    ResponseValidation: dict[str, str] | None = None


class UpdateContactCallbackNumberParams(_Params):
    """``UpdateContactCallbackNumber``: must be one JSONPath, never static."""

    CallbackNumber: str


class CreateCallbackContactParams(_QueueOrAgent):
    """``CreateCallbackContact``: a queued callback to the contact's callback number."""

    InitialCallDelaySeconds: str | int
    MaximumConnectionAttempts: str | int
    RetryDelaySeconds: str | int
    ContactFlowId: str | None = None


class WaitParams(_Params):
    """``Wait`` (chat only): ``TimeoutSeconds`` up to 604800."""

    TimeoutSeconds: str | int
    Events: list[str] | None = None


class LoopParams(_Params):
    """``Loop``: ``LoopCount`` 0..100."""

    LoopCount: str | int


class MessageParticipantIterativelyParams(_Params):
    """``MessageParticipantIteratively``: a prompt loop for queue and hold flows."""

    Messages: list[dict[str, str]]
    InterruptFrequencySeconds: str | int | None = None


class CheckMetricDataParams(_QueueOrAgent):
    """``CheckMetricData``: one real-time queue metric."""

    MetricType: str


class TransferToFlowParams(_Params):
    """``TransferToFlow``: jump to another flow's start."""

    ContactFlowId: str


class UpdateContactRoutingBehaviorParams(_Params):
    """``UpdateContactRoutingBehavior``: queue priority (lower is served first) or age."""

    QueuePriority: str | int | None = None
    QueueTimeAdjustmentSeconds: str | int | None = None
    RoutingProficiencies: dict[str, Any] | None = None


class UpdateContactEventHooksParams(_Params):
    """``UpdateContactEventHooks``: one event hook (e.g. ``CustomerQueue`` → a flow)."""

    EventHooks: dict[str, str]


class UpdateContactRecordingBehaviorParams(_Params):
    """``UpdateContactRecordingBehavior``: who is recorded, Contact Lens analytics."""

    RecordingBehavior: dict[str, Any]
    AnalyticsBehavior: dict[str, Any] | None = None


class UpdateContactMediaStreamingBehaviorParams(_Params):
    """``UpdateContactMediaStreamingBehavior``: live media streaming to Kinesis Video Streams."""

    MediaStreamingState: str
    Participants: list[dict[str, Any]] | None = None
    MediaStreamType: str | None = None


class Conds(StrEnum):
    """What an action's ``Conditions`` may contain."""

    NONE = "none"
    ANY = "any"
    EQUALS = "equals"
    FIXED = "fixed"


@dataclass(frozen=True)
class ActionSpec:
    """What the reference says about one action type.

    Attributes:
        type: the ``Type`` string.
        params: the parameter model (``extra="forbid"``).
        page: the reference page name (``DOC_BASE + page + ".html"``).
        errors: error types ``Transitions.Errors`` may name.
        conditions: what ``Conditions`` may hold; with ``FIXED`` exactly ``operands``.
        operands: for ``FIXED``, the Equals operands that must all be present.
        flows: flow types the action is allowed in (None: every type).
        terminal: the action ends the flow (``Transitions`` must be empty).
    """

    type: str
    params: builtins.type[BaseModel]
    page: str
    errors: frozenset[str] = frozenset({"NoMatchingError"})
    conditions: Conds = Conds.NONE
    operands: frozenset[str] = frozenset()
    flows: frozenset[FlowType] | None = None
    terminal: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def url(self) -> str:
        """The reference page for this action."""
        return f"{DOC_BASE}{self.page}.html"


def _spec(*args: Any, **kwargs: Any) -> tuple[str, ActionSpec]:
    spec = ActionSpec(*args, **kwargs)
    return spec.type, spec


_NO_ERRORS: frozenset[str] = frozenset()

SPECS: dict[str, ActionSpec] = dict(
    [
        _spec(
            "MessageParticipant",
            MessageParticipantParams,
            "participant-actions-messageparticipant",
            flows=frozenset(FlowType) - {FlowType.CUSTOMER_HOLD, FlowType.AGENT_HOLD},
        ),
        _spec(
            "ConnectParticipantWithLexBot",
            ConnectParticipantWithLexBotParams,
            "participant-actions-connectparticipantwithlexbot",
            errors=frozenset({"InputTimeLimitExceeded", "NoMatchingError", "NoMatchingCondition"}),
            conditions=Conds.EQUALS,
            flows=_INBOUND_AND_QUEUE,
        ),
        _spec(
            "GetParticipantInput",
            GetParticipantInputParams,
            "participant-actions-getparticipantinput",
            errors=frozenset(
                {
                    "InputTimeLimitExceeded",
                    "NoMatchingError",
                    "NoMatchingCondition",
                    "InvalidPhoneNumber",
                }
            ),
            conditions=Conds.EQUALS,
            flows=_INBOUND_AND_QUEUE,
        ),
        _spec(
            "DisconnectParticipant",
            EmptyParams,
            "participant-actions-disconnectparticipant",
            errors=_NO_ERRORS,
            terminal=True,
        ),
        _spec(
            "MessageParticipantIteratively",
            MessageParticipantIterativelyParams,
            "participant-actions-messageparticipantiteratively",
            conditions=Conds.FIXED,
            operands=frozenset({"MessagesInterrupted"}),
            flows=frozenset({FlowType.CUSTOMER_QUEUE, FlowType.CUSTOMER_HOLD, FlowType.AGENT_HOLD}),
        ),
        _spec(
            "Compare",
            CompareParams,
            "flow-control-actions-compare",
            errors=frozenset({"NoMatchingCondition"}),
            conditions=Conds.ANY,
        ),
        _spec(
            "CheckHoursOfOperation",
            CheckHoursOfOperationParams,
            "flow-control-actions-checkhoursofoperation",
            conditions=Conds.FIXED,
            operands=frozenset({"True", "False"}),
            flows=_INBOUND_AND_QUEUE,
        ),
        _spec(
            "CheckMetricData",
            CheckMetricDataParams,
            "flow-control-actions-checkmetricdata",
            errors=frozenset({"NoMatchingError", "NoMatchingCondition"}),
            conditions=Conds.ANY,
            flows=_INBOUND_AND_QUEUE,
        ),
        _spec(
            "Loop",
            LoopParams,
            "flow-control-actions-loop",
            errors=_NO_ERRORS,
            conditions=Conds.FIXED,
            operands=frozenset({"ContinueLooping", "DoneLooping"}),
        ),
        _spec(
            "Wait",
            WaitParams,
            "flow-control-actions-wait",
            conditions=Conds.EQUALS,
            operands=frozenset({"WaitCompleted"}),
            notes=("chat channel only",),
        ),
        _spec(
            "EndFlowExecution",
            EmptyParams,
            "flow-control-actions-endflowexecution",
            errors=_NO_ERRORS,
            terminal=True,
            flows=_WHISPERS | {FlowType.CUSTOMER_QUEUE},
        ),
        _spec(
            "TransferToFlow",
            TransferToFlowParams,
            "flow-control-actions-transfertoflow",
            flows=_INBOUND,
        ),
        _spec(
            "UpdateContactAttributes",
            UpdateContactAttributesParams,
            "contact-actions-updatecontactattributes",
        ),
        _spec(
            "UpdateContactTargetQueue",
            UpdateContactTargetQueueParams,
            "contact-actions-updatecontacttargetqueue",
            flows=_INBOUND,
        ),
        _spec(
            "TransferContactToQueue",
            EmptyParams,
            "contact-actions-transfercontacttoqueue",
            errors=frozenset({"QueueAtCapacity", "NoMatchingError"}),
            flows=_INBOUND,
        ),
        _spec(
            "UpdateContactCallbackNumber",
            UpdateContactCallbackNumberParams,
            "contact-actions-updatecontactcallbacknumber",
            errors=frozenset({"InvalidCallbackNumber", "CallbackNumberNotDialable"}),
            flows=_INBOUND_AND_QUEUE,
        ),
        _spec(
            "UpdateContactRoutingBehavior",
            UpdateContactRoutingBehaviorParams,
            "contact-actions-updatecontactroutingbehavior",
            errors=_NO_ERRORS,
            flows=frozenset({FlowType.CONTACT_FLOW}),
        ),
        _spec(
            "UpdateContactEventHooks",
            UpdateContactEventHooksParams,
            "contact-actions-updatecontacteventhooks",
        ),
        _spec(
            "UpdateContactRecordingBehavior",
            UpdateContactRecordingBehaviorParams,
            "contact-actions-updatecontactrecordingbehavior",
            errors=_NO_ERRORS,
            flows=_INBOUND_AND_QUEUE | {FlowType.OUTBOUND_WHISPER},
        ),
        _spec(
            "UpdateContactMediaStreamingBehavior",
            UpdateContactMediaStreamingBehaviorParams,
            "contact-actions-updatecontactmediastreamingbehavior",
            flows=_INBOUND_AND_QUEUE | _WHISPERS,
        ),
        _spec(
            "InvokeLambdaFunction", InvokeLambdaFunctionParams, "interactions-invokelambdafunction"
        ),
        _spec(
            "CreateCallbackContact",
            CreateCallbackContactParams,
            "interactions-createcallbackcontact",
            flows=_INBOUND_AND_QUEUE,
        ),
    ]
)
"""Every action type switchboard validates and runs, by ``Type``."""


@dataclass(frozen=True)
class Mistake:
    """A wrong action type seen in the wild, with what the flow language uses instead."""

    replacement: str
    hint: str


KNOWN_MISTAKES: dict[str, Mistake] = {
    "TransferToQueue": Mistake(
        "TransferContactToQueue",
        "set the queue first with UpdateContactTargetQueue (QueueId); "
        "TransferContactToQueue takes no parameters",
    ),
    "CheckAttribute": Mistake(
        "Compare",
        'Compare takes one ComparisonValue JSONPath (e.g. "$.Lex.IntentName" or '
        '"$.Attributes.QueuePosition"); the values go in Conditions',
    ),
    "SetQueue": Mistake("UpdateContactTargetQueue", "QueueId is the queue ID or ARN"),
    "PlayPrompt": Mistake("MessageParticipant", "PromptId names the prompt (voice only)"),
    "StartMediaStreaming": Mistake(
        "UpdateContactMediaStreamingBehavior",
        'MediaStreamingState "Enabled"; audio goes to Kinesis Video Streams',
    ),
    "InvokeExternalResource": Mistake(
        "InvokeLambdaFunction", "LambdaFunctionARN and InvocationTimeLimitSeconds"
    ),
    "StoreUserInput": Mistake(
        "GetParticipantInput",
        'StoreInput "True" with InputValidation; the digits land in $.StoredCustomerInput',
    ),
    "InvokeLambda": Mistake("InvokeLambdaFunction", "LambdaFunctionARN"),
    "SetAttributes": Mistake("UpdateContactAttributes", "Attributes is a str → str map"),
    "SetContactAttributes": Mistake("UpdateContactAttributes", "Attributes is a str → str map"),
    "Disconnect": Mistake("DisconnectParticipant", "no parameters"),
    "PlayMessage": Mistake("MessageParticipant", "Text, SSML or PromptId"),
    "CheckHours": Mistake("CheckHoursOfOperation", "Conditions Equals True and Equals False"),
}
"""Wrong ``Type`` names (seeds 2 and 5 use the first five) → the right action."""

PARAMETER_HINTS: dict[tuple[str, str], str] = {
    ("GetParticipantInput", "MaxDigits"): (
        "one digit is the default when branching; for stored input use "
        "InputValidation.CustomValidation.MaximumLength"
    ),
    ("GetParticipantInput", "Timeout"): "the parameter is InputTimeLimitSeconds",
    ("GetParticipantInput", "InputTimeoutSeconds"): "the parameter is InputTimeLimitSeconds",
    ("GetParticipantInput", "LexV2Bot"): "talk to a Lex bot with ConnectParticipantWithLexBot",
    ("GetParticipantInput", "BargeInEnabled"): (
        "barge-in is the Lex session attribute x-amz-lex:allow-interrupt:*:* "
        "(LexSessionAttributes of ConnectParticipantWithLexBot)"
    ),
    ("GetParticipantInput", "CustomerInputType"): "use StoreInput with InputValidation",
    ("TransferContactToQueue", "QueueId"): "set the queue with UpdateContactTargetQueue first",
    ("Compare", "Attribute"): 'put the attribute in ComparisonValue as "$.Attributes.<name>"',
    ("Wait", "WaitTime"): "the parameter is TimeoutSeconds (and Wait is chat only)",
    ("InvokeLambdaFunction", "FunctionArn"): "the parameter is LambdaFunctionARN",
    ("UpdateContactMediaStreamingBehavior", "Track"): (
        'choose the direction with Participants[].MediaDirections ("From", "To")'
    ),
    ("UpdateContactMediaStreamingBehavior", "MediaStreamTypes"): "the parameter is MediaStreamType",
    ("UpdateContactMediaStreamingBehavior", "ConnectionAttributes"): (
        "Connect streams audio to Kinesis Video Streams; it cannot open a WebSocket to "
        "another server (use Twilio Media Streams or a SIP gateway for that)"
    ),
}
"""Wrong parameter names → what the reference uses instead."""

NUMBER_RANGES: dict[tuple[str, str], tuple[int, int]] = {
    ("Loop", "LoopCount"): (0, 100),
    ("InvokeLambdaFunction", "InvocationTimeLimitSeconds"): (1, 8),
    ("Wait", "TimeoutSeconds"): (1, 604_800),
    ("CreateCallbackContact", "InitialCallDelaySeconds"): (1, 259_200),
    ("CreateCallbackContact", "MaximumConnectionAttempts"): (1, 1_000_000),
    ("CreateCallbackContact", "RetryDelaySeconds"): (1, 259_200),
    ("UpdateContactRoutingBehavior", "QueuePriority"): (1, 1_000_000),
    ("GetParticipantInput", "InputTimeLimitSeconds"): (1, 1_000_000),
}
"""Static integer parameters and their inclusive ranges, from each action's page."""
