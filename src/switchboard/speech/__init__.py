"""Speech models: codecs and resampling, Silero VAD, faster-whisper STT, Piper/espeak-ng TTS."""
