"""French readings of round 6: vague openers in their many registers, and small fixes.

fr_FR only: every predicate returns False (or leaves its input alone) for another
locale, so English readings do not move. Patterns are our own, matched on
accent-folded lowercase text (:func:`field_cues.fold`).

- *Vague openers*: French customers announce their subject in many ways before
  asking ("Je vous contacte au sujet d'une carte", "Je me renseigne pour un
  livret", "J'aurais besoin d'un renseignement", "Pourriez-vous m'aider ?"). A
  whole line made only of such an announcement, an optional greeting, and at most a
  product named with an article (never "ma"/"mon": the customer's own card may be in
  trouble) is a vague opener: the agent asks what the customer wants to know.
"""

from __future__ import annotations

import re

from switchboard.brains.local.field_cues import fold
from switchboard.domain.types import Locale
from switchboard.ports import RouteDecision

#: A greeting or a form of address opening a line ("Bonjour madame,", "Re-bonjour").
_GREETING = (
    r"((bonjour|bonsoir|salut|rebonjour|re-bonjour|re|allo|hello|coucou|madame|monsieur|"
    r"mademoiselle|oui|alors|voila|euh|a vous|a tous)\W+)*"
)
#: Announcing a subject or a wish to ask, without asking yet (accent-folded).
_ANNOUNCE = (
    r"(je (vous )?(appelle|contacte|ecris|telephone|sollicite|joins)|j'appelle|"
    r"je (me )?(renseigne|permets de vous (contacter|ecrire))|"
    r"(je (voudrais|voulais|souhaite|souhaiterais|souhaitais)|j'aimerais|j'aurais aime|"
    r"j'aurais voulu|j'aurais souhaite) "
    r"(me renseigner|vous (poser|demander) (une|quelque) (\w+ )?(question|chose)|"
    r"(avoir |obtenir )?(un |une |des |quelques )?(petits? |petites? )?"
    r"(renseignements?|infos?|informations?|precisions?|conseils?|question)|de l'aide)|"
    r"(j'ai|j'aurais|g) (une|quelques|deux|plusieurs|deux (ou )?trois|2 (ou )?3) (petites? )?"
    r"(questions?|demandes?)"
    r"( a (vous )?(poser|demander|soumettre))?|"
    r"(j'ai|j'aurais) besoin (d'un |d'une |de |d'|d |des )?(quelques |plusieurs )?"
    r"(petits? |petites? )?"
    r"(renseignements?|infos?|informations?|aide|conseils?|precisions?|votre aide)|"
    r"(je peux|puis-je|est-ce que je peux|je pourrais|pourrais-je) (vous )?(poser|demander) "
    r"une (petite )?(question|chose)|"
    r"(vous pouvez|pouvez-vous|pourriez-vous|tu peux|peux-tu|tu pourrais|"
    r"est-ce que vous pouvez|est-ce que vous pourriez|vous pourriez) "
    r"(m'aider|me renseigner|m'eclairer|me conseiller|me donner (un |une |des )?"
    r"(renseignements?|infos?|informations?))|"
    r"(c'est|c'etait|ce serait) (pour|au sujet|a propos|concernant|par rapport)|"
    r"(une|petite|juste une|encore une|une autre|autre) (petite )?question|question|"
    r"renseignements?|infos?|informations?)"
)
#: What the announcement is about: a product named with an article, never "ma"/"mon".
_ABOUT = (
    r"(\W+(pour|sur|au sujet|a propos|concernant|par rapport|rapport|pour une histoire|"
    r"a savoir sur|en ce qui concerne|niveau|cote))?"
    r"(\W+(une histoire|une question|une demande|un renseignement|une info|des infos))?"
    r"(\W+(de|d'|du|des|a|aux|avec|sur|concernant|au sujet d\w*|a propos d\w*))?"
    r"(\W*(un|une|des|les|la|le|l'|vos|votre|d'un|d'une|de|du|d'))?"
    r"(\W*(cartes?|cb|comptes?|livrets?|agences?|banque|produits?|offres?|services?|"
    r"epargne|ouverture( d'un compte| de compte)?|bracelets?|porte-cles)"
    r"(\W+(bancaires?|courants?|d'epargne|epargne|pro|professionnels?|etudiants?|visa|"
    r"virtuelles?|sans contact))?)?"
)
_TAIL = r"(\W+(svp|stp|s'il vous plait|s'il te plait|merci|please|d'avance|merci d'avance))*"
_VAGUE_OPENER_FR = re.compile(rf"^\W*{_GREETING}{_ANNOUNCE}{_ABOUT}{_TAIL}\W*$")


