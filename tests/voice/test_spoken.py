"""Speech-first replies (issue 12 item 4): spoken forms of every catalog answer, say-as, offers.

The catalog test walks EVERY tool answer the shipped catalog can give (all
account types × both channels, all cards, a search from every branch's own
postcode, in en_GB, en_US and fr_FR), both as the structured answer
(:func:`from_tool`) and as the local brain's field answers for each field a
caller can ask, and checks each spoken form is at most two sentences and at
most 15 s of audio synthesised by the shipped TTS (the default voice).
"""

from __future__ import annotations

import pytest

from switchboard.brains.local.field_answers import account_answer, branch_answer, card_answer
from switchboard.domain.audio import PCM16_16K as PCM
from switchboard.domain.types import Action, AgentReply, Locale, Route, ToolResult
from switchboard.speech.say import say
from switchboard.speech.tts import load_synthesizer
from switchboard.testing.speech import ScriptedConversation, ToneTts
from switchboard.tools.models import ACCOUNT_TYPES, CARD_TYPES
from switchboard.tools.service import BankingTools
from switchboard.voice.events import ReplyText
from switchboard.voice.spoken import (
    FollowUpOffer,
    from_text,
    is_no,
    is_yes,
    sentences,
    spoken_reply,
)
from switchboard.voice.stages.speak import Speaker
from switchboard.voice.stages.turn import TurnInput, TurnRunner, TurnTiming

_ACCOUNT_FIELDS = ["", "documents_required", "process_steps", "processing_time",
                   "requirements", "benefits", "min_deposit", "monthly_fee", "overdraft"]
_CARD_FIELDS = ["", "fees", "eligibility", "delivery_time", "activation", "replacement_info",
                "ordering_process", "feature", "features"]
_BRANCH_FIELDS = ["", "nearest", "hours", "hours_day", "phone", "address", "services"]
_NAMES = {
    Locale.EN_GB: {"checking": "current account", "savings": "savings account",
                   "business": "business account", "student": "student account"},
    Locale.EN_US: {"checking": "checking account", "savings": "savings account",
                   "business": "business checking account", "student": "student account"},
    Locale.FR_FR: {"checking": "compte courant", "savings": "livret d'épargne",
                   "business": "compte professionnel", "student": "compte étudiant"},
}


def _catalog_replies(locale: Locale) -> list[AgentReply]:
    """Every tool answer of the locale's catalog as agent replies (structured and per field)."""
    tools = BankingTools(locale)
    replies: list[AgentReply] = []

    def add(name: str, output: dict[str, object], text: str = "", spoken: str | None = None,
            route: Route = Route.CARD_INFO) -> None:
        result = ToolResult(call_id="t1", name=name, output=output)
        replies.append(AgentReply(
            contact_id="c1", text=text or str(output), route=route, action=Action.ANSWER,
            tools=[result], spoken_text=spoken,
        ))

    for account in ACCOUNT_TYPES:
        for name, info in (
            ("get_branch_account_opening_info", tools.branch_account_opening(account)),
            ("get_digital_account_opening_info", tools.digital_account_opening(account)),
        ):
            out = info.model_dump(mode="json")
            add(name, out, route=Route.ACCOUNT_OPENING)
            for field in _ACCOUNT_FIELDS:
                ans = account_answer(out, [field] if field else [], locale,
                                     account_name=_NAMES[locale][account], defaulted=False)
                add(name, out, ans.text, ans.spoken, Route.ACCOUNT_OPENING)
    for card in CARD_TYPES:
        out = tools.debit_card(card).model_dump(mode="json")
        add("get_debit_card_info", out)
        for field in _CARD_FIELDS:
            for feature in ("0", "9"):
                ans = card_answer(out, [field] if field else [], {"feature": feature}, locale)
                add("get_debit_card_info", out, ans.text, ans.spoken)
    for branch in tools.catalog.branches.branches:
        out = tools.nearest_branches(branch.postcode).model_dump(mode="json")
        add("find_nearest_branch", out, route=Route.BRANCH)
        for field in _BRANCH_FIELDS:
            for day in ("sun", "sat", "mon"):
                ans = branch_answer(out, [field] if field else [], {"day": day}, locale)
                add("find_nearest_branch", out, ans.text, ans.spoken, Route.BRANCH)
    return replies


@pytest.fixture(scope="module")
def tts() -> object:
    return load_synthesizer()


#: Spoken forms synthesised per locale: the longest ones (by characters); every other
#: form is bounded by the slowest speaking rate measured on them (bench/spoken_lengths.py
#: synthesises every form).
_MEASURED = 5


@pytest.mark.parametrize("locale", list(Locale), ids=lambda loc: loc.value)
def test_every_catalog_answer_is_two_sentences_and_15_s_of_real_audio(
    locale: Locale, tts: object
) -> None:
    spoken = sorted({spoken_reply(r, locale).text for r in _catalog_replies(locale)}, key=len)
    assert len(spoken) > 20
    for text in spoken:
        assert len(sentences(text)) <= 2, text
        assert not any(c.isdigit() for c in text), f"digits left for the TTS: {text}"
        assert "\n" not in text and "- " not in text and "<" not in text  # plain, no SSML
    seconds_per_char = 0.0
    for text in spoken[-_MEASURED:]:
        speech = tts.synthesize(text, locale)  # type: ignore[attr-defined]
        seconds = len(speech.samples) / speech.sample_rate
        assert 2.0 < seconds <= 15.0, f"{seconds:.1f} s: {text}"
        seconds_per_char = max(seconds_per_char, seconds / len(text))
    for text in spoken:
        assert seconds_per_char * len(text) <= 15.0, text


