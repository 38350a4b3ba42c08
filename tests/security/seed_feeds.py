"""Seeding security feeds (issue 15) for the API and page rows: four sources (a TLP:AMBER file
source, a TLP:RED one, an API source that A's sensors post to, and a disabled URL source whose
address is the coordinating body's), events run through the embedded pipeline — A's and B's own,
A's under TLP:RED, one nobody owns — a quarantined line, the digests the runs counted (sent), the
operator's prefix-to-ASN table, a rule and a flag on A and on B. Every event description, quarantined
line, rule name, flag reason and the URL holds a marker with who may read it.

Who reads what, written from the module page of authz/feeds.py (never asked of it):
- sources, runs, the quarantine, rules, the ASN table and unmatched events: the coordinating body
  (`feeds:manage`: the coordinator and the platform admin, R.STAFF);
- an event: the members of its owning organisation and the coordinating body; TLP:RED data and an
  event nobody owns: the coordinating body alone;
- a digest (one member, one source, one period): as its events;
- a flag: its organisation's members and the coordinating body;
- posting to an API source: `feeds:submit` (responders, admins, coordinators) of its submitter
  organisations, and the coordinating body.

Owners come from tests/security/seed_members.py's claims: A holds 198.51.100.0/24, B the more
specific 198.51.100.128/25; 192.0.2.250 is nobody's.
"""

from __future__ import annotations

import io
from datetime import timedelta

import orjson
from sqlalchemy import select

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.db import get_database
from csirtnet.feeds import digests, service
from csirtnet.feeds.config import SourceConfig
from csirtnet.feeds.pipeline.runner import run_streams
from csirtnet.feeds.schemas import FeedRuleCreate, FeedSourceCreate
from csirtnet.identity.service import subject_for
from csirtnet.models import FeedDigest, FeedRun, FeedSource, MemberFlag, ParserName, RuleAction, SourceKind
from csirtnet.vocabulary import TLP
from tests.security import rules as R
from tests.security.seed_base import BuilderBase

MANAGERS = R.STAFF
# label -> (kind, TLP, submitter organisations)
SOURCES: dict[str, tuple[SourceKind, str, tuple[str, ...]]] = {
    "amber": (SourceKind.FILE, "amber", ()),
    "red": (SourceKind.FILE, "red", ()),
    "api": (SourceKind.API, "amber", ("A",)),
    "url": (SourceKind.URL, "amber", ()),
}
# label -> (source, address, owner or None)
EVENTS: dict[str, tuple[str, str, str | None]] = {
    "A-amber": ("amber", "198.51.100.10", "A"),
    "B-amber": ("amber", "198.51.100.200", "B"),
    "none-amber": ("amber", "192.0.2.250", None),
    "A-red": ("red", "198.51.100.11", "A"),
    "A-api": ("api", "198.51.100.12", "A"),
}
# The digests the runs count: (owner, source); its events are those of EVENTS with both.
DIGESTS = {"A-amber": ("A", "amber"), "B-amber": ("B", "amber"), "A-red": ("A", "red"), "A-api": ("A", "api")}
SUBMITTERS = (R.users_of("A") & R.WRITERS) | MANAGERS  # who may post to the API source


def event_readers(label: str) -> frozenset[str]:
    source, _ip, owner = EVENTS[label]
    if owner is None or SOURCES[source][1] == "red":
        return MANAGERS
    return R.users_of(owner) | MANAGERS


def digest_readers(label: str) -> frozenset[str]:
    owner, source = DIGESTS[label]
    if SOURCES[source][1] == "red":
        return MANAGERS
    return R.users_of(owner) | MANAGERS


def digest_events(label: str) -> tuple[str, ...]:
    owner, source = DIGESTS[label]
    return tuple(e for e, (s, _ip, o) in EVENTS.items() if s == source and o == owner)


def flag_readers(org: str) -> frozenset[str]:
    return R.users_of(org) | MANAGERS


def event_line(description: str, ip: str, port: int) -> dict[str, object]:
    return {
        "source.ip": ip,
        "source.port": port,
        "classification.taxonomy": "vulnerable",
        "classification.type": "vulnerable-system",
        "classification.identifier": "smb",
        "protocol.application": "smb",
        "protocol.transport": "tcp",
        "time.source": "2026-12-05T00:01:23Z",
        "event_description.text": description,
    }


