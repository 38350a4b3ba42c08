"""`csirtnet intel export` (intel.exports_cli) against a committing database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from csirtnet.vocabulary import Role
from csirtnet.vocabulary.enums import TLP
from tests.factories import make_organisation, make_user
from tests.helpers import run_cli
from tests.intel.test_exports import add


def test_export_as_a_member_and_refusals(committing_database: Any, tmp_path: Path) -> None:
    with committing_database.unit_of_work() as session:
        mine, theirs = make_organisation(session), make_organisation(session)
        user = make_user(session, roles=[Role.RESPONDER], organisation=mine)
        other = make_user(session, roles=[Role.RESPONDER], organisation=theirs)
        add(session, mine, user, "domain", "evil.example.com")
        add(session, theirs, other, "domain", "strict.example.com", TLP.AMBER_STRICT)
        email = user.email
    out = tmp_path / "zone.rpz"
    done = run_cli(committing_database, "intel", "export", "--format", "rpz", "--out", str(out), "--as", email)
    assert done.exit_code == 0, done.output
    assert "Exported 1 indicators as rpz" in done.output
    text = out.read_text()
    assert "evil.example.com CNAME ." in text and "strict.example.com" not in text
    # The platform itself exports everything.
    feed = tmp_path / "feed"
    done = run_cli(committing_database, "intel", "export", "--format", "misp-feed", "--out", str(feed))
    assert done.exit_code == 0, done.output
    assert len(json.loads((feed / "manifest.json").read_text())) == 2
    bundle = tmp_path / "out" / "bundle.json"
    done = run_cli(committing_database, "intel", "export", "--format", "stix", "--out", str(bundle), "--as", email)
    assert done.exit_code == 0, done.output
    # The command hands STIX to intel.stix.export (tested there under TLP): a bundle comes out.
    assert json.loads(bundle.read_text())["type"] == "bundle"
    refused = run_cli(committing_database, "intel", "export", "--format", "pdf", "--out", str(tmp_path / "x"))
    assert refused.exit_code == 1 and "format: 'pdf' is not an export format" in refused.output
