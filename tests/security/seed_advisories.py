"""Seeding advisories (issue 13; the rules are authz/advisory.py's module page): one advisory of each
audience and state, written and published through the services, every text a recipient reads
marked with who may read it.

| key | publisher (author) | TLP | state | told |
|---|---|---|---|---|
| amber-A | COORD (coord2) | AMBER | published, then a version 1.1 | organisation A |
| clear | COORD (coord2) | CLEAR | published; A's responder answered with a note | cluster 1 (A, LP, LC) |
| red | COORD (coord2) | RED | published | the responder and the coordinator, by name |
| draft-coord | COORD (coord2) | CLEAR | draft | (the whole network, once published) |
| review | cluster 1's current lead | AMBER, critical | waiting for a second coordinator | (cluster 1) |
| review-red | A (admin_a) | RED, critical | published without review (a member's own) | A's responder, by name |
| review-red-coord | COORD (coord2) | RED, critical | sent for review | (A's responder, by name) |
| withdrawn | COORD (coord2) | AMBER | published, then withdrawn | organisation B |
| own-A | A (admin_a) | GREEN | published | its own organisation |
| draft-A | A (admin_a) | AMBER | draft | (its own organisation) |
| withdrawn-draft | A (admin_a) | CLEAR | a draft, withdrawn unpublished | nobody: it never went out |
| lead | LC (lead_current, as cluster 1's lead) | GREEN | published | cluster 1 |

Two vendor CSAF documents are imported: one TLP:WHITE (every member may read it) and one TLP:AMBER
(the coordinating body only, authz.advisory.visible_csaf_documents_clause); amber-A refers to both.
The KEV catalogue's entry for CVE-2024-3400 is imported, and a CSAF provider is registered to poll
(on a loopback port nothing listens on: a poll fails at once). Managing the catalogues is the
coordinating body's (advisories:manage).

The expected readers, answerers, editors, trackers and reviewers below are written from the module
page of authz/advisory.py, never asked of it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from csirtnet.advisory import answers, catalogue, csaf_store, service
from csirtnet.advisory.csaf.provider import directory_path
from csirtnet.advisory.schemas import AdvisoryCreate, AdvisoryUpdate
from csirtnet.identity.service import subject_for
from csirtnet.kit.time import as_utc
from csirtnet.models import AckStatus, Advisory
from tests.security import rules as R
from tests.security.seed_base import BuilderBase

DATA = Path(__file__).parent.parent / "advisory" / "data"
VENDOR_SAMPLE = DATA / "csaf_vendor_sample.json"
KEV_SAMPLE = DATA / "kev_sample.json"
SOURCE_URL = "http://127.0.0.1:1/.well-known/csaf/provider-metadata.json"

# Roles granting advisories:write (publish for one's organisation) and advisories:ack (answer for it),
# as authz/permissions.py declares them: "coordinators, org admins" and "coordinators, org admins,
# responders" (the platform admin holds every permission).
WRITE_ROLES = frozenset({"org_admin", "coordinator", "platform_admin"})
ACK_ROLES = frozenset({"org_admin", "responder", "coordinator", "platform_admin"})


@dataclass(frozen=True)
class Spec:
    author: str  # a subject key, or "coord2" (a second coordinator, no subject)
    tlp: str
    status: str  # draft, in_review, published, withdrawn
    told: tuple[str, ...] = ()  # the organisations told at publication (or to be told)
    named: tuple[str, ...] = ()  # the people named (TLP:RED)
    severity: str = "high"
    audience: str = "orgs"  # orgs | cluster | network | people
    cluster: bool = False  # published as cluster 1's lead
    went_out: bool = True  # False: withdrawn while a draft

    @property
    def publisher(self) -> str:
        return R.ORG_OF.get(self.author, "COORD")


ADVISORIES: dict[str, Spec] = {
    "amber-A": Spec("coord2", "amber", "published", told=("A",)),
    "clear": Spec("coord2", "clear", "published", told=("A", "LP", "LC"), audience="cluster"),
    "red": Spec(
        "coord2", "red", "published", told=("A", "COORD"), named=(R.RESPONDER, R.COORDINATOR), audience="people"
    ),
    "draft-coord": Spec("coord2", "clear", "draft", audience="network"),
    # Four-eyes: a cluster lead's critical advisory waits for a second coordinator.
    "review": Spec(
        R.LEAD_CURRENT,
        "amber",
        "in_review",
        told=("A", "LP", "LC"),
        severity="critical",
        audience="cluster",
        cluster=True,
    ),
    # A member's advisory to its own people needs no review, critical or not (no coordinator reads a
    # member's own drafts): its TLP:RED one goes straight to the person named.
    "review-red": Spec(
        R.ADMIN_A, "red", "published", told=("A",), named=(R.RESPONDER,), severity="critical", audience="people"
    ),
    # The coordinating body's own TLP:RED draft in review: its staff see it (to review it).
    "review-red-coord": Spec(
        "coord2", "red", "in_review", told=("A",), named=(R.RESPONDER,), severity="critical", audience="people"
    ),
    "withdrawn": Spec("coord2", "amber", "withdrawn", told=("B",)),
    "own-A": Spec(R.ADMIN_A, "green", "published", told=("A",)),
    "draft-A": Spec(R.ADMIN_A, "amber", "draft", told=("A",)),
    # Withdrawn before it was ever published: nobody was told, so (we read the module page's "once
    # published (or withdrawn)" as "published, and perhaps withdrawn since") it stays its writers' draft.
    "withdrawn-draft": Spec(R.ADMIN_A, "clear", "withdrawn", told=("A",), went_out=False),
    "lead": Spec(R.LEAD_CURRENT, "green", "published", told=("A", "LP", "LC"), audience="cluster", cluster=True),
}
OUT = ("published", "withdrawn")


def writers_of(org: str) -> frozenset[str]:
    """The publishing organisation's writers (advisories:write)."""
    return frozenset(s for s in R.users_of(org) if R.ROLE_OF[s] in WRITE_ROLES)


