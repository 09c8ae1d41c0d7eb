"""Answerability, sixth round (French): vague openers in their registers, SMS style,
sound-alike typos one ending away, and small field and slot readings.

Loads the shipped router artifacts and the multilingual encoder once (module scope).
Phrasings are our own, not lines of ``data/eval/``.
"""

from __future__ import annotations

import pytest

from switchboard.brains.local.catalog_router import CatalogRouter
from switchboard.brains.local.field_cues import field_cues
from switchboard.brains.local.french_readings import vague_opener_fr
from switchboard.brains.local.spelling import spell_fixer
from switchboard.domain.types import Locale, Route
from switchboard.nlu.slots import extract_slots

FR = {"locale": "fr_FR"}


@pytest.mark.parametrize(
    ("text", "vague"),
    [
        ("Je vous écris au sujet d'une carte", True),
        ("Bonsoir, j'aurais besoin de quelques renseignements svp", True),
        ("Pourriez-vous me renseigner ?", True),
        ("Je me renseigne concernant un compte", True),
        ("c'est pour une histoire de livret", True),
        # The customer's own card, trouble or a real request: not an opener.
        ("Je vous écris au sujet de ma carte", False),
        ("Je vous appelle pour une carte volée", False),
        ("Je voudrais ouvrir un compte", False),
        ("Je veux parler à un conseiller", False),
    ],
)
def test_vague_opener_fr(text: str, vague: bool) -> None:
    assert vague_opener_fr(text, Locale.FR_FR) is vague
    assert not vague_opener_fr(text, Locale.EN_GB)


@pytest.mark.parametrize(
    "text",
    [
        "Je vous contacte pour une carte",  # read as a lost card, strongly
        "Je me renseigne au sujet d'un compte",
        "slt jai une question",  # SMS style
    ],
)
def test_vague_openers_clarify(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, FR).intent == "sb_vague"


@pytest.mark.parametrize(
    "text",
    [
        "Je vous appelle pour ma carte, on me l'a volée",
        "Je vous contacte pour une fraude sur ma carte",
        "Je vous écris pour faire une réclamation",
    ],
)
def test_openers_with_trouble_keep_the_handover(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, FR).route is Route.HANDOVER


@pytest.mark.parametrize(
    ("typed", "fixed"),
    [
        ("bsr g une question", "bonsoir j'ai une question"),
        ("cest combien", "c'est combien"),
        ("horaires agence toulous", "toulouse"),  # a city one ending away
        ("agence de nante", "nantes"),
        ("quels frai pour la carte", "frais"),  # a rare word one ending from a catalog word
    ],
)
def test_sms_style_and_endings(typed: str, fixed: str) -> None:
    assert fixed in spell_fixer(Locale.FR_FR).fix(typed)


def test_real_word_forms_are_kept() -> None:
    fixer = spell_fixer(Locale.FR_FR)
    assert "gratuite" in fixer.fix("elle est gratuite ?").split()
    assert "activez" in fixer.fix("vous activez comment").split()


def test_carte_premiere_is_the_premier_card() -> None:
    assert extract_slots("la carte première à l'étranger", Locale.FR_FR).card_type == "premium"
    # "la première année" names no card.
    assert extract_slots("le compte pro, la première année", Locale.FR_FR).card_type is None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Il y a une limite d'âge pour le porte-clés ?", "eligibility"),
        ("Faut-il être majeur pour la Premier ?", "eligibility"),
        ("On me donne une carte en plastique avec la virtuelle ?", "feature"),
    ],
)
def test_card_field_cues(text: str, field: str) -> None:
    assert field_cues(text, Route.CARD_INFO)[0] == field


@pytest.mark.parametrize(
    ("text", "route", "field"),
    [
        ("Une limite d'âge pour avoir le bracelet ?", Route.CARD_INFO, "eligibility"),
        (
            "En combien de jours pour que mon compte pro soit ouvert en agence ?",
            Route.ACCOUNT_OPENING,
            "processing_time",
        ),
        ("carte premiere frai etranger", Route.CARD_INFO, "fees"),
    ],
)
def test_round6_product_questions(
    router: CatalogRouter, text: str, route: Route, field: str
) -> None:
    decision = router.classify_in_context(text, FR)
    assert decision.route is route
    assert field in decision.fields


def test_branch_named_over_a_place(router: CatalogRouter) -> None:
    decision = router.classify_in_context("Une agence près de la gare de Part-Dieu ?", FR)
    assert decision.route is Route.BRANCH
    assert decision.entities.get("location") == "69003"