def vague_opener_fr(text: str, locale: Locale | str | None) -> bool:
    """True for a French line that only announces a subject or a wish to ask (fr_FR only).

    "Je vous contacte au sujet d'une carte", "J'aurais besoin d'un renseignement",
    "Pourriez-vous m'aider ?", "Je me renseigne pour un livret". The whole line must be
    the announcement (a greeting and politeness aside); a product may be named with an
    article, never with "ma"/"mon" (the customer's own card or account may need a human).
    """
    if str(getattr(locale, "value", locale)) != Locale.FR_FR.value:
        return False
    folded = fold(text).replace("’", "'")
    return bool(_VAGUE_OPENER_FR.match(folded))


#: French: the other channel asked for after an account answer ("Et en ligne, c'est
#: possible ?", "et en agence ?"): the last answer again, for that channel.
_CHANNEL_SWITCH_FR = re.compile(
    r"^\W*(et |mais |sinon |ok |d'accord )*(en ligne|sur internet|par internet|a distance|"
    r"sur l'appli\w*|depuis l'appli\w*|par l'appli\w*|en agence|au guichet|sur place)\b"
)


#: "ok, et pour un étudiant ?", "et avec le livret ?": the same question for another product.
_SUBJECT_SWITCH_FR = re.compile(
    r"^\W*((ok|d'accord|merci|super|bien|mais|sinon)\W+)*et (pour|avec|concernant|cote|niveau)\b"
)


def switches_channel(text: str, locale: Locale | str | None) -> bool:
    """True for a short French follow-up that names the other channel or product (fr_FR only).

    "Et en ligne c'est possible ?" after a branch answer asks the same thing online; "ok,
    et pour un étudiant ?" after an account answer asks it for a student account. At most
    six words, opening with the channel, or with "et pour / et avec" and a product named.
    """
    if str(getattr(locale, "value", locale)) != Locale.FR_FR.value or len(text.split()) > 6:
        return False
    folded = fold(text)
    if _CHANNEL_SWITCH_FR.match(folded):
        return True
    if not _SUBJECT_SWITCH_FR.match(folded):
        return False
    from switchboard.nlu.slots import extract_slots

    slots = extract_slots(text, Locale.FR_FR)
    return bool(slots.account_type or slots.card_type)


#: Intents about something lost or stolen; the French router gives them to product
#: questions that hold no loss at all ("on peut le désactiver un moment ?" as a lost phone).
_LOSS_INTENTS = frozenset({"lost_or_stolen_card", "lost_or_stolen_phone"})
#: A loss, a theft or the customer's own things: the loss reading stands.
_LOSS_OR_OWN_FR = re.compile(
    r"\b(perd\w*|perte|vol\w*|egar\w*|disparu\w*|retrouv\w*|plus|avale\w*|garde\w*|pique\w*|"
    r"arrach\w*|oubli\w*|derob\w*|reste\w*|pass\w*|ou est|ma|mon|mes|m'|j'ai|on m'a|"
    r"fraud\w*|pirat\w*|urgen\w*|opposition|bloqu\w*|ne|pas|n')\b|\bn'|\bm'"
)


def loss_reading_without_loss(intent: str, text: str, locale: Locale | str | None) -> bool:
    """True when a lost-or-stolen reading of a French line has no loss in it (fr_FR only).

    "Le porte-clés, on peut le désactiver un moment ?" read as a lost phone at 0.6: no
    word of losing, theft, trouble or the customer's own things ("ma", "mon", "j'ai"),
    so the caller may read it like a weak reading (against the catalog, when it asks).
    """
    if str(getattr(locale, "value", locale)) != Locale.FR_FR.value or intent not in _LOSS_INTENTS:
        return False
    return not _LOSS_OR_OWN_FR.search(fold(text))


