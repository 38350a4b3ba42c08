"""The TAXII 2.1 server under /taxii2/."""
