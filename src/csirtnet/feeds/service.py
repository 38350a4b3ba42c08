"""Configuring security feeds: sources, rules and the operator's prefix-to-ASN table.

Only the coordinating body configures (authz.feeds.require_manage). Every change is checked whole
before anything is written (each problem named by its field, or by its line for the ASN table),
then written with ONE audit record in the caller's transaction ("feed.source_created|updated|
deleted", "feed.rule_created|updated|deleted", "feed.asn_table_loaded"), guarded as feed
configuration (GuardKind.FEED: managers read it). Nothing here commits.

A source's checks: a unique name; `url` (http or https, with a host) only and always for `url`
sources, which are polled every `schedule_minutes` (60 when left out); `folder` only and always for
`folder` sources, an existing directory under the operator's feeds folder root
(`CSIRTNET_FEEDS_FOLDER_ROOT`, else <data_dir>/feeds); an `api` source reads JSON lines (parser
`jsonl`); the generic parsers' mapping is checked by feeds.parsers.validate_mapping (`csv` needs
one, `shadowserver` takes none); dedupe fields are harmonised event fields (feeds.event.COLUMNS);
submitter organisations exist.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz import feeds as rules
from csirtnet.authz.derived import Guard, GuardKind
from csirtnet.config import Settings, get_settings
from csirtnet.errors import ErrorList, NotFound, ValidationFailed
from csirtnet.feeds import event
from csirtnet.feeds.schemas import FeedRuleCreate, FeedRuleUpdate, FeedSourceCreate, FeedSourceUpdate
from csirtnet.kit.bulk import insert_rows
from csirtnet.kit.sealing import Sealer
from csirtnet.models import AsnPrefix, FeedBlock, FeedRule, FeedSeen, FeedSource, Organisation
from csirtnet.models.feed import ParserName, RuleAction, SourceKind
from csirtnet.vocabulary import rsit

DEFAULT_SCHEDULE_MINUTES = 60
HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,99}")
# The key a polled address wants, sealed with the platform key for this purpose alone.
URL_SECRETS = Sealer(purpose=b"csirtnet/feeds/url-secret/v1", table=b"feed_source", what="key")
MAX_ASN = 2**32 - 1
# The table's guard: feed configuration, which only managers read (no one source: id 0).
TABLE_GUARD = Guard(GuardKind.FEED, 0)


def folder_root(settings: Settings | None = None) -> Path:
    """The directory every watched folder must lie under."""
    settings = settings or get_settings()
    return (settings.feeds_folder_root or settings.data_dir / "feeds").resolve()


T = TypeVar("T")


# -- sources ---------------------------------------------------------------------------------------


def _managed(session: Session, who: Subject, model: type[T], ident: int, what: str) -> T:
    """A row only managers see (NotFound for anyone else, as for a row that does not exist)."""
    if not rules.can_manage(who):
        raise NotFound(what)
    row = session.get(model, ident)
    if row is None:
        raise NotFound(what)
    return row


def get_source_row(session: Session, who: Subject, source_id: int) -> FeedSource:
    """The source, for a manager."""
    return _managed(session, who, FeedSource, source_id, "feed source")


def source_by_name(session: Session, who: Subject, name: str) -> FeedSource:
    """The source named `name` (or whose id `name` is), for a manager."""
    rules.require_manage(who)
    row = session.scalar(select(FeedSource).where(FeedSource.name == name))
    if row is None and name.isdigit():
        row = session.get(FeedSource, int(name))
    if row is None:
        raise NotFound("feed source")
    return row


def _check_url(errors: ErrorList, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        errors.add("url", "must be an http:// or https:// address with a host")


def _check_folder(errors: ErrorList, folder: str) -> str | None:
    root = folder_root()
    try:
        path = Path(folder).expanduser()
        path = (path if path.is_absolute() else root / path).resolve()
    except (OSError, ValueError, RuntimeError):
        errors.add("folder", "is not a path")
        return None
    if path != root and root not in path.parents:
        errors.add("folder", f"must lie under the feeds folder root {root}")
        return None
    if not path.is_dir():
        errors.add("folder", f"{path} is not a directory")
        return None
    return str(path)


def _check_mapping(errors: ErrorList, parser: str, mapping: dict[str, Any] | None) -> None:
    if parser == ParserName.SHADOWSERVER.value:
        if mapping:
            errors.add("mapping", "the shadowserver parser takes no mapping (leave it out)")
        return
    if mapping is None:
        if parser == ParserName.CSV.value:
            errors.add("mapping", "the csv parser needs a mapping of columns to fields")
        return
    from csirtnet.feeds.parsers import validate_mapping

    try:
        problems = validate_mapping(mapping)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        problems = [f"is not a mapping the parser reads ({exc})"]
    for problem in problems:
        # The parser names the key ("mapping.columns.ip: …"): that is the field.
        where, _, message = problem.partition(": ")
        if where.startswith("mapping") and message:
            errors.add(where, message)
        else:
            errors.add("mapping", problem)


def _check_key(errors: ErrorList, kind: str, header: str | None, secret: str | None, has_secret: bool) -> None:
    """A polled address's key: a header name and its value, both or neither, for url sources only."""
    if header and kind != SourceKind.URL.value:
        errors.add("url_header", "only url sources send a key")
    elif header and not HEADER_NAME.fullmatch(header):
        errors.add("url_header", "is not an HTTP header name (letters, digits and - only, e.g. Auth-Key)")
    if secret is not None and any(c in secret for c in "\r\n\0"):
        errors.add("url_secret", "must be one line")
    if has_secret and not header:
        errors.add("url_header", "a key needs the header that carries it")
    elif header and not has_secret:
        errors.add("url_secret", "give the value the header carries")


