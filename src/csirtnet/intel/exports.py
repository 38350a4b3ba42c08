"""Exports for defenders, built only from what the requester may see (intel.exports_rows: visible
under TLP, not revoked, not expired, warninglisted values left out unless asked; values MISP marked
not for detection (`to_ids` off) only in the CSV file and the MISP feed):

- `csv`: every kind, one row per indicator with its markings (kit.csv_export, the one CSV writer);
- `blocklist-ips`, `-networks`, `-domains`, `-urls`, `-hashes`: one value per line, nothing else;
  `blocklist`: the five as `ips.txt`, `networks.txt`, `domains.txt`, `urls.txt`, `hashes.txt` in a
  directory;
- `rpz`: a DNS response policy zone: SOA and NS, then `name CNAME .` and `*.name CNAME .` (NXDOMAIN
  for the name and every name under it) for each domain and host name, after a comment with its TLP;
- `suricata`: Suricata rules, one per indicator, `msg` naming the collection and TLP (below);
- `misp-feed`: a MISP feed directory (intel.misp.feed_export).

Suricata rules (the syntax of Suricata 6 and later; sids from `sid_start`, configurable):
- addresses and networks: `alert ip [<address>] any <> any any` (traffic to or from it);
- domains and host names: `alert dns any any -> any any (dns.query; dotprefix; content:".<name>";
  nocase; endswith; …)` — the name and every name under it;
- URLs: `http://` ones `alert http` on `http.host` (exact) and `http.uri.raw` (starts with the
  path); `https://` ones `alert tls` on `tls.sni` (the host: the path is encrypted);
- JA3: `alert tls … (ja3.hash; content:"<md5>"; …)`;
- MD5, SHA-1 and SHA-256: written into hash lists beside the rules file
  (`<rules>-<collection>-<tlp>.md5` …) with one `filemd5`/`filesha1`/`filesha256` rule per list (Suricata
  matches file hashes against lists, not one rule per hash). A streamed export (the API) has no
  room for list files and leaves hashes out.
Other kinds (e-mail addresses, file names, ASNs, JA4, SHA-512, STIX patterns) have no Suricata
rule and are not counted. An indicator's sid is `sid_start + 1000 + its id` (stable from one export
to the next, so a SOC's suppressions keep working); hash-list rules take `sid_start` …
`sid_start + 999`.

Every export writes ONE audit record ("intel.exported": format, count, collection). What was
exported is derived data under the indicators' TLP: the record carries counts, never a value.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz import intel as intel_authz
from csirtnet.errors import Forbidden, NotFound, ValidationFailed
from csirtnet.intel import collections, exports_rows
from csirtnet.intel.exports_rows import IndicatorRow, Selection
from csirtnet.intel.misp import feed_export
from csirtnet.kit.csv_export import to_csv
from csirtnet.kit.time import utcnow
from csirtnet.models.intel import IndicatorKind

K = IndicatorKind

BLOCKLISTS: dict[str, frozenset[IndicatorKind]] = {
    "ips": frozenset({K.IPV4, K.IPV6}),
    "networks": frozenset({K.IPV4_NET, K.IPV6_NET}),
    "domains": frozenset({K.DOMAIN, K.HOSTNAME}),
    "urls": frozenset({K.URL}),
    "hashes": frozenset({K.MD5, K.SHA1, K.SHA256, K.SHA512}),
}
_SURICATA_KINDS = frozenset(
    {K.IPV4, K.IPV6, K.IPV4_NET, K.IPV6_NET, K.DOMAIN, K.HOSTNAME, K.URL, K.MD5, K.SHA1, K.SHA256, K.JA3}
)
_HASH_LISTS = {K.MD5: ("md5", "filemd5"), K.SHA1: ("sha1", "filesha1"), K.SHA256: ("sha256", "filesha256")}
LIST_SIDS = 1000
MAX_SID = 2**32 - 1
CSV_HEADER = [
    "kind",
    "value",
    "tlp",
    "pap",
    "confidence",
    "valid_from",
    "valid_until",
    "collection",
    "rsit",
    "tags",
    "source",
    "warninglists",
    "stix_id",
    "description",
]


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    media_type: str
    filename: str  # of a streamed export
    directory: bool = False  # written into a directory (not streamable)
    kinds: frozenset[IndicatorKind] | None = None


FORMATS: dict[str, Format] = {
    f.name: f
    for f in [
        Format("csv", "CSV, one row per indicator", "text/csv; charset=utf-8", "indicators.csv"),
        *(
            Format(
                f"blocklist-{name}",
                f"Plain list of {name}, one per line",
                "text/plain; charset=utf-8",
                f"{name}.txt",
                kinds=kinds,
            )
            for name, kinds in BLOCKLISTS.items()
        ),
        Format("blocklist", "The five plain lists in one directory", "", "", directory=True),
        Format(
            "rpz", "DNS response policy zone", "text/dns; charset=utf-8", "csirtnet.rpz", kinds=BLOCKLISTS["domains"]
        ),
        Format("suricata", "Suricata rules", "text/plain; charset=utf-8", "csirtnet.rules", kinds=_SURICATA_KINDS),
        Format("misp-feed", "MISP feed directory", "", "", directory=True),
    ]
}


@dataclass(frozen=True)
class ExportOptions:
    include_warninglisted: bool = False
    sid_start: int = 1_000_000
    rpz_zone: str = "rpz.csirtnet"  # only named in the zone's header comment and for name lengths


@dataclass
class ExportSummary:
    format: str
    count: int
    collection: str | None
    files: list[Path] = field(default_factory=list)


@dataclass
class Streamed:
    """A rendered export for the API: its media type, file name and body."""

    format: str
    media_type: str
    filename: str
    count: int
    body: bytes


class _Counter:
    def __init__(self) -> None:
        self.count = 0


# -- the checks every export makes -----------------------------------------------------------------


def _check(session: Session, who: Subject, fmt: str, collection: str | None, options: ExportOptions) -> Format:
    if fmt not in FORMATS:
        raise ValidationFailed("format", f"{fmt!r} is not an export format ({', '.join(FORMATS)})")
    if not intel_authz.can_read(who):
        raise Forbidden("You may not read indicators")
    if collection is not None:
        key = collections.check_key(collection)
        if not intel_authz.may_read_collection(session, who, key):
            raise NotFound("collection")
    if not 0 < options.sid_start <= MAX_SID - LIST_SIDS:
        raise ValidationFailed("sid_start", f"must be between 1 and {MAX_SID - LIST_SIDS}")
    return FORMATS[fmt]


def _rows(
    session: Session,
    who: Subject,
    collection: str | None,
    kinds: frozenset[IndicatorKind] | None,
    options: ExportOptions,
    *,
    by_group: bool = False,
    for_detection: bool = True,
) -> Iterator[IndicatorRow]:
    selection = Selection(collection, kinds, options.include_warninglisted, for_detection=for_detection)
    return exports_rows.indicators(session, who, selection, by_group=by_group)


def _record(
    session: Session, who: Subject, fmt: str, count: int, collection: str | None, options: ExportOptions
) -> None:
    # Counts only: the values are the indicators' content, readable under their own TLP.
    audit.record(
        session,
        who,
        "intel.exported",
        None,
        guard=None,
        format=fmt,
        count=count,
        collection=collection or "all",
        warninglisted=options.include_warninglisted,
    )


# -- renderers ------------------------------------------------------------------------------------


def _chunked(rows: Iterable[IndicatorRow], size: int = exports_rows.PAGE) -> Iterator[list[IndicatorRow]]:
    chunk: list[IndicatorRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _moment(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def render_csv(rows: Iterable[IndicatorRow], counter: _Counter) -> Iterator[str]:
    """The CSV file in pieces: kit.csv_export writes every piece, the header once."""
    head = to_csv(CSV_HEADER, [])
    yield head
    for chunk in _chunked(rows):
        counter.count += len(chunk)
        text = to_csv(
            CSV_HEADER,
            (
                [
                    r.kind,
                    r.value,
                    r.tlp,
                    r.pap,
                    r.confidence,
                    _moment(r.valid_from),
                    _moment(r.valid_until),
                    r.collection,
                    r.rsit,
                    " ".join(r.tags or []),
                    r.source_name,
                    " ".join(r.warninglists or []),
                    r.stix_id,
                    r.description,
                ]
                for r in chunk
            ),
        )
        yield text[len(head) :]


def render_blocklist(rows: Iterable[IndicatorRow], counter: _Counter) -> Iterator[str]:
    """One value per line, each once."""
    seen: set[str] = set()
    for row in rows:
        if row.value in seen or not row.value.isprintable():
            continue
        seen.add(row.value)
        counter.count += 1
        yield row.value + "\n"


def render_rpz(
    rows: Iterable[IndicatorRow], counter: _Counter, *, zone: str, now: datetime, collection: str | None
) -> Iterator[str]:
    """A response policy zone: every domain and host name and all names under it answer NXDOMAIN."""
    serial = int(now.timestamp()) % 2**32
    yield (
        "$TTL 300\n"
        f"@ IN SOA localhost. hostmaster.localhost. ( {serial} 3600 600 604800 300 )\n"
        "@ IN NS localhost.\n"
        f"; csirtnet response policy zone ({zone}), collection {collection or 'all'}, {now.isoformat()}\n"
        "; Each name keeps its TLP: share this zone only as its strictest entry allows.\n"
    )
    seen: set[str] = set()
    room = 255 - len(zone) - 4  # "*." + the name + "." + zone + the root, in wire octets
    for row in rows:
        name = row.value
        if name in seen or len(name) > room or not re.fullmatch(r"[a-z0-9_.-]+", name):
            continue
        seen.add(name)
        counter.count += 1
        yield f"; TLP:{row.tlp.upper()} {row.stix_id}\n{name} CNAME .\n*.{name} CNAME .\n"


def _msg(text: str) -> str:
    """Text for a rule's msg: no control characters; backslash, quote and semicolon escaped."""
    clean = "".join(c if c.isprintable() else "?" for c in text)[:200]
    return clean.replace("\\", "\\\\").replace('"', '\\"').replace(";", "\\;")


