"""Voice-call settings (``SWITCHBOARD_VOICE__*``): endpointing, watchdog, barge-in, prompts.

Part of the config layer (imported by ``config.py``; ``switchboard.voice.settings``
re-exports it for the voice package).
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class VoiceSettings(BaseModel):
    """Turn-taking knobs of a :class:`~switchboard.voice.session.CallSession`.

    Times are milliseconds of input audio unless they say wall clock.
    """

    vad_threshold: float = Field(0.5, gt=0, lt=1, description="Silero speech probability to start")
    vad_neg_threshold: float = Field(
        0.35, gt=0, lt=1, description="probability below which a frame counts as silence"
    )
    min_speech_ms: int = Field(96, ge=32, description="voiced audio that opens an utterance")
    barge_in_ms: int = Field(
        64, ge=32, description="voiced audio that stops a reply being played (barge-in)"
    )
    silence_ms: int = Field(
        500, ge=100, le=5000,
        description="silence that closes the caller's turn (endpointing); 500 ms chosen with "
        "bench/endpoint_silence.py: the longest pause inside 18 read and synthesised "
        "utterances was 384 ms; +100 ms margin for spontaneous hesitation"
    )
    early_silence_ms: int = Field(
        300, ge=0, le=5000,
        description="silence that closes the turn early when the speculative transcript is a "
        "complete sentence (voice.turns.looks_complete); 0 disables. bench/endpoint_silence.py: "
        "12 of 19 utterance ends qualify (200 ms sooner); 1-2 of 5-7 inner pauses >= 300 ms "
        "were closed early, all at a sentence end inside a two-sentence turn",
    )
    speculate_ms: int = Field(
        160, ge=32, description="pause after which a speculative transcription starts"
    )
    watchdog_s: float = Field(
        2.0, gt=0, description="seed 4 server watchdog: wall-clock seconds without audio "
        "that close an open utterance"
    )
    max_utterance_ms: int = Field(30_000, ge=1000, description="longest caller turn")
    no_input_ms: int = Field(
        8000, ge=1000, description="silence after a reply before a 'still there?' prompt"
    )
    max_no_input_prompts: int = Field(2, ge=0, description="prompts before ending a silent call")
    dtmf_timeout_ms: int = Field(
        2000, ge=200, description="wall-clock ms after the last digit that submit DTMF input"
    )
    pre_roll_ms: int = Field(
        400, ge=0, description="audio kept before the first voiced frame (soft onsets)"
    )
    tts_cache_entries: int = Field(
        128, ge=0, le=10_000, description="synthesised sentences kept per process (LRU by "
        "text and locale: greeting, prompts, spoken offers, common first sentences); "
        "0 disables (speech.tts_cache.CachedTts)",
    )
    chunk_ms: int = Field(100, ge=20, le=1000, description="size of AudioOut chunks")
    min_confidence: float = Field(
        0.5, ge=0, le=1, description="speech recogniser confidence (mean word probability) "
        "below which a transcript is not acted on: the caller is asked to repeat (issue 12)",
    )
    record_calls: bool = Field(
        False, description="record every call's legs (caller, bot, human agent), sealed with "
        "the deployment's envelope under retention.recordings_dir; the caller is told first"
    )
