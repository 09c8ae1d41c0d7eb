"""Evaluations of the whole agent on our own data sets (``switchboard eval answers``)."""
