"""The ``bedrock`` brain: Amazon Bedrock Converse API with MCP tools (extra ``aws``)."""

from switchboard.brains.bedrock.brain import BedrockBrain, make_client

__all__ = ["BedrockBrain", "make_client"]
