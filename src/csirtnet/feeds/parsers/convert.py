"""Turn a frame of text columns into harmonised events, vectorised (docs/feeds.md, "Parsers").

`apply_plan` evaluates every column's conversion and validity test as polars expressions in one pass
over the batch; Python runs per distinct value only for what the fast tests do not settle (an IPv6
address, an IPv4 address the strict pattern refuses) and per row only for rows that fail, to write
their reason. A row that fails any test is quarantined with the first failing field named and the
rest of the batch goes on.

Canonical values: an IP as text (IPv6 compressed, IPv4 without leading zeros), a host name in lower
case without its trailing dot, a country code in upper case, `time.*` in UTC (a time without an
offset is taken as UTC), a port in 0-65535, an AS number in 1-4294967295 (0 means "unknown" in
Shadowserver's reports and becomes null, as IntelMQ does).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import polars as pl

from csirtnet.feeds import event
from csirtnet.feeds.parsers.types import OWN_FIELDS, Column, Plan, Quarantined, clip

# 0-255 without leading zeros: what matches is already the canonical text of the address.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4 = rf"^(?:{_OCTET}\.){{3}}{_OCTET}$"
_HOST = r"^(\*\.)?[\w-]+(\.[\w-]+)*$"
_SCHEME = r"^[A-Za-z][A-Za-z0-9+.\-]*://"
_LOWER = frozenset({"malware.name", "protocol.application", "protocol.transport"})

_BAD = "__bad_"
_V4 = "__v4_"
_VAL = "__val_"
TextOf = Callable[[int], str]


# An "address" column's networks go to the field beside its address field.
NETWORK_OF = {"source.ip": "source.network", "destination.ip": "destination.network"}


def canonical_address(value: str) -> str | None:
    """An address's canonical text, or a network's in CIDR notation (host bits cleared; a /32 or
    /128 is the address), or None when `value` is neither."""
    found = canonical_ip(value)
    if found is not None or "/" not in value:
        return found
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None
    if network.prefixlen == network.max_prefixlen:
        return network.network_address.compressed
    return network.compressed


def canonical_ip(value: str) -> str | None:
    """The canonical text of an address, or None when `value` is not one (zone ids are refused)."""
    text = value.strip()
    if "%" in text:
        return None
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError:
        return None


def _message(col: Column, fmt: str) -> str:
    if col.kind == "ip":
        return "is not an IP address"
    if col.kind == "address":
        return "is not an IP address or network"
    if col.kind == "int":
        if col.field.endswith(".port"):
            return "is not a port number (0-65535)"
        if col.field.endswith(".asn"):
            return "is not an AS number"
        return "is not an integer"
    if col.kind == "time":
        return f"is not a time in the format {fmt}"
    if col.kind == "fqdn":
        return "is not a host name"
    if col.kind == "url":
        return "is not a URL"
    if col.kind == "cc":
        return "is not a two-letter country code"
    return "is not valid"


def _time(src: pl.Expr, formats: tuple[str, ...]) -> pl.Expr:
    if formats == ("epoch",):
        seconds = src.str.strip_chars().cast(pl.Float64, strict=False)
        micros = (seconds * 1_000_000).cast(pl.Int64, strict=False)
        return micros.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    parsed = [src.str.to_datetime(fmt, time_unit="us", time_zone="UTC", strict=False) for fmt in formats]
    return parsed[0] if len(parsed) == 1 else pl.coalesce(parsed)


def _value(col: Column, frame: pl.DataFrame, formats: tuple[str, ...], *, careful: bool = False) -> pl.Expr:
    """The converted value of one column (null where absent or invalid). The fast form assumes clean
    input (Shadowserver's); `careful` also strips blanks, for the rows the fast form refused."""
    src = pl.col(col.source)
    if careful and col.kind in ("int", "fqdn", "cc", "time"):
        src = src.str.strip_chars()
    if col.kind in ("ip", "address"):
        fast = pl.col(_V4 + col.source)
        others = frame.filter(~frame[_V4 + col.source] & frame[col.source].is_not_null())[col.source]
        canonical = canonical_ip if col.kind == "ip" else canonical_address
        mapping = {v: c for v in others.unique().to_list() if (c := canonical(v)) is not None}
        slow = src.replace_strict(mapping, default=None, return_dtype=pl.String()) if mapping else pl.lit(None)
        return pl.when(fast).then(src).otherwise(slow)
    if col.kind == "int":
        number = src.cast(pl.Int64, strict=False)
        if col.field.endswith(".port"):
            return pl.when(number.is_between(0, 65535)).then(number)
        if col.field.endswith(".asn"):
            return pl.when(number.is_between(1, 4294967295)).then(number)
        return number
    if col.kind == "time":
        return _time(src, formats if careful else formats[:1])
    if col.kind == "fqdn":
        value = src.str.to_lowercase().str.strip_chars_end(".")
        return pl.when(value.str.contains(_HOST)).then(value)
    if col.kind == "url":
        text = src.str.strip_chars()
        with_host = (
            pl.lit("http://") + pl.col(col.host) + text
            if col.host and col.host in frame.columns
            else pl.lit(None, dtype=pl.String())
        )
        joined = (
            pl.when(text.str.contains(_SCHEME))
            .then(text)
            .when(text.str.starts_with("/") & with_host.is_not_null())
            .then(with_host)
            .otherwise(pl.lit("http://") + text)
        )
        return pl.when(text.str.contains(r"\s") | (text == "")).then(None).otherwise(joined)
    if col.kind == "cc":
        value = src.str.to_uppercase()
        return pl.when(value.str.contains("^[A-Z]{2}$")).then(value)
    return src.str.to_lowercase() if col.field in _LOWER else src


def _bad(col: Column, i: int, *, careful: bool = False) -> pl.Expr:
    """Present in the input but no value came out (an AS number 0 is Shadowserver's "unknown"). In
    the careful pass a value of blanks only (" ", a tab) is an empty cell, not a bad one."""
    bad = pl.col(col.source).is_not_null() & pl.col(f"{_VAL}{i}").is_null()
    if careful:
        bad = bad & (pl.col(col.source).str.strip_chars() != "")
    if col.kind == "int" and col.field.endswith(".asn"):
        bad = bad & (pl.col(col.source).str.strip_chars() != "0")
    return bad.fill_null(False).alias(f"{_BAD}{i}")


def _time_formats(col: Column, plan: Plan, frame: pl.DataFrame) -> tuple[str, ...]:
    """The formats to try for a time column: the first that reads the batch's first value leads,
    so a feed in one format pays one parse per value."""
    formats = plan.time_formats
    if len(formats) <= 1 or formats == ("epoch",):
        return formats
    first = frame[col.source].drop_nulls().head(1)
    for i, fmt in enumerate(formats):
        probe = first.str.to_datetime(fmt, time_unit="us", time_zone="UTC", strict=False)
        if first.len() and probe.null_count() == 0:
            return (fmt, *formats[:i], *formats[i + 1 :])
    return formats


def apply_plan(
    raw: pl.DataFrame,
    plan: Plan,
    *,
    file: str,
    feed_name: str,
    feed_provider: str,
    text_of: TextOf,
) -> tuple[pl.DataFrame, list[Quarantined]]:
    """Harmonise `raw` (text columns by input name, plus `_line`) by `plan`: the conformed batch of the
    valid rows and the quarantine entries of the others."""
    columns = [c for c in plan.columns if c.source in raw.columns]
    ip_sources = sorted({c.source for c in columns if c.kind in ("ip", "address")})
    frame = raw.with_columns(pl.col(s).str.contains(IPV4).fill_null(False).alias(_V4 + s) for s in ip_sources)
    formats = {c.source: _time_formats(c, plan, frame) for c in columns if c.kind == "time"}

    frame = frame.with_columns(
        _value(col, frame, formats.get(col.source, plan.time_formats)).alias(f"{_VAL}{i}")
        for i, col in enumerate(columns)
    )
    frame = frame.with_columns(_bad(col, i) for i, col in enumerate(columns))
    # Rows the fast forms refused get the careful forms (blanks stripped, every time format): rare.
    retry = [i for i, col in enumerate(columns) if col.kind not in ("ip", "address") and frame[f"{_BAD}{i}"].any()]
    if retry:
        frame = frame.with_columns(
            pl.coalesce(
                pl.col(f"{_VAL}{i}"),
                _value(columns[i], frame, formats.get(columns[i].source, plan.time_formats), careful=True),
            ).alias(f"{_VAL}{i}")
            for i in retry
        )
        frame = frame.with_columns(_bad(columns[i], i, careful=True) for i in retry)
    present_fields = {c.field for c in columns}
    missing_required = sorted(plan.required - present_fields - set(plan.constants))

    # A required field is missing when no column of it has a value (several columns may feed one field).
    by_field: dict[str, list[int]] = {}
    for i, col in enumerate(columns):
        by_field.setdefault(col.field, []).append(i)
    required_ok = [
        pl.any_horizontal(pl.col(f"{_VAL}{i}").is_not_null() for i in idx).alias(f"__req_{name}")
        for name, idx in by_field.items()
        if name in plan.required and name not in plan.constants
    ]
    frame = frame.with_columns(required_ok)
    bad_any = pl.any_horizontal(
        [pl.col(f"{_BAD}{i}") for i in range(len(columns))]
        + [~pl.col(e.meta.output_name()) for e in required_ok]
        + [pl.lit(bool(missing_required))]
    )
    frame = frame.with_columns(bad_any.alias("__bad"))

    quarantined: list[Quarantined] = []
    if frame["__bad"].any():
        quarantined = _reasons(frame.filter(pl.col("__bad")), columns, formats, plan, missing_required, file, text_of)
        frame = frame.filter(~pl.col("__bad"))

    out: dict[str, pl.Expr] = {}
    for name, idx in by_field.items():
        exprs = [pl.col(f"{_VAL}{i}") for i in idx]
        out[name] = exprs[0] if len(exprs) == 1 else pl.coalesce(exprs)
    for name, idx in by_field.items():  # an "address" column's networks to the network field
        if name in NETWORK_OF and any(columns[i].kind == "address" for i in idx):
            is_network = out[name].str.contains("/", literal=True).fill_null(False)
            networks = pl.when(is_network).then(out[name])
            network_field = NETWORK_OF[name]
            out[network_field] = pl.coalesce([out[network_field], networks]) if network_field in out else networks
            out[name] = pl.when(is_network).then(None).otherwise(out[name])
    for name, constant in plan.constants.items():
        lit = pl.lit(constant, dtype=event.SCHEMA[name]) if name in event.SCHEMA else pl.lit(constant)
        out[name] = pl.coalesce([out[name], lit]) if name in out else lit
    out["feed.name"] = pl.lit(feed_name)
    out["feed.provider"] = pl.lit(feed_provider)
    if plan.report_type:
        out["feed.code"] = pl.lit(plan.report_type)
    out[event.EXTRA] = _extra(frame, columns, plan)
    out[event.FILE] = pl.lit(file)
    out[event.LINE] = pl.col(event.LINE)
    fields = frame.select([expr.alias(name) for name, expr in out.items() if not name.startswith("extra.")])
    return event.conform(fields), quarantined


def _extra(frame: pl.DataFrame, columns: list[Column], plan: Plan) -> pl.Expr:
    """`extra` as JSON object text: the `extra.*` fields and every unmapped input column that has a
    value somewhere in the batch (columns empty on every row are left out)."""
    parts: list[pl.Expr] = []
    for i, col in enumerate(columns):
        if col.field.startswith("extra."):
            parts.append(pl.col(f"{_VAL}{i}").alias(col.field.removeprefix("extra.")))
    mapped = plan.mapped()
    for name in frame.columns:
        if name in mapped or name.startswith("__") or name == event.LINE or name in OWN_FIELDS:
            continue
        if frame.height and frame[name].null_count() < frame.height:
            parts.append(pl.col(name))
    for name, constant in plan.constants.items():
        if name.startswith("extra."):
            parts.append(pl.lit(constant).alias(name.removeprefix("extra.")))
    if not parts or not frame.height:
        return pl.lit(None, dtype=pl.String())
    return pl.struct(parts).struct.json_encode()


def _reasons(
    bad: pl.DataFrame,
    columns: list[Column],
    formats: dict[str, tuple[str, ...]],
    plan: Plan,
    missing_required: list[str],
    file: str,
    text_of: TextOf,
) -> list[Quarantined]:
    out: list[Quarantined] = []
    flags = [f"{_BAD}{i}" for i in range(len(columns))]
    req_cols = [c for c in bad.columns if c.startswith("__req_")]
    sources = list(dict.fromkeys(c.source for c in columns))
    for row in bad.select([event.LINE, *flags, *req_cols, *sources]).iter_rows(named=True):
        reason = _reason(row, columns, formats, plan, missing_required, req_cols)
        line = int(row[event.LINE])
        out.append(Quarantined(file=file, line=line, reason=reason, text=clip(text_of(line))))
    return out


def _reason(
    row: dict[str, Any],
    columns: list[Column],
    formats: dict[str, tuple[str, ...]],
    plan: Plan,
    missing_required: list[str],
    req_cols: list[str],
) -> str:
    for i, col in enumerate(columns):
        if row[f"{_BAD}{i}"]:
            fmt = formats.get(col.source, plan.time_formats)[0]
            return f"{col.field}: {row[col.source]!r} {_message(col, fmt)} (column {col.source})"
    for name in req_cols:
        if not row[name]:
            field = name.removeprefix("__req_")
            sources = ", ".join(c.source for c in columns if c.field == field)
            return f"{field}: missing (column {sources})"
    return f"{missing_required[0]}: missing (no column for it)"
