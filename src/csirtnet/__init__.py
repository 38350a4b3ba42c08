"""csirtnet: the coordination platform of a national cybersecurity incident-response network."""

__version__ = "0.1.0"
