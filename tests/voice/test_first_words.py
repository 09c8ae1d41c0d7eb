"""Issue 12 regression: after long replies and long silences, with several calls at once,
every transcript keeps the caller's first words.

The server is ``switchboard serve`` in its own process; the callers stream 16 kHz
PCM16 in 20 ms frames in real time over ``WS /v1/voice``, play each reply in real
time, echo its marks, and stay silent ``THINK_MS`` before the next question
(:mod:`switchboard.testing.socket_caller`). Before the VAD state reset
(:mod:`switchboard.speech.vad`), "Is there a contactless debit card?" after a
long reply came back as "There are contactless debit card.".
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from pipeline_caller import line

from switchboard.domain.types import Locale
from switchboard.testing.socket_caller import Question, ServerProcess, run_call

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

QUESTIONS = [
    "Is there a contactless debit card?",
    "Where is the nearest branch in Manchester?",
    "Can I open a savings account online?",
]
CALLS = 3
#: Silence after each reply has played: with the reply itself, 12+ s of line silence.
THINK_MS = 12_000


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    # No "still there?" prompt during the long silences of this test.
    with ServerProcess(env={"SWITCHBOARD_VOICE__NO_INPUT_MS": "60000"}) as live:
        yield live


def test_first_words_survive_long_replies_and_concurrent_calls(server: ServerProcess) -> None:
    lines = [Question.from_samples(t, *line(t, Locale.EN_US)) for t in QUESTIONS]
    token = server.token()

    async def calls() -> list:  # type: ignore[type-arg]
        async def one(i: int):  # type: ignore[no-untyped-def]
            await asyncio.sleep(0.7 * i)
            order = [lines[i], lines[(i + 1) % len(lines)]]  # two turns, each call its own
            return await run_call(
                server.ws_url, token, order, think_ms=THINK_MS, turn_timeout_s=240
            )

        return list(await asyncio.gather(*(one(i) for i in range(CALLS))))

    reports = asyncio.run(calls())
    for report in reports:
        assert report.ended is None, (report.ended, report.answers)
        assert len(report.answers) == 2
        for answer in report.answers:
            assert answer.reply_kind == "turn" and answer.handover is None, answer
            assert answer.first_word_kept, (answer.question, answer.transcript)
