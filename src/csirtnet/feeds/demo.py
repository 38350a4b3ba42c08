"""The demo's security feeds (docs/feeds.md), made through the services and run through the embedded
pipeline, so they are audited and counted like real work:

- three sources: `shadowserver` (the one `csirtnet feed run` uses for a Shadowserver report without
  `--source`: TLP:AMBER, digests and rules), FPT's IDS sensor (an API source only FPT's sensors post
  to) and the ministry's centralised anti-malware console (a generic CSV source with a mapping);
- the prefix-to-ASN table of the documentation ranges the demo members claim;
- Bắc Kạn's delegated range 203.0.113.64/27 linked to its provincial portal (security level 3), and two
  rules: an infected host in a system of level 3 or above opens an incident; any infected host
  raises the member's readiness flag;
- a real-looking Shadowserver `scan_smb` and `event4_sinkhole_http` report for cluster no. 1's
  provinces and the members' ranges (`demo_data/`), with a repeated row (a duplicate), four
  malformed lines (quarantined with their reasons) and addresses nobody owns (unmatched); a
  `blocklist` report of three networks (one inside Bắc Kạn's range, one inside another member's, one
  /24 three members share, which nobody holds whole); the console's export; and three events FPT's
  sensor posted;
- all processed as if they had arrived two days before the demo was loaded, so each member's digest
  period has ended: the digests are sent (notifications, emails) and in the inboxes.

The shipped reports are dated `DATA_AS_OF`; the demo copies them to `DATA_DIR/demo/feeds` (where
`csirtnet feed run` can read them again) with every date moved to the report day, so they are as
fresh on the day the demo is loaded as on the day they were written.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit, demo
from csirtnet.authz import Subject
from csirtnet.config import get_settings
from csirtnet.db import Database
from csirtnet.feeds import digests, service
from csirtnet.feeds.pipeline.runner import run_paths, run_streams
from csirtnet.feeds.schemas import FeedRuleCreate, FeedSourceCreate
from csirtnet.identity.service import subject_for
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    ConstituencyClaim,
    FeedSource,
    InformationSystem,
    Organisation,
    ParserName,
    RuleAction,
    SourceKind,
    User,
)

DATA = Path(__file__).parent / "demo_data"
DATA_AS_OF = date(2026, 12, 5)  # the day the shipped reports are of
SCAN_REPORT = "2026-12-05-scan_smb-vn-geo.csv"
SINKHOLE_REPORT = "2026-12-05-event4_sinkhole_http-vn-geo.csv"
BLOCKLIST_REPORT = "2026-12-05-blocklist-vn-geo.csv"  # networks: one inside Bắc Kạn's range, one nobody holds whole
CONSOLE_EXPORT = "antimalware-console-2026-12-05.csv"
AGE = timedelta(days=2)  # how long ago the demo's reports were processed

SHADOWSERVER = "shadowserver"
SENSOR = "Cảm biến IDS của FPT"
CONSOLE = "Hệ thống phòng chống mã độc tập trung"
INCIDENT_RULE = "Máy nhiễm mã độc trong hệ thống cấp độ 3 trở lên: mở sự cố"
FLAG_RULE = "Máy nhiễm mã độc: bật cờ sẵn sàng của thành viên"
# Values the demo tells its story with (tests/feeds/test_demo.py checks them).
LEVEL3_CLAIM = "203.0.113.64/27"  # Bắc Kạn's range, delegated by VNPT
LEVEL3_SYSTEM = "Cổng thông tin điện tử tỉnh Bắc Kạn"
INFECTED_HOST = "203.0.113.70"  # in the sinkhole report: Bắc Kạn's portal calls an andromeda sinkhole
QUARANTINED_LINES = 4  # in the scan report: a bad address, a bad time, a port out of range, a short row
ASN_TABLE = """# prefix asn: the documentation ranges the demo members claim (192.0.2.224/27 is nobody's)
203.0.113.0/24 64496
2001:db8::/32 64496
198.51.100.0/24 64497
2001:db8:100::/40 64497
192.0.2.0/25 64498
192.0.2.128/26 64499
192.0.2.192/27 64500
"""
CONSOLE_MAPPING = {
    "columns": {
        "thoi_gian": {"field": "time.source", "type": "time"},
        "dia_chi_ip": {"field": "source.ip", "type": "ip"},
        "ten_may": {"field": "source.fqdn", "type": "fqdn"},
        "ma_doc": {"field": "malware.name", "type": "text"},
    },
    "time_format": "%d/%m/%Y %H:%M:%S",
    "constants": {
        "classification.taxonomy": "malicious-code",
        "classification.type": "infected-system",
        "classification.identifier": "antimalware-detection",
    },
    "delimiter": ";",
}
SENSOR_EVENTS = [  # what FPT's IDS posted: scans of its customers' range from outside, and a miner
    {
        "source.ip": "198.51.100.52",
        "destination.port": 3389,
        "protocol.transport": "tcp",
        "classification.taxonomy": "information-gathering",
        "classification.type": "scanner",
        "classification.identifier": "rdp-scan",
        "event_description.text": "Dò quét RDP từ máy khách hàng",
    },
    {
        "source.ip": "198.51.100.144",
        "destination.ip": "192.0.2.240",
        "destination.port": 3333,
        "protocol.transport": "tcp",
        "classification.taxonomy": "malicious-code",
        "classification.type": "infected-system",
        "classification.identifier": "coinminer",
        "malware.name": "xmrig",
    },
    {
        "source.ip": "198.51.100.214",
        "classification.taxonomy": "information-gathering",
        "classification.type": "scanner",
        "classification.identifier": "ssh-scan",
        "destination.port": 22,
    },
]

_STAMP = re.compile(r"\b(\d{4}-\d{2}-\d{2})([ T]\d{2}:\d{2}:\d{2})")
_DMY = re.compile(r"\b(\d{2})/(\d{2})/(\d{4})\b")


def processed_at(loaded: datetime) -> datetime:
    """When the demo's reports were processed: 06:15 UTC (13:15 in Hà Nội), two days before loading,
    so the day's digest period has ended when the demo is loaded."""
    return datetime.combine((loaded - AGE).date(), time(6, 15), tzinfo=UTC)


