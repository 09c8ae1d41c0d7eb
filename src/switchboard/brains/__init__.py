"""brains room."""