_SAFE_CONTENT = re.compile(r"[A-Za-z0-9 !#$%&'()*+,\-./:<=>?@\[\]^_`{}~]")


def _content(text: str) -> str:
    """A content match: printable ASCII as is; quote, semicolon, backslash, pipe and everything
    else as |hex| bytes."""
    out: list[str] = []
    for char in text:
        if _SAFE_CONTENT.fullmatch(char):
            out.append(char)
        else:
            out.append("|" + " ".join(f"{b:02X}" for b in char.encode("utf-8")) + "|")
    return "".join(out)


@dataclass
class _HashLists:
    """Hashes for Suricata's file lists, by (collection, TLP, kind)."""

    lists: dict[tuple[str, str, IndicatorKind], list[str]] = field(default_factory=dict)

    def add(self, row: IndicatorRow) -> None:
        self.lists.setdefault((row.collection, row.tlp, IndicatorKind(row.kind)), []).append(row.value)


def _rule_for(row: IndicatorRow, sid: int) -> str | None:
    kind = IndicatorKind(row.kind)
    msg = _msg(f"csirtnet {row.collection} TLP:{row.tlp.upper()} {kind.value} {row.value}")
    tail = f"sid:{sid}; rev:1;)"
    if kind in (K.IPV4, K.IPV6, K.IPV4_NET, K.IPV6_NET):
        return f'alert ip [{row.value}] any <> any any (msg:"{msg}"; {tail}'
    if kind in (K.DOMAIN, K.HOSTNAME):
        name = _content("." + row.value)
        query = f'dns.query; dotprefix; content:"{name}"; nocase; endswith;'
        return f'alert dns any any -> any any (msg:"{msg}"; {query} {tail}'
    if kind is K.JA3:
        return f'alert tls any any -> any any (msg:"{msg}"; ja3.hash; content:"{row.value}"; {tail}'
    if kind is K.URL:
        parts = urlsplit(row.value)
        host = (parts.hostname or "").lower()
        if not host:
            return None
        if parts.scheme == "https":
            sni = f'tls.sni; content:"{_content(host)}"; nocase; bsize:{len(host.encode())};'
            return f'alert tls any any -> any any (msg:"{msg}"; {sni} {tail}'
        if parts.scheme != "http":
            return None
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return (
            f'alert http any any -> any any (msg:"{msg}"; http.host; content:"{_content(host)}"; '
            f'bsize:{len(host.encode())}; http.uri.raw; content:"{_content(path)}"; startswith; {tail}'
        )
    return None