def report_day(loaded: datetime) -> date:
    """The day the demo's reports are of: the day before they were processed (Shadowserver reports a day)."""
    return processed_at(loaded).date() - timedelta(days=1)


def fresh_reports(day: date) -> dict[str, Path]:
    """The shipped reports copied to `DATA_DIR/demo/feeds`, named and dated for `day`, by shipped name."""
    shift = day - DATA_AS_OF
    target = get_settings().data_dir / "demo" / "feeds"
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.csv"):
        old.unlink()

    def iso(match: re.Match[str]) -> str:
        return (date.fromisoformat(match.group(1)) + shift).isoformat() + match.group(2)

    def dmy(match: re.Match[str]) -> str:
        moved = date(int(match.group(3)), int(match.group(2)), int(match.group(1))) + shift
        return moved.strftime("%d/%m/%Y")

    copies: dict[str, Path] = {}
    for path in sorted(DATA.glob("*.csv")):
        text = _DMY.sub(dmy, _STAMP.sub(iso, path.read_text(encoding="utf-8")))
        copies[path.name] = target / path.name.replace(DATA_AS_OF.isoformat(), day.isoformat())
        copies[path.name].write_text(text, encoding="utf-8")
    return copies


def same_transaction(session: Session) -> Database:
    """A Database whose units of work are savepoints in `session`'s transaction: the pipeline's own
    transactions (a run, each batch) then see the demo's uncommitted members, and the demo stays one
    unit of work that commits or rolls back whole."""
    connection = session.connection()
    return Database(connection.engine, bind=connection)


