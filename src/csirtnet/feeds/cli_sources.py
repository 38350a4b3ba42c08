"""`csirtnet feed source list|add|update|remove`, `csirtnet feed rule list|add|remove`,
`csirtnet feed asn-table FILE` and `csirtnet feed events`: configure feeds and read the processed
events from the shell, through the same services and reads as the API (feeds.service, feeds.reads).

Each command acts as the platform unless `--as EMAIL` names the user acting (their rights then
decide); a refusal or an invalid input names its field (or line) and exits with 1."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from csirtnet.cli_common import AsUser, acting, fail
from csirtnet.feeds.cli_app import app

out = Console(highlight=False, soft_wrap=True)
source_app = typer.Typer(help="Feed sources: list, add, update, remove", no_args_is_help=True)
rule_app = typer.Typer(help="Feed rules: events that open incidents, add sightings, raise flags", no_args_is_help=True)
app.add_typer(source_app, name="source")
app.add_typer(rule_app, name="rule")

Action = Annotated[list[str] | None, typer.Option("--action", help="digest and/or rules (repeatable)")]
DedupeField = Annotated[
    list[str] | None, typer.Option("--dedupe-field", help="A field of the dedupe key (repeatable), e.g. source.ip")
]
Submitter = Annotated[
    list[int] | None, typer.Option("--submitter-org", help="API sources: an organisation whose sensors post (id)")
]
MappingFile = Annotated[Path | None, typer.Option("--mapping", help="A JSON file: the generic parsers' mapping")]


def _mapping(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise fail(f"mapping: {path} is not a readable JSON file ({exc})") from None
    if not isinstance(value, dict):
        raise fail(f"mapping: {path} holds no JSON object")
    return value


UrlHeader = Annotated[
    str | None, typer.Option("--url-header", help="url sources: the header that carries the key, e.g. Auth-Key")
]
UrlSecretStdin = Annotated[
    bool, typer.Option("--url-secret-stdin", help="url sources: read the key from standard input (sealed, never shown)")
]
# The options `source add` and `source update` share, by the schema field each one sets.
SHARED_OPTIONS = {
    "provider": "provider",
    "parser": "parser",
    "url": "url",
    "url_header": "url_header",
    "folder": "folder",
    "schedule": "schedule_minutes",
    "tlp": "tlp",
    "action": "actions",
    "dedupe_field": "dedupe_fields",
    "dedupe_window": "dedupe_window_hours",
    "digest_period": "digest_period_hours",
    "submitter_org": "submitter_org_ids",
}


def _options(**values: Any) -> dict[str, Any]:
    """The options given (None and empty lists are "not given")."""
    return {k: v for k, v in values.items() if v is not None and v != []}


def _source_options(given: dict[str, Any], **more: Any) -> dict[str, Any]:
    """The request body of the options given to a source command (its `locals()`): the shared ones
    by their schema names, the mapping file read, and `more`."""
    shared = {field: given[option] for option, field in SHARED_OPTIONS.items()}
    if given["url_secret_stdin"]:
        more["url_secret"] = _secret_from_stdin()
    return _options(**shared, mapping=_mapping(given["mapping"]), **more)


def _secret_from_stdin() -> str:
    """The key read from standard input (its first line): never an argument, which `ps` would show."""
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise fail("url_secret: standard input gave no key")
    return line


# -- sources ---------------------------------------------------------------------------------------


@source_app.command("list")
def source_list(as_user: AsUser = None) -> None:
    """Sources with their counts: runs, events, matched, duplicates, quarantined, last run."""
    from csirtnet.feeds import reads

    with acting(as_user, write=False) as (session, who):
        rows = reads.list_sources(session, who)
    table = Table(
        "id", "name", "kind", "parser", "tlp", "enabled", "runs", "events", "matched", "dupl.", "quar.", "last run"
    )
    for r in rows:
        table.add_row(
            str(r.id),
            r.name,
            r.kind,
            r.parser,
            r.tlp,
            "yes" if r.enabled else "no",
            str(r.totals.runs),
            str(r.totals.events),
            str(r.totals.matched),
            str(r.totals.duplicates),
            str(r.totals.quarantined),
            r.last_run_at.strftime("%Y-%m-%d %H:%M") if r.last_run_at else "",
        )
    out.print(table)


@source_app.command("add")
def source_add(
    name: Annotated[str, typer.Argument(help="The source's name (unique)")],
    provider: Annotated[str, typer.Option(help="Who publishes the feed")],
    kind: Annotated[str, typer.Option(help="file, folder, url or api")] = "file",
    parser: Annotated[str, typer.Option(help="shadowserver, csv or jsonl")] = "shadowserver",
    url: Annotated[str | None, typer.Option(help="url sources: the address to poll")] = None,
    url_header: UrlHeader = None,
    url_secret_stdin: UrlSecretStdin = False,
    folder: Annotated[str | None, typer.Option(help="folder sources: the directory to watch")] = None,
    schedule: Annotated[int | None, typer.Option("--schedule", help="url sources: minutes between polls")] = None,
    tlp: Annotated[str, typer.Option(help="TLP of the source's data")] = "amber",
    action: Action = None,
    dedupe_field: DedupeField = None,
    dedupe_window: Annotated[int | None, typer.Option("--dedupe-window", help="Hours")] = None,
    digest_period: Annotated[int | None, typer.Option("--digest-period", help="Hours")] = None,
    mapping: MappingFile = None,
    submitter_org: Submitter = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Configure it switched off")] = False,
    as_user: AsUser = None,
) -> None:
    """Configure a new source; prints its id."""
    from csirtnet.feeds import service
    from csirtnet.feeds.schemas import FeedSourceCreate

    body = _source_options(locals(), name=name, kind=kind, enabled=False if disabled else None)
    with acting(as_user) as (session, who):
        row = service.create_source(session, who, FeedSourceCreate.model_validate(body))
        source_id = row.id
    out.print(f"source {source_id} {name} added")


@source_app.command("update")
def source_update(
    name: Annotated[str, typer.Argument(help="The source's name (or id)")],
    rename: Annotated[str | None, typer.Option("--name", help="A new name")] = None,
    provider: Annotated[str | None, typer.Option()] = None,
    parser: Annotated[str | None, typer.Option()] = None,
    url: Annotated[str | None, typer.Option()] = None,
    url_header: UrlHeader = None,
    url_secret_stdin: UrlSecretStdin = False,
    no_url_key: Annotated[bool, typer.Option("--no-url-key", help="Send no key any more")] = False,
    folder: Annotated[str | None, typer.Option()] = None,
    schedule: Annotated[int | None, typer.Option("--schedule", help="Minutes between polls")] = None,
    tlp: Annotated[str | None, typer.Option()] = None,
    action: Action = None,
    no_actions: Annotated[bool, typer.Option("--no-actions", help="Neither digests nor rules")] = False,
    dedupe_field: DedupeField = None,
    dedupe_window: Annotated[int | None, typer.Option("--dedupe-window", help="Hours")] = None,
    digest_period: Annotated[int | None, typer.Option("--digest-period", help="Hours")] = None,
    mapping: MappingFile = None,
    submitter_org: Submitter = None,
    enable: Annotated[bool | None, typer.Option("--enable/--disable", help="Switch it on or off")] = None,
    as_user: AsUser = None,
) -> None:
    """Change a source: the options given."""
    from csirtnet.feeds import service
    from csirtnet.feeds.schemas import FeedSourceUpdate

    body = _source_options(locals(), name=rename, enabled=enable)
    if no_actions:
        body["actions"] = []
    if no_url_key:
        body["url_header"] = body["url_secret"] = None
    if not body:
        raise fail("nothing to change: give an option")
    with acting(as_user) as (session, who):
        row = service.source_by_name(session, who, name)
        service.update_source(session, who, row.id, FeedSourceUpdate.model_validate(body))
    out.print(f"source {name} updated")


@source_app.command("remove")
def source_remove(
    name: Annotated[str, typer.Argument(help="The source's name (or id)")],
    as_user: AsUser = None,
) -> None:
    """Remove a source with its runs, quarantine, digests, rules and events."""
    from csirtnet.feeds import service

    with acting(as_user) as (session, who):
        row = service.source_by_name(session, who, name)
        service.delete_source(session, who, row.id)
    out.print(f"source {name} removed")


# -- rules -----------------------------------------------------------------------------------------


@rule_app.command("list")
def rule_list(as_user: AsUser = None) -> None:
    """The rules: id, name, action, source, taxonomy, types, minimum level, window, enabled."""
    from csirtnet.feeds import reads

    with acting(as_user, write=False) as (session, who):
        rows = reads.list_rules(session, who)
    table = Table("id", "name", "action", "source", "taxonomy", "types", "min level", "window h", "enabled")
    for r in rows:
        table.add_row(
            str(r.id),
            r.name,
            r.action,
            str(r.source_id or "any"),
            r.taxonomy or "any",
            ", ".join(r.types) or "any",
            str(r.min_security_level or ""),
            str(r.window_hours),
            "yes" if r.enabled else "no",
        )
    out.print(table)


@rule_app.command("add")
def rule_add(
    name: Annotated[str, typer.Argument(help="The rule's name")],
    action: Annotated[str, typer.Option(help="open_incident, add_sighting or raise_flag")],
    source: Annotated[str | None, typer.Option(help="Only this source's events (name or id)")] = None,
    taxonomy: Annotated[str | None, typer.Option(help="RSIT class, e.g. malicious-code")] = None,
    type_: Annotated[list[str] | None, typer.Option("--type", help="RSIT type (repeatable)")] = None,
    min_level: Annotated[int | None, typer.Option("--min-level", help="The owner's system's level, 1-5")] = None,
    severity: Annotated[str | None, typer.Option(help="open_incident: normal or serious")] = None,
    window: Annotated[int | None, typer.Option("--window", help="Hours: once per owner and address")] = None,
    as_user: AsUser = None,
) -> None:
    """Add a rule; prints its id."""
    from csirtnet.feeds import service
    from csirtnet.feeds.schemas import FeedRuleCreate

    with acting(as_user) as (session, who):
        source_id = service.source_by_name(session, who, source).id if source else None
        body = _options(
            name=name,
            action=action,
            source_id=source_id,
            taxonomy=taxonomy,
            types=type_,
            min_security_level=min_level,
            severity=severity,
            window_hours=window,
        )
        row = service.create_rule(session, who, FeedRuleCreate.model_validate(body))
        rule_id = row.id
    out.print(f"rule {rule_id} {name} added")


@rule_app.command("remove")
def rule_remove(rule_id: Annotated[int, typer.Argument(help="The rule's id")], as_user: AsUser = None) -> None:
    """Remove a rule (what it did stays)."""
    from csirtnet.feeds import service

    with acting(as_user) as (session, who):
        service.delete_rule(session, who, rule_id)
    out.print(f"rule {rule_id} removed")


# -- the ASN table and the events ------------------------------------------------------------------


@app.command("asn-table")
def asn_table(
    path: Annotated[Path, typer.Argument(help="One 'prefix asn' or 'prefix,asn' a line ('#' comments)")],
    as_user: AsUser = None,
) -> None:
    """Replace the prefix-to-ASN table with a file's lines (all or none; a bad line is named)."""
    from csirtnet.feeds import service

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    with acting(as_user) as (session, who):
        loaded = service.load_asn_table(session, who, text)
    out.print(f"{loaded.prefixes} prefixes loaded ({loaded.replaced} replaced)")