class FeedsSeed(BuilderBase):
    def feeds(self) -> None:
        self._sources()
        self._runs()
        self._configuration()
        self.s.flush()

    def _sources(self) -> None:
        coord2 = subject_for(self.users["coord2"])
        for label, (kind, tlp, submitters) in SOURCES.items():
            url = None
            if kind is SourceKind.URL:
                url = f"https://{self.mk('feed url', MANAGERS)}.example.vn/report.jsonl"
            source = service.create_source(
                self.s,
                coord2,
                FeedSourceCreate(
                    name=f"Ma trận {label}",
                    provider="Matrix Feeds",
                    kind=kind,
                    parser=ParserName.JSONL,
                    tlp=TLP(tlp),
                    actions=["digest"],
                    url=url,
                    submitter_org_ids=[self.orgs[o].id for o in submitters],
                    enabled=kind is not SourceKind.URL,
                ),
            )
            self.w.ids[f"feed-source:{label}"] = source.id

    def _runs(self) -> None:
        lines: dict[str, list[bytes]] = {label: [] for label in SOURCES}
        for port, (label, (source, ip, _owner)) in enumerate(EVENTS.items(), start=440):
            text = self.mk(f"feed event {label}", event_readers(label))
            lines[source].append(orjson.dumps(event_line(text, ip, port)))
        # A line that is not JSON: quarantined with its number and reason, for the managers' eyes.
        lines["amber"].insert(1, f"{self.mk('feed quarantined line', MANAGERS)} is not json".encode())
        actors = {"amber": self.users["coord2"], "red": self.users["coord2"], "api": self.users[R.RESPONDER]}
        database = get_database()  # the matrix's: bound to the world's connection (units of work are savepoints)
        for label, who_user in actors.items():
            row = self.s.get(FeedSource, self.w.id(f"feed-source:{label}"))
            assert row is not None
            body = b"\n".join(lines[label]) + b"\n"
            summary = run_streams(
                database,
                SourceConfig.from_row(row),
                [(f"matrix-{label}.jsonl", io.BytesIO(body))],
                who=subject_for(who_user),
                origin="api" if label == "api" else "upload",
                submitter_org_id=self.orgs["A"].id if label == "api" else None,
                now=self.now,
            )
            assert summary is not None
            run_id = self.s.scalar(select(FeedRun.id).where(FeedRun.source_id == row.id).order_by(FeedRun.id.desc()))
            assert run_id is not None, label
            self.w.ids[f"feed-run:{label}"] = run_id
        self.s.expire_all()
        quarantined = self.s.get(FeedRun, self.w.id("feed-run:amber"))
        assert quarantined is not None and quarantined.quarantined == 1, quarantined and quarantined.quarantined
        for label, (owner, source) in DIGESTS.items():
            digest_id = self.s.scalar(
                select(FeedDigest.id).where(
                    FeedDigest.organisation_id == self.orgs[owner].id,
                    FeedDigest.source_id == self.w.id(f"feed-source:{source}"),
                )
            )
            assert digest_id is not None, f"no digest {label}"
            self.w.ids[f"feed-digest:{label}"] = digest_id
            self.w.readers[f"feed-digest:{label}"] = digest_readers(label)
        digests.send_due(self.s, self.now + timedelta(days=2))

    def _configuration(self) -> None:
        coord2 = subject_for(self.users["coord2"])
        rule = service.create_rule(
            self.s,
            coord2,
            FeedRuleCreate(
                name=self.mk("feed rule name", MANAGERS),
                action=RuleAction.RAISE_FLAG,
                source_id=self.w.id("feed-source:amber"),
                taxonomy="malicious-code",
                types=["infected-system"],
                min_security_level=3,
            ),
        )
        self.w.ids["feed-rule:flag"] = rule.id
        # Flags raised by hand (no rule: a rule's name is the coordinating body's configuration).
        platform = Subject.system("matrix")
        for org in ("A", "B"):
            flag = MemberFlag(
                organisation_id=self.orgs[org].id,
                reason=self.mk(f"feed flag {org} reason", flag_readers(org)),
                raised_at=self.now - timedelta(hours=2),
            )
            self.s.add(flag)
            self.s.flush()
            audit.record(self.s, platform, "feed.flag_raised", flag, organisation_id=flag.organisation_id)
            self.w.ids[f"feed-flag:{org}"] = flag.id
            self.w.readers[f"feed-flag:{org}"] = flag_readers(org)
        service.load_asn_table(self.s, coord2, "198.51.100.0/24 64501\n192.0.2.0/24 64502\n")
