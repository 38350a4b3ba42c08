"""Exercises: the tabletop part (issue 16)."""
