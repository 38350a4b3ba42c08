"""MISP: events and feeds in, a feed out."""
