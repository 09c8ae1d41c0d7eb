"""The bedrock brain, alone and first in a fallback chain, through the whole AgentService.

Bedrock is stubbed with botocore's Stubber (requests validated against the
bedrock-runtime model); tools, router, validation and store are the real ones.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

pytest.importorskip("boto3", reason="the aws extra (boto3) is not installed")
pytest.importorskip("openai", reason="the llm extra (openai) is not installed")

import boto3
from botocore.stub import ANY, Stubber

from switchboard.agent.service import AgentService
from switchboard.brains.bedrock import BedrockBrain
from switchboard.brains.fallback import FallbackBrain
from switchboard.brains.local.brain import LocalBrain
from switchboard.brains.local.router import EmbeddingRouter
from switchboard.brains.openai_compat import OpenAIBrain
from switchboard.compose import build_service
from switchboard.config import BedrockSettings, OpenAISettings, RouterSettings, Settings
from switchboard.domain.types import Action, Locale, ToolCall
from switchboard.store import SqlStore
from switchboard.testing.chat_server import ChatServer, Fail
from switchboard.testing.lying_brain import compose_reply
from switchboard.testing.scripted_llm import BankerScript
from switchboard.tools.host import McpToolHost

pytestmark = pytest.mark.asyncio(loop_scope="module")

QUESTION = "How do I open a checking account online?"
TOOL = "get_digital_account_opening_info"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def router() -> AsyncIterator[EmbeddingRouter]:
    yield EmbeddingRouter.load(RouterSettings())


def bedrock() -> tuple[BedrockBrain, Any]:
    client = boto3.client("bedrock-runtime", region_name="eu-west-2",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    settings = BedrockSettings(model_id="test-model", backoff_base_s=0.0, backoff_max_s=0.0)
    return BedrockBrain(settings, client=client), client


def converse_reply(content: list[dict[str, Any]], stop: str) -> dict[str, Any]:
    return {"output": {"message": {"role": "assistant", "content": content}},
            "stopReason": stop,
            "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
            "metrics": {"latencyMs": 1}}


async def chain_agent(
    brain: BedrockBrain, server: ChatServer, router: EmbeddingRouter
) -> tuple[FallbackBrain, AgentService]:
    """bedrock → openai (the scripted server) → local, in a real AgentService."""
    openai_brain = OpenAIBrain(OpenAISettings(base_url=server.base_url, model="m", max_retries=0))
    chain = FallbackBrain([brain, openai_brain, LocalBrain()], step_timeout_s=5.0)
    svc = await build_service(Settings(database_url="sqlite://"), brain=chain,
                                    store=SqlStore("sqlite://"), router=router)
    return chain, svc


async def real_output() -> dict[str, Any]:
    host = McpToolHost()
    result = await host.call(ToolCall(name=TOOL, arguments={"account_type": "checking"}),
                             Locale.EN_GB)
    await host.aclose()
    assert result.output is not None
    return result.output


async def test_bedrock_plays_a_tool_turn_with_real_tools(router: EmbeddingRouter) -> None:
    brain, client = bedrock()
    output = await real_output()
    reply = compose_reply(TOOL, output, Locale.EN_GB)
    svc = await build_service(Settings(database_url="sqlite://"), brain=brain,
                                    store=SqlStore("sqlite://"), router=router)
    tool_use = {"toolUse": {"toolUseId": "tooluse_A1", "name": TOOL,
                            "input": {"account_type": "checking"}}}
    second = {"modelId": "test-model", "system": ANY, "toolConfig": ANY, "inferenceConfig": ANY,
              "messages": [
                  {"role": "user", "content": [{"text": QUESTION}]},
                  {"role": "assistant", "content": [tool_use]},
                  {"role": "user", "content": [{"toolResult": {
                      "toolUseId": "tooluse_A1", "content": [{"json": output}],
                      "status": "success"}}]},
              ]}
    with Stubber(client) as stub:
        stub.add_response("converse", converse_reply([tool_use], "tool_use"))
        stub.add_response("converse", converse_reply([{"text": reply}], "end_turn"), second)
        c = await svc.start_contact(locale=Locale.EN_GB)
        r = await svc.handle_turn(c.contact_id, QUESTION)
        stub.assert_no_pending_responses()
    await svc.aclose()
    assert [t.name for t in r.tools] == [TOOL] and r.text == reply
    assert r.validation is not None and r.validation.passed and r.handover is None


async def test_bedrock_throttled_beyond_retries_then_openai_answers(
    router: EmbeddingRouter,
) -> None:
    brain, client = bedrock()
    with ChatServer(BankerScript()) as server:
        chain, svc = await chain_agent(brain, server, router)
        with Stubber(client) as stub:
            for _ in range(4):  # the call and its 3 retries
                stub.add_client_error("converse", service_error_code="ThrottlingException",
                                      http_status_code=429)
            c = await svc.start_contact(locale=Locale.EN_GB)
            r = await svc.handle_turn(c.contact_id, QUESTION)
            stub.assert_no_pending_responses()
        await svc.aclose()
    assert chain.last_answered_by == "openai"
    assert [t.name for t in r.tools] == [TOOL] and r.handover is None
    assert r.validation is not None and r.validation.passed
    assert len(server.requests) == 2  # tool call, then the reply (bedrock cooling down)


async def test_bedrock_and_openai_down_local_answers(router: EmbeddingRouter) -> None:
    brain, client = bedrock()
    with ChatServer(lambda body: Fail(503)) as server:
        chain, svc = await chain_agent(brain, server, router)
        with Stubber(client) as stub:
            stub.add_client_error("converse", service_error_code="AccessDeniedException",
                                  http_status_code=403)
            c = await svc.start_contact(locale=Locale.EN_GB)
            r = await svc.handle_turn(c.contact_id, QUESTION)
        await svc.aclose()
    assert chain.last_answered_by == "local"
    assert r.action is Action.ANSWER and [t.name for t in r.tools] == [TOOL]
    assert r.validation is not None and r.validation.passed