#: A death in the family or of the customer (accent-folded): a human takes it (seed 2).
_BEREAVEMENT_FR = re.compile(
    r"\b(decede\w*|deces|morte?s?|nous a quitte\w*|m'a quitte\w*|nous ont quitte\w*|"
    r"succession\w*|heritage\w*|herit(e|er|ier|iere|iers)\b|notaire|obseques|enterrement|"
    r"veuf|veuve|defunt\w*|disparition)\b"
)
#: Someone else's affairs handled by the customer ("gérer le compte de ma mère", "une
#: procuration", "sous tutelle"): a human checks the mandate.
_THIRD_PARTY_FR = re.compile(
    r"\b(procuration|tutelle|curatelle|mandataire|hospitalis\w*|"
    r"gerer (son|le|leur|ses|les) (compte|comptes|carte|livret)\b|"
    r"(compte|comptes|carte|livret) de (mon|ma|mes) (pere|mere|parents?|mari|femme|epou\w*|"
    r"conjoint\w*|fils|fille|enfants?|grand-\w+|oncle|tante|frere|soeur))\b"
)
#: A complaint or calls left unanswered (accent-folded): seed 2 trigger 4, a human takes it.
_COMPLAINT_FR = re.compile(
    r"\b(me plaindre|porter plainte|deposer (une )?(plainte|reclamation)|reclamation|"
    r"mecontent\w*|insatisfait\w*|sans (aucune )?reponse|personne ne (repond|rappelle)|"
    r"jamais rappele\w*|(\w+ )?fois que j'appelle)\b"
)
#: Changing the customer's own card or account limit (accent-folded): a human decides it.
_OWN_LIMIT_FR = re.compile(
    r"\b(augment\w*|baiss\w*|relev\w*|modifi\w*|chang\w*|debloqu\w*|depass\w*|"
    r"hausse|rehauss\w*) (\w+ ){0,3}(plafonds?|limites?)\b|"
    r"\b(plafonds?|limites?) (\w+ ){0,3}(ma|mon|mes) (carte|cb|compte)\b"
)
#: Anger at the bank (accent-folded): a human takes it (the router read some as a thank-you).
_ANGER_FR = re.compile(
    r"\b(voleurs?|escrocs?|arnaqueurs?|bandits|incompetent\w*|inadmissible|inacceptable|"
    r"scandal\w*|honteu\w*|lamentable|en colere|furieu\w*|ras le bol|marre|degoute\w*)\b"
)


def needs_human_fr(text: str, locale: Locale | str | None) -> bool:
    """True for French lines a human takes whatever the router read (fr_FR only).

    A bereavement ("Ma grand-mère est morte et elle avait un livret chez vous", "la
    succession de mon père"), anger at the bank ("vous êtes des voleurs"), or someone
    else's affairs ("ma mère est hospitalisée, je voudrais gérer son compte"), a
    complaint or calls left unanswered ("je veux me plaindre"), or a change to one's own
    card or account limit ("relever le plafond de ma carte"): the router read some as
    off-topic, a thank-you, an account opening or a card feature question.
    """
    if str(getattr(locale, "value", locale)) != Locale.FR_FR.value:
        return False
    folded = fold(text)
    return bool(
        _BEREAVEMENT_FR.search(folded)
        or _ANGER_FR.search(folded)
        or _THIRD_PARTY_FR.search(folded)
        or _COMPLAINT_FR.search(folded)
        or _OWN_LIMIT_FR.search(folded)
    )


