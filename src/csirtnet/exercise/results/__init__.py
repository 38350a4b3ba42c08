"""Exercises: the results part (issue 16)."""
