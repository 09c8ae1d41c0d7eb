"""Voice transports: thin adapters from a wire format to one call.

``browser`` (``WS /v1/voice``, seed 4), ``twilio`` (``WS /v1/twilio/media``,
Twilio Media Streams), ``gateway`` (``WS /connect/{call_id}``, seed 5), the
shared pump in ``base``, JWT auth in ``auth`` and the FastAPI routes in
``routes``.
"""
