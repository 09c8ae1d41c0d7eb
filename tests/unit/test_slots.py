import pytest

from switchboard.domain.types import Locale
from switchboard.nlu.slots import extract_slots


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("Checking account", "account_type", "checking"),
        ("I'd like a current account please", "account_type", "checking"),
        ("a savings account for my daughter", "account_type", "savings"),
        ("I run a small company", "account_type", "business"),
        ("I'm starting university in September", "account_type", "student"),
        ("Online would be easier", "channel", "digital"),
        ("I'll pop into a branch", "channel", "branch"),
        ("can I do it on the app", "channel", "digital"),
        ("tell me about the premium card", "card_type", "premium"),
        ("do you have a virtual card", "card_type", "virtual"),
        ("Where is the nearest branch in Manchester?", "location", "Manchester"),
        ("branch near M1 1AE", "location", "M1 1AE"),
        ("anything around SW1A", "location", "SW1A"),
    ],
)
def test_slots_en_gb(text: str, field: str, value: str) -> None:
    assert getattr(extract_slots(text, Locale.EN_GB), field) == value


def test_bare_city_only_counts_when_answering_a_location_question() -> None:
    assert extract_slots("leeds", Locale.EN_GB, expecting="location").location == "Leeds"
    # "reading" is a town, but here it is a verb and nobody asked for a place
    assert extract_slots("I was reading about cards", Locale.EN_GB).location is None


def test_no_slot_guessed_from_vague_text() -> None:
    slots = extract_slots("Hi, I want to open an account", Locale.EN_GB)
    assert slots.account_type is None and slots.channel is None and slots.location is None


def test_locale_postcodes() -> None:
    assert extract_slots("branch in 10001 please", Locale.EN_US).location == "10001"
    assert extract_slots("une agence à Lyon", Locale.FR_FR).location == "Lyon"
    assert extract_slots("près du 75008", Locale.FR_FR).location == "75008"
    fr = extract_slots("Je veux ouvrir un compte épargne en ligne", Locale.FR_FR)
    assert (fr.account_type, fr.channel) == ("savings", "digital")


def test_card_aspects() -> None:
    slots = extract_slots("How do I activate my new card and what does it cost?", Locale.EN_GB)
    assert "activation" in slots.card_aspects and "fees" in slots.card_aspects


def test_empty_text() -> None:
    assert extract_slots("   ", Locale.EN_GB).as_dict() == {}


def test_contactless_device_words() -> None:
    # The catalog's contactless card is a "wristband, key fob or phone sticker".
    for text in ("is the sticker free", "do you do a key ring", "is there a wearable"):
        assert extract_slots(text, Locale.EN_GB).card_type == "contactless", text
    assert extract_slots("prix du porte-clef", Locale.FR_FR).card_type == "contactless"
