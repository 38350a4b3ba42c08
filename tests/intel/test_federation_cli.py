"""`csirtnet intel subscription add|list|run|remove` and `csirtnet intel collection add|list|grant`
against a committing database: the secret read from standard input and never printed, a push run
against medallion on loopback, errors that name the field, and `--as` a member refused."""

from __future__ import annotations

from sqlalchemy import select

from csirtnet.db import Database
from csirtnet.models import StixObject, TaxiiCollectionMember, TaxiiSubscription
from csirtnet.vocabulary.enums import TLP
from tests.factories import make_organisation, make_user
from tests.helpers import run_cli
from tests.intel.federation_helpers import MEDALLION_PASSWORD, MEDALLION_USER, indicator, medallion_server, store


def test_subscriptions_from_the_command_line(committing_database: Database) -> None:
    with committing_database.unit_of_work() as session:
        peer = make_organisation(session).id
        shared = store(session, indicator("198.51.100.40", TLP.GREEN), tlp=TLP.GREEN).stix_id
        hidden = store(session, indicator("198.51.100.41", TLP.AMBER), tlp=TLP.AMBER).stix_id
    with medallion_server() as server:
        added = run_cli(
            committing_database,
            "intel", "subscription", "add", "Đối tác",
            "--direction", "push",
            "--api-root", server.api_root,
            "--remote-collection", server.collection_id,
            "--username", MEDALLION_USER,
            "--secret-stdin",
            "--peer-organisation", str(peer),
            input=MEDALLION_PASSWORD + "\n",
        )  # fmt: skip
        assert added.exit_code == 0, added.output
        ident = added.stdout.strip()
        listed = run_cli(committing_database, "intel", "subscription", "list")
        assert listed.exit_code == 0 and "Đối tác" in listed.stdout and MEDALLION_PASSWORD not in listed.stdout
        ran = run_cli(committing_database, "intel", "subscription", "run", ident)
        assert ran.exit_code == 0, ran.output
        assert "pushed 1 object(s)" in ran.stdout
        assert [o["id"] for o in server.objects()] == [shared]
        assert hidden not in [o["id"] for o in server.objects()]
    with committing_database.unit_of_work(write=False) as session:
        sub = session.scalar(select(TaxiiSubscription))
        assert sub is not None and sub.cursor is not None and sub.secret_ciphertext is not None
        assert MEDALLION_PASSWORD not in sub.secret_ciphertext
        assert session.scalar(select(StixObject.id).where(StixObject.stix_id == shared)) is not None
    removed = run_cli(committing_database, "intel", "subscription", "remove", ident)
    assert removed.exit_code == 0, removed.output
    with committing_database.unit_of_work(write=False) as session:
        assert session.scalar(select(TaxiiSubscription.id)) is None


def test_a_failed_run_exits_with_the_error(committing_database: Database) -> None:
    added = run_cli(
        committing_database,
        "intel", "subscription", "add", "Closed port",
        "--direction", "pull",
        "--api-root", "http://127.0.0.1:9/taxii2/intel/",
        "--remote-collection", "91a7b528-80eb-42ed-a74d-c6fbd5a26116",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    ran = run_cli(committing_database, "intel", "subscription", "run", added.stdout.strip())
    assert ran.exit_code == 1 and "could not be reached" in ran.output


def test_bad_input_and_members_are_refused(committing_database: Database) -> None:
    bad = run_cli(
        committing_database,
        "intel", "subscription", "add", "x",
        "--direction", "pull",
        "--api-root", "ftp://taxii.example.org/",
        "--remote-collection", "nope",
    )  # fmt: skip
    assert bad.exit_code == 1 and "api_root_url" in bad.output and "remote_collection_id" in bad.output
    with committing_database.unit_of_work() as session:
        responder = make_user(session).email
    refused = run_cli(committing_database, "intel", "subscription", "list", "--as", responder)
    assert refused.exit_code == 1 and "coordinating body" in refused.output
    refused = run_cli(committing_database, "intel", "collection", "add", "Banks", "--as", responder)
    assert refused.exit_code == 1


def test_configured_collections_from_the_command_line(committing_database: Database) -> None:
    with committing_database.unit_of_work() as session:
        org = make_organisation(session, name="Ngân hàng A").id
    added = run_cli(committing_database, "intel", "collection", "add", "Ngân hàng", "--description", "Banks")
    assert added.exit_code == 0, added.output
    key = added.stdout.strip()
    assert key.startswith("custom:")
    granted = run_cli(committing_database, "intel", "collection", "grant", key, str(org), "--write")
    assert granted.exit_code == 0, granted.output
    listed = run_cli(committing_database, "intel", "collection", "list")
    assert "Ngân hàng A (write)" in listed.stdout
    missing = run_cli(committing_database, "intel", "collection", "grant", key, "99999999")
    assert missing.exit_code == 1 and "organisation_id" in missing.output
    revoked = run_cli(committing_database, "intel", "collection", "grant", key, str(org), "--revoke")
    assert revoked.exit_code == 0, revoked.output
    with committing_database.unit_of_work(write=False) as session:
        assert session.scalar(select(TaxiiCollectionMember.id)) is None
