"""No false positives on the embedded brain's honest replies over the real banking tools.

The embedded brain renders replies from tool outputs (``brains/local/nlg.py``);
every one of them must pass the validation agent with no medium or high
finding, in every locale. Skipped when either room is not importable.
"""

from __future__ import annotations

from typing import Any

import pytest

from switchboard.domain.types import Locale, Severity, ToolResult
from switchboard.validation import ValidationAgent

service = pytest.importorskip("switchboard.tools.service")
models = pytest.importorskip("switchboard.tools.models")
nlg = pytest.importorskip("switchboard.brains.local.nlg")

LOCATIONS = {
    Locale.EN_GB: ["M1 1AE", "London", "Birmingham", "Edinburgh"],
    Locale.EN_US: ["10001", "Chicago", "San Francisco"],
    Locale.FR_FR: ["75008", "Lyon", "Marseille"],
}
CARD_ASPECTS: list[list[str]] = [
    [], ["fees"], ["activation", "replacement"], ["ordering", "eligibility"], ["delivery"],
]


def honest_replies(locale: Locale) -> list[tuple[str, dict[str, Any], str, str]]:
    tools = service.BankingTools(locale)
    out: list[tuple[str, dict[str, Any], str, str]] = []
    for variant in range(2):
        render = nlg.Renderer(locale, variant)
        for account in models.ACCOUNT_TYPES:
            for name, produce in (
                ("get_branch_account_opening_info", tools.branch_account_opening),
                ("get_digital_account_opening_info", tools.digital_account_opening),
            ):
                data = produce(account).model_dump(mode="json")
                out.append((name, data, render.account_info(data), "q"))
        for card in models.CARD_TYPES:
            data = tools.debit_card(card).model_dump(mode="json")
            for aspects in CARD_ASPECTS:
                text = render.card_info(data, aspects, defaulted=variant == 0)
                out.append(("get_debit_card_info", data, text, "q"))
        for place in LOCATIONS[locale]:
            data = tools.nearest_branches(place).model_dump(mode="json")
            out.append(("find_nearest_branch", data, render.branches(data), place))
    return out


@pytest.mark.parametrize("locale", list(Locale))
def test_embedded_brain_replies_raise_no_medium_or_high_finding(locale: Locale) -> None:
    agent = ValidationAgent()
    problems = []
    for name, data, text, query in honest_replies(locale):
        result = ToolResult(call_id="c", name=name, output=data)
        res = agent.validate(query, [result], text, locale)
        bad = [f for f in res.findings if f.severity is not Severity.LOW]
        if bad:
            problems.append((name, text, bad))
    assert not problems, problems[:3]
