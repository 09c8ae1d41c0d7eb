"""Audio formats of a call: sample encoding and rate of one direction (always mono).

Pure data, at the bottom of the layers: ``speech/`` (codecs, resampling) and
``voice/`` (sessions, transports) both use them. Sources: seed 4 (browser
audio, PCM16 16 kHz), seed 5 and Twilio Media Streams (G.711 μ-law 8 kHz).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from switchboard.errors import InputError


class AudioFormat(StrEnum):
    """Sample encodings a call can use."""

    PCM16 = "pcm16"
    """Signed 16-bit little-endian linear PCM, mono (seed 4 browser audio)."""
    MULAW = "mulaw"
    """G.711 μ-law, 8 bits per sample, mono (Twilio Media Streams, seed 5 phone path)."""


#: Sample rates a call may declare, Hz (telephony, wideband, browser capture rates).
SUPPORTED_RATES: tuple[int, ...] = (8000, 16000, 22050, 24000, 32000, 44100, 48000)


@dataclass(frozen=True)
class AudioSpec:
    """Encoding and sample rate of one direction of a call (always mono).

    Attributes:
        format: the sample encoding.
        sample_rate: samples per second, Hz; one of :data:`SUPPORTED_RATES`.

    Raises:
        InputError: an unsupported sample rate, or μ-law at a rate other than 8000 Hz.
    """

    format: AudioFormat
    sample_rate: int

    def __post_init__(self) -> None:
        if self.sample_rate not in SUPPORTED_RATES:
            raise InputError(
                f"unsupported sample rate {self.sample_rate} Hz; use one of {SUPPORTED_RATES}"
            )
        if self.format is AudioFormat.MULAW and self.sample_rate != 8000:
            raise InputError("μ-law audio must be 8000 Hz (G.711)")

    @property
    def bytes_per_sample(self) -> int:
        """Bytes per sample: 2 for PCM16, 1 for μ-law."""
        return 2 if self.format is AudioFormat.PCM16 else 1

    def duration_ms(self, n_bytes: int) -> float:
        """Duration of ``n_bytes`` of audio in this spec, milliseconds."""
        return 1000.0 * (n_bytes // self.bytes_per_sample) / self.sample_rate


#: Browser audio (seed 4): PCM16 at 16 kHz.
PCM16_16K = AudioSpec(AudioFormat.PCM16, 16000)
#: Phone audio (seed 5, Twilio): μ-law at 8 kHz.
MULAW_8K = AudioSpec(AudioFormat.MULAW, 8000)
#: Seed 5 gateway audio: PCM16 at 8 kHz.
PCM16_8K = AudioSpec(AudioFormat.PCM16, 8000)
