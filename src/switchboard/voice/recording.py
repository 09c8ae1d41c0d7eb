"""Call recording (issue 12 item 6; seeds 1, 2 and 5): every leg of a call, sealed at rest.

Opt-in per deployment (``SWITCHBOARD_VOICE__RECORD_CALLS=true``); the caller
is told at the start (the ``recording_notice`` prompt before the greeting).
A :class:`CallRecorder` keeps one 16 kHz mono PCM16 track per **leg** —
``caller`` (what the caller's line carried), ``bot`` (what the AI agent said)
and ``agent`` (a human agent's microphone, written by the desk bridge) —
placed on the call's input-audio clock so the legs line up when played side
by side. When the call ends, :meth:`CallRecorder.close` writes each leg as a
WAV file sealed with the deployment's envelope encryption
(:mod:`switchboard.crypto`: one AES-256-GCM data key per file, bound to its
contact and leg by the associated data ``recording|<contact>|<leg>``) through
a :class:`RecordingStore`, and returns what it stored so the session links
each leg from the contact with a ``recording`` event.

Files are ``<recordings_dir>/<contact_id>.<leg>.wav.sbe`` (``retention.recordings_dir``,
default ``var/recordings/``): the privacy service's retention purge deletes
them by age (``retention.recordings_days``, seed 2's 2555 days) and an erasure
by their contact-id prefix, with no recording-specific code. Nothing is
written in clear: without an envelope (``crypto.enabled=false``) a call is
not recorded at all, and the session says so in its log.

The API a bridge uses (any thread-safe-enough single event loop caller)::

    recorder.write("agent", pcm16_bytes, 48000)          # append, resampled to 16 kHz
    recorder.write("bot", float32_samples, 22050, at_ms=1234.0)  # place at a call time
    recorder.cut("bot", at_ms=2000.0)                     # a barge-in: drop what was not heard
"""

from __future__ import annotations

import io
import logging
import re
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from switchboard.errors import InputError
from switchboard.speech.audio import Float32, float_to_pcm16, pcm16_to_float, resample

if TYPE_CHECKING:
    from switchboard.crypto import Envelope

__all__ = ["LEGS", "RATE", "CallRecorder", "RecordingStore", "StoredLeg"]

log = logging.getLogger("switchboard.voice")

#: The legs a call can have.
LEGS = ("caller", "bot", "agent")
#: Sample rate of every stored leg, Hz (PCM16 mono).
RATE = 16000
_BYTES_PER_MS = RATE * 2 // 1000
_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


@dataclass(frozen=True)
class StoredLeg:
    """One stored leg of a recording.

    Attributes:
        leg: ``caller``, ``bot`` or ``agent``.
        key: the stored object's name (``<contact_id>.<leg>.wav.sbe``).
        duration_ms: length of the leg's audio, ms.
        bytes: size of the sealed object, bytes.
    """

    leg: str
    key: str
    duration_ms: float
    bytes: int


def _check(contact_id: str, leg: str) -> None:
    if not _SAFE.match(contact_id):
        raise InputError(f"not a recordable contact id: {contact_id!r}")
    if leg not in LEGS:
        raise InputError(f"unknown recording leg {leg!r}; one of {list(LEGS)}")


