"""Voice calls: one :class:`~switchboard.voice.session.CallSession` per call (see session.py)."""
