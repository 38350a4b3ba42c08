"""Exercises: the technical part (issue 16)."""
