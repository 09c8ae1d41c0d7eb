"""The ``openai`` brain: any OpenAI-compatible chat-completions server (extra ``llm``).

Named ``openai_compat`` so that it never shadows the ``openai`` client library.
"""

from switchboard.brains.openai_compat.brain import OpenAIBrain

__all__ = ["OpenAIBrain"]