def render_suricata(
    rows: Iterable[IndicatorRow], counter: _Counter, *, sid_start: int, lists: _HashLists | None
) -> Iterator[str]:
    """One rule per indicator; hashes go to `lists` (left out when None)."""
    yield "# csirtnet indicators as Suricata rules; each rule's msg names its collection and TLP.\n"
    for row in rows:
        kind = IndicatorKind(row.kind)
        if kind in _HASH_LISTS:
            if lists is not None:
                lists.add(row)
                counter.count += 1
            continue
        sid = sid_start + LIST_SIDS + row.id
        if sid > MAX_SID:
            raise ValidationFailed("sid_start", f"leaves no room for indicator {row.id}: choose a smaller one")
        rule = _rule_for(row, sid)
        if rule is not None:
            counter.count += 1
            yield rule + "\n"


def _list_rules(lists: _HashLists, rules_path: Path, sid_start: int) -> Iterator[tuple[Path, str, str]]:
    """(list file, its content, its rule) for each hash list."""
    for index, ((collection, tlp, kind), hashes) in enumerate(sorted(lists.lists.items())):
        if index >= LIST_SIDS:
            raise ValidationFailed("format", "too many hash lists for the reserved sids")
        extension, keyword = _HASH_LISTS[kind]
        slug = re.sub(r"[^a-z0-9]+", "-", f"{collection}-{tlp}".lower()).strip("-")
        path = rules_path.with_name(f"{rules_path.stem}-{slug}.{extension}")
        msg = _msg(f"csirtnet {collection} TLP:{tlp.upper()} file {extension.upper()} on the list")
        rule = f'alert http any any -> any any (msg:"{msg}"; {keyword}:{path.name}; sid:{sid_start + index}; rev:1;)'
        yield path, "".join(sorted(set(h + "\n" for h in hashes))), rule


