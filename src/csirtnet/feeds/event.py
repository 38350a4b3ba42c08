"""The harmonised event: one schema for every feed, with IntelMQ's field names where they fit
(IntelMQ's harmonisation: `source.ip`, `classification.taxonomy`, `time.source`, …), so what a CERT
already configures for IntelMQ reads the same here. docs/feeds.md prints this dictionary.

In the engine an event batch is a polars DataFrame whose columns are every field of `COLUMNS` (in that
order, each of its dtype, null where the feed has no value), then `extra` (a JSON object of the
`extra.*` fields as text, or null) and the bookkeeping columns `_file` (the file's name) and `_line`
(the 1-based line in that file). Enrichment adds the `_`-prefixed columns of `ENRICHED`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

IP = "ip"
INT = "int"
TEXT = "text"
TIME = "time"
FQDN = "fqdn"
URL = "url"
CC = "cc"


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    description: str

    @property
    def dtype(self) -> pl.DataType:
        if self.kind == INT:
            return pl.Int64()
        if self.kind == TIME:
            return pl.Datetime("us", "UTC")
        return pl.String()


_FIELDS = [
    Field("time.source", TIME, "When the event happened, as the feed says (UTC)."),
    Field("time.observation", TIME, "When csirtnet processed it (UTC); the day it is stored under."),
    Field("feed.name", TEXT, "The source's name in csirtnet."),
    Field("feed.provider", TEXT, "Who publishes the feed (Shadowserver, a member's sensor…)."),
    Field("feed.code", TEXT, "The report type within the feed, e.g. Shadowserver's `scan_smb`."),
    Field("classification.taxonomy", TEXT, "RSIT taxonomy, e.g. `vulnerable`, `malicious-code`."),
    Field("classification.type", TEXT, "RSIT type, e.g. `vulnerable-system`, `infected-system`."),
    Field("classification.identifier", TEXT, "What exactly: the service, the malware family, the CVE."),
    Field("source.ip", IP, "The address the event is about (canonical text, v4 or v6)."),
    Field("source.port", INT, "Its port."),
    Field("source.asn", INT, "Its autonomous system (from the feed, else the operator's prefix-to-ASN table)."),
    Field("source.as_name", TEXT, "The autonomous system's name, as the feed gives it."),
    Field("source.network", TEXT, "The announced prefix the address is in, as the feed gives it."),
    Field("source.fqdn", FQDN, "Its host name."),
    Field("source.reverse_dns", FQDN, "The reverse DNS name of `source.ip`."),
    Field("source.url", URL, "A URL on it (compromised website, phishing page)."),
    Field("source.geolocation.cc", CC, "Its country (ISO 3166-1 alpha-2)."),
    Field("source.geolocation.region", TEXT, "Its region or province."),
    Field("source.geolocation.city", TEXT, "Its city."),
    Field("destination.ip", IP, "The other end (a sinkhole, a honeypot, a DDoS target)."),
    Field("destination.port", INT, "Its port."),
    Field("destination.asn", INT, "Its autonomous system."),
    Field("destination.fqdn", FQDN, "Its host name."),
    Field("destination.url", URL, "A URL on it."),
    Field("protocol.application", TEXT, "Application protocol, e.g. `smb`, `http`."),
    Field("protocol.transport", TEXT, "Transport protocol: `tcp`, `udp`, `icmp`."),
    Field("malware.name", TEXT, "Malware family (lower case), e.g. `mirai`."),
    Field("malware.hash.sha256", TEXT, "A sample's SHA-256."),
    Field("event_description.text", TEXT, "A sentence from the feed about the event."),
]

FIELDS: dict[str, Field] = {f.name: f for f in _FIELDS}
COLUMNS: tuple[str, ...] = tuple(FIELDS)

EXTRA = "extra"  # JSON object text of every `extra.*` field (names without the prefix), or null
FILE = "_file"
LINE = "_line"

# Added by enrichment (feeds.pipeline.enrich):
ORG = "_org"  # Int32: the owning organisation's id, null when nobody owns it
CLAIM = "_claim"  # Int32: the constituency claim that matched
MATCH = "_match"  # String: how: "ipv4", "ipv6", "asn", "domain"
LEVEL = "_level"  # Int8: the security level of the system in the matched claim, null when none is linked
WARNINGLIST = "_warninglist"  # String: the warninglist the address or name is on, null when none
KEY = "_key"  # Int64: the dedupe key
ENRICHED: tuple[str, ...] = (ORG, CLAIM, MATCH, LEVEL, WARNINGLIST)

SCHEMA: dict[str, pl.DataType] = {
    **{f.name: f.dtype for f in _FIELDS},
    EXTRA: pl.String(),
    FILE: pl.String(),
    LINE: pl.Int64(),
}


def empty_frame() -> pl.DataFrame:
    """A batch with no events, of the batch schema."""
    return pl.DataFrame(schema=SCHEMA)


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every batch column, in order and of its dtype (missing ones null); a parser's last step."""
    columns = [
        (pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype=dtype)).alias(name)
        for name, dtype in SCHEMA.items()
    ]
    return frame.select(columns)