#: A city's inhabitants' adjective, for the city ("votre agence marseillaise").
_DEMONYMS_FR = {
    "parisien": "Paris",
    "lyonnais": "Lyon",
    "marseillais": "Marseille",
    "toulousain": "Toulouse",
    "bordelais": "Bordeaux",
    "lillois": "Lille",
    "nantais": "Nantes",
}
_DEMONYM_FR = re.compile(
    r"\b(agences?|succursales?|bureaux?) (" + "|".join(_DEMONYMS_FR) + r")(e|es|s|ne|nes)?\b",
    re.IGNORECASE,
)


def respell_fr(text: str, locale: Locale | str | None) -> str:
    """``text`` with a branch named by its city's adjective spelt as the city (fr_FR only).

    "l'adresse de votre agence marseillaise" → "… agence de Marseille"; a region or
    the bank's presence is then read by :func:`place_fr`.
    """
    if str(getattr(locale, "value", locale)) != Locale.FR_FR.value:
        return text
    text = _DEMONYM_FR.sub(lambda m: f"{m.group(1)} de {_DEMONYMS_FR[m.group(2).lower()]}", text)
    return place_fr(text, locale)


#: Banking words, the customer's own things, trouble or a person (accent-folded): a
#: handover reading of a line with one of these stands.
_BANKING_OR_OWN_FR = re.compile(
    r"\b(comptes?|cartes?|cb|banques?|bancaires?|argent|euros?|virements?|paiements?|pa[iy]\w*|"
    r"prel\w*|frais|codes?|agences?|conseil\w*|credits?|prets?|cheques?|especes|retrai\w*|"
    r"retir\w*|soldes?|decouvert\w*|assurances?|epargn\w*|livrets?|rib|iban|transf\w*|"
    r"factur\w*|debit\w*|achat\w*|distributeurs?|dab|guichets?|contrats?|sign\w*|identite|"
    r"papiers|documents?|justificatifs?|ouv\w*|clotur\w*|ferm\w*|resili\w*|mot de passe|"
    r"connex\w*|connect\w*|appli\w*|espace client|sms|mails?|courriers?|telephone|numero|"
    r"salaire|allocations?|pension|rembours\w*|litiges?|plafonds?|opposition|loyer|"
    r"placements?|taux|interets?|agios|dettes?|huissier|saisie|tutelle|procuration|"
    r"je|j'|me|m'|moi|mon|ma|mes|nous|notre|nos|on m|quelqu'un|humain|personne|urgen\w*|"
    r"probleme\w*|souci\w*|aide\w*|aidez|nul\w*|inadmissible|honte|scandal\w*|arnaqu\w*|"
    r"vol\w*|perd\w*|fraud\w*|plainte|reclam\w*)\b|€|\bj'|\bm'"
)
#: A handover reading below this, on a line with no banking word, is off-topic.
WEAK_HANDOVER_FR = 0.6


def off_topic_fr(base: RouteDecision, text: str, locale: Locale | str | None) -> RouteDecision:
    """A weak handover reading of a French line with no banking word, as off-topic (fr_FR).

    "Il fait beau à Marseille aujourd'hui ?" read as a transfer at 0.35: no banking,
    first-person, trouble or person word, and not a protected intent (a request for a
    person, frustration, a sensitive matter), so it is declined, not handed over.
    ``base`` is returned unchanged otherwise.
    """
    from switchboard.agent.handover import (
        EXPLICIT_INTENTS,
        FRUSTRATION_INTENTS,
        SENSITIVE_INTENTS,
    )
    from switchboard.domain.types import Route

    if (
        str(getattr(locale, "value", locale)) != Locale.FR_FR.value
        or base.route is not Route.HANDOVER
        or base.intent in EXPLICIT_INTENTS | FRUSTRATION_INTENTS | SENSITIVE_INTENTS
        or base.confidence >= WEAK_HANDOVER_FR
        or _BANKING_OR_OWN_FR.search(fold(text))
    ):
        return base
    return base.model_copy(
        update={"route": Route.OUT_OF_SCOPE, "intent": "sb_off_topic_fr", "fields": []}
    )