class RecordingStore:
    """Sealed WAV files of call legs in one directory.

    Args:
        directory: where recordings are kept (``retention.recordings_dir``).
        envelope: the deployment's envelope (seals every file; required).
    """

    def __init__(self, directory: Path, envelope: Envelope) -> None:
        self.directory = directory
        self.envelope = envelope

    @staticmethod
    def key(contact_id: str, leg: str) -> str:
        """The object name of one leg (``<contact_id>.<leg>.wav.sbe``).

        Raises:
            InputError: a contact id with characters a file name cannot hold, or an unknown leg.
        """
        _check(contact_id, leg)
        return f"{contact_id}.{leg}.wav.sbe"

    @staticmethod
    def _aad(contact_id: str, leg: str) -> bytes:
        return f"recording|{contact_id}|{leg}".encode()

    def save(self, contact_id: str, leg: str, wav: bytes) -> StoredLeg:
        """Seal ``wav`` and write it (atomically: a temporary file renamed).

        Raises:
            InputError: bad contact id or leg.
            OSError: the directory cannot be written.
        """
        name = self.key(contact_id, leg)
        sealed = self.envelope.seal(wav, self._aad(contact_id, leg))
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(sealed)
        tmp.replace(self.directory / name)
        frames = (len(wav) - 44) // 2
        return StoredLeg(leg, name, 1000.0 * frames / RATE, len(sealed))

    def legs(self, contact_id: str) -> list[str]:
        """The legs stored for ``contact_id`` (in :data:`LEGS` order).

        Raises:
            InputError: bad contact id.
        """
        _check(contact_id, "caller")
        return [leg for leg in LEGS if (self.directory / self.key(contact_id, leg)).is_file()]

    def load(self, contact_id: str, leg: str) -> bytes:
        """The WAV bytes of one leg, opened.

        Raises:
            InputError: bad contact id or leg.
            FileNotFoundError: no such recording (never stored, or deleted by retention).
            switchboard.crypto.DecryptError: the file was altered or belongs to another leg.
        """
        sealed = (self.directory / self.key(contact_id, leg)).read_bytes()
        return self.envelope.open(sealed, self._aad(contact_id, leg))


class CallRecorder:
    """The legs of one call, in memory until :meth:`close` (16 kHz PCM16, ≈ 32 kB a second a leg).

    Args:
        store: where the legs go when the call ends.
        contact_id: the call's contact.
    """

    def __init__(self, store: RecordingStore, contact_id: str) -> None:
        _check(contact_id, "caller")
        self.store = store
        self.contact_id = contact_id
        self._legs: dict[str, bytearray] = {}
        self.closed = False

    def duration_ms(self, leg: str) -> float:
        """Length of ``leg`` so far, ms (0 when nothing was written)."""
        return len(self._legs.get(leg, b"")) / _BYTES_PER_MS

    def write(
        self, leg: str, pcm: bytes | Float32, rate: int, *, at_ms: float | None = None
    ) -> None:
        """Add audio to ``leg``.

        Args:
            leg: ``caller``, ``bot`` or ``agent``.
            pcm: PCM16 LE mono bytes, or float32 samples in [-1, 1].
            rate: their sample rate, Hz (resampled to :data:`RATE`).
            at_ms: call time (ms of caller input audio) where the audio starts;
                None appends. Audio that would start before the leg's end is
                appended after it (a leg never overlaps itself); a gap is
                filled with silence.

        Raises:
            InputError: unknown leg, odd PCM16 byte count, or a rate ≤ 0.
        """
        _check(self.contact_id, leg)
        if self.closed:
            return
        if rate <= 0:
            raise InputError(f"sample rate must be positive, got {rate}")
        samples = pcm16_to_float(pcm) if isinstance(pcm, bytes | bytearray) else pcm
        if rate != RATE:
            samples = resample(np.asarray(samples, dtype=np.float32), rate, RATE)
        track = self._legs.setdefault(leg, bytearray())
        if at_ms is not None:
            gap = int(at_ms * _BYTES_PER_MS) // 2 * 2 - len(track)
            if gap > 0:
                track.extend(bytes(gap))
        track.extend(float_to_pcm16(np.asarray(samples, dtype=np.float32)))

    def cut(self, leg: str, at_ms: float) -> None:
        """Drop ``leg``'s audio after ``at_ms`` (a reply cut by a barge-in was not heard)."""
        track = self._legs.get(leg)
        if track is not None:
            del track[max(0, int(at_ms * _BYTES_PER_MS) // 2 * 2):]

    def close(self) -> list[StoredLeg]:
        """Seal and store every leg that holds audio; return what was stored (once).

        Raises:
            OSError: the recordings directory cannot be written (the legs are kept
                in memory; the session logs the failure).
        """
        if self.closed:
            return []
        stored = [
            self.store.save(self.contact_id, leg, _wav(bytes(track)))
            for leg, track in self._legs.items()
            if track
        ]
        self.closed = True
        self._legs.clear()
        return stored


def _wav(pcm: bytes) -> bytes:
    """A 16 kHz mono 16-bit WAV file of ``pcm``."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm)
    return buf.getvalue()
