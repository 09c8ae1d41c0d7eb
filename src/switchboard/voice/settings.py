"""Voice-call settings: :class:`VoiceSettings` now lives in the config layer.

The class moved to :mod:`switchboard.config_voice` so that ``config.py``
no longer imports ``voice/`` (an import cycle); this name stays for the
voice package's own imports.
"""

from __future__ import annotations

from switchboard.config_voice import VoiceSettings as VoiceSettings

__all__ = ["VoiceSettings"]