def advisory_readers(key: str) -> frozenset[str]:
    """While a draft: the publisher's writers; in review: and the coordinating body's staff; once
    published or withdrawn: and the users of every organisation told, every member when TLP:CLEAR.
    TLP:RED: only the author, the coordinating body's staff while its own draft waits for review (the
    reviewer), and the people named once it is out."""
    spec = ADVISORIES[key]
    author = frozenset({spec.author}) & R.MEMBERS
    if spec.tlp == "red":
        named = frozenset(spec.named) if spec.status in OUT else frozenset()
        # In review the coordinating body's staff see it, "never a TLP:RED draft of a member's own":
        # the reviewer has to read what it approves.
        reviewers = R.STAFF if spec.status == "in_review" and spec.publisher == "COORD" else frozenset()
        return (author | named | reviewers) & R.MEMBERS
    out = writers_of(spec.publisher) | author
    if spec.status == "in_review":
        out |= R.STAFF
    if spec.status in OUT and spec.went_out:
        out |= R.users_of(*spec.told) | R.STAFF
        if spec.tlp == "clear":
            out |= R.MEMBERS
    return out


def content_audience(key: str) -> frozenset[str]:
    """Who may read what the advisory says: its readers; anyone at all for a published TLP:CLEAR
    advisory (the CSAF provider's public directory)."""
    spec = ADVISORIES[key]
    if spec.tlp == "clear" and spec.status == "published":
        return frozenset(R.SUBJECTS)
    return advisory_readers(key)


def answerers(key: str) -> frozenset[str]:
    """A published advisory's recipient organisations' holders of advisories:ack; TLP:RED only those named."""
    spec = ADVISORIES[key]
    if spec.status != "published":
        return frozenset()
    out = frozenset(s for s in R.users_of(*spec.told) if R.ROLE_OF[s] in ACK_ROLES)
    if spec.tlp == "red":
        out &= frozenset(spec.named)
    return out & advisory_readers(key)


def editors(key: str) -> frozenset[str]:
    """Its publisher's writers (who see it): change a draft, publish it, update or withdraw it."""
    return writers_of(ADVISORIES[key].publisher) & advisory_readers(key)


def trackers(key: str) -> frozenset[str]:
    """The tracking view: the publisher (its writers) and the coordinators, who see it."""
    return (writers_of(ADVISORIES[key].publisher) | R.STAFF) & advisory_readers(key)


def reviewers(key: str) -> frozenset[str]:
    """Four eyes: a coordinator who neither wrote nor submitted it, while it waits for review."""
    spec = ADVISORIES[key]
    if spec.status != "in_review":
        return frozenset()
    return (R.STAFF - {spec.author}) & advisory_readers(key)


# Vendor CSAF documents: key -> (TLP label, who may read it).
VENDOR_DOCUMENTS = {"white": ("WHITE", R.MEMBERS), "amber": ("AMBER", R.STAFF)}


