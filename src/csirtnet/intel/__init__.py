"""Indicator sharing: indicators, sightings, correlation, warninglists, STIX 2.1, TAXII 2.1, MISP and
federation (docs/intel.md)."""
