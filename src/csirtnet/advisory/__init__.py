"""Warnings and advisories: publishing, audiences, acknowledgements, vulnerability catalogues, CSAF."""
