"""audit room."""