@pytest.mark.parametrize(
    ("text", "route", "field"),
    [
        ("La Classic est facturée chaque année ?", Route.CARD_INFO, "fees"),
        ("La carte virtuelle marche pour les achats sur internet ?", Route.CARD_INFO, "feature"),
        ("On peut suspendre le bracelet un moment ?", Route.CARD_INFO, "feature"),
        ("Pour ouvrir un livret, c'est combien pour l'ouvrir ?", Route.ACCOUNT_OPENING,
         "min_deposit"),
        ("Faut-il être domicilié en France ?", Route.ACCOUNT_OPENING, "requirements"),
    ],
)
def test_round6_french_field_cues(text: str, route: Route, field: str) -> None:
    assert field in field_cues(text, route)


def test_where_next_to_another_branch_field() -> None:
    assert field_cues("C'est où à Lille et ça ferme à quelle heure ?", Route.BRANCH)[:1] == [
        "address"
    ]
    # "Où" alone is the nearest branch, not its address only.
    assert field_cues("Où est l'agence de Lille ?", Route.BRANCH) == []


def test_what_to_do_to_activate_is_a_product_question(router: CatalogRouter) -> None:
    decision = router.classify_in_context("Que dois-je faire pour activer ma carte ?", FR)
    assert decision.route is Route.CARD_INFO
    assert "activation" in decision.fields


def test_registered_company_question_is_answered(router: CatalogRouter) -> None:
    decision = router.classify_in_context(
        "Pour le compte pro, faut-il que l'entreprise soit immatriculée en France ?", FR
    )
    assert decision.route is Route.ACCOUNT_OPENING
    assert "requirements" in decision.fields


def test_channel_switch_follow_up(router: CatalogRouter) -> None:
    dialogue = {
        "route": "account_opening",
        "slots": {"account_type": "savings", "channel": "branch"},
        "fields": ["process_steps"],
    }
    decision = router.classify_in_context(
        "Et sur internet, c'est faisable ?", {"locale": "fr_FR", "dialogue": dialogue}
    )
    assert decision.route is Route.ACCOUNT_OPENING
    assert decision.entities.get("channel") == "digital"
    # A person named keeps the handover.
    person = router.classify_in_context(
        "Et en agence je peux voir un conseiller ?", {"locale": "fr_FR", "dialogue": dialogue}
    )
    assert person.route is Route.HANDOVER or person.intent != "sb_follow_up"


def test_loss_reading_without_loss(router: CatalogRouter) -> None:
    from switchboard.brains.local.french_readings import loss_reading_without_loss

    assert loss_reading_without_loss("lost_or_stolen_phone", "On peut le désactiver ?", "fr_FR")
    assert not loss_reading_without_loss("lost_or_stolen_card", "J'ai égaré ma carte", "fr_FR")
    assert not loss_reading_without_loss("lost_or_stolen_card", "On peut le désactiver ?", "en_GB")
    decision = router.classify_in_context(
        "Le bracelet, peut-on le désactiver quelques jours dans l'appli ?", FR
    )
    assert decision.route is Route.CARD_INFO


@pytest.mark.parametrize(
    "text",
    [
        "Mon porte-clés a disparu",  # read as off-topic before: a human takes it
        "Ma CB ont disparu de mon sac",
        "Je vous contacte pour ma carte, elle ne marche plus",
        "slt g perdu ma cb",
    ],
)
def test_own_losses_are_handed_over(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, FR).route is Route.HANDOVER


@pytest.mark.parametrize(
    "text",
    [
        "Mon père est mort le mois dernier, il avait un compte chez vous",
        "C'est pour la succession de ma tante",
        "Mon épouse nous a quittés, que devient sa carte ?",
    ],
)
def test_bereavement_is_handed_over(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, FR).route is Route.HANDOVER


def test_bereavement_fr_only() -> None:
    from switchboard.brains.local.french_readings import needs_human_fr

    assert needs_human_fr("mon grand-père est décédé", "fr_FR")
    assert not needs_human_fr("mon grand-père est décédé", "en_GB")
    assert not needs_human_fr("la carte Premier coûte combien ?", "fr_FR")


@pytest.mark.parametrize(
    ("text", "route", "field"),
    [
        # Asking about oneself: a fact given to be answered for it, "j'ai droit".
        ("Moi je suis boursier, est-ce que j'ai droit au compte étudiant ?",
         Route.ACCOUNT_OPENING, "requirements"),
        ("Je compte ouvrir un compte en ligne, je reçois ma carte en combien de jours ?",
         Route.ACCOUNT_OPENING, "processing_time"),
        ("Les horaires d'ouverture de l'agence Bastille ?", Route.BRANCH, "hours"),
        ("La Premier a un numéro dédié ?", Route.CARD_INFO, "feature"),
    ],
)
def test_round6_more_product_questions(
    router: CatalogRouter, text: str, route: Route, field: str
) -> None:
    decision = router.classify_in_context(text, FR)
    assert decision.route is route
    assert field in decision.fields


