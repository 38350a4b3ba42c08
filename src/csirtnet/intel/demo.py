"""The demo's shared indicators (docs/intel.md), all made through the parts' services so they are
audited like real work:

- in the national collection, TLP:GREEN indicators shared by members — a phishing domain (the one
  the TLP:CLEAR advisory names), a URL on a host under it, the closed ransomware case's C2 address
  and sample hash (Bkav), a /24 scanned from (VNPT) that addresses correlate into, and 8.8.8.8,
  flagged by the public-resolver warninglist as a likely false positive;
- a TLP:AMBER+STRICT address only Bkav sees, and a TLP:AMBER address FPT shares (the coordinating
  body sees it too; other members do not);
- a TLP:GREEN domain in cluster no. 1's collection (Bắc Kạn), seen only by the cluster's members;
- sightings of the C2 address by FPT and VNPT, and a false-positive report on 8.8.8.8 by Bắc Kạn;
  Bắc Kạn's sighting of the MISP feed's web-shell address (below) in its web server's logs;
- a CIRCL-style MISP feed (`demo_data/misp-feed`) imported by the coordinator: its web-shell
  address 198.51.100.77 is an observable of Bắc Kạn's open defacement incident, so the indicator's
  page shows that incident to the coordinator, to Bắc Kạn and to FPT and Bkav (whose responders
  work on it), and not to VNPT, who may not see it;
- a partner's STIX 2.1 bundle (`demo_data/partner-bundle.json`) imported by Bkav, two of whose
  objects are skipped with the reason (a broken pattern, a STIX 2.0 object);
- a configured collection for the security companies (Bkav and CyRadar write, FPT reads), with
  a JA3 fingerprint shared in it, and a pull subscription to a partner's TAXII server, disabled
  (a demo has no peer to reach).

The shipped feed and bundle are dated around `DATA_AS_OF`; the demo moves every date in them by
the time since then, so their indicators are as fresh on the day the demo is loaded as on the day
they were written (the decaying model would otherwise expire a feed's addresses within a week).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import demo
from csirtnet.config import get_settings
from csirtnet.identity.service import subject_for
from csirtnet.intel import importing, service
from csirtnet.intel.federation import service as federation
from csirtnet.intel.federation.schemas import SubscriptionCreate, TaxiiCollectionCreate, TaxiiCollectionGrant
from csirtnet.intel.misp import importer
from csirtnet.intel.schemas import IndicatorCreate, IndicatorFalsePositiveReport, IndicatorSightingCreate
from csirtnet.kit.time import utcnow
from csirtnet.models import Cluster, Indicator, IntelImport, Organisation, TaxiiCollection, User
from csirtnet.vocabulary.enums import TLP

DATA = Path(__file__).parent / "demo_data"
FEED = DATA / "misp-feed"
BUNDLE = DATA / "partner-bundle.json"
DATA_AS_OF = datetime(2026, 12, 1, tzinfo=UTC)  # the shipped feed and bundle were written then

COLLECTION_TITLE = "Trao đổi giữa các doanh nghiệp an ninh mạng"
SUBSCRIPTION_NAME = "Đối tác ASEAN: bộ sưu tập TAXII quốc gia"
# Values the demo tells its story with (tests/intel/test_demo.py checks them).
PHISHING_DOMAIN = "dichvucong-hoanthue.example.com"  # also in the TLP:CLEAR advisory
PHISHING_URL = "https://xacthuc.dichvucong-hoanthue.example.com/dang-nhap"  # a host under it
C2_IP = "203.0.113.66"  # the closed ransomware case's C2 (incident demo)
SAMPLE_SHA256 = "5f2b7c1e9a4d3b8e6c0f1a2d4e6b8c0a1f3e5d7c9b1a3e5f7d9c1b3a5e7f9d1c"  # its sample
SCAN_NETWORK = "198.51.100.0/24"
RESOLVER = "8.8.8.8"  # on the shipped public-resolver warninglist
STRICT_IP = "203.0.113.99"  # TLP:AMBER+STRICT, Bkav only
AMBER_EMAIL = "hotro@hoanthue-dichvucong.example"  # TLP:AMBER, FPT and the coordinating body
CLUSTER_DOMAIN = "cong-dichvucong-backan.example"  # cluster no. 1 only
VENDOR_JA3 = "a0e9f5d64349fb13191bc781f81f42e1"  # in the configured collection
FEED_IP = "198.51.100.77"  # in the MISP feed; an observable of Bắc Kạn's open defacement incident


# -- the shipped files, moved to today ------------------------------------------------------------

_STIX_TIMES = ("created", "modified", "valid_from", "valid_until", "first_seen", "last_seen", "published")


def _stix_time(text: str, shift: timedelta) -> str:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00")) + shift
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _shift_stix(objects: list[dict[str, Any]], shift: timedelta) -> list[dict[str, Any]]:
    for obj in objects:
        for key in _STIX_TIMES:
            if isinstance(obj.get(key), str):
                obj[key] = _stix_time(obj[key], shift)
    return objects


def _shift_misp(node: Any, shift: timedelta) -> Any:
    """Every epoch `timestamp`/`publish_timestamp` and `date` of a MISP event moved by `shift`."""
    if isinstance(node, list):
        return [_shift_misp(item, shift) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("timestamp", "publish_timestamp") and isinstance(value, str) and value.isdigit():
            out[key] = str(int(value) + int(shift.total_seconds()))
        elif key == "date" and isinstance(value, str):
            out[key] = (date.fromisoformat(value) + timedelta(days=shift.days)).isoformat()
        else:
            out[key] = _shift_misp(value, shift)
    return out


def fresh_feed(shift: timedelta) -> Path:
    """A copy of the shipped feed in the data directory (`DATA_DIR/demo/circl-osint-feed`, where the
    import page names it as the source and `csirtnet intel import` can read it again), its dates
    moved by `shift`; hashes.csv is copied as it is (it hashes values, not dates)."""
    feed = get_settings().data_dir / "demo" / "circl-osint-feed"
    feed.mkdir(parents=True, exist_ok=True)
    for path in FEED.iterdir():
        if path.suffix == ".json":
            data = _shift_misp(json.loads(path.read_text(encoding="utf-8")), shift)
            (feed / path.name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        else:
            (feed / path.name).write_bytes(path.read_bytes())
    return feed


# -- the story ------------------------------------------------------------------------------------


def _share(session: Session, user: User, value: str, tlp: TLP, **extra: Any) -> Indicator:
    body = IndicatorCreate.model_validate({"value": value, "tlp": tlp.value, **extra})
    return service.create(session, subject_for(user), body)


def _sight(session: Session, user: User, ind: Indicator, days_ago: float, count: int, note: str) -> None:
    now = utcnow()
    body = IndicatorSightingCreate(
        first_seen_at=now - timedelta(days=days_ago + 1),
        last_seen_at=now - timedelta(days=days_ago),
        count=count,
        note=note,
        tlp=TLP.GREEN,
    )
    service.add_sighting(session, subject_for(user), ind.id, body)


@demo.register
def load(session: Session, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    if session.scalar(select(TaxiiCollection.id).where(TaxiiCollection.title == COLLECTION_TITLE)) is not None:
        return
    coordinator = users.get("dieuphoi@csirtnet.local")
    fpt = users.get("ungcuu@fpt.demo")
    bkav = users.get("phantich@bkav.demo")
    vnpt = users.get("quantri@vnpt.demo")
    backan = users.get("quantri@backan.demo")
    cluster = session.scalar(select(Cluster).where(Cluster.number == 1))
    if coordinator is None or fpt is None or bkav is None or vnpt is None or backan is None or cluster is None:
        return
    now = utcnow()
    shift = now - DATA_AS_OF

    # Members share into the national collection.
    domain = _share(
        session,
        fpt,
        PHISHING_DOMAIN,
        TLP.GREEN,
        pap="green",
        confidence=85,
        tags=["fraud/phishing", "attack:T1566.002"],
        description="Trang giả mạo Cổng dịch vụ công quốc gia, lừa hoàn thuế thu nhập cá nhân.",
    )
    _share(session, fpt, PHISHING_URL, TLP.GREEN, pap="green", confidence=80, tags=["fraud/phishing"])
    c2 = _share(
        session,
        bkav,
        C2_IP,
        TLP.GREEN,
        pap="green",
        confidence=90,
        tags=["malicious-code/c2-server", "attack:T1071.001"],
        description="Máy chủ điều khiển của mã độc tống tiền LockBit trong vụ ở Lạng Sơn.",
    )
    _share(session, bkav, SAMPLE_SHA256, TLP.GREEN, pap="green", confidence=95, tags=["malicious-code/infected-system"])
    _share(
        session,
        vnpt,
        SCAN_NETWORK,
        TLP.GREEN,
        confidence=70,
        tags=["information-gathering/scanner"],
        description="Dải địa chỉ dò quét cổng VPN của các sở, ban, ngành.",
    )
    resolver = _share(
        session,
        vnpt,
        RESOLVER,
        TLP.GREEN,
        confidence=40,
        description="Địa chỉ DNS trong cấu hình của mẫu mã độc (nhiều khả năng là cảnh báo giả).",
    )
    _share(
        session,
        bkav,
        STRICT_IP,
        TLP.AMBER_STRICT,
        pap="red",
        confidence=75,
        tags=["malicious-code/c2-server"],
        description="Máy chủ trung chuyển; chỉ Bkav (TLP:AMBER+STRICT).",
    )
    _share(session, fpt, AMBER_EMAIL, TLP.AMBER, confidence=70, tags=["fraud/phishing"])
    _share(
        session,
        backan,
        CLUSTER_DOMAIN,
        TLP.GREEN,
        collection=f"cluster:{cluster.id}",
        confidence=80,
        tags=["fraud/phishing"],
        description="Trang giả mạo cổng dịch vụ công tỉnh Bắc Kạn, gửi tới các sở trong cụm.",
    )

    # Sightings, and a false-positive report.
    _sight(session, fpt, c2, 2, 14, "Tường lửa chặn kết nối từ 3 máy trạm khách hàng.")
    _sight(session, vnpt, c2, 1, 220, "Lưu lượng từ mạng khách hàng doanh nghiệp.")
    _sight(session, fpt, domain, 0.5, 37, "Truy vấn DNS bị chặn.")
    service.report_false_positive(
        session,
        subject_for(backan),
        resolver.id,
        IndicatorFalsePositiveReport(note="Máy chủ DNS công cộng, mọi máy trạm đều dùng.", tlp=TLP.GREEN),
    )

    # A CIRCL-style MISP feed (the coordinator), and a partner's STIX bundle (Bkav).
    importer.import_feed_dir(
        session, subject_for(coordinator), fresh_feed(shift), collection="national", default_tlp=TLP.AMBER
    )
    feed_ip = session.scalar(select(Indicator).where(Indicator.value == FEED_IP, Indicator.origin == "misp"))
    if feed_ip is not None:
        _sight(session, backan, feed_ip, 0.2, 6, "Máy chủ web của huyện nhận lệnh từ địa chỉ này qua web shell.")
    bundle = json.loads(BUNDLE.read_text(encoding="utf-8"))
    bundle["objects"] = _shift_stix(bundle["objects"], shift)
    importing.import_bundle(
        session,
        subject_for(bkav),
        json.dumps(bundle).encode(),
        source=BUNDLE.name,
        collection="national",
        default_tlp=TLP.AMBER,
    )

    # A collection added by configuration, and a subscription to a partner (disabled: no peer).
    manager = subject_for(coordinator)
    vendors = federation.create_collection(
        session,
        manager,
        TaxiiCollectionCreate(
            title=COLLECTION_TITLE,
            description="Chỉ dấu do các doanh nghiệp an ninh mạng thành viên trao đổi với nhau.",
        ),
    )
    for code, write in (("BKAV", True), ("CYRADAR", True), ("FPT", False)):
        if code in orgs:
            federation.grant(session, manager, vendors.uuid, orgs[code].id, TaxiiCollectionGrant(can_write=write))
    _share(
        session,
        bkav,
        VENDOR_JA3,
        TLP.GREEN,
        kind="ja3",
        collection=f"custom:{vendors.uuid}",
        confidence=60,
        description="Dấu vân tay TLS của trình tải DarkGate.",
    )
    federation.create(
        session,
        manager,
        SubscriptionCreate(
            name=SUBSCRIPTION_NAME,
            direction="pull",
            api_root_url="https://taxii.partner-cert.example/taxii2/intel/",
            remote_collection_id="1f1c3e0a-6b2d-4c8e-9a7f-5d3b2e1c0a94",
            collection="national",
            username="csirtnet-vn@partner-cert.example",
            interval_minutes=60,
            enabled=False,
        ),
    )


def feed_import(session: Session) -> IntelImport | None:
    """The demo feed's import row (tests, docs)."""
    return session.scalar(select(IntelImport).where(IntelImport.format == "misp-feed").order_by(IntelImport.id))