def _link_level3_system(session: Session, who: Subject, orgs: dict[str, Organisation]) -> None:
    org = orgs.get("STTTT-BKN")
    if org is None:
        return
    claim = session.scalar(
        select(ConstituencyClaim).where(
            ConstituencyClaim.organisation_id == org.id, ConstituencyClaim.value == LEVEL3_CLAIM
        )
    )
    system = session.scalar(
        select(InformationSystem).where(
            InformationSystem.organisation_id == org.id, InformationSystem.name == LEVEL3_SYSTEM
        )
    )
    if claim is None or system is None:
        return
    claim.information_system_id = system.id
    session.flush()
    audit.record(
        session,
        who,
        "constituency.system_linked",
        claim,
        organisation_id=org.id,
        value=claim.value,
        information_system_id=system.id,
    )


def _configure(session: Session, who: Subject, orgs: dict[str, Organisation]) -> dict[str, FeedSource]:
    sources = {
        SHADOWSERVER: service.create_source(
            session,
            who,
            FeedSourceCreate(name=SHADOWSERVER, provider="The Shadowserver Foundation", parser=ParserName.SHADOWSERVER),
        ),
        SENSOR: service.create_source(
            session,
            who,
            FeedSourceCreate(
                name=SENSOR,
                provider="FPT",
                kind=SourceKind.API,
                parser=ParserName.JSONL,
                submitter_org_ids=[orgs["FPT"].id],
                dedupe_fields=["source.ip", "destination.port", "classification.identifier"],
            ),
        ),
        CONSOLE: service.create_source(
            session,
            who,
            FeedSourceCreate(
                name=CONSOLE,
                provider="Cục An toàn thông tin",
                parser=ParserName.CSV,
                mapping=CONSOLE_MAPPING,
                dedupe_fields=["source.ip", "malware.name"],
                dedupe_window_hours=72,
            ),
        ),
    }
    service.create_rule(
        session,
        who,
        FeedRuleCreate(
            name=INCIDENT_RULE,
            action=RuleAction.OPEN_INCIDENT,
            taxonomy="malicious-code",
            types=["infected-system"],
            min_security_level=3,
            severity="serious",
        ),
    )
    service.create_rule(
        session,
        who,
        FeedRuleCreate(
            name=FLAG_RULE, action=RuleAction.RAISE_FLAG, taxonomy="malicious-code", types=["infected-system"]
        ),
    )
    service.load_asn_table(session, who, ASN_TABLE)
    return sources


@demo.register
def load(session: Session, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    if session.scalar(select(FeedSource.id).where(FeedSource.name == SHADOWSERVER)) is not None:
        return
    coordinator = users.get("dieuphoi@csirtnet.local")
    fpt = users.get("ungcuu@fpt.demo")
    if coordinator is None or fpt is None or "FPT" not in orgs:
        return
    manager = subject_for(coordinator)
    _link_level3_system(session, Subject.system("demo"), orgs)
    sources = _configure(session, manager, orgs)
    session.flush()

    loaded = utcnow()
    processed = processed_at(loaded)
    reports = fresh_reports(report_day(loaded))
    db = same_transaction(session)
    for name in (SCAN_REPORT, SINKHOLE_REPORT, BLOCKLIST_REPORT):  # as the coordinator drops them in: a run each
        run_paths(db, SHADOWSERVER, [reports[name]], who=manager, origin="demo", now=processed)
    later = processed + timedelta(minutes=40)
    run_paths(db, CONSOLE, [reports[CONSOLE_EXPORT]], who=manager, origin="demo", now=later)
    moment = (processed - timedelta(hours=3)).replace(microsecond=0)
    posted = b"".join(
        orjson.dumps({**event, "time.source": moment.isoformat().replace("+00:00", "Z")}) + b"\n"
        for event in SENSOR_EVENTS
    )
    run_streams(
        db,
        sources[SENSOR].name,
        [("fpt-ids.jsonl", io.BytesIO(posted))],
        who=subject_for(fpt),
        origin="api",
        submitter_org_id=orgs["FPT"].id,
        now=processed + timedelta(hours=1),
    )
    session.expire_all()
    digests.send_due(session, loaded)