def test_earnings_are_eligibility_not_fees() -> None:
    assert field_cues("il faut toucher combien pour la Premier ?", Route.CARD_INFO)[:1] == [
        "eligibility"
    ]


def test_shorthand_and_pro_version() -> None:
    assert "qu'est-ce que" in spell_fixer(Locale.FR_FR).fix("keske je dois fournir")
    assert extract_slots("et la formule pro ?", Locale.FR_FR).account_type == "business"
    # "les pros" of a branch's services names no account.
    slots = extract_slots("l'agence propose des services aux pros ?", Locale.FR_FR)
    assert slots.account_type is None


def test_vague_opener_with_info_about() -> None:
    assert vague_opener_fr("Bonsoir, c'était pour une info sur les comptes", Locale.FR_FR)
    assert vague_opener_fr("j'aurais voulu quelques précisions", Locale.FR_FR)


def test_premier_as_an_adjective_names_no_card() -> None:
    assert extract_slots("le premier versement du livret", Locale.FR_FR).card_type is None
    assert extract_slots("le premier dépôt du compte", Locale.FR_FR).card_type is None
    assert extract_slots("la Visa Premier à l'étranger", Locale.FR_FR).card_type == "premium"


def test_demonym_names_the_city() -> None:
    from switchboard.brains.local.french_readings import respell_fr

    assert respell_fr("votre agence lyonnaise ?", Locale.FR_FR) == "votre agence de Lyon ?"
    assert respell_fr("votre agence lyonnaise ?", Locale.EN_GB) == "votre agence lyonnaise ?"


@pytest.mark.parametrize(
    ("text", "route", "field"),
    [
        ("Payer en devises avec la Classic, ça fait une commission ?", Route.CARD_INFO, "fees"),
        ("Faut-il déjà avoir une CB pour le bracelet ?", Route.CARD_INFO, "eligibility"),
        ("Le livret en agence, il est utilisable tout de suite ?", Route.ACCOUNT_OPENING,
         "processing_time"),
        ("La signature du contrat se fait comment en ligne ?", Route.ACCOUNT_OPENING,
         "process_steps"),
    ],
)
def test_round6_cues_t26(text: str, route: Route, field: str) -> None:
    assert field in field_cues(text, route)


def test_statement_then_request_splits() -> None:
    from switchboard.brains.local.catalog_router import question_parts

    parts = question_parts(
        "Je cherche une agence à Lille, et pouvez-vous me dire le prix du bracelet ?",
        Locale.FR_FR,
    )
    assert len(parts) == 2
    # What to bring is a visit: the branch channel.
    assert extract_slots("quels papiers apporter pour un livret", Locale.FR_FR).channel == "branch"


def test_terse_proof_of_address_query(router: CatalogRouter) -> None:
    decision = router.classify_in_context("quel justificatif de domicile vous acceptez", FR)
    assert decision.route is Route.ACCOUNT_OPENING
    assert "documents_required" in decision.fields


def test_opener_with_a_question_to_ask(router: CatalogRouter) -> None:
    assert router.classify_in_context("Oui bonjour, j'ai une question à vous poser", FR).intent == (
        "sb_vague"
    )


def test_a_trip_before_the_question(router: CatalogRouter) -> None:
    decision = router.classify_in_context(
        "Je pars au Portugal cet été, la Premier prend des frais là-bas ?", FR
    )
    assert decision.route is Route.CARD_INFO
    assert "fees" in decision.fields


def test_card_features_and_rib_cues() -> None:
    assert "features" in field_cues("Et quels sont ses avantages ?", Route.CARD_INFO)
    assert "documents_required" in field_cues(
        "Il faut un RIB pour ouvrir en ligne ?", Route.ACCOUNT_OPENING
    )


def test_opener_with_obtain_information(router: CatalogRouter) -> None:
    # "obtenir" is the card ordering cue, but here it only announces the question.
    text = "Bonsoir à vous, je voudrais obtenir des informations"
    assert router.classify_in_context(text, FR).intent == "sb_vague"


@pytest.mark.parametrize(
    "text",
    [
        "Tu crois qu'il va neiger à Lille demain ?",  # a place we have a branch in, no banking
        "Il y a du monde à la plage de Marseille ?",
    ],
)
def test_weak_handover_without_banking_words_is_off_topic(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, FR).route is not Route.HANDOVER


