"""Language understanding leaves shared by the turn loop and the embedded brain.

Pure functions over :mod:`switchboard.domain`: slot extraction (:mod:`.slots`)
and dialogue-state helpers (:mod:`.dialogue`). Nothing here imports an adapter.
"""
