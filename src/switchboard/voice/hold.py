"""What a held caller hears: queue announcements and hold music, never silence.

A caller handed over to a human waits in a routing queue (:mod:`switchboard.routing`).
While they wait the line plays a :class:`HoldProgram`: spoken announcements
(position in the queue and the estimated wait time, EWT; a callback offer
when the queue is closed or the wait is long) and, between them, hold music.
Hold music is synthesised here (soft sine chords with a slow attack/decay, at
-24 dBFS peak), so the product ships no recording of anyone's music.

Texts follow the contact centre convention of Amazon Connect's default queue
flow ("You are number N in the queue"; EWT rounded up to whole minutes) and
are written for the TTS port: plain sentences, numbers as words a TTS reads
well.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from switchboard.domain.types import Locale
from switchboard.speech.audio import MODEL_RATE, Float32

__all__ = ["HoldProgram", "hold_music", "say"]

#: Peak level of the hold music, linear (about -24 dBFS): clearly audible, never loud.
MUSIC_PEAK = 0.063

#: Chords of the hold loop (Hz): C major, A minor, F major, G major, 2 s each.
_CHORDS: tuple[tuple[float, ...], ...] = (
    (261.63, 329.63, 392.00),
    (220.00, 261.63, 329.63),
    (174.61, 220.00, 261.63),
    (196.00, 246.94, 293.66),
)
_CHORD_S = 2.0
#: Overlap of consecutive chords (s), crossfaded with equal power.
_XFADE_S = 0.05
#: Lowest level of the chord envelope, relative to its peak.
_FLOOR = 0.35
#: Level of the music bed under an announcement, relative to the music (ducking).
DUCK = 0.4

_TEXTS: dict[str, dict[str, str]] = {
    "position": {
        "en": "You are number {position} in the queue. The expected wait is about {minutes}.",
        "fr": "Vous êtes numéro {position} dans la file. L'attente prévue est d'environ {minutes}.",
    },
    "first": {
        "en": "You are next in the queue. An agent will be with you shortly.",
        "fr": "Vous êtes le prochain. Un conseiller va vous répondre.",
    },
    "still_waiting": {
        "en": "Thank you for waiting. You are still number {position} in the queue.",
        "fr": "Merci de patienter. Vous êtes toujours numéro {position} dans la file.",
    },
    "callback_offer": {
        "en": "Our agents cannot take your call right now. To be called back, enter your "
        "phone number on the keypad, then press the hash key.",
        "fr": "Nos conseillers ne peuvent pas vous répondre pour le moment. Pour être rappelé, "
        "composez votre numéro de téléphone, puis la touche dièse.",
    },
    "callback_long_wait": {
        "en": "If you prefer, enter your phone number on the keypad, then press the hash key, "
        "and we will call you back.",
        "fr": "Si vous préférez, composez votre numéro puis la touche dièse, "
        "et nous vous rappellerons.",
    },
    "callback_booked": {
        "en": "Thank you. We will call you back at the number ending {last4}. Goodbye.",
        "fr": "Merci. Nous vous rappellerons au numéro se terminant par {last4}. Au revoir.",
    },
    "callback_failed": {
        "en": "Sorry, that number did not work. Please enter it again, then press the hash key.",
        "fr": "Désolé, ce numéro n'est pas valide. Composez-le à nouveau, puis la touche dièse.",
    },
    "on_hold": {
        "en": "Your agent has put you on hold. Please stay on the line.",
        "fr": "Votre conseiller vous a mis en attente. Merci de rester en ligne.",
    },
    "agent_left": {
        "en": "Thank you for calling. Goodbye.",
        "fr": "Merci de votre appel. Au revoir.",
    },
}

_MINUTES = {
    "en": ("less than a minute", "one minute", "{n} minutes"),
    "fr": ("moins d'une minute", "une minute", "{n} minutes"),
}


def _lang(locale: Locale) -> str:
    return "fr" if locale.value.startswith("fr") else "en"


def say(key: str, locale: Locale, **values: object) -> str:
    """The announcement ``key`` in ``locale`` with ``values`` filled in.

    ``minutes`` may be given as an int (EWT in whole minutes) and is written out.

    Raises:
        KeyError: unknown announcement key.
    """
    lang = _lang(locale)
    if isinstance(values.get("minutes"), int):
        n = int(str(values["minutes"]))
        none, one, many = _MINUTES[lang]
        values["minutes"] = none if n <= 0 else one if n == 1 else many.format(n=n)
    return _TEXTS[key][lang].format(**values)


def hold_music(rate: int = MODEL_RATE) -> Float32:
    """One loop of the hold music: four 2 s chords, mono float32 at ``rate`` Hz (8 s).

    Each chord swells in over 0.25 s and falls back over 0.5 s to a third of its
    level (never to zero: the caller never hears a gap). Consecutive chords, and
    the last chord with the first (the loop wraps), overlap by ``_XFADE_S`` with
    an equal-power crossfade, so no chord boundary is a jump in the waveform
    (a click): the largest sample step at a join is no larger than inside a chord.
    """
    n = int(_CHORD_S * rate)
    x = int(_XFADE_S * rate)
    t = np.arange(n + x, dtype=np.float64) / rate
    attack, release = int(0.25 * rate), int(0.5 * rate)
    env = np.ones(n + x)
    env[:attack] = np.linspace(_FLOOR, 1.0, attack)
    env[n - release : n] = np.linspace(1.0, _FLOOR, release)
    env[n:] = _FLOOR
    ramp = np.sin(0.5 * np.pi * np.arange(x) / x)  # 0 → 1, equal power with its mirror
    fade = np.ones(n + x)
    fade[:x] = ramp
    fade[n:] = ramp[::-1] if x else fade[n:]
    loop = np.zeros(len(_CHORDS) * n + x)
    for i, chord in enumerate(_CHORDS):
        tone = sum(np.sin(2 * np.pi * f * t) + 0.2 * np.sin(4 * np.pi * f * t) for f in chord)
        loop[i * n : i * n + n + x] += tone * env * fade
    loop[:x] += loop[len(_CHORDS) * n :]  # the last chord's tail fades out under the first
    loop = loop[: len(_CHORDS) * n]
    peak = float(np.max(np.abs(loop))) or 1.0
    return (loop * (MUSIC_PEAK / peak)).astype(np.float32)


class HoldProgram:
    """The held caller's audio, chunk by chunk: queued announcements first, then music.

    Args:
        rate: output rate, Hz.

    Announcements are added with :meth:`announce` (already synthesised, at
    ``rate``); the music resumes where it stopped once they have played.
    """

    def __init__(self, rate: int = MODEL_RATE) -> None:
        self.rate = rate
        self._music = hold_music(rate)
        self._music_at = 0
        self._speech: deque[Float32] = deque()
        self._speech_at = 0

    def announce(self, samples: Float32) -> None:
        """Queue an announcement (mono float32 at ``rate``) to play before the music."""
        if len(samples):
            self._speech.append(samples.astype(np.float32, copy=False))

    def clear(self) -> None:
        """Drop queued announcements (e.g. the position changed before they played)."""
        self._speech.clear()
        self._speech_at = 0

    @property
    def speaking(self) -> bool:
        """True while an announcement is queued or playing."""
        return bool(self._speech)

    def next_chunk(self, samples: int) -> Float32:
        """The next ``samples`` samples: announcements over a ducked music bed, else music.

        The music never stops (under speech it plays at ``DUCK`` of its level), so
        no chunk is silent, not even the pauses between an announcement's words.

        Raises:
            ValueError: ``samples`` is not positive.
        """
        if samples <= 0:
            raise ValueError("samples must be positive")
        music = self._music_chunk(samples)
        voice = np.zeros(samples, dtype=np.float32)
        filled = 0
        while filled < samples and self._speech:
            head = self._speech[0]
            take = min(samples - filled, len(head) - self._speech_at)
            voice[filled : filled + take] = head[self._speech_at : self._speech_at + take]
            filled += take
            self._speech_at += take
            if self._speech_at >= len(head):
                self._speech.popleft()
                self._speech_at = 0
        music[:filled] *= DUCK
        out: Float32 = voice + music
        np.clip(out, -1.0, 1.0, out=out)
        return out

    def _music_chunk(self, samples: int) -> Float32:
        out = np.empty(samples, dtype=np.float32)
        filled = 0
        while filled < samples:
            take = min(samples - filled, len(self._music) - self._music_at)
            out[filled : filled + take] = self._music[self._music_at : self._music_at + take]
            filled += take
            self._music_at = (self._music_at + take) % len(self._music)
        return out
