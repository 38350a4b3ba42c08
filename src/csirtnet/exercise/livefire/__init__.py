"""Exercises: the livefire part (issue 16)."""
