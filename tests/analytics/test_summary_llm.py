"""The optional LLM summarizer: request shape, and its untraceable bullets dropped and replaced."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from switchboard.agent.service import AgentService
from switchboard.analytics.summary_llm import SEED3_INSTRUCTION, LlmSummarizer, parse_bullets
from switchboard.analytics.summary_service import SummaryService
from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.store import SqlStore

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def svc() -> AsyncIterator[AgentService]:
    service = await build_service(Settings(database_url="sqlite://"), store=SqlStore("sqlite://"))
    yield service
    await service.aclose()


def model(answer: str, seen: list[dict]) -> httpx.AsyncClient:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append({"url": str(request.url), "body": json.loads(request.content)})
        return httpx.Response(200, json={"choices": [{"message": {"content": answer}}]})

    return httpx.AsyncClient(transport=httpx.MockTransport(handle))


async def test_parse_bullets() -> None:
    text = "Here you go:\n- one\n* two\n3. three\n• four"
    assert parse_bullets(text) == ["one", "two", "three"]


async def test_llm_bullets_are_checked_and_untraceable_ones_replaced(svc: AgentService) -> None:
    c = await svc.start_contact()
    await svc.handle_turn(c.contact_id, "How do I open a checking account online?")
    await svc.end_contact(c.contact_id)
    seen: list[dict] = []
    answer = (
        "- The customer asked how to open a checking account online\n"
        "- The agent also approved a mortgage at 4.5% for the customer\n"
        "- Resolved by the AI agent"
    )
    llm = LlmSummarizer("http://127.0.0.1:9/v1", "llama3:8b", client=model(answer, seen))
    summaries = SummaryService(svc.store, summarizer=llm)
    summary = await summaries.summarize(summaries.record(c.contact_id))
    (request,) = seen
    assert request["url"] == "http://127.0.0.1:9/v1/chat/completions"
    body = request["body"]
    assert body["model"] == "llama3:8b" and body["temperature"] == 0
    prompt = body["messages"][0]["content"]
    assert prompt.startswith(SEED3_INSTRUCTION)
    assert "Customer: How do I open a checking account online?" in prompt
    assert "Tool get_digital_account_opening_info:" in prompt
    assert summary.bullets[0] == "The customer asked how to open a checking account online"
    assert "mortgage" not in " ".join(summary.bullets)
    assert summary.bullets[1].startswith("Actions: the agent called")  # extractive put back
    assert summary.bullets[2] == "Resolved by the AI agent"
    assert [d.field for d in summary.check.dropped] == ["bullets[1]"]
    assert summary.summarizer == "llm:llama3:8b+extractive"
    await llm.aclose()


async def test_dead_model_falls_back_to_extractive(svc: AgentService) -> None:
    c = await svc.start_contact()
    await svc.handle_turn(c.contact_id, "hello")
    await svc.end_contact(c.contact_id)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(down))
    llm = LlmSummarizer("http://x/v1", "m", client=client)
    summaries = SummaryService(svc.store, summarizer=llm)
    summary = await summaries.summarize(summaries.record(c.contact_id))
    assert summary.summarizer == "extractive" and len(summary.bullets) == 3
    await client.aclose()
