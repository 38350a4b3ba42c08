"""CSAF 2.0: building, validating, publishing (provider) and fetching security advisories."""