class AdvisoriesSeed(BuilderBase):
    def _as(self, key: str) -> Any:
        return subject_for(self.users[key])

    def _catalogues(self) -> None:
        coord2 = self._as("coord2")
        kev = json.loads(KEV_SAMPLE.read_text())
        entry = next(e for e in kev["vulnerabilities"] if e["cveID"] == "CVE-2024-3400")
        catalogue.import_kev(self.s, coord2, {"catalogVersion": kev["catalogVersion"], "vulnerabilities": [entry]})
        source = csaf_store.add_source(
            self.s, coord2, "PSIRT " + self.mk("csaf source name", R.STAFF), SOURCE_URL, interval_hours=24
        )
        self.w.ids["csaf-source:loopback"] = source.id

    def _vendor_documents(self) -> None:
        coord2 = self._as("coord2")
        sample = json.loads(VENDOR_SAMPLE.read_text())
        for key, (label, audience) in VENDOR_DOCUMENTS.items():
            document = json.loads(json.dumps(sample))
            meta = document["document"]
            meta["title"] = "SM Gateway " + self.mk(f"csaf {key} title", audience)
            meta["distribution"]["tlp"]["label"] = label
            meta["tracking"]["id"] = f"SMSA-2025-MATRIX-{key.upper()}"
            for note in meta.get("notes") or []:
                note["text"] = self.mk(f"csaf {key} note", audience)
            row, _new = csaf_store.import_csaf(self.s, coord2, document)
            self.w.ids[f"csaf:{key}"] = row.id
            self.w.readers[f"csaf:{key}"] = audience

    def _audience(self, spec: Spec) -> dict[str, Any]:
        if spec.audience == "network":
            return {"network": True}
        if spec.audience == "cluster":
            return {"cluster_ids": [self.w.ids["cluster:1"]]}
        if spec.audience == "people":
            return {"user_ids": [self.users[s].id for s in spec.named]}
        return {"organisation_ids": [self.orgs[o].id for o in spec.told]}

    def advisories(self) -> None:
        self._catalogues()
        self._vendor_documents()
        for key, spec in ADVISORIES.items():
            audience = content_audience(key)
            self.w.readers[f"advisory:{key}"] = advisory_readers(key)
            values: dict[str, Any] = {
                "kind": "advisory",
                "title": "Cảnh báo " + self.mk(f"advisory {key} title", audience),
                "summary": "Tóm tắt " + self.mk(f"advisory {key} summary", audience),
                "body": "## Chi tiết\n\n" + self.mk(f"advisory {key} body", audience),
                "severity": spec.severity,
                "tlp": spec.tlp,
                "cve_ids": ["CVE-2024-3400"],
                "affected_products": [{"vendor": "Palo Alto Networks", "product": "PAN-OS", "versions": ["<10.2.9"]}],
                "indicators": [{"type": "domain", "value": self.mk(f"advisory {key} ioc", audience) + ".example.vn"}],
                "recommended_actions": [self.mk(f"advisory {key} action", audience)],
                "deadline_at": (self.now + timedelta(days=3)).isoformat(),
                "audience": self._audience(spec),
            }
            if spec.cluster:
                values["cluster_id"] = self.w.ids["cluster:1"]
            if key == "amber-A":
                values["csaf_document_ids"] = [self.w.ids["csaf:white"], self.w.ids["csaf:amber"]]
            author = self._as(spec.author)
            advisory = service.create(self.s, author, AdvisoryCreate.model_validate(values))
            self.w.ids[f"advisory:{key}"] = advisory.id
            if spec.status != "draft" and spec.went_out:
                service.publish(self.s, author, advisory.id)
            self.w.refs[f"advisory:{key}"] = advisory.reference
            self.w.refs[f"csaf-path:{key}"] = directory_path(
                spec.tlp, as_utc(advisory.published_at or self.now), advisory.reference
            )
            expected = "published" if spec.status in OUT and spec.went_out else spec.status
            assert advisory.status == ("draft" if expected == "withdrawn" else expected), (key, advisory.status)
        self._after()
        self.s.flush()

    def _after(self) -> None:
        coord2 = self._as("coord2")
        ids = self.w.ids
        # A new version of amber-A, with what changed in its note (its readers only).
        service.update(
            self.s,
            coord2,
            ids["advisory:amber-A"],
            AdvisoryUpdate(
                summary="Tóm tắt mới " + self.mk("advisory amber-A summary 1.1", advisory_readers("amber-A")),
                note=self.mk("advisory amber-A version note", advisory_readers("amber-A")),
            ),
        )
        # Withdrawn, for a reason its readers may know (the audit record keeps it).
        service.withdraw(
            self.s,
            coord2,
            ids["advisory:withdrawn"],
            self.mk("advisory withdrawn reason", advisory_readers("withdrawn")),
        )
        service.withdraw(self.s, self._as(R.ADMIN_A), ids["advisory:withdrawn-draft"], "Không phát hành nữa")
        # A's answer to the TLP:CLEAR advisory: its note is A's and the publisher's, not the other
        # recipients' (LP, LC) nor the other members' who read the advisory.
        note_readers = (R.users_of("A") | trackers("clear")) & advisory_readers("clear")
        answers.answer(
            self.s,
            self._as(R.RESPONDER),
            ids["advisory:clear"],
            AckStatus.APPLIED,
            self.mk("advisory clear answer note A", note_readers),
        )
        for key in ADVISORIES:
            row = self.s.get(Advisory, ids[f"advisory:{key}"])
            assert row is not None and row.status == ADVISORIES[key].status, (key, row and row.status)