#: French words of a question for the word a feature line uses (accent-folded): "faut-il
#: changer la pile ?" asks the "Sans batterie ni recharge" line.
FEATURE_SYNONYMS_FR = {
    "pile": "batterie",
    "piles": "batterie",
    "batteries": "batterie",
    "recharger": "recharge",
    "charge": "recharge",
    "chargee": "recharge",
    "charger": "recharge",
    "boutique": "ligne",
    "boutiques": "ligne",
    "internet": "ligne",
    "web": "ligne",
    "commerces": "partout",
    "magasins": "partout",
    "commercants": "partout",
}


#: A region or a well-known département, by its capital city (accent-folded keys):
#: "une agence en Bretagne" is looked up from Rennes, and the nearest branch follows.
_REGIONS_FR = {
    "bretagne": "Rennes",
    "normandie": "Rouen",
    "nord": "Lille",
    "nord-pas-de-calais": "Lille",
    "pas-de-calais": "Arras",
    "hauts-de-france": "Lille",
    "picardie": "Amiens",
    "ile-de-france": "Paris",
    "region parisienne": "Paris",
    "grand est": "Strasbourg",
    "alsace": "Strasbourg",
    "lorraine": "Metz",
    "champagne": "Reims",
    "bourgogne": "Dijon",
    "franche-comte": "Besançon",
    "centre-val de loire": "Orléans",
    "pays de la loire": "Nantes",
    "loire-atlantique": "Nantes",
    "vendee": "La Roche-sur-Yon",
    "nouvelle-aquitaine": "Bordeaux",
    "aquitaine": "Bordeaux",
    "gironde": "Bordeaux",
    "pays basque": "Bayonne",
    "occitanie": "Toulouse",
    "haute-garonne": "Toulouse",
    "languedoc": "Montpellier",
    "herault": "Montpellier",
    "auvergne": "Clermont-Ferrand",
    "rhone-alpes": "Lyon",
    "auvergne-rhone-alpes": "Lyon",
    "rhone": "Lyon",
    "savoie": "Chambéry",
    "provence": "Marseille",
    "provence-alpes-cote d'azur": "Marseille",
    "paca": "Marseille",
    "bouches-du-rhone": "Marseille",
    "cote d'azur": "Nice",
    "corse": "Ajaccio",
}
_REGION_FR = re.compile(
    r"\b(en|dans le|dans la|dans l'|dans les|en region|region|sur la|sur le|du cote de la|"
    r"du cote du|vers la|vers le)\s*("
    + "|".join(sorted((re.escape(k) for k in _REGIONS_FR), key=len, reverse=True))
    + r")\b"
)


def region_words_fr() -> set[str]:
    """One-word region names (5+ letters) :func:`place_fr` knows, for the spell checker.

    Parts of compound names are left out: "comte" (of Franche-Comté) would swallow "conte".
    """
    return {name for name in _REGIONS_FR if name.isalpha() and len(name) >= 5}


#: "Vous êtes présents à Bordeaux ?": the bank's presence in a place asks for a branch.
_PRESENCE_FR = re.compile(
    r"\b(vous etes|etes-vous|vous etes bien|est-ce que vous etes) "
    r"(presents?|implantes?|installes?|representes?)\b"
)


def place_fr(text: str, locale: Locale | str | None) -> str:
    """``text`` with a region named by its capital city, presence read as a branch (fr_FR).

    "Vous avez des agences en Bretagne ?" → "… à Rennes ?" (the nearest branch is then
    found from there); "Vous êtes présents à Bordeaux ?" → "Vous avez une agence à
    Bordeaux ?". Matched on accent-folded text; ``text`` is returned unchanged otherwise.
    """
    if str(getattr(locale, "value", locale)) != Locale.FR_FR.value:
        return text
    folded = fold(text).replace("’", "'")
    if len(folded) != len(text):
        text = folded
    hit = _REGION_FR.search(folded)
    if hit:
        text = text[: hit.start()] + "à " + _REGIONS_FR[hit.group(2)] + text[hit.end() :]
        folded = fold(text).replace("’", "'")
    presence = _PRESENCE_FR.search(folded)
    if presence:
        text = text[: presence.start()] + "vous avez une agence" + text[presence.end() :]
    return text
