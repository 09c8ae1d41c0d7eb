"""The embedded ("local") brain: MiniLM embeddings, an intent router, and its training.

``embedder`` turns text into sentence vectors, ``router`` classifies one
utterance into a fine-grained intent and a route (DESIGN.md "embedded router"
note), ``training`` builds and reads the shipped training set under
``data/training/``.
"""
