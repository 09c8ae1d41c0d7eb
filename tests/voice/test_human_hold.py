"""The hold program a queued caller hears: announcements over music, never a silent chunk."""

from __future__ import annotations

import numpy as np
import pytest

from switchboard.domain.types import Locale
from switchboard.voice.hold import DUCK, MUSIC_PEAK, HoldProgram, hold_music, say
from switchboard.voice.human_line import _e164


def windows(x: np.ndarray, n: int) -> list[float]:
    return [float(np.sqrt(np.mean(x[i : i + n] ** 2))) for i in range(0, len(x) - n + 1, n)]


def music_at(start: int, n: int) -> np.ndarray:
    """``n`` samples of the 16 kHz hold music loop from ``start`` (wrapping)."""
    loop = hold_music(16000)
    return np.take(loop, np.arange(start, start + n), mode="wrap")


def test_hold_music_is_never_silent_and_never_loud() -> None:
    loop = hold_music(16000)
    assert len(loop) == 8 * 16000
    assert float(np.max(np.abs(loop))) == pytest.approx(MUSIC_PEAK, rel=1e-3)
    assert min(windows(loop, 320)) > 0.005  # every 20 ms window holds sound
    # the loop joins without a click: the last and first samples are close
    assert abs(float(loop[-1]) - float(loop[0])) < 0.02


@pytest.mark.parametrize("rate", [8000, 16000])
def test_chord_joins_and_the_loop_wrap_step_no_more_than_a_chord_does(rate: int) -> None:
    """A click is a sample step larger than the music itself makes; chords crossfade."""
    loop = hold_music(rate)
    steps = np.abs(np.diff(np.concatenate([loop, loop[:1]])))
    inside = np.abs(np.diff(loop[rate // 2 : 3 * rate // 2]))  # the middle of the first chord
    for join in range(0, len(loop), 2 * rate):  # every chord boundary, the wrap included
        around = steps[(np.arange(join - rate // 10, join + rate // 10)) % len(steps)]
        assert float(around.max()) <= float(inside.max()) * 1.01, join


def test_announcements_play_first_over_a_ducked_music_bed_then_music_resumes() -> None:
    program = HoldProgram(16000)
    speech = 0.2 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000).astype(np.float32)
    program.announce(speech)
    assert program.speaking
    first = program.next_chunk(16000)
    music = hold_music(16000)[:16000]
    assert np.allclose(first, speech + DUCK * music, atol=1e-6)
    assert not program.speaking
    after = program.next_chunk(1600)
    assert np.allclose(after, hold_music(16000)[16000:17600], atol=1e-6)
    silent = HoldProgram(16000)
    silent.announce(np.zeros(32000, np.float32))  # a pause in an announcement
    assert min(windows(np.concatenate([silent.next_chunk(1600) for _ in range(20)]), 1600)) > 0.003
    # clear() drops an announcement half played: the next one starts from its first sample
    program.announce(speech)
    partial = program.next_chunk(800)  # music now at 17600 + 800
    assert np.allclose(partial, speech[:800] + DUCK * music_at(18400 - 800, 800), atol=1e-6)
    program.clear()
    assert not program.speaking
    assert np.allclose(program.next_chunk(800), music_at(18400, 800), atol=1e-6)
    second = 0.1 * np.cos(2 * np.pi * 330 * np.arange(4000) / 16000).astype(np.float32)
    program.announce(second)
    restarted = program.next_chunk(1600)
    assert np.allclose(restarted, second[:1600] + DUCK * music_at(19200, 1600), atol=1e-6)
    with pytest.raises(ValueError):
        program.next_chunk(0)


def test_announcement_texts() -> None:
    assert say("position", Locale.EN_GB, position=3, minutes=4) == (
        "You are number 3 in the queue. The expected wait is about 4 minutes."
    )
    assert "about one minute" in say("position", Locale.EN_US, position=2, minutes=1)
    assert "less than a minute" in say("position", Locale.EN_US, position=2, minutes=0)
    assert say("position", Locale.FR_FR, position=2, minutes=5).startswith("Vous êtes numéro 2")
    assert "0 1 2 3" in say("callback_booked", Locale.EN_GB, last4="0 1 2 3")
    with pytest.raises(KeyError):
        say("no-such-announcement", Locale.EN_GB)


def test_keyed_numbers_become_e164() -> None:
    assert _e164("447700900123") == "+447700900123"
    assert _e164("00447700900123") == "+447700900123"