# -- write and stream -----------------------------------------------------------------------------


def _renderer(
    spec: Format,
    rows: Iterable[IndicatorRow],
    counter: _Counter,
    options: ExportOptions,
    collection: str | None,
    lists: _HashLists | None,
) -> Iterator[str]:
    if spec.name == "csv":
        return render_csv(rows, counter)
    if spec.name.startswith("blocklist-"):
        return render_blocklist(rows, counter)
    if spec.name == "rpz":
        return render_rpz(rows, counter, zone=options.rpz_zone, now=utcnow(), collection=collection)
    if spec.name == "suricata":
        return render_suricata(rows, counter, sid_start=options.sid_start, lists=lists)
    raise ValidationFailed("format", f"{spec.name!r} is written into a directory, not streamed")


def _write_text(path: Path, pieces: Iterable[str]) -> None:
    temporary = path.with_name(path.name + ".part")
    with temporary.open("w", encoding="utf-8", newline="") as out:
        for piece in pieces:
            out.write(piece)
    os.replace(temporary, path)


def write(
    session: Session,
    who: Subject,
    fmt: str,
    out: Path,
    *,
    collection: str | None,
    options: ExportOptions | None = None,
) -> ExportSummary:
    """Write the export `fmt` of what `who` may see (in `collection`, or every collection) to `out`
    (a file, or a directory for `blocklist` and `misp-feed`); one audit record. Never commits."""
    options = options or ExportOptions()
    spec = _check(session, who, fmt, collection, options)
    out = Path(out)
    summary = ExportSummary(fmt, 0, collection)
    if spec.name == "misp-feed":
        rows = _rows(session, who, collection, None, options, by_group=True, for_detection=False)
        feed = feed_export.write(rows, out)
        summary.count = feed.attributes
        summary.files = [out / "manifest.json", out / "hashes.csv"]
    elif spec.name == "blocklist":
        out.mkdir(parents=True, exist_ok=True)
        for name, kinds in BLOCKLISTS.items():
            counter = _Counter()
            path = out / f"{name}.txt"
            _write_text(path, render_blocklist(_rows(session, who, collection, kinds, options), counter))
            summary.count += counter.count
            summary.files.append(path)
    else:
        if out.is_dir():
            raise ValidationFailed("out", f"{out} is a directory; {fmt} is written to a file")
        out.parent.mkdir(parents=True, exist_ok=True)
        counter = _Counter()
        lists = _HashLists() if spec.name == "suricata" else None
        pieces = _renderer(
            spec,
            _rows(session, who, collection, spec.kinds, options, for_detection=spec.name != "csv"),
            counter,
            options,
            collection,
            lists,
        )
        if lists is not None:
            pieces = _with_lists(pieces, lists, out, options, summary)
        _write_text(out, pieces)
        summary.count = counter.count
        summary.files.insert(0, out)
    _record(session, who, fmt, summary.count, collection, options)
    return summary


def _with_lists(
    pieces: Iterator[str], lists: _HashLists, out: Path, options: ExportOptions, summary: ExportSummary
) -> Iterator[str]:
    """The rules, then the hash lists' rules (the lists written beside the rules file)."""
    yield from pieces
    for path, content, rule in _list_rules(lists, out, options.sid_start):
        _write_text(path, [content])
        summary.files.append(path)
        yield rule + "\n"


def stream(
    session: Session,
    who: Subject,
    fmt: str,
    *,
    collection: str | None,
    options: ExportOptions | None = None,
) -> Streamed:
    """The export `fmt` (a single-file format) rendered for an API answer, read while the caller's
    session is open; one audit record. Never commits."""
    options = options or ExportOptions()
    spec = _check(session, who, fmt, collection, options)
    if spec.directory:
        raise ValidationFailed("format", f"{fmt!r} is a directory: export it with the CLI")
    counter = _Counter()
    buffer = io.StringIO()
    for piece in _renderer(
        spec,
        _rows(session, who, collection, spec.kinds, options, for_detection=spec.name != "csv"),
        counter,
        options,
        collection,
        None,
    ):
        buffer.write(piece)
    _record(session, who, fmt, counter.count, collection, options)
    return Streamed(fmt, spec.media_type, spec.filename, counter.count, buffer.getvalue().encode("utf-8"))
