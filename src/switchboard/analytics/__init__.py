"""Contact analytics: the live transcript stream, sentiment and escalation, summaries, metrics.

Rooms:

* ``stream.py`` — :class:`TranscriptSegment`, the event-stream port
  (:class:`SegmentStream`), the in-process stream and the non-blocking
  :class:`SegmentBus` that ``AgentService.segments`` exposes.
* ``stream_consumer.py`` — consumer-group runner (at-least-once, idempotent).
* ``stream_redis.py`` / ``stream_kinesis.py`` — Redis Streams and Kinesis adapters.
* ``sentiment*.py`` — per-segment sentiment, rolling contact sentiment, escalation.
* ``summary*.py`` / ``metrics*.py`` — post-call summaries and metrics.
"""
