"""The stages of one voice call, each small and testable alone.

A :class:`~switchboard.voice.session.CallSession` composes them, in the
order audio flows::

    AudioInput   (input.py)      bytes → 16 kHz float32, input clock, utterance buffer
    Listener     (listen.py)     VAD probability per 32 ms frame → endpointing events
    Transcriber  (transcribe.py) speculative and final STT of an utterance
    TurnRunner   (turn.py)       closed turns → the Conversation port → replies, in order
    Speaker      (speak.py)      reply text → TTS chunks → AudioOut/Mark; barge-in
    DtmfCollector, NoInputTimer (timers.py): keypad digits; "still there?" prompts

The stages depend on the speech ports (:mod:`switchboard.ports`), never on an
engine, and on :class:`~switchboard.voice.stages.turn.Conversation`, never on
the agent package.
"""
