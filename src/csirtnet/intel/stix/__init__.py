"""STIX 2.1: the objects csirtnet writes, the bundles it exports and imports."""
