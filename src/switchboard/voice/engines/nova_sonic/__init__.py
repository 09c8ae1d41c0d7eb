"""Nova Sonic: optional speech-to-speech voice engine over Bedrock's bidirectional stream.

``events`` builds and reads the protocol's JSON events, ``stream`` is the
transport port and its Bedrock adapter (the AWS SDK is imported lazily; extra
``nova-sonic``), ``session`` runs one call with our MCP tools, the validation
agent and handover. Nothing is imported from the AWS SDK at import time.
"""
