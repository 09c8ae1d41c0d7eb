"""The Amazon Connect flow language in Python: model, validator, interpreter.

* :mod:`.actions`: the action types, their parameters and rules (with sources);
* :mod:`.model`: the flow document and :class:`~.model.Finding`;
* :mod:`.validator`: ``validate(doc) -> [Finding]`` (reference rules + no customer lost);
* :mod:`.players`: the caller, the bot (our agent), the queues (routing engine), the Lambdas;
* :mod:`.interpreter`: :class:`~.interpreter.FlowRunner` plays a contact through a flow.
"""

from switchboard.contactflow.model import Finding, FlowDocument, Severity, load_flow, parse_flow
from switchboard.contactflow.validator import has_errors, validate

__all__ = [
    "Finding",
    "FlowDocument",
    "Severity",
    "has_errors",
    "load_flow",
    "parse_flow",
    "validate",
]
