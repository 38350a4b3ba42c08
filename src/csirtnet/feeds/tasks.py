"""Feed jobs (being written)."""