def _check_source(
    session: Session,
    values: dict[str, Any],
    *,
    current: FeedSource | None,
    secret: str | None = None,
    has_secret: bool = False,
) -> None:
    """Check a source's whole configuration (`values` as it would be stored; `secret` a new key given,
    `has_secret` whether it will have one); raises naming each field. Normalises `folder` (resolved),
    `schedule_minutes` (a url source's default) and the lists in place."""
    errors = ErrorList()
    _check_key(errors, values["kind"], values.get("url_header"), secret, has_secret)
    name = values["name"]
    clash = session.scalar(select(FeedSource.id).where(FeedSource.name == name))
    if clash is not None and (current is None or clash != current.id):
        errors.add("name", f"a source named {name!r} exists")
    kind, parser = values["kind"], values["parser"]
    if kind == SourceKind.URL.value:
        if not values.get("url"):
            errors.add("url", "a url source needs the address to poll")
        else:
            _check_url(errors, values["url"])
        if values.get("schedule_minutes") is None:
            values["schedule_minutes"] = DEFAULT_SCHEDULE_MINUTES
    elif values.get("url"):
        errors.add("url", "only url sources have an address")
    if kind == SourceKind.FOLDER.value:
        if not values.get("folder"):
            errors.add("folder", "a folder source needs the directory to watch")
        else:
            values["folder"] = _check_folder(errors, values["folder"]) or values["folder"]
    elif values.get("folder"):
        errors.add("folder", "only folder sources have a directory")
    if kind not in (SourceKind.URL.value, SourceKind.FOLDER.value) and values.get("schedule_minutes") is not None:
        errors.add("schedule_minutes", "only url and folder sources run on a schedule")
    if kind == SourceKind.API.value and parser != ParserName.JSONL.value:
        errors.add("parser", "an api source reads JSON lines: use the jsonl parser")
    _check_mapping(errors, parser, values.get("mapping"))
    fields = list(dict.fromkeys(values["dedupe_fields"]))
    for index, field in enumerate(fields):
        if field not in event.COLUMNS:
            errors.add(f"dedupe_fields[{index}]", f"{field!r} is not a field of the harmonised event")
    values["dedupe_fields"] = fields
    values["actions"] = [a for a in ("digest", "rules") if a in values["actions"]]
    orgs = sorted(set(values["submitter_org_ids"]))
    if orgs:
        found = set(session.scalars(select(Organisation.id).where(Organisation.id.in_(orgs))))
        for missing in [o for o in orgs if o not in found]:
            errors.add("submitter_org_ids", f"no organisation {missing}")
        if kind != SourceKind.API.value:
            errors.add("submitter_org_ids", "only api sources take events from members' sensors")
    values["submitter_org_ids"] = orgs
    errors.raise_if_any()


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}


