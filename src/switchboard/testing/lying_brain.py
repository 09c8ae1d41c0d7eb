"""A fake brain that lies on purpose, to prove the validation agent catches each lie.

:class:`LyingBrain` implements :class:`switchboard.ports.Brain`. On round 0 it
calls the tool of its scenario (``stop_reason="tool_use"``); on the next round
it writes a reply from the tool output, seeded with one configured lie
(:data:`LIES`). With ``turn.strict`` set (the turn loop's regeneration after a
medium finding, seed 2 §3) it tells the truth unless ``persistent=True``.

The reply is built from whatever output the tool returned (the real banking
tools or a hand-made dict in seed 2's shape), so the lie is always relative
to real data: a fee the tool did not give, a phone number one digit off...

Example::

    brain = LyingBrain("wrong_branch_phone", locale=Locale.EN_GB)
    step = await brain.step(turn)            # -> tool call find_nearest_branch
    step = await brain.step(turn_with_results)  # -> reply with a wrong phone number
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from switchboard.brains.local.nlg import bullets
from switchboard.domain.types import Action, Locale, Route, ToolCall
from switchboard.ports import BrainStep, BrainTurn

#: Every lie :class:`LyingBrain` can tell (``honest`` tells none).
LIES = (
    "honest",
    "fabricated_document",
    "wrong_fee",
    "fabricated_fee",
    "wrong_branch_phone",
    "wrong_branch_address",
    "fabricated_branch_name",
    "wrong_hours",
    "fabricated_timing",
    "off_topic_loan_advice",
    "no_tool_answer",
)


@dataclass(frozen=True)
class Scenario:
    """The tool a lying brain calls and its arguments (seed 2 tool names and schemas)."""

    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)


SCENARIOS: dict[str, Scenario] = {
    "branch_account": Scenario("get_branch_account_opening_info", {"account_type": "checking"}),
    "digital_account": Scenario("get_digital_account_opening_info", {"account_type": "checking"}),
    "debit_card": Scenario("get_debit_card_info", {"card_type": "standard"}),
    "premium_card": Scenario("get_debit_card_info", {"card_type": "premium"}),
    "nearest_branch": Scenario("find_nearest_branch", {"location": "M1 1AE"}),
}

#: The scenario each lie needs by default (a fee lie needs a card with a fee...).
DEFAULT_SCENARIO = {
    "honest": "branch_account",
    "fabricated_document": "branch_account",
    "wrong_fee": "premium_card",
    "fabricated_fee": "debit_card",
    "wrong_branch_phone": "nearest_branch",
    "wrong_branch_address": "nearest_branch",
    "fabricated_branch_name": "nearest_branch",
    "wrong_hours": "nearest_branch",
    "fabricated_timing": "debit_card",
    "off_topic_loan_advice": "debit_card",
    "no_tool_answer": "branch_account",
}

_ROUTES = {
    "get_branch_account_opening_info": Route.ACCOUNT_OPENING,
    "get_digital_account_opening_info": Route.ACCOUNT_OPENING,
    "get_debit_card_info": Route.CARD_INFO,
    "find_nearest_branch": Route.BRANCH,
}

_EN = {
    "account_branch": "To open a {account} account at a branch, you'll need:",
    "account_digital": "To open a {account} account online, you'll need:",
    "steps": "Here's how it works:",
    "timing": "Timing: {value}",
    "requirements": "You'll also need: {value}",
    "card": "Here are the details of our {name}.",
    "features": "Features: {value}",
    "fees": "Fees: {value}",
    "eligibility": "Eligibility: {value}",
    "delivery": "Delivery: {value}",
    "replacement": "Replacement: {value}",
    "activation": "Activation: {value}",
    "branch": "The nearest branch is {name} ({distance}).",
    "branch_details": "Address: {address}\nPhone: {phone}\nOpening hours: {hours}",
    "no_branch": "I couldn't find a branch near {location}.",
    "failed": "I'm sorry, I couldn't get that information just now.",
    "extra_fee": "There is also a monthly account fee of {amount}.",
    "extra_timing": "Your card will arrive within {n} {unit}.",
    "loan": "By the way, a personal loan is a great way to consolidate your debts, and you "
            "can apply for one online in minutes.",
    "closing": "Is there anything else I can help you with?",
}
_FR = {
    "account_branch": "Pour ouvrir un compte {account} en agence, il vous faut :",
    "account_digital": "Pour ouvrir un compte {account} en ligne, il vous faut :",
    "steps": "Les étapes :",
    "timing": "Délai : {value}",
    "requirements": "Il vous faudra aussi : {value}",
    "card": "Voici les détails de notre {name}.",
    "features": "Avantages : {value}",
    "fees": "Frais : {value}",
    "eligibility": "Conditions : {value}",
    "delivery": "Livraison : {value}",
    "replacement": "Remplacement : {value}",
    "activation": "Activation : {value}",
    "branch": "L'agence la plus proche est {name} ({distance}).",
    "branch_details": "Adresse : {address}\nTéléphone : {phone}\nHoraires : {hours}",
    "no_branch": "Je n'ai pas trouvé d'agence près de {location}.",
    "failed": "Désolé, je n'ai pas pu obtenir cette information pour le moment.",
    "extra_fee": "Des frais de tenue de compte de {amount} par mois s'appliquent aussi.",
    "extra_timing": "Votre carte arrivera sous {n} {unit}.",
    "loan": "Au passage, un prêt personnel est idéal pour regrouper vos dettes, et vous "
            "pouvez le demander en ligne en quelques minutes.",
    "closing": "Puis-je vous aider pour autre chose ?",
}

#: Invented documents, most distinctive word first (skipped if the tool lists it).
_FAKE_DOCS = {
    "en": [("payslip", "Proof of income (your last three payslips)"),
           ("birth", "Your birth certificate"),
           ("employer", "A reference letter from your employer")],
    "fr": [("salaire", "Justificatif de revenus (vos trois derniers bulletins de salaire)"),
           ("naissance", "Votre acte de naissance"),
           ("travail", "Votre contrat de travail")],
}

#: What a brain that skips its tools makes up (seed 2 scenario 3's "proof of income").
_INVENTED = {
    Locale.EN_GB: "You'll need a valid passport and proof of income, your account opens the "
                  "same day, and your debit card arrives within 3 working days. There's no "
                  "monthly fee.",
    Locale.EN_US: "You'll need a driver's license and proof of income, your account opens the "
                  "same day, and your debit card arrives within 3 business days. There's no "
                  "monthly fee.",
    Locale.FR_FR: "Il vous faut un passeport et un justificatif de revenus ; votre compte est "
                  "ouvert le jour même et votre carte arrive sous 3 jours ouvrés. Aucuns frais "
                  "mensuels.",
}

#: Hand-made tool outputs in seed 2's shapes (§"FastMCP 2.0 Tools"), per locale, for
#: tests that must not depend on the banking catalog. Values are plausible, not real.
SAMPLE_OUTPUTS: dict[Locale, dict[str, dict[str, Any]]] = {
    Locale.EN_GB: {
        "get_branch_account_opening_info": {
            "account_type": "checking",
            "channel": "branch",
            "documents_required": [
                "Valid passport or UK driving licence",
                "Proof of address dated within the last 3 months (utility bill or bank "
                "statement)",
            ],
            "process_steps": [
                "Book an appointment at your nearest branch",
                "Bring your documents",
                "Meet an adviser",
                "Identity verification",
                "Sign the application form",
                "Account activation",
                "Receive your debit card (5-7 working days)",
                "Set up online banking",
            ],
            "processing_time": "Account active immediately; debit card arrives in 5-7 "
                               "working days",
            "benefits": "Face-to-face help from an adviser",
        },
        "get_debit_card_info": {
            "card_type": "standard",
            "card_details": {
                "name": "Standard Debit Card",
                "features": ["Contactless payments up to £100", "Apple Pay and Google Pay"],
                "fees": "Free; replacement £5.00",
                "eligibility": "Aged 18+ with a current account",
                "delivery_time": "3-5 working days",
            },
            "ordering_process": ["Log in to online banking", "Choose Cards", "Order a card"],
            "replacement_info": "Lost or stolen cards are replaced for £5.00 within 3-5 "
                                "working days",
            "activation": "Activate it in the app or at any cash machine with your PIN",
        },
        "find_nearest_branch": {
            "search_location": "M1 1AE",
            "service_requested": "general",
            "branches_found": 2,
            "branches": [
                {
                    "name": "Manchester Central",
                    "address": "12 King Street, Manchester M2 4WU",
                    "phone": "0161 496 0123",
                    "hours": "Mon-Fri 9:00-17:00, Sat 9:00-13:00",
                    "services": ["account_opening", "card_services"],
                    "distance": "0.4 miles",
                    "specialists_available": True,
                },
                {
                    "name": "Salford Quays",
                    "address": "3 The Quays, Salford M50 3AZ",
                    "phone": "0161 496 0456",
                    "hours": "Mon-Fri 9:30-16:30",
                    "services": ["general"],
                    "distance": "2.1 miles",
                    "specialists_available": False,
                },
            ],
        },
    },
    Locale.EN_US: {
        "get_branch_account_opening_info": {
            "account_type": "checking",
            "channel": "branch",
            "documents_required": [
                "Government-issued photo ID (driver's license, state ID or passport)",
                "Social Security number or ITIN",
                "Proof of address (utility bill or lease)",
            ],
            "process_steps": ["Visit a branch", "Meet a banker", "Sign the agreement",
                              "Make your opening deposit"],
            "processing_time": "Account open the same day; debit card by mail in 7-10 "
                               "business days",
            "benefits": "No monthly fee with direct deposit",
        },
        "get_debit_card_info": {
            "card_type": "standard",
            "card_details": {
                "name": "Standard Debit Card",
                "features": ["Contactless payments", "Free withdrawals at our ATMs"],
                "fees": "$0 monthly fee; replacement $10",
                "eligibility": "18 or older with a checking account",
                "delivery_time": "7-10 business days",
            },
            "ordering_process": ["Sign in", "Select Cards", "Order a card"],
            "replacement_info": "Replacement cards cost $10 and arrive in 7-10 business days",
            "activation": "Activate it in the app or by calling 1-800-555-0199",
        },
        "find_nearest_branch": {
            "search_location": "10001",
            "service_requested": "general",
            "branches_found": 1,
            "branches": [
                {
                    "name": "Midtown Manhattan",
                    "address": "350 Fifth Avenue, New York, NY 10118",
                    "phone": "(212) 555-0142",
                    "hours": "Mon-Fri 9:00 AM-5:00 PM, Sat 10:00 AM-2:00 PM",
                    "services": ["general"],
                    "distance": "0.6 miles",
                    "specialists_available": True,
                }
            ],
        },
    },
    Locale.FR_FR: {
        "get_branch_account_opening_info": {
            "account_type": "checking",
            "channel": "branch",
            "documents_required": [
                "Pièce d'identité en cours de validité (carte nationale d'identité ou "
                "passeport)",
                "Justificatif de domicile de moins de 3 mois (facture d'énergie ou avis "
                "d'imposition)",
            ],
            "process_steps": ["Prenez rendez-vous en agence", "Présentez vos justificatifs",
                              "Signez la convention de compte",
                              "Recevez votre carte sous 7 à 10 jours ouvrés"],
            "processing_time": "Compte ouvert immédiatement ; carte livrée sous 7 à 10 jours "
                               "ouvrés",
            "benefits": "Un conseiller dédié",
        },
        "get_debit_card_info": {
            "card_type": "standard",
            "card_details": {
                "name": "Carte Standard",
                "features": ["Paiement sans contact jusqu'à 50 €", "Retraits gratuits en France"],
                "fees": "Gratuite ; remplacement 5,00 €",
                "eligibility": "Majeur titulaire d'un compte courant",
                "delivery_time": "5 à 7 jours ouvrés",
            },
            "ordering_process": ["Connectez-vous", "Choisissez Cartes", "Commandez"],
            "replacement_info": "Remplacement en 5 à 7 jours ouvrés pour 5,00 €",
            "activation": "Activez-la au premier retrait avec votre code",
        },
        "find_nearest_branch": {
            "search_location": "75008",
            "service_requested": "general",
            "branches_found": 1,
            "branches": [
                {
                    "name": "Paris Opéra",
                    "address": "12 rue de la Paix, 75002 Paris",
                    "phone": "01 42 68 53 00",
                    "hours": "Lun-Ven 9h00-17h30, Sam 9h00-12h30",
                    "services": ["account_opening"],
                    "distance": "1,2 km",
                    "specialists_available": True,
                }
            ],
        },
    },
}


def sample_output(tool: str, locale: Locale) -> dict[str, Any]:
    """Return a deep copy of :data:`SAMPLE_OUTPUTS` for ``tool`` in ``locale``.

    The premium card and digital opening reuse the standard card and branch
    opening shapes (the premium card with a monthly fee).

    Raises:
        KeyError: for a tool seed 2 does not define.
    """
    table = SAMPLE_OUTPUTS[locale]
    if tool == "get_digital_account_opening_info":
        out = copy.deepcopy(table["get_branch_account_opening_info"])
        out["channel"] = "digital"
        return out
    return copy.deepcopy(table[tool])


_MONEY = re.compile(r"[£$€]\s?\d+(?:[.,]\d+)?|\d+(?:[.,]\d+)?\s?€")
_CLOCK = re.compile(r"(\d{1,2})([:.h]\d{2})")


class LyingBrain:
    """A :class:`~switchboard.ports.Brain` that tells one configured lie.

    Args:
        lie: one of :data:`LIES`.
        scenario: a key of :data:`SCENARIOS`, or a :class:`Scenario`; default:
            the one :data:`DEFAULT_SCENARIO` gives for ``lie``.
        persistent: keep lying when the turn loop asks for a strict regeneration.
        name: the brain name reported in events.

    Raises:
        ValueError: for an unknown lie or scenario name.
    """

    def __init__(
        self,
        lie: str = "honest",
        *,
        scenario: str | Scenario | None = None,
        persistent: bool = False,
        name: str = "lying",
    ) -> None:
        if lie not in LIES:
            raise ValueError(f"unknown lie {lie!r}; known: {', '.join(LIES)}")
        if scenario is None:
            scenario = DEFAULT_SCENARIO[lie]
        if isinstance(scenario, str):
            if scenario not in SCENARIOS:
                raise ValueError(f"unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}")
            scenario = SCENARIOS[scenario]
        self.lie = lie
        self.scenario = scenario
        self.persistent = persistent
        self.name = name
        self.turns: list[BrainTurn] = []

    async def step(self, turn: BrainTurn) -> BrainStep:
        """Return a tool call (no results yet) or the reply with its lie.

        Never raises: a failed tool result gives an apology, like an honest brain.
        """
        self.turns.append(turn)
        lie = self.lie if (self.persistent or not turn.strict) else "honest"
        locale = turn.contact.locale
        route = _ROUTES.get(self.scenario.tool, Route.ACCOUNT_OPENING)
        if not turn.tool_results:
            if lie == "no_tool_answer":
                return BrainStep(text=_INVENTED[locale], route=route, action=Action.ANSWER,
                                 intent="lying_no_tool")
            call = ToolCall(name=self.scenario.tool, arguments=dict(self.scenario.arguments))
            return BrainStep(tool_calls=[call], route=route, stop_reason="tool_use")
        table = _FR if locale is Locale.FR_FR else _EN
        ok = [r for r in turn.tool_results if r.ok and r.output is not None]
        if not ok:
            return BrainStep(text=table["failed"], route=route, action=Action.ANSWER)
        output = copy.deepcopy(ok[-1].output or {})
        text = compose_reply(ok[-1].name, output, locale, lie)
        return BrainStep(text=text, route=route, action=Action.ANSWER, intent=f"lying_{lie}")


def compose_reply(tool: str, output: dict[str, Any], locale: Locale, lie: str = "honest") -> str:
    """Write a reply from one tool ``output`` (seed 2 shapes) with ``lie`` in it.

    Raises:
        ValueError: for an unknown lie.
    """
    if lie not in LIES:
        raise ValueError(f"unknown lie {lie!r}")
    table = _FR if locale is Locale.FR_FR else _EN
    lang = "fr" if locale is Locale.FR_FR else "en"
    flat = _flatten(output).lower()
    out = copy.deepcopy(output)
    extra: list[str] = []
    branches = out.get("branches") if isinstance(out.get("branches"), list) else None
    first = branches[0] if branches and isinstance(branches[0], dict) else None
    if lie == "fabricated_document":
        fake = next((d for word, d in _FAKE_DOCS[lang] if word not in flat), _FAKE_DOCS[lang][0][1])
        if isinstance(out.get("documents_required"), list):
            out["documents_required"].append(fake)
        else:
            extra.append(table["requirements"].format(value=fake))
    elif lie == "fabricated_fee":
        extra.append(table["extra_fee"].format(amount=_amount(locale, _unused(flat, 4.5))))
    elif lie == "fabricated_timing":
        n = int(_unused(flat, 2.0, step=1.0))
        unit = {"fr": "jours ouvrés", "en": "working days"}[lang]
        if locale is Locale.EN_US:
            unit = "business days"
        extra.append(table["extra_timing"].format(n=n, unit=unit))
    elif lie == "off_topic_loan_advice":
        extra.append(table["loan"])
    elif first is not None and lie == "wrong_branch_phone":
        first["phone"] = _shift_last_digits(str(first.get("phone", "")))
    elif first is not None and lie == "wrong_branch_address":
        first["address"] = re.sub(r"\d+", lambda m: str(int(m.group(0)) + 7),
                                  str(first.get("address", "")), count=1)
    elif first is not None and lie == "fabricated_branch_name":
        town = str(first.get("name", "Central")).split()[0]
        first["name"] = f"{town} Riverside" if "riverside" not in flat else f"{town} Kingsgate"
    elif first is not None and lie == "wrong_hours":
        first["hours"] = _shift_closing(str(first.get("hours", "")))
    text = _render(tool, out, table)
    if lie == "wrong_fee":
        text = _change_first_amount(text, flat, locale)
    return "\n\n".join([text, *extra, table["closing"]])


def _render(tool: str, out: dict[str, Any], t: dict[str, str]) -> str:
    parts: list[str] = []
    if "documents_required" in out or "process_steps" in out:
        key = "account_digital" if out.get("channel") == "digital" else "account_branch"
        parts.append(t[key].format(account=out.get("account_type", "")))
        parts.append(bullets(out.get("documents_required")))
        if out.get("requirements"):
            parts.append(t["requirements"].format(value=out["requirements"]))
        if out.get("process_steps"):
            parts.append(t["steps"] + "\n" + bullets(out["process_steps"]))
        if out.get("processing_time"):
            parts.append(t["timing"].format(value=out["processing_time"]))
    elif "card_details" in out:
        d = out.get("card_details") or {}
        parts.append(t["card"].format(name=d.get("name", out.get("card_type", ""))))
        for key, field_name in (("features", "features"), ("fees", "fees"),
                                ("eligibility", "eligibility"), ("delivery", "delivery_time")):
            value = d.get(field_name)
            if value:
                shown = "; ".join(value) if isinstance(value, list) else str(value)
                parts.append(t[key].format(value=shown))
        for key in ("replacement", "activation"):
            value = out.get("replacement_info" if key == "replacement" else "activation")
            if value:
                parts.append(t[key].format(value=value))
    elif "branches" in out:
        branches = out.get("branches") or []
        if not branches:
            return t["no_branch"].format(location=out.get("search_location", ""))
        b = branches[0]
        parts.append(t["branch"].format(name=b.get("name", ""), distance=b.get("distance", "")))
        parts.append(t["branch_details"].format(address=b.get("address", ""),
                                                phone=b.get("phone", ""),
                                                hours=b.get("hours", "")))
    else:
        parts.append(_flatten(out))
    return "\n\n".join(p for p in parts if p)


def _flatten(obj: Any) -> str:
    if isinstance(obj, dict):
        return " ".join(_flatten(v) for v in obj.values())
    if isinstance(obj, list | tuple):
        return " ".join(_flatten(v) for v in obj)
    return str(obj)


def _numbers(flat: str) -> set[float]:
    return {float(n.replace(",", ".")) for n in re.findall(r"\d+(?:[.,]\d+)?", flat)}


def _unused(flat: str, start: float, step: float = 2.5) -> float:
    """Return the first of ``start, start+step...`` that the tool data does not contain."""
    seen = _numbers(flat)
    value = start
    while value in seen:
        value += step
    return value


def _amount(locale: Locale, value: float) -> str:
    if locale is Locale.FR_FR:
        return f"{value:.2f}".replace(".", ",") + " €"
    return ("$" if locale is Locale.EN_US else "£") + f"{value:.2f}"


def _change_first_amount(text: str, flat: str, locale: Locale) -> str:
    m = _MONEY.search(text)
    if m is None:
        fee = _amount(locale, _unused(flat, 4.5))
        return text + "\n\n" + (f"Frais : {fee} par mois." if locale is Locale.FR_FR
                                else f"Fees: {fee} a month.")
    digits = re.search(r"\d+(?:[.,]\d+)?", m.group(0))
    assert digits is not None
    old = float(digits.group(0).replace(",", "."))
    new = _unused(flat, old + 3.0, step=1.0)
    shown = f"{new:g}" if locale is not Locale.FR_FR else f"{new:g}".replace(".", ",")
    return text[:m.start()] + m.group(0).replace(digits.group(0), shown, 1) + text[m.end():]


def _shift_last_digits(phone: str) -> str:
    """Change the last three digits of ``phone`` (each +5 mod 10), keeping its layout."""
    chars = list(phone)
    changed = 0
    for i in range(len(chars) - 1, -1, -1):
        if chars[i].isdigit():
            chars[i] = str((int(chars[i]) + 5) % 10)
            changed += 1
            if changed == 3:
                break
    return "".join(chars)


def _shift_closing(hours: str) -> str:
    """Move the closing time of the first opening period two hours later."""
    matches = list(_CLOCK.finditer(hours))
    if len(matches) < 2:
        return hours + " and Sunday 10:00-16:00"
    m = matches[1]
    hour = (int(m.group(1)) + 2) % 24
    shown = f"{hour:02d}" if m.group(1).startswith("0") else str(hour)
    return hours[:m.start(1)] + shown + hours[m.end(1):]