def test_off_topic_fr_keeps_protected_and_banking_lines() -> None:
    from switchboard.brains.local.french_readings import off_topic_fr
    from switchboard.ports import RouteDecision

    weak = RouteDecision(route=Route.HANDOVER, intent="nlupp_transfer_payment", confidence=0.3)
    assert off_topic_fr(weak, "Il fait beau à Nice ?", "fr_FR").route is Route.OUT_OF_SCOPE
    assert off_topic_fr(weak, "Mon virement à Nice ?", "fr_FR").route is Route.HANDOVER
    assert off_topic_fr(weak, "Il fait beau à Nice ?", "en_GB").route is Route.HANDOVER
    person = RouteDecision(route=Route.HANDOVER, intent="human_request", confidence=0.3)
    assert off_topic_fr(person, "Il fait beau à Nice ?", "fr_FR").route is Route.HANDOVER


@pytest.mark.parametrize("text", ["Vous êtes des escrocs", "J'en ai marre de votre banque"])
def test_anger_is_handed_over(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, FR).route is Route.HANDOVER


def test_same_question_for_another_product(router: CatalogRouter) -> None:
    dialogue = {
        "route": "account_opening",
        "slots": {"account_type": "checking", "channel": "digital"},
        "fields": ["documents_required"],
    }
    for text in ("d'accord, et pour un compte pro ?", "ok, et pour un étudiant ?"):
        decision = router.classify_in_context(text, {"locale": "fr_FR", "dialogue": dialogue})
        assert decision.route is Route.ACCOUNT_OPENING
        assert decision.entities.get("account_type") in ("business", "student")
        assert decision.fields in ([], ["documents_required"])


def test_age_asked_with_combien_is_eligibility() -> None:
    assert field_cues("Et côté âge, c'est à partir de combien ?", Route.CARD_INFO) == [
        "eligibility"
    ]
    # English "age" keeps its own reading (the French age rule needs French words).
    assert "fees" in field_cues("what age and how much for the key fob?", Route.CARD_INFO)
    assert vague_opener_fr("J'ai deux ou trois questions", Locale.FR_FR)


def test_formal_and_sms_register(router: CatalogRouter) -> None:
    decision = router.classify_in_context(
        "Je me permets de vous demander si le porte-clés est payant.", FR
    )
    assert decision.route is Route.CARD_INFO
    assert "fees" in decision.fields
    assert "fees" in field_cues("et sa cotis annuelle ?", Route.CARD_INFO)
    assert vague_opener_fr("bonsoir j'ai besoin d aide", Locale.FR_FR)


def test_terse_branch_part_asks() -> None:
    from switchboard.brains.local.catalog_router import question_parts

    assert len(question_parts("agence a toulouse + horaires du samedi", Locale.FR_FR)) == 2


@pytest.mark.parametrize(
    "text",
    [
        "Mon père est à l'hôpital, je voudrais gérer son compte",
        "J'ai une procuration sur le livret de ma mère",
        "Le compte de mon fils, je peux y accéder ?",
    ],
)
def test_someone_elses_affairs_are_handed_over(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, FR).route is Route.HANDOVER


def test_round6_t30_cues() -> None:
    deposit = field_cues("Le livret, on l'ouvre dès 10 euros ?", Route.ACCOUNT_OPENING)
    assert "min_deposit" in deposit
    assert "min_deposit" not in field_cues("Un compte dès 16 ans ?", Route.ACCOUNT_OPENING)
    assert "eligibility" in field_cues("La virtuelle est dispo pour les mineurs ?", Route.CARD_INFO)
    assert vague_opener_fr("Rebonjour, encore une question", Locale.FR_FR)


@pytest.mark.parametrize(
    "text",
    [
        "Je voudrais qu'on me rappelle demain matin",
        "J'aimerais que quelqu'un me recontacte",
        "Recontactez-moi plus tard svp",
    ],
)
def test_call_back_requests_are_handed_over(router: CatalogRouter, text: str) -> None:
    from switchboard.brains.local.person_request import asks_for_a_person

    assert asks_for_a_person(text)
    assert router.classify_in_context(text, FR).route is Route.HANDOVER


def test_round6_t31_cues() -> None:
    assert field_cues("la virtuelle c'est gratos ?", Route.CARD_INFO)[:1] == ["fees"]
    minutes = field_cues("En combien de minutes on ouvre un livret ?", Route.ACCOUNT_OPENING)
    assert minutes == ["processing_time"]
