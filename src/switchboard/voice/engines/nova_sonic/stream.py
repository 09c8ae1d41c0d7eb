"""The transport under a Nova Sonic session: a bidirectional stream of JSON events.

:class:`NovaStream` is the port; :class:`BedrockNovaStream` is the real one,
over the experimental AWS SDK (``aws_sdk_bedrock_runtime``, Python ≥ 3.12;
install the ``nova-sonic`` extra). It is imported lazily: nothing here needs
the SDK until :meth:`BedrockNovaStream.open` runs. Tests drive the session
with :class:`switchboard.testing.nova_sonic.ReplayNovaStream`, which replays
recorded output events.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any, Protocol, runtime_checkable

from switchboard.errors import BrainError, ConfigError
from switchboard.voice.engines.nova_sonic.events import DEFAULT_MODEL_ID, encode

logger = logging.getLogger(__name__)

INSTALL_HINT = (
    "Nova Sonic needs the experimental AWS SDK: pip install 'switchboard[nova-sonic]' "
    "(aws_sdk_bedrock_runtime, Python >= 3.12) and AWS credentials in the environment"
)


@runtime_checkable
class NovaStream(Protocol):
    """One open bidirectional stream to the model."""

    async def send(self, event: dict[str, Any]) -> None:
        """Send one input event (``{"event": {NAME: {...}}}``).

        Raises:
            BrainError: the stream is closed or the provider failed (retryable).
        """
        ...

    async def receive(self) -> bytes | None:
        """Return the bytes of the next output payload, or None once the stream has ended.

        Raises:
            BrainError: the provider failed mid-stream.
        """
        ...

    async def close(self) -> None:
        """Close the input side; idempotent."""
        ...


class BedrockNovaStream:
    """:class:`NovaStream` over Bedrock ``InvokeModelWithBidirectionalStream``.

    Args:
        model_id: the model (configuration, never a constant in callers).
        region: AWS region of the Bedrock runtime endpoint.
    """

    def __init__(self, *, model_id: str = DEFAULT_MODEL_ID, region: str = "us-east-1") -> None:
        self.model_id = model_id
        self.region = region
        self._stream: Any = None
        self._models: Any = None
        self._closed = False

    @staticmethod
    def _sdk() -> tuple[Any, Any, Any, Any]:
        try:
            client_mod = importlib.import_module("aws_sdk_bedrock_runtime.client")
            config_mod = importlib.import_module("aws_sdk_bedrock_runtime.config")
            models_mod = importlib.import_module("aws_sdk_bedrock_runtime.models")
            identity = importlib.import_module("smithy_aws_core.identity.environment")
        except ImportError as exc:
            raise ConfigError(f"{INSTALL_HINT} ({exc})") from exc
        return client_mod, config_mod, models_mod, identity

    async def open(self) -> BedrockNovaStream:
        """Open the stream (credentials from the environment).

        Raises:
            ConfigError: the SDK is not installed.
            BrainError: the provider refused or could not be reached (retryable).
        """
        client_mod, config_mod, models_mod, identity = self._sdk()
        config = config_mod.Config(
            endpoint_uri=f"https://bedrock-runtime.{self.region}.amazonaws.com",
            region=self.region,
            aws_credentials_identity_resolver=identity.EnvironmentCredentialsResolver(),
        )
        client = client_mod.BedrockRuntimeClient(config=config)
        try:
            self._stream = await client.invoke_model_with_bidirectional_stream(
                client_mod.InvokeModelWithBidirectionalStreamOperationInput(model_id=self.model_id)
            )
        except Exception as exc:  # the SDK raises its own error tree
            raise BrainError(f"Nova Sonic stream could not open: {exc}") from exc
        self._models = models_mod
        return self

    async def send(self, event: dict[str, Any]) -> None:
        """Send one input event as one payload part."""
        if self._stream is None or self._closed:
            raise BrainError("Nova Sonic stream is not open")
        chunk = self._models.InvokeModelWithBidirectionalStreamInputChunk(
            value=self._models.BidirectionalInputPayloadPart(bytes_=encode(event))
        )
        try:
            await self._stream.input_stream.send(chunk)
        except Exception as exc:
            raise BrainError(f"Nova Sonic send failed: {exc}") from exc

    async def receive(self) -> bytes | None:
        """Return the next output payload's bytes; None when the stream has ended."""
        if self._stream is None:
            raise BrainError("Nova Sonic stream is not open")
        try:
            output = await self._stream.await_output()
            result = await output[1].receive()
        except StopAsyncIteration:
            return None
        except Exception as exc:
            raise BrainError(f"Nova Sonic receive failed: {exc}") from exc
        if result is None or result.value is None or not result.value.bytes_:
            return None
        data: bytes = result.value.bytes_
        return data

    async def close(self) -> None:
        """Close the input stream (idempotent)."""
        if self._stream is not None and not self._closed:
            self._closed = True
            try:
                await self._stream.input_stream.close()
            except Exception:  # closing a broken stream must not raise on hang-up
                logger.warning("Nova Sonic stream close failed", exc_info=True)
