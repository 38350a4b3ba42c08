"""A source's declarative mapping for the generic CSV and JSON-lines parsers (docs/feeds.md):

    {"columns": {"<column or JSON key>": {"field": "source.ip", "type": "ip", "required": true}, ...},
     "time_format": "%Y-%m-%d %H:%M:%S",     # strftime-style (polars/chrono); "epoch" for Unix seconds
     "constants": {"classification.taxonomy": "vulnerable", ...},
     "delimiter": ",", "skip_lines": 0}       # CSV: field separator; lines before the header

`field` is an event field (`feeds.event.FIELDS`; not time.observation, feed.name or feed.provider,
which csirtnet sets) or `extra.<name>`; `type` is one of ip, address, int, text,
time, fqdn, url, cc and must agree with the field's kind (a country code may also be typed text; an
IP field may be typed address: an address or a network, the network going to `*.network`);
`host` (url only) names the column whose host a bare path is joined to. `validate_mapping` names every
problem by its key; the source service refuses a mapping with any.
"""

from __future__ import annotations

from typing import Any

from csirtnet.feeds import event
from csirtnet.feeds.parsers.convert import NETWORK_OF
from csirtnet.feeds.parsers.types import ISO_FORMATS, KINDS, OWN_FIELDS, Column, Plan

_TOP = frozenset({"columns", "time_format", "constants", "delimiter", "skip_lines"})
_COLUMN_KEYS = frozenset({"field", "type", "required", "host"})
_INT_LIMITS = {"port": (0, 65535), "asn": (1, 4294967295)}


def _kind_fits(field: str, kind: str) -> bool:
    if field.startswith("extra."):
        return True
    own = event.FIELDS[field].kind
    return kind == own or (own == event.CC and kind == event.TEXT) or (kind == "address" and field in NETWORK_OF)


def _check_column(name: str, spec: Any, errors: list[str]) -> None:
    where = f"mapping.columns.{name}"
    if not isinstance(spec, dict):
        errors.append(f"{where}: must be an object with field and type")
        return
    errors.extend(f"{where}.{key}: unknown key" for key in sorted(set(spec) - _COLUMN_KEYS))
    field, kind = spec.get("field"), spec.get("type", None)
    if not isinstance(field, str) or not field:
        errors.append(f"{where}.field: required (an event field such as source.ip, or extra.<name>)")
        return
    if not (field in event.FIELDS or (field.startswith("extra.") and len(field) > len("extra."))):
        errors.append(f"{where}.field: unknown event field {field!r}")
        return
    if field in OWN_FIELDS:
        errors.append(f"{where}.field: {field} is set by csirtnet, not by a feed")
        return
    if kind is None:
        return
    if kind not in KINDS:
        errors.append(f"{where}.type: unknown type {kind!r} (one of {', '.join(KINDS)})")
    elif not _kind_fits(field, kind):
        errors.append(f"{where}.type: {field} is a field of type {event.FIELDS[field].kind}, not {kind}")
    if "required" in spec and not isinstance(spec["required"], bool):
        errors.append(f"{where}.required: must be true or false")
    if "host" in spec and (kind != "url" or not isinstance(spec["host"], str)):
        errors.append(f"{where}.host: only a url column may name a host column")


def _check_constant(name: Any, value: Any, errors: list[str]) -> None:
    where = f"mapping.constants.{name}"
    if not isinstance(name, str) or not (name in event.FIELDS or name.startswith("extra.")):
        errors.append(f"{where}: unknown event field {name!r}")
        return
    if name in OWN_FIELDS:
        errors.append(f"{where}: {name} is set by csirtnet, not by a feed")
        return
    if name.startswith("extra."):
        if not isinstance(value, str | int | float | bool):
            errors.append(f"{where}: must be a string, number or boolean")
        return
    kind = event.FIELDS[name].kind
    if kind == event.INT:
        low, high = _INT_LIMITS.get(name.rsplit(".", 1)[-1], (0, 2**63 - 1))
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors.append(f"{where}: must be an integer from {low} to {high}")
    elif kind == event.TIME:
        errors.append(f"{where}: a time cannot be a constant")
    elif not isinstance(value, str) or not value:
        errors.append(f"{where}: must be a non-empty string")


def validate_mapping(mapping: Any) -> list[str]:
    """Every problem of `mapping`, each naming its key (an empty list: the mapping is usable)."""
    if not isinstance(mapping, dict):
        return ["mapping: must be an object"]
    errors = [f"mapping.{key}: unknown key" for key in sorted(set(mapping) - _TOP, key=str)]
    columns = mapping.get("columns")
    if columns is not None:
        if not isinstance(columns, dict) or not columns:
            errors.append("mapping.columns: must be a non-empty object of column name to {field, type}")
        else:
            for name, spec in columns.items():
                _check_column(str(name), spec, errors)
    fmt = mapping.get("time_format")
    if fmt is not None and (not isinstance(fmt, str) or (fmt != "epoch" and "%" not in fmt)):
        errors.append("mapping.time_format: must be a format such as %Y-%m-%d %H:%M:%S, or epoch")
    constants = mapping.get("constants", {})
    if not isinstance(constants, dict):
        errors.append("mapping.constants: must be an object of event field to value")
    else:
        for name, value in constants.items():
            _check_constant(name, value, errors)
    delimiter = mapping.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '\r\n"\x02':
        errors.append("mapping.delimiter: must be one character (not a quote or a line break)")
    skip = mapping.get("skip_lines", 0)
    if isinstance(skip, bool) or not isinstance(skip, int) or not 0 <= skip <= 1000:
        errors.append("mapping.skip_lines: must be an integer from 0 to 1000")
    return errors


def harmonised_columns(keys: list[str]) -> tuple[Column, ...]:
    """Columns for input already named by event fields (JSON lines without a mapping)."""
    fields = [k for k in keys if k in event.FIELDS and k not in OWN_FIELDS]
    return tuple(Column(source=k, field=k, kind=event.FIELDS[k].kind) for k in fields) + tuple(
        Column(source=k, field=k, kind="text") for k in keys if k.startswith("extra.") and len(k) > len("extra.")
    )


def plan_from_mapping(mapping: dict[str, Any] | None) -> Plan:
    """The plan of a valid mapping (call `validate_mapping` first). No mapping or no columns: the
    input's keys are event fields already."""
    mapping = mapping or {}
    columns: list[Column] = []
    required: set[str] = set()
    for name, spec in (mapping.get("columns") or {}).items():
        field = spec["field"]
        kind = spec.get("type") or (event.FIELDS[field].kind if field in event.FIELDS else "text")
        if field in event.FIELDS and event.FIELDS[field].kind == event.CC:
            kind = event.CC
        columns.append(Column(source=str(name), field=field, kind=kind, host=spec.get("host")))
        if spec.get("required"):
            required.add(field)
    fmt = mapping.get("time_format")
    return Plan(
        columns=tuple(columns),
        constants=dict(mapping.get("constants") or {}),
        required=frozenset(required),
        time_formats=(fmt,) if fmt else ISO_FORMATS,
        delimiter=mapping.get("delimiter", ","),
        skip_lines=int(mapping.get("skip_lines", 0)),
    )
