"""Field-level replies: the fact that was asked, first, from the tool output only.

Each function renders one tool output for the asked fields (``fields`` from the
:class:`~switchboard.ports.RouteDecision`), as an :class:`Answer` with a chat
form (short, the answer first, a closing question that matches what was asked)
and a spoken form (at most two sentences; a long list is summarised by its
first items and an offer to text the full list).

Every fact is copied from the tool output (seed 2 §"FastMCP 2.0 Tools"
shapes); the glue words are ours. A day's opening hours are read from the
branch's ``hours`` line with the locale's day names
(:meth:`switchboard.tools.locale.LocaleRules.day_name`), so "Is Manchester open
on Sunday?" is answered "closed on Sunday" when no period covers Sunday.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from switchboard.domain.types import Locale
from switchboard.tools.locale import DAY_KEYS, rules_for

_DAY_WORDS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}

_EN = {
    "default_card": "I've answered for our {name}; we also offer {others}.",
    "default_account": (
        "That's for a {account} opened {channel_words}; tell me if you meant another "
        "account or {other_channel}."
    ),
    "online": "online",
    "branch_channel": "at a branch",
    "close_card": "Would you like to know anything else about this card?",
    "close_account": "Would you like the next steps to apply?",
    "close_branch": "Can I help with anything else about this branch?",
    "closed_day": "{name} is closed on {day}.",
    "open_day": "On {day}, {name} is open {hours}.",
    "open_instead": "The nearest branch open on {day} is {name}{distance}: {hours}.",
    "hours": "{name} is open {hours}.",
    "phone": "You can call {name} on {phone}.",
    "address": "{name} is at {address}.",
    "services": "{name} offers: {services}.",
    "nearest": "The nearest branch to {location} is {name}{distance}, at {address}.",
    "nearest_here": "Our {name} branch is at {address}.",
    "nearest_more": "It's open {hours}; phone {phone}.",
    "distance": " ({distance} away)",
    "docs": "To open a {account} {channel_words}, you'll need:",
    "steps": "To open a {account} {channel_words}:",
    "timing": "{value}",
    "requirements": "{value}",
    "card_fees": "{name}: {value}",
    "card_eligibility": "{name}: {value}",
    "card_delivery": "{name}: delivery takes {value}.",
    "card_activation": "{value}",
    "card_ordering": "To get the {name}:",
    "card_feature": "The {name} offers: {value}.",
    "card_features": "Our {name} offers:",
    "card_also": "It also comes with:",
    "spoken_list": "you'll need {items}",
    "spoken_more": "Shall I text you the full list?",
    "spoken_hours": "Shall I text you its opening hours and phone number?",
    "and": "and",
}
_FR = {
    "default_card": "J'ai répondu pour notre {name} ; nous proposons aussi {others}.",
    "default_account": (
        "C'est pour un {account} ouvert {channel_words} ; dites-moi s'il s'agit d'un autre "
        "compte ou {other_channel}."
    ),
    "online": "en ligne",
    "branch_channel": "en agence",
    "close_card": "Souhaitez-vous savoir autre chose sur cette carte ?",
    "close_account": "Souhaitez-vous connaître les prochaines étapes ?",
    "close_branch": "Puis-je vous aider pour autre chose concernant cette agence ?",
    "closed_day": "{name} est fermée le {day}.",
    "open_day": "Le {day}, {name} est ouverte {hours}.",
    "open_instead": "L'agence la plus proche ouverte le {day} est {name}{distance} : {hours}.",
    "hours": "{name} est ouverte : {hours}.",
    "phone": "Vous pouvez appeler {name} au {phone}.",
    "address": "{name} se trouve {address}.",
    "services": "{name} propose : {services}.",
    "nearest": "L'agence la plus proche de {location} est {name}{distance}, {address}.",
    "nearest_here": "Notre agence {name} se trouve {address}.",
    "nearest_more": "Horaires : {hours} ; téléphone : {phone}.",
    "distance": " (à {distance})",
    "docs": "Pour ouvrir un {account} {channel_words}, il vous faudra :",
    "steps": "Pour ouvrir un {account} {channel_words} :",
    "timing": "{value}",
    "requirements": "{value}",
    "card_fees": "{name} : {value}",
    "card_eligibility": "{name} : {value}",
    "card_delivery": "{name} : livraison {value}.",
    "card_activation": "{value}",
    "card_ordering": "Pour obtenir la {name} :",
    "card_feature": "La {name} offre : {value}.",
    "card_features": "Notre {name} offre :",
    "card_also": "Elle comprend aussi :",
    "spoken_list": "il vous faudra {items}",
    "spoken_more": "Voulez-vous que je vous envoie la liste complète par SMS ?",
    "spoken_hours": "Voulez-vous recevoir ses horaires et son numéro par SMS ?",
    "and": "et",
}


#: How a reply names the other cards of the catalog (card type → words), per language.
_OTHER_CARDS = {
    "fr": {
        "standard": "la Visa Classic",
        "premium": "la Visa Premier",
        "contactless": "le bracelet et le porte-clés sans contact",
        "virtual": "la carte virtuelle",
    },
}


@dataclass
class Answer:
    """One part of a reply: the chat text, its spoken form, and the closing question."""

    text: str
    spoken: str
    closing: str = ""


def _table(locale: Locale) -> dict[str, str]:
    return _FR if locale is Locale.FR_FR else _EN


def _lang(locale: Locale) -> str:
    return "fr" if locale is Locale.FR_FR else "en"


def bullets(items: Sequence[str]) -> str:
    """Render strings as "- item" lines."""
    return "\n".join(f"- {item}" for item in items)


def _short_item(item: str) -> str:
    """The head of a list item, for speech ("Valid photo ID: passport…" → "valid photo ID")."""
    head = re.split(r"[:(]", item, maxsplit=1)[0].strip().rstrip(".")
    return head[:1].lower() + head[1:] if head[:2] != head[:2].upper() else head


def spoken_list(items: Sequence[str], locale: Locale) -> str:
    """At most three heads of a list joined for speech, then the offer to text the rest."""
    t = _table(locale)
    heads = [_short_item(i) for i in items[:3]]
    joined = heads[0] if len(heads) == 1 else f"{', '.join(heads[:-1])} {t['and']} {heads[-1]}"
    text = t["spoken_list"].format(items=joined)
    text = text[:1].upper() + text[1:] + "."
    if len(items) > 3 or any(len(i) > 60 for i in items):
        text += " " + t["spoken_more"]
    return text


def _first_sentences(text: str, n: int = 2) -> str:
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return " ".join(parts[:n])


# -- cards ----------------------------------------------------------------------------


def card_answer(
    output: dict[str, Any],
    fields: Sequence[str],
    entities: dict[str, str],
    locale: Locale,
    *,
    defaulted_others: Sequence[str] = (),
) -> Answer:
    """Answer the asked ``fields`` of one ``get_debit_card_info`` output.

    Args:
        output: the tool output (seed 2 Tool 3 shape).
        fields: asked fields (``fees``, ``eligibility``, ``delivery_time``,
            ``activation``, ``ordering_process``, ``replacement_info``,
            ``feature``, ``features``); empty → features and fees.
        entities: ``feature`` = index of the asked line in ``card_details.features``.
        locale: the reply's language.
        defaulted_others: names of the other cards when the customer named none
            (the reply says which card it answered for).
    """
    t = _table(locale)
    details = output.get("card_details") or {}
    name = str(details.get("name") or output.get("card_type", ""))
    features = [str(f) for f in details.get("features") or []]
    lines: list[str] = []
    spoken: list[str] = []
    for field in list(fields) or ["features", "fees"]:
        if field == "fees" and details.get("fees"):
            lines.append(t["card_fees"].format(name=name, value=details["fees"]))
            spoken.append(lines[-1])
        elif field == "eligibility" and details.get("eligibility"):
            lines.append(t["card_eligibility"].format(name=name, value=details["eligibility"]))
            spoken.append(lines[-1])
        elif field == "delivery_time" and details.get("delivery_time"):
            lines.append(t["card_delivery"].format(name=name, value=details["delivery_time"]))
            spoken.append(lines[-1])
        elif field in ("activation", "replacement_info") and output.get(field):
            lines.append(t["card_activation"].format(value=output[field]))
            spoken.append(_first_sentences(str(output[field]), 1))
        elif field == "ordering_process" and output.get("ordering_process"):
            steps = [str(s) for s in output["ordering_process"]]
            lines.append(t["card_ordering"].format(name=name) + "\n" + bullets(steps))
            spoken.append(f"{t['card_ordering'].format(name=name)} {steps[0]}")
        elif field == "feature" and features:
            # One feature line, or several ("0,3") from parts of one message merged.
            chosen = [
                features[int(i)]
                for i in str(entities.get("feature") or "").split(",")
                if i.isdigit() and int(i) < len(features)
            ]
            if chosen:
                for one in chosen:
                    lines.append(t["card_feature"].format(name=name, value=one.rstrip(".")))
                    spoken.append(lines[-1])
                rest = [f for f in features if f not in chosen]
                if len(chosen) == 1 and rest:
                    # The pick among a card's feature lines is a reading of the question;
                    # the chat reply lists the card's other lines after it (speech keeps
                    # the one picked).
                    lines.append(t["card_also"] + "\n" + bullets(rest))
            else:
                lines.append(t["card_features"].format(name=name) + "\n" + bullets(features))
                spoken.append(t["card_feature"].format(name=name, value=features[0].rstrip(".")))
        elif field in ("features", "overview") and features:
            lines.append(t["card_features"].format(name=name) + "\n" + bullets(features))
            spoken.append(t["card_feature"].format(name=name, value=features[0].rstrip(".")))
    if not lines:
        lines.append(t["card_features"].format(name=name) + "\n" + bullets(features))
        spoken.append(t["card_feature"].format(name=name, value=features[0].rstrip(".")))
    # One fact per field, no repeats ("fees" asked twice in a multi-question message).
    lines = list(dict.fromkeys(lines))
    if defaulted_others:
        others = [_OTHER_CARDS.get(_lang(locale), {}).get(c, c) for c in defaulted_others]
        note = t["default_card"].format(name=name, others=", ".join(others))
        lines.append(note)
    return Answer("\n\n".join(lines), " ".join(list(dict.fromkeys(spoken))[:2]), t["close_card"])


# -- accounts -------------------------------------------------------------------------

_CLAUSE = re.compile(r"(?<=[.;])\s+")
_FIELD_WORDS = {
    "min_deposit": re.compile(
        r"deposit|save from|from [£$€]|dépôt|à partir de|versement|dès \d|balance", re.I
    ),
    "monthly_fee": re.compile(r"fee|free|a month|per month|frais|gratuit|par mois", re.I),
    "overdraft": re.compile(r"overdraft|découvert", re.I),
}


def _clauses(output: dict[str, Any], field: str) -> list[str]:
    """Sentences of the benefits and document lines that state ``field`` (deposit, fee...)."""
    pattern = _FIELD_WORDS[field]
    found = [c for c in _CLAUSE.split(str(output.get("benefits") or "")) if pattern.search(c)]
    found += [str(d) for d in output.get("documents_required") or [] if pattern.search(str(d))]
    return found


def account_answer(
    output: dict[str, Any],
    fields: Sequence[str],
    locale: Locale,
    *,
    account_name: str,
    defaulted: bool,
) -> Answer:
    """Answer the asked ``fields`` of one account-opening tool output.

    Args:
        output: ``get_branch_account_opening_info`` / ``get_digital_…`` output.
        fields: ``documents_required``, ``process_steps``, ``processing_time``,
            ``requirements``, ``benefits``, ``min_deposit``, ``monthly_fee``,
            ``overdraft``; empty → documents, steps, timing (the full answer).
        locale: the reply's language.
        account_name: the locale's name of the account type ("current account").
        defaulted: the customer named no account type or channel; the reply says
            which it answered for.
    """
    t = _table(locale)
    digital = output.get("channel") == "digital"
    channel_words = t["online"] if digital else t["branch_channel"]
    fmt = {"account": account_name, "channel_words": channel_words}
    lines: list[str] = []
    spoken: list[str] = []
    docs = [str(d) for d in output.get("documents_required") or []]
    for field in list(fields) or ["documents_required", "process_steps", "processing_time"]:
        if field == "documents_required" and docs:
            lines.append(t["docs"].format(**fmt) + "\n" + bullets(docs))
            spoken.append(spoken_list(docs, locale))
        elif field == "process_steps" and output.get("process_steps"):
            steps = [str(s) for s in output["process_steps"]]
            lines.append(t["steps"].format(**fmt) + "\n" + bullets(steps))
            spoken.append(f"{t['steps'].format(**fmt).rstrip(':')} {steps[0]}")
        elif field == "processing_time" and output.get("processing_time"):
            lines.append(str(output["processing_time"]))
            spoken.append(_first_sentences(lines[-1], 1))
        elif field == "requirements" and output.get("requirements"):
            lines.append(str(output["requirements"]))
            spoken.append(_first_sentences(lines[-1], 1))
        elif field in _FIELD_WORDS and _clauses(output, field):
            lines.append(" ".join(_clauses(output, field)))
            spoken.append(_first_sentences(lines[-1], 1))
        elif field in ("benefits", "requirements", *_FIELD_WORDS) and output.get("benefits"):
            lines.append(str(output["benefits"]))
            spoken.append(_first_sentences(lines[-1], 1))
    if not lines:
        lines.append(t["docs"].format(**fmt) + "\n" + bullets(docs))
        spoken.append(spoken_list(docs, locale))
    lines = list(dict.fromkeys(lines))
    if defaulted:
        other = t["branch_channel"] if digital else t["online"]
        lines.append(t["default_account"].format(other_channel=other, **fmt))
    return Answer("\n\n".join(lines), " ".join(spoken[:2]), t["close_account"])


# -- branches -------------------------------------------------------------------------


def day_hours(hours: str, day: str, locale: Locale) -> str | None:
    """The opening hours on ``day`` (``mon``…``sun``), or None when closed that day.

    Read from a branch ``hours`` line ("Mon–Wed 09:00–17:00, Thu 09:00–19:00").

    Raises:
        ValueError: ``day`` is not a day key.
    """
    target = DAY_KEYS.index(day)
    rules = rules_for(locale)
    names = {rules.day_name(k).lower(): i for i, k in enumerate(DAY_KEYS)}
    for period in hours.split(", "):
        days, _, times = period.partition(" ")
        first, _, last = days.partition("–")
        start = names.get(first.lower())
        end = names.get(last.lower()) if last else start
        if start is None or end is None:
            continue
        if start <= target <= end:
            return times.strip()
    return None


def _open_instead(
    others: Sequence[dict[str, Any]], day: str, day_name: str, t: dict[str, str], locale: Locale
) -> list[str]:
    """The next-nearest branch of the tool output open on ``day``, as one line (or none).

    "Which branch is open on Saturday?" answered with a nearest branch that is closed
    that day must not stop there: the tool returned the next ones too
    (``branches.max_results``), so the first of them open that day is named with its
    distance and that day's hours.
    """
    for other in others:
        hours = day_hours(str(other.get("hours", "")), day, locale)
        if hours is not None:
            distance = str(other.get("distance", ""))
            return [
                t["open_instead"].format(
                    day=day_name,
                    name=str(other.get("name", "")),
                    distance=t["distance"].format(distance=distance) if distance else "",
                    hours=hours,
                )
            ]
    return []


def branch_answer(
    output: dict[str, Any], fields: Sequence[str], entities: dict[str, str], locale: Locale
) -> Answer:
    """Answer the asked ``fields`` about the nearest branch of a ``find_nearest_branch`` output.

    ``fields``: ``nearest`` (default), ``hours``, ``hours_day`` (with
    ``entities["day"]``: a day key, or ``weekend`` for Saturday and Sunday),
    ``phone``, ``address``, ``services``. A distance of 0.0 is not said ("0.0 miles
    away"): the branch is in the searched place.
    """
    t = _table(locale)
    branches = output.get("branches") or []
    first = branches[0]
    name = str(first.get("name", ""))
    hours = str(first.get("hours", ""))
    distance = str(first.get("distance", ""))
    near = re.match(r"0[.,]0\b", distance) is not None
    lines: list[str] = []
    day = entities.get("day")
    # "at the weekend" asks both days ("closed on Sunday" said too).
    days = ("sat", "sun") if day == "weekend" else (day,) if day in DAY_KEYS else ()
    for field in list(fields) or ["nearest"]:
        if field in ("hours_day", "hours") and days:
            for one in days:
                assert one is not None
                day_name = _DAY_WORDS[_lang(locale)][DAY_KEYS.index(one)]
                on_day = day_hours(hours, one, locale)
                if on_day is None:
                    lines.append(t["closed_day"].format(name=name, day=day_name))
                    lines.extend(_open_instead(branches[1:], one, day_name, t, locale))
                else:
                    lines.append(t["open_day"].format(name=name, day=day_name, hours=on_day))
        elif field in ("hours", "hours_day"):
            lines.append(t["hours"].format(name=name, hours=hours))
        elif field == "phone":
            lines.append(t["phone"].format(name=name, phone=first.get("phone", "")))
        elif field == "address":
            lines.append(t["address"].format(name=name, address=first.get("address", "")))
        elif field == "services":
            services = ", ".join(str(s).replace("_", " ") for s in first.get("services") or [])
            lines.append(t["services"].format(name=name, services=services))
        else:
            if near:
                lines.append(t["nearest_here"].format(name=name, address=first.get("address")))
            else:
                lines.append(
                    t["nearest"].format(
                        location=output.get("search_location", ""),
                        name=name,
                        distance=t["distance"].format(distance=distance),
                        address=first.get("address", ""),
                    )
                )
            lines.append(t["nearest_more"].format(hours=hours, phone=first.get("phone", "")))
    lines = list(dict.fromkeys(lines))
    spoken = " ".join(lines[:2])
    if list(fields) in ([], ["nearest"]):
        # Speech: where it is, then offer the rest by text (hours and phone are long to say).
        spoken = f"{lines[0]} {t['spoken_hours']}"
    return Answer(" ".join(lines), spoken, t["close_branch"])