def test_documents_are_summarised_with_an_offer_and_chat_text_kept() -> None:
    tools = BankingTools(Locale.EN_GB)
    out = tools.branch_account_opening("checking").model_dump(mode="json")
    chat = "To open a current account:\n" + "\n".join(f"- {d}" for d in out["documents_required"])
    reply = AgentReply(
        contact_id="c1", text=chat, route=Route.ACCOUNT_OPENING, action=Action.ANSWER,
        tools=[ToolResult(call_id="t", name="get_branch_account_opening_info", output=out)],
    )
    spoken = spoken_reply(reply, Locale.EN_GB)
    assert spoken.text == (
        "To open a current account at a branch, you'll need valid photo ID, proof of address "
        "and National Insurance number. Shall I text you the full list and the steps?"
    )
    assert spoken.offer == FollowUpOffer("account_opening", chat)
    assert reply.text == chat


@pytest.mark.parametrize(("locale", "written", "said"), [
    (Locale.EN_GB, "Call 0161 496 0202.", "Call oh one six one, four nine six, oh two oh two."),
    (Locale.EN_GB, "Manchester M1 2BN", "Manchester M one, two B N"),
    (Locale.EN_GB, "Mon–Fri 09:00–17:00, Sat 09:30–13:00",
     "Monday to Friday nine to five, Saturday nine thirty to one"),
    (Locale.EN_GB, "£6.50 a month after 12 months", "six pounds fifty a month after twelve months"),
    (Locale.EN_GB, "costs 2.99% abroad", "costs two point nine nine percent abroad"),
    (Locale.EN_GB, "arrives in 5-7 working days", "arrives in five to seven working days"),
    (Locale.EN_US, "(212) 555-0102", "two one two, five five five, zero one zero two"),
    (Locale.EN_US, "9040 Wall Street, New York, NY 10005",
     "ninety forty Wall Street, New York, NY one zero zero zero five"),
    (Locale.EN_US, "A $15 monthly fee", "A fifteen dollar monthly fee"),
    (Locale.FR_FR, "01 99 00 10 02", "zéro un, quatre-vingt-dix-neuf, zéro zéro, dix, zéro deux"),
    (Locale.FR_FR, "75011 Paris", "soixante-quinze, zéro onze Paris"),
    (Locale.FR_FR, "sam. 09:00–12:30", "samedi neuf heures à douze heures trente"),
    (Locale.FR_FR, "au moins 2 500 € par mois", "au moins deux mille cinq cents euros par mois"),
    (Locale.FR_FR, "0 € par an", "zéro euro par an"),
    (Locale.FR_FR, "rue du Faubourg Saint-Antoine", "rue du Faubourg Saint-Antoine"),
])
def test_say_reads_numbers_as_people_say_them(locale: Locale, written: str, said: str) -> None:
    assert say(written, locale) == said


def test_text_fallback_summarises_lists_and_keeps_short_answers_whole() -> None:
    listed = from_text("You'll need:\n- Passport\n- Utility bill\n- Payslip\n- P60", Locale.EN_US)
    assert listed.text == (
        "You'll need passport, utility bill and payslip. Shall I text you the full details?"
    )
    assert listed.offer is not None
    short = from_text("We're open until 5pm. See you soon.", Locale.EN_GB)
    assert short.offer is None and short.text == "We're open until five pm. See you soon."


def test_yes_and_no_per_locale() -> None:
    assert is_yes("Yes please.", Locale.EN_GB) and is_yes("uh, sure", Locale.EN_US)
    assert is_yes("Oui, volontiers.", Locale.FR_FR)
    assert is_no("No thanks.", Locale.EN_GB) and not is_yes("No thanks.", Locale.EN_GB)
    assert not is_yes("Where is your nearest branch?", Locale.EN_GB)
    # A yes that carries a new question goes to the agent: the question is not dropped.
    assert not is_yes("Yes, and where is the nearest branch to Leeds?", Locale.EN_GB)


async def _said(text: str) -> object:
    from switchboard.ports import SttResult

    return SttResult(text, 1000.0, 5.0)


async def test_accepted_offer_is_recorded_as_a_follow_up_without_an_agent_turn() -> None:
    chat = "You'll need:\n- Passport\n- Utility bill\n- Payslip\n- P60"
    conv = ScriptedConversation(replies=[chat, "Our Leeds branch is on Park Row."])
    out: list[object] = []
    speaker = Speaker(ToneTts(), PCM, chunk_ms=100, emit=out.append, input_ms=lambda: 0.0,
                      call_ms=lambda: 0.0, caller_speech=lambda: None)

    async def finish(reason: str, handover: object) -> None:
        raise AssertionError("the call must go on")

    runner = TurnRunner(conv, speaker, emit=out.append, call_ms=lambda: 0.0, finish=finish,
                        on_idle=lambda: None)
    runner.contact_id = "c1"

    def turn(n: int, text: str) -> TurnInput:
        return TurnInput("speech", TurnTiming(turn=n), _said(text))  # type: ignore[arg-type]

    await runner.run_one(turn(1, "What documents do I need?"))
    said = [e.text for e in out if isinstance(e, ReplyText)]
    assert said[-1].endswith("Shall I text you the full details?")
    await runner.run_one(turn(2, "Yes please."))
    assert len(conv.turns) == 1  # "yes please" answered the offer, not the agent
    contact, words, _reply, offer = conv.offers[0]
    assert (contact, words) == ("c1", "Yes please.")
    assert offer == FollowUpOffer("details", chat)
    assert [e.text for e in out if isinstance(e, ReplyText)][-1].startswith("I'll text you")
    # Without a pending offer, "yes" is an ordinary turn for the agent.
    await runner.run_one(turn(3, "Yes."))
    assert len(conv.turns) == 2 and len(conv.offers) == 1