def create_source(session: Session, who: Subject, body: FeedSourceCreate) -> FeedSource:
    """Configure a new source (checked whole, see the module page)."""
    rules.require_manage(who)
    values = _plain(body.model_dump())
    secret = values.pop("url_secret") or None
    _check_source(session, values, current=None, secret=secret, has_secret=secret is not None)
    row = FeedSource(**values, url_secret_sealed=URL_SECRETS.seal(secret) if secret else None)
    session.add(row)
    session.flush()
    audit.record(session, who, "feed.source_created", row, name=row.name, kind=row.kind, parser=row.parser)
    if row.enabled:
        from csirtnet.feeds import tasks

        tasks.ensure_scheduled(session)  # polls, folder scans, digests and retention
    return row


_COLUMNS = (
    "name",
    "provider",
    "kind",
    "parser",
    "mapping",
    "url",
    "url_header",
    "folder",
    "schedule_minutes",
    "tlp",
    "actions",
    "dedupe_fields",
    "dedupe_window_hours",
    "digest_period_hours",
    "submitter_org_ids",
    "enabled",
)


def update_source(session: Session, who: Subject, source_id: int, body: FeedSourceUpdate) -> FeedSource:
    """Change a source: the fields given, checked with the rest as they would be stored."""
    row = get_source_row(session, who, source_id)
    changes = _plain(body.model_dump(exclude_unset=True))
    secret_given = "url_secret" in changes
    secret = changes.pop("url_secret", None) or None
    values = {name: getattr(row, name) for name in _COLUMNS}
    values.update(changes)
    # A new key replaces the sealed one; the header taken away takes the key with it.
    keeps = row.url_secret_sealed is not None and bool(values.get("url_header"))
    has_secret = secret is not None if secret_given else keeps
    _check_source(session, values, current=row, secret=secret, has_secret=has_secret)
    changed = sorted(name for name in _COLUMNS if values[name] != getattr(row, name))
    for name in changed:
        setattr(row, name, values[name])
    if secret_given or (row.url_secret_sealed is not None and not has_secret):
        row.url_secret_sealed = URL_SECRETS.seal(secret) if secret else None
        changed.append("url_secret")  # its name only: the audit never holds the value
    if changed:
        session.flush()
        audit.record(session, who, "feed.source_updated", row, name=row.name, changed=changed)
        if row.enabled:
            from csirtnet.feeds import tasks

            tasks.ensure_scheduled(session)
    return row


def delete_source(session: Session, who: Subject, source_id: int) -> None:
    """Remove a source with its runs, quarantine, digests, rules, events and dedupe window."""
    row = get_source_row(session, who, source_id)
    audit.record(session, who, "feed.source_deleted", row, name=row.name)
    # feed_block and feed_seen carry no foreign key (a partitioned table cannot refer cheaply).
    session.execute(delete(FeedBlock).where(FeedBlock.source_id == row.id))
    session.execute(delete(FeedSeen).where(FeedSeen.source_id == row.id))
    session.execute(delete(FeedRule).where(FeedRule.source_id == row.id))
    session.delete(row)
    session.flush()


# -- rules -----------------------------------------------------------------------------------------


def _check_rule(session: Session, values: dict[str, Any]) -> None:
    errors = ErrorList()
    if values.get("source_id") is not None and session.get(FeedSource, values["source_id"]) is None:
        errors.add("source_id", f"no feed source {values['source_id']}")
    taxonomy = values.get("taxonomy")
    classes = rsit.taxonomy()
    if taxonomy is not None and taxonomy not in classes:
        errors.add("taxonomy", f"{taxonomy!r} is not an RSIT class ({', '.join(classes)})")
    types = list(dict.fromkeys(values.get("types") or []))
    for index, type_ in enumerate(types):
        known = rsit.is_valid(taxonomy, type_) if taxonomy in classes else any(type_ in t for t in classes.values())
        if not known:
            where = f"of the class {taxonomy!r}" if taxonomy in classes else ""
            errors.add(f"types[{index}]", f"{type_!r} is not an RSIT type {where}".rstrip())
    values["types"] = types
    if values["action"] == RuleAction.OPEN_INCIDENT.value:
        values["severity"] = values.get("severity") or "normal"
    elif values.get("severity") is not None:
        errors.add("severity", "only a rule that opens incidents has a severity")
    errors.raise_if_any()


def get_rule_row(session: Session, who: Subject, rule_id: int) -> FeedRule:
    """The rule, for a manager."""
    return _managed(session, who, FeedRule, rule_id, "feed rule")


