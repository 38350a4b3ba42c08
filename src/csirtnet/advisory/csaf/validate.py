"""CSAF 2.0 schema validation, offline, against the schemas vendored in `schema/`.

`schema_errors` checks a document against the CSAF 2.0 JSON schema (Draft 2020-12) with the CVSS
schemas it references resolved from the package, never from the network. `require_valid` is what an
import calls: it refuses an invalid document with one error per problem, each naming the JSON
pointer of the value at fault (`/document/tracking/id`). The mandatory tests of section 6.1 beyond
the schema are checked in the tests by the reference validator (tests/advisory/csaf_validator).

Formats are checked by our own two checkers (`date-time`, `uri`) rather than by whatever optional
packages jsonschema happens to find installed, so a result does not depend on the machine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from csirtnet.errors import ErrorList

CSAF_SCHEMA_ID = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"
PROVIDER_SCHEMA_ID = "https://docs.oasis-open.org/csaf/csaf/v2.0/provider_json_schema.json"

# File name -> the extra ids other schemas use to reach it ($ref without the date query of its $id).
_SCHEMA_FILES: dict[str, tuple[str, ...]] = {
    "csaf_json_schema.json": (),
    "csaf_json_schema_strict.json": (),
    "cvss-v2.0.json": ("https://www.first.org/cvss/cvss-v2.0.json",),
    "cvss-v3.0.json": ("https://www.first.org/cvss/cvss-v3.0.json",),
    "cvss-v3.1.json": ("https://www.first.org/cvss/cvss-v3.1.json",),
    "provider_json_schema.json": (),
    "ROLIE_feed_json_schema.json": (),
}
# A hostile document can fail in thousands of places; the first ones are enough to act on.
MAX_ERRORS = 100
_MAX_MESSAGE = 300

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*$")
_URI_FORBIDDEN = re.compile(r"[\s<>\"{}|\\^`\x00-\x1f\x7f]")


@dataclass(frozen=True)
class CsafError:
    """One schema violation: where (a JSON pointer into the document) and what."""

    path: str
    message: str


def schema_errors(document: object, *, strict: bool = False) -> list[CsafError]:
    """The CSAF 2.0 schema errors of a document (empty when valid); `strict` forbids unknown members."""
    return _errors(_validator("csaf_json_schema_strict.json" if strict else "csaf_json_schema.json"), document)


def provider_metadata_errors(document: object) -> list[CsafError]:
    """The CSAF 2.0 provider-metadata.json schema errors of a document (empty when valid)."""
    return _errors(_validator("provider_json_schema.json"), document)


def rolie_feed_errors(document: object) -> list[CsafError]:
    """The errors of a ROLIE feed against the CSAF 2.0 auxiliary ROLIE feed schema."""
    return _errors(_validator("ROLIE_feed_json_schema.json"), document)


def require_valid(document: object) -> None:
    """Refuse a document that breaks the CSAF 2.0 schema: ValidationFailed naming each JSON path."""
    problems = ErrorList()
    for error in schema_errors(document):
        problems.add(error.path or "/", error.message)
    problems.raise_if_any()


def json_pointer(parts: Iterable[str | int]) -> str:
    """RFC 6901 pointer of a path given as its keys and indexes."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _errors(validator: Draft202012Validator, document: object) -> list[CsafError]:
    found: list[CsafError] = []
    for error in validator.iter_errors(document):
        found.extend(_describe(leaf) for leaf in _closest(error))
        if len(found) > MAX_ERRORS:
            break
    found.sort(key=lambda e: e.path)
    if len(found) > MAX_ERRORS:
        found = [*found[:MAX_ERRORS], CsafError("", f"more than {MAX_ERRORS} errors; the rest are not listed")]
    return found


def _closest(error: ValidationError) -> list[ValidationError]:
    """The errors that say what to change: for oneOf/anyOf, those of the alternative nearest to valid.

    "… is not valid under any of the given schemas" names the whole subtree; the alternative that
    failed least (then deepest) is the one the author meant, e.g. CVSS 3.1 rather than 3.0.
    """
    if not error.context:
        return [error]
    alternatives: dict[object, list[ValidationError]] = {}
    for sub in error.context:
        key = sub.relative_schema_path[0] if sub.relative_schema_path else None
        alternatives.setdefault(key, []).append(sub)
    nearest = min(alternatives.values(), key=lambda errs: (len(errs), -max(len(e.absolute_path) for e in errs)))
    return [leaf for sub in nearest for leaf in _closest(sub)]


def _describe(error: ValidationError) -> CsafError:
    message = error.message
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 1] + "…"
    path = list(error.absolute_path)
    required = error.validator_value
    if error.validator == "required" and isinstance(error.instance, dict) and isinstance(required, list):
        # Point at the member that is missing, as a form points at the empty field.
        missing = [name for name in required if name not in error.instance and repr(name) in message]
        if missing:
            path.append(missing[0])
    return CsafError(json_pointer(path), message)


@cache
def _registry() -> Registry[Any]:
    registry: Registry[Any] = Registry()
    for name, aliases in _SCHEMA_FILES.items():
        contents = _load(name)
        resource = Resource.from_contents(contents)
        registry = registry.with_resources([(contents["$id"], resource), *((alias, resource) for alias in aliases)])
    return registry.crawl()


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(_load(name), registry=_registry(), format_checker=_format_checker())


@cache
def _load(name: str) -> dict[str, Any]:
    text = resources.files("csirtnet.advisory.csaf").joinpath("schema", name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("date-time")(_is_date_time)
    checker.checks("uri")(_is_uri)
    return checker


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True  # formats only apply to strings; `type` reports the rest
    if not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    scheme, sep, rest = value.partition(":")
    # ASCII only, as RFC 3986 (and the reference validator) has it: an IRI must be percent-encoded.
    if not sep or not _URI_SCHEME.match(scheme) or not value.isascii() or _URI_FORBIDDEN.search(value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    return bool(rest)
