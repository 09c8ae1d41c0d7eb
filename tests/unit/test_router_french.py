"""French through the shipped router (USE multilingual): issue 10, item 6.

A French request for a person is ALWAYS handed over. Phrasings here are written
for these tests (tu/vous, with and without accents, typos, slang) and are not
lines of the training set (checked below); the evaluation lines of
data/eval/ are measured by bench/locale_eval.py, not here.
"""

from __future__ import annotations

import pytest

from switchboard.brains.local import router as R
from switchboard.brains.local import training as T
from switchboard.config import RouterSettings
from switchboard.domain.types import Route

#: Requests for a human, every register: all must be handed over.
FRENCH_HUMAN_REQUESTS = [
    "Je voudrais parler à un conseiller s'il vous plaît",
    "je voudrais parler a un conseiller s'il vous plait",
    "Est-ce que je peux avoir un conseiller ?",
    "tu peux me passer un conseiller",
    "Passez-moi quelqu'un, s'il vous plaît",
    "passe moi quelqu un",
    "Je veux parler à un être humain",
    "un humain stp",
    "je veux un humain pas une machine",
    "Je souhaite parler à une vraie personne",
    "une vraie personne svp",
    "je veux parler a une vrai personne",
    "Un agent s'il te plaît",
    "je veux parler à un agent",
    "Mettez-moi en relation avec un conseiller",
    "Pouvez-vous me mettre en contact avec une personne ?",
    "je voudrais parler à quelqu'un de votre service",
    "J'aimerais être rappelé par une conseillère",
    "Je veux pas parler à un bot",
    "arrête, je veux parler à quelqu'un",
    "Transférez-moi vers un conseiller humain",
    "je veu parlé a un conseilé",
    "conseiler svp",
    "parlé a kelkun",
    "Y a-t-il quelqu'un de réel pour me répondre ?",
    "Je demande un conseiller, merci",
    "Passez-moi le service client",
    "Je préfère voir ça avec une personne de la banque",
]

#: Other French lines that need a human (seed 2 handover triggers).
FRENCH_SENSITIVE = [
    "On m'a volé ma carte bancaire dans le bus",
    "J'ai perdu ma carte bleue au cinéma",
    "Quelqu'un a utilisé ma carte sans mon accord",
    "Je veux faire une réclamation contre l'agence de Lille",
    "Vous êtes incapables de m'aider, c'est scandaleux",
    "Pourquoi mon compte est-il à découvert ?",
    "Mon virement de samedi n'est toujours pas arrivé",
]

FRENCH_TOOL_LINES: list[tuple[str, str]] = [
    ("Je voudrais ouvrir un compte", "account_opening"),
    ("Où est l'agence la plus proche de Lyon ?", "branch"),
    ("Quelle agence est ouverte le samedi à Marseille ?", "branch"),
    ("Quels justificatifs pour ouvrir un compte courant en agence ?", "account_opening"),
    ("Combien coûte la carte Visa Premier chaque mois ?", "card_info"),
    ("La carte virtuelle est-elle payante ?", "card_info"),
]

FRENCH_OFF_TOPIC = [
    "Quel temps fera-t-il à Strasbourg ce week-end ?",
    "Donne-moi la recette du gratin dauphinois",
    "Qui a gagné le dernier Tour de France ?",
]


@pytest.fixture(scope="module")
def router() -> R.EmbeddingRouter:
    settings = RouterSettings()
    fr_dir = settings.locale_model_dirs["fr_FR"]
    return R.EmbeddingRouter.load(settings.model_copy(update={"model_dir": fr_dir}))


def test_phrasings_are_not_training_lines() -> None:
    train = {
        " ".join(r.text.lower().split())
        for r in T.load_training_set(RouterSettings().training_dir)
    }
    ours = FRENCH_HUMAN_REQUESTS + FRENCH_SENSITIVE + FRENCH_OFF_TOPIC + [
        t for t, _ in FRENCH_TOOL_LINES[2:]
    ]
    assert [t for t in ours if " ".join(t.lower().split()) in train] == []


def test_french_training_lines_use_the_english_labels() -> None:
    rows = T.load_training_set(RouterSettings().training_dir)
    english = {r.intent for r in rows if r.source != "switchboard_fr"}
    french = {r.intent for r in rows if r.source == "switchboard_fr"}
    assert french <= english
    routes = {T.parse_routes(r.route)[0] for r in rows if r.source == "switchboard_fr"}
    assert routes == {r.value for r in Route}


@pytest.mark.parametrize("text", FRENCH_HUMAN_REQUESTS)
def test_french_request_for_a_person_is_always_handed_over(
    router: R.EmbeddingRouter, text: str
) -> None:
    d = router.classify(text)
    assert d.route is Route.HANDOVER, (d.intent, d.top_intents[:3])


@pytest.mark.parametrize("text", FRENCH_SENSITIVE)
def test_french_handover_triggers(router: R.EmbeddingRouter, text: str) -> None:
    d = router.classify(text)
    assert d.route is Route.HANDOVER, (d.intent, d.top_intents[:3])


@pytest.mark.parametrize(("text", "route"), FRENCH_TOOL_LINES)
def test_french_questions_reach_their_tool_route(
    router: R.EmbeddingRouter, text: str, route: str
) -> None:
    d = router.classify(text)
    assert d.route.value == route, (d.intent, d.top_intents[:3])


@pytest.mark.parametrize("text", FRENCH_OFF_TOPIC)
def test_french_off_topic_is_declined(router: R.EmbeddingRouter, text: str) -> None:
    d = router.classify(text)
    assert d.route in {Route.OUT_OF_SCOPE, Route.SMALLTALK}, (d.intent, d.top_intents[:3])
