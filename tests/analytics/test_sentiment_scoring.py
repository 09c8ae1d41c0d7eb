"""Per-segment sentiment, the escalation rule, the monitor and the LLM adapter."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from switchboard.analytics.sentiment import NEGATIVE, NEUTRAL, POSITIVE, VaderClassifier, anger_cues
from switchboard.analytics.sentiment_eval import DATA_DIR, evaluate, load_utterances
from switchboard.analytics.sentiment_llm import SEED3_PROMPT, LlmSentimentClassifier
from switchboard.analytics.sentiment_monitor import EscalationRule, SentimentMonitor
from switchboard.analytics.stream import TranscriptSegment
from switchboard.domain.types import Locale, Source
from switchboard.errors import BrainError

ISSUE_BAD_NEWS = ["my card was stolen", "I lost my job so I need a cheaper account"]


def test_vader_labels_polarity_and_bad_news_is_negative_polarity_but_no_anger() -> None:
    v = VaderClassifier()
    assert v.score_sync("Thank you, that's really helpful!").label == POSITIVE
    assert v.score_sync("Where is the Leeds branch?").label == NEUTRAL
    for text in ISSUE_BAD_NEWS:
        s = v.score_sync(text)
        assert s.label == NEGATIVE  # VADER alone would escalate these
        assert s.anger == 0.0 and s.cues == ()


def test_anger_cues_name_what_they_found() -> None:
    score, cues = anger_cues("You people are USELESS!! This is RIDICULOUS", -0.8)
    assert {"blame", "insult", "shouting", "exclamation"} <= set(cues)
    assert score >= 5
    assert anger_cues("I need to cancel my card, it was lost", -0.3) == (0.0, ())


def test_asking_for_a_joke_is_small_talk_not_contempt() -> None:
    assert anger_cues("Tell me a joke", 0.3) == (0.0, ())
    assert anger_cues("Can you give me a joke?", 0.0) == (0.0, ())
    assert "insult" in anger_cues("Your bank is a joke", -0.3)[1]


def test_rule_needs_strong_or_sustained_anger() -> None:
    rule = EscalationRule(angry_threshold=0.4, strong_threshold=0.9, pair_threshold=1.0, window=3)
    assert rule.fires([0.0, 0.5]) is None  # one mildly angry turn
    assert rule.fires([0.5, 0.0, 0.6]) is not None  # two within the window
    assert rule.fires([0.5, 0.0, 0.0, 0.6]) is None  # too far apart
    assert rule.fires([0.95]) is not None  # unmistakable
    assert rule.fires([]) is None


def test_cue_rule_on_shipped_dev_split_separates_anger_from_bad_news() -> None:
    report = evaluate(load_utterances(DATA_DIR / "dev"), EscalationRule.for_cues(), n=60)
    assert report.calm_escalated <= 0.05
    assert report.angry_escalated_by_second >= 0.9


def _seg(
    contact: str, text: str, speaker: Source = Source.CUSTOMER, **kw: Any
) -> TranscriptSegment:
    return TranscriptSegment(contact_id=contact, speaker=speaker, text=text, **kw)


async def test_monitor_is_idempotent_and_ignores_agents_and_partials() -> None:
    stored: list[Any] = []

    async def persist(live: Any, score: Any) -> None:
        stored.append(live.to_state())

    mon = SentimentMonitor(VaderClassifier(), EscalationRule.for_cues(), persist=persist)
    angry = _seg("c", "You people are useless, this is ridiculous!!")
    await mon.handle(angry)
    await mon.handle(angry)  # redelivered
    await mon.handle(_seg("c", "You are useless", speaker=Source.AI_AGENT))
    await mon.handle(_seg("c", "you are useless", is_partial=True))
    await mon.settle()
    live = mon.current("c")
    assert live is not None and len(live.history) == 1 and mon.scored == 1
    assert live.escalated and live.attribute_label == NEGATIVE
    assert stored[-1]["escalated"] is True


async def test_monitor_rolling_sentiment_and_neutral_attribute_for_bad_news() -> None:
    mon = SentimentMonitor(VaderClassifier(), EscalationRule.for_cues())
    for text in ISSUE_BAD_NEWS:
        await mon.handle(_seg("c2", text))
    live = mon.current("c2")
    assert live is not None and live.rolling < -0.05
    assert live.attribute_label == NEUTRAL and not live.escalated
    assert live.to_state()["rolling_label"] == NEGATIVE


class _Llm(BaseHTTPRequestHandler):
    answers: list[str] = []
    bodies: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Llm.bodies.append(body)
        answer = _Llm.answers.pop(0)
        if answer == "500":
            self.send_response(500)
            self.end_headers()
            return
        out = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(out.encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def llm_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Llm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


async def test_llm_adapter_sends_seed3_prompt_and_keeps_embedded_anger(llm_server: str) -> None:
    _Llm.answers[:] = [" Negative.", "I think it is POSITIVE", "500", "no idea"]
    _Llm.bodies.clear()
    llm = LlmSentimentClassifier(llm_server, "tiny-model")
    s = await llm.score("You people are useless!!", Locale.EN_GB)
    assert (s.label, s.compound) == (NEGATIVE, -0.6) and s.anger > 0
    assert _Llm.bodies[0]["messages"][0]["content"] == SEED3_PROMPT.format(
        text="You people are useless!!"
    )
    assert _Llm.bodies[0]["max_tokens"] == 10 and _Llm.bodies[0]["temperature"] == 0
    assert (await llm.score("thanks", Locale.EN_GB)).label == POSITIVE
    with pytest.raises(BrainError):
        await llm.score("hello", Locale.EN_GB)
    with pytest.raises(BrainError):
        await llm.score("hello", Locale.EN_GB)
    await llm.aclose()


async def test_monitor_falls_back_to_vader_when_the_llm_fails(llm_server: str) -> None:
    _Llm.answers[:] = ["500"]
    mon = SentimentMonitor(LlmSentimentClassifier(llm_server, "m"), EscalationRule.for_cues())
    await mon.handle(_seg("c3", "Thanks, that's great"))
    live = mon.current("c3")
    assert live is not None and live.history[0]["label"] == POSITIVE
    assert mon.classifier_failures == 1


async def test_turn_wait_is_bounded_and_leaves_no_waiter() -> None:
    mon = SentimentMonitor(VaderClassifier(), EscalationRule.for_cues())
    assert await mon.result_for("c4", "never-published", 0.01) is None
    assert mon._waiters == {}
    seg = _seg("c4", "You people are useless!!")
    await mon.handle(seg)
    got = await mon.result_for("c4", seg.segment_id, 0.01)
    assert got is not None and got.history[-1]["segment_id"] == seg.segment_id
