"""switchboard: an open-source AI contact-center agent.

Nothing is built at import time; start from :func:`switchboard.api.create_app`
or the CLI (:mod:`switchboard.cli`).
"""

__version__ = "0.1.0"
