"""`csirtnet intel subscription add|list|run|remove` and `csirtnet intel collection add|list|grant`:
federation from the command line. Each command acts as the platform unless `--as EMAIL` names the
user acting (who then needs intel:manage). A subscription's secret is read from standard input
(`--secret-stdin`), never from the command line, where other users of the machine could read it.

Two instances exchanging the national collection, seen from instance B (A has given B an account:
a responder of a partner organisation, with an API token):

    csirtnet intel subscription add "A national" --direction pull \
        --api-root https://a.example/taxii2/intel/ --remote-collection <A's national collection id> \
        --username b@partner.example --secret-stdin < token.txt
    csirtnet intel subscription add "To A" --direction push --peer-organisation <B's id for A> \
        --api-root https://a.example/taxii2/intel/ --remote-collection <A's national collection id> \
        --username b@partner.example --secret-stdin < token.txt
    csirtnet intel subscription run 1

A push sends what the peer organisation may read under TLP; the worker runs both every interval."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from csirtnet.cli_common import AsUser, acting, fail
from csirtnet.intel.cli_app import app

out = Console(highlight=False, soft_wrap=True)

subscription_app = typer.Typer(help="Subscriptions to remote TAXII 2.1 collections", no_args_is_help=True)
collection_app = typer.Typer(help="Collections added by configuration", no_args_is_help=True)
app.add_typer(subscription_app, name="subscription")
app.add_typer(collection_app, name="collection")


@subscription_app.command("add")
def add_subscription(
    name: Annotated[str, typer.Argument(help="A name for the subscription")],
    direction: Annotated[str, typer.Option(help="pull (import from the remote) or push (send to it)")],
    api_root: Annotated[str, typer.Option("--api-root", help="The remote API root URL (http or https)")],
    remote_collection: Annotated[str, typer.Option("--remote-collection", help="The remote collection's id")],
    collection: Annotated[str, typer.Option(help="The local collection key (national, cluster:<id>, …)")] = "national",
    username: Annotated[str | None, typer.Option(help="The account on the remote")] = None,
    secret_stdin: Annotated[bool, typer.Option("--secret-stdin", help="Read the password or token from stdin")] = False,
    peer_organisation: Annotated[
        int | None, typer.Option("--peer-organisation", help="Push: the organisation the peer stands for")
    ] = None,
    interval: Annotated[int, typer.Option(help="Minutes between runs")] = 60,
    disabled: Annotated[bool, typer.Option("--disabled", help="Add it without running it")] = False,
    as_user: AsUser = None,
) -> None:
    """Add a subscription; prints its id."""
    from csirtnet.intel.federation import service
    from csirtnet.intel.federation.schemas import SubscriptionCreate

    secret = sys.stdin.readline().rstrip("\r\n") if secret_stdin else None
    with acting(as_user) as (session, who):
        body = SubscriptionCreate(
            name=name,
            direction=direction,  # checked by the schema
            api_root_url=api_root,
            remote_collection_id=remote_collection,
            collection=collection,
            username=username,
            secret=secret or None,
            peer_organisation_id=peer_organisation,
            interval_minutes=interval,
            enabled=not disabled,
        )
        ident = service.create(session, who, body).id
    out.print(str(ident))


@subscription_app.command("list")
def list_subscriptions(as_user: AsUser = None) -> None:
    """Subscriptions: id, name, direction, local collection, remote, enabled, last run, last error."""
    from csirtnet.intel.federation import reads

    with acting(as_user, write=False) as (session, who):
        rows = reads.subscriptions(session, who)
    table = Table("id", "name", "direction", "collection", "remote", "enabled", "last run", "last error", box=None)
    for s in rows:
        table.add_row(
            str(s.id),
            s.name,
            s.direction,
            s.collection,
            f"{s.api_root_url}collections/{s.remote_collection_id}/",
            "yes" if s.enabled else "no",
            s.last_run_at.isoformat(timespec="seconds") if s.last_run_at else "—",
            s.last_error or "",
        )
    out.print(table)


@subscription_app.command("run")
def run_subscription(
    subscription_id: Annotated[int, typer.Argument(help="The subscription's id")], as_user: AsUser = None
) -> None:
    """Run a subscription now, here: pull from or push to its remote, and say what happened."""
    from csirtnet.intel.federation import service

    with acting(as_user) as (session, who):
        outcome = service.run_here(session, who, subscription_id)
    verb = "pulled" if outcome.direction == "pull" else "pushed"
    out.print(f"{verb} {outcome.objects} object(s)" + (f", {outcome.refused} refused" if outcome.refused else ""))
    if outcome.more:
        out.print("more is waiting: run it again")
    if outcome.error:
        raise fail(outcome.error)


@subscription_app.command("remove")
def remove_subscription(
    subscription_id: Annotated[int, typer.Argument(help="The subscription's id")], as_user: AsUser = None
) -> None:
    """Delete a subscription (what it brought stays)."""
    from csirtnet.intel.federation import service

    with acting(as_user) as (session, who):
        service.remove(session, who, subscription_id)
    out.print(f"removed subscription {subscription_id}")


@collection_app.command("add")
def add_collection(
    title: Annotated[str, typer.Argument(help="The collection's title")],
    description: Annotated[str | None, typer.Option(help="What it is for")] = None,
    as_user: AsUser = None,
) -> None:
    """Add a collection by configuration; prints its key (custom:<uuid>)."""
    from csirtnet.intel.federation import service
    from csirtnet.intel.federation.schemas import TaxiiCollectionCreate

    with acting(as_user) as (session, who):
        body = TaxiiCollectionCreate(title=title, description=description)
        key = f"custom:{service.create_collection(session, who, body).uuid}"
    out.print(key)


@collection_app.command("list")
def list_collections(as_user: AsUser = None) -> None:
    """Collections added by configuration: key, title, readers and writers."""
    from csirtnet.intel.federation import reads

    with acting(as_user, write=False) as (session, who):
        rows = reads.configured_collections(session, who)
    table = Table("key", "title", "members", box=None)
    for c in rows:
        members = ", ".join(f"{m.organisation_name} ({'write' if m.can_write else 'read'})" for m in c.members)
        table.add_row(c.key, c.title, members or "—")
    out.print(table)


@collection_app.command("grant")
def grant_collection(
    collection: Annotated[str, typer.Argument(help="The collection's key (custom:<uuid>) or UUID")],
    organisation_id: Annotated[int, typer.Argument(help="The organisation's id")],
    write: Annotated[bool, typer.Option("--write", help="May share into it too (default: read only)")] = False,
    revoke: Annotated[bool, typer.Option("--revoke", help="Take the collection away instead")] = False,
    as_user: AsUser = None,
) -> None:
    """Let an organisation read (--write: and write) a configured collection, or --revoke it."""
    from csirtnet.intel.federation import service
    from csirtnet.intel.federation.schemas import TaxiiCollectionGrant

    with acting(as_user) as (session, who):
        if revoke:
            service.revoke(session, who, collection, organisation_id)
        else:
            service.grant(session, who, collection, organisation_id, TaxiiCollectionGrant(can_write=write))
    if revoke:
        out.print(f"organisation {organisation_id} no longer reads {collection}")
    else:
        out.print(f"organisation {organisation_id} may {'write' if write else 'read'} {collection}")
