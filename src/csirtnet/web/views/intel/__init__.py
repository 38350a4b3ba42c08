"""Indicator pages."""