@app.command("events")
def events(
    ip: Annotated[str | None, typer.Option(help="source.ip, exactly")] = None,
    org: Annotated[int | None, typer.Option("--org", help="The owning organisation (id)")] = None,
    source: Annotated[int | None, typer.Option("--source", help="The source (id)")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="RSIT type")] = None,
    unmatched: Annotated[bool, typer.Option("--unmatched", help="Only events nobody owns")] = False,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    as_user: AsUser = None,
) -> None:
    """Processed events one may read, newest first."""
    from csirtnet.feeds import reads

    with acting(as_user, write=False) as (session, who):
        page = reads.search_events(
            session, who, ip=ip, organisation_id=org, source_id=source, type=type_, unmatched=unmatched, limit=limit
        )
    table = Table("observed", "source", "owner", "ip", "port", "type", "identifier", "tlp")
    for e in page.items:
        table.add_row(
            e.observed_at.strftime("%Y-%m-%d %H:%M:%S"),
            str(e.source_id),
            str(e.organisation_id or "-"),
            e.source_ip or e.source_fqdn or "",
            str(e.data.get("source.port") or ""),
            e.type or "",
            e.identifier or "",
            e.tlp,
        )
    out.print(table)
    out.print(f"{len(page.items)} events" + (" (more: narrow the filters)" if page.next_cursor else ""))