def create_rule(session: Session, who: Subject, body: FeedRuleCreate) -> FeedRule:
    """Add a rule (RSIT taxonomy and types checked)."""
    rules.require_manage(who)
    values = _plain(body.model_dump())
    _check_rule(session, values)
    row = FeedRule(**values)
    session.add(row)
    session.flush()
    audit.record(session, who, "feed.rule_created", row, name=row.name, rule_action=row.action)
    return row


_RULE_COLUMNS = (
    "name",
    "action",
    "source_id",
    "taxonomy",
    "types",
    "min_security_level",
    "severity",
    "window_hours",
    "enabled",
)


def update_rule(session: Session, who: Subject, rule_id: int, body: FeedRuleUpdate) -> FeedRule:
    """Change a rule: the fields given, checked with the rest."""
    row = get_rule_row(session, who, rule_id)
    values = {name: getattr(row, name) for name in _RULE_COLUMNS}
    changes = _plain(body.model_dump(exclude_unset=True))
    if "action" in changes and changes["action"] != RuleAction.OPEN_INCIDENT.value and "severity" not in changes:
        changes["severity"] = None  # a severity belongs to incident-opening rules only
    values.update(changes)
    _check_rule(session, values)
    changed = sorted(name for name in _RULE_COLUMNS if values[name] != getattr(row, name))
    for name in changed:
        setattr(row, name, values[name])
    if changed:
        session.flush()
        audit.record(session, who, "feed.rule_updated", row, name=row.name, changed=changed)
    return row


def delete_rule(session: Session, who: Subject, rule_id: int) -> None:
    """Remove a rule (what it did stays: the incidents, sightings and flags)."""
    row = get_rule_row(session, who, rule_id)
    audit.record(session, who, "feed.rule_deleted", row, name=row.name)
    session.delete(row)
    session.flush()


# -- the prefix-to-ASN table -----------------------------------------------------------------------

_SPLIT = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class AsnTableLoad:
    prefixes: int
    replaced: int


def parse_asn_table(text: str) -> list[tuple[str, int]]:
    """(network, asn) of each line: `prefix asn` or CSV `prefix,asn` ("AS" before the number is
    fine; blank lines, '#' comments and a `prefix,asn` header are skipped). Every bad line is named
    (line numbers 1-based); nothing is returned unless every line is good."""
    errors = ErrorList()
    seen: dict[str, int] = {}
    out: list[tuple[str, int]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = [p for p in _SPLIT.split(line) if p]
        if number == 1 and [p.lower() for p in parts] in (["prefix", "asn"], ["network", "asn"]):
            continue
        where = f"line {number}"
        if len(parts) != 2:
            errors.add(where, f"{raw.strip()[:80]!r} is not 'prefix asn' (two values)")
        else:
            prefix, asn_text = parts
            try:
                network = str(ipaddress.ip_network(prefix, strict=True))
            except ValueError as exc:
                errors.add(where, f"{prefix[:60]!r} is not an IP prefix ({exc})")
                network = None
            digits = asn_text[2:] if asn_text[:2].upper() == "AS" else asn_text
            asn = int(digits) if digits.isdigit() and len(digits) <= 10 else -1
            if not 0 <= asn <= MAX_ASN:
                errors.add(where, f"{asn_text[:30]!r} is not an AS number (0 to {MAX_ASN})")
            elif network is not None:
                if network in seen:
                    errors.add(where, f"{network} repeats line {seen[network]}")
                else:
                    seen[network] = number
                    out.append((network, asn))
        if len(errors.errors) >= 50:  # enough to fix before trying again
            break
    errors.raise_if_any()
    return out


def load_asn_table(session: Session, who: Subject, text: str) -> AsnTableLoad:
    """Replace the prefix-to-ASN table with `text`'s lines (all or nothing; an empty table refused)."""
    rules.require_manage(who)
    entries = parse_asn_table(text)
    if not entries:
        raise ValidationFailed("asn_table", "holds no 'prefix asn' line")
    replaced = session.scalar(select(func.count()).select_from(AsnPrefix)) or 0
    session.execute(delete(AsnPrefix))
    insert_rows(session, AsnPrefix.__table__, [{"network": n, "asn": a} for n, a in entries])
    audit.record(
        session,
        who,
        "feed.asn_table_loaded",
        ("asn_prefix", "table"),
        guard=TABLE_GUARD,
        prefixes=len(entries),
        replaced=replaced,
    )
    return AsnTableLoad(prefixes=len(entries), replaced=replaced)
