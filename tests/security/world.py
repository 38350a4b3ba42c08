"""The seeded world of the authorization matrix: organisations, one real user per kind of subject
(logged in through the real pages), and objects of every kind at every TLP, built through the
domain's service functions, with a planted marker in every private text field.

Everything is built in the caller's transaction; the matrix runs each request in a savepoint that
is rolled back, so the world is built once per backend and every request sees it as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.cluster import files, plan
from csirtnet.cluster import service as cluster_service
from csirtnet.cluster.channel import service as channel_service
from csirtnet.cluster.channel.schemas import ChannelCreate, MessageCreate, ThreadCreate
from csirtnet.cluster.event import service as event_service
from csirtnet.cluster.event.schemas import EventCreate
from csirtnet.cluster.knowledge import service as knowledge_service
from csirtnet.cluster.knowledge.schemas import DocumentCreate
from csirtnet.cluster.readiness import service as readiness_service
from csirtnet.cluster.readiness.schemas import EvidenceAdd, ReadinessUpdate
from csirtnet.cluster.schemas import ActivityCreate, ClusterCreate, HandoverCreate, MemberAdd, PlanUpdate, TermCreate
from csirtnet.config import get_settings
from csirtnet.identity import login as login_service
from csirtnet.identity import service as identity_service
from csirtnet.identity.schemas import UserCreate, UserUpdate
from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token, grantable_scopes
from csirtnet.incident import discussion, intake, observables, participants, task_service, timeline, triage
from csirtnet.incident.attachments import Attachment
from csirtnet.incident.schemas import (
    Classification,
    ObservableCreate,
    OpenFromReport,
    ParticipantCreate,
    ReportCreate,
    TaskCreate,
    TimelineEntryCreate,
)
from csirtnet.kit.time import utcnow
from csirtnet.mobilisation import answers, deployments
from csirtnet.mobilisation import service as mobilisation_service
from csirtnet.mobilisation.schemas import AcceptBody, ReleaseBody, SupportRequestCreate
from csirtnet.models import (
    Job,
    Notification,
    Organisation,
    ReportChannel,
    User,
)
from csirtnet.notification import service as notification_service
from csirtnet.organisation import application, constituency, documents, experts
from csirtnet.organisation import service as organisation_service
from csirtnet.organisation.application import ApplicationForm
from csirtnet.organisation.schemas import ContactCreate, ExpertCreate, OrganisationUpdate, SkillIn, SystemCreate
from csirtnet.vocabulary import TLP, Role
from tests.factories import PASSWORD, make_organisation, make_user
from tests.helpers import csrf_from
from tests.security import rules as R
from tests.security.markers import Markers

TLPS = ("clear", "green", "amber", "amber+strict", "red")
TLP_SLUG = {"clear": "clear", "green": "green", "amber": "amber", "amber+strict": "strict", "red": "red"}
_RESET = re.compile(r"/(?:password/reset|apply/track|report/track)/([A-Za-z0-9_\-]{16,})")


@dataclass
class Login:
    """How a subject calls the platform: its session cookie (pages, and the API with the CSRF
    header), its CSRF token, and an API token with every scope its roles grant."""

    key: str
    user_id: int | None = None
    cookie: str | None = None
    csrf: str | None = None
    bearer: str | None = None
    totp_secret: str | None = None
    token_id: int | None = None


@dataclass(frozen=True)
class IncidentFacts:
    org: str
    tlp: str
    roles: dict[str, str]  # subject -> participant role (active, named)


@dataclass
class World:
    kind: str
    markers: Markers = field(default_factory=Markers)
    ids: dict[str, int] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)  # tracking and reset tokens by name
    logins: dict[str, Login] = field(default_factory=dict)
    readers: dict[str, frozenset[str]] = field(default_factory=dict)  # object key -> subjects who may see it
    incidents: dict[str, IncidentFacts] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)  # planted values a request must repeat (a claim)
    # Incidents whose id a subject may not learn (they may not see them and never could).
    hidden_incident_ids: dict[str, set[int]] = field(default_factory=dict)
    year: int = 0
    today: date = date.min
    # Markers a request may show to whoever sends it, because it carries the secret that proves
    # it is theirs (an applicant's tracking link), by secret name.
    owned_by_secret: dict[str, frozenset[str]] = field(default_factory=dict)

    def id(self, key: str) -> int:
        return self.ids[key]


def _today() -> date:
    return datetime.now(ZoneInfo(get_settings().timezone)).date()


class Builder:
    """Builds the world in `session` (flushes, never commits)."""

    def __init__(self, session: Session, world: World) -> None:
        self.s = session
        self.w = world
        self.m = world.markers
        self.users: dict[str, User] = {}
        self.orgs: dict[str, Organisation] = {}
        self.now = utcnow()

    # -- helpers ----------------------------------------------------------------------------

    def mk(self, what: str, audience: frozenset[str]) -> str:
        return self.m.new(what, audience)

    def who(self, key: str) -> Subject:
        return subject_for(self.users[key])

    def upload(self, key: str, what: str, audience: frozenset[str]) -> int:
        """A file uploaded by `key`, its name and content marked."""
        name = self.mk(f"{what} filename", audience) + ".txt"
        content = ("content " + self.mk(f"{what} content", audience)).encode()
        row = files.store_upload(
            self.s, self.who(key), filename=name, content_type="text/plain", stream=BytesIO(content)
        )
        return row.id

    # -- organisations and subjects -----------------------------------------------------------

    def organisations(self) -> None:
        self.orgs["COORD"] = make_organisation(
            self.s, name="Cục An toàn thông tin (ma trận)", short_name="COORD", is_coordinator=True, kind="ministry"
        )
        self.orgs["OPS"] = make_organisation(self.s, name="Vận hành nền tảng", short_name="OPS")
        for key, name, province in (
            ("A", "Sở Thông tin và Truyền thông Bắc Kạn", "Bắc Kạn"),
            ("B", "Công ty An ninh mạng B", "Hà Nội"),
            ("LP", "Sở Thông tin và Truyền thông Cao Bằng", "Cao Bằng"),
            ("LC", "Sở Thông tin và Truyền thông Bắc Giang", "Bắc Giang"),
        ):
            self.orgs[key] = make_organisation(
                self.s, name=f"{name} (ma trận)", short_name=f"MX-{key}", kind="province", province=province
            )
        for key, org in self.orgs.items():
            self.w.ids[f"org:{key}"] = org.id

    def subjects(self) -> None:
        totp = {s: pyotp.random_base32() for s in (R.ADMIN_A, R.ADMIN_B, R.LEAD_PAST, R.LEAD_CURRENT)}
        totp[R.COORDINATOR] = pyotp.random_base32()
        totp[R.PLATFORM_ADMIN] = pyotp.random_base32()
        roles = {
            R.VIEWER: [Role.VIEWER],
            R.RESPONDER: [Role.RESPONDER],
            R.EXPERT_ENDED: [Role.RESPONDER],
            R.EXPERT_DEPLOYED: [Role.RESPONDER],
            R.ADMIN_A: [Role.ORG_ADMIN],
            R.ADMIN_B: [Role.ORG_ADMIN],
            R.LEAD_PAST: [Role.ORG_ADMIN],
            R.LEAD_CURRENT: [Role.ORG_ADMIN],
            R.COORDINATOR: [Role.COORDINATOR],
            R.PLATFORM_ADMIN: [Role.PLATFORM_ADMIN],
            R.OWES_2FA: [Role.ORG_ADMIN],
            R.NOROLE: [Role.VIEWER],  # emptied below: the factory's default is a viewer
        }
        for key, granted in roles.items():
            user = make_user(
                self.s,
                roles=granted,
                organisation=self.orgs[R.ORG_OF[key]],
                totp_secret=totp.get(key),
                email=f"{key.replace('_', '-')}@matrix.example.vn",
                full_name=f"Ma Trận {key.replace('_', ' ').title()}",
            )
            self.users[key] = user
            self.w.logins[key] = Login(key, user_id=user.id, totp_secret=totp.get(key))
            self.w.ids[f"user:{key}"] = user.id
        self.users[R.NOROLE].role_rows = []
        self.s.flush()
        self.s.expire(self.users[R.NOROLE])
        self.w.logins[R.ANON] = Login(R.ANON)
        # Actors that are not subjects: a second coordinator (opens and commands the incidents, so
        # the coordinator subject is named on none but one), B's responder (reports B's incidents).
        self.users["coord2"] = make_user(
            self.s, roles=[Role.COORDINATOR], organisation=self.orgs["COORD"], email="coord2@matrix.example.vn"
        )
        self.users["resp_b"] = make_user(
            self.s, roles=[Role.RESPONDER], organisation=self.orgs["B"], email="resp-b@matrix.example.vn"
        )
        for key, secret in totp.items():
            self.m.secret(secret, f"TOTP secret of {key}")
        # Private account details: a phone number is for the user, their organisation's admins and staff.
        for key in (R.VIEWER, R.ADMIN_B, R.PLATFORM_ADMIN):
            audience = frozenset({key}) | R.admins_of(R.ORG_OF[key]) | R.STAFF
            phone = self.mk(f"user {key} phone", audience)
            identity_service.update_user(self.s, self.who(key), self.users[key].id, UserUpdate(phone=phone))

    # -- members: profiles, contacts, systems, experts, constituency --------------------------

    def profiles(self) -> None:
        coord2 = subject_for(self.users["coord2"])
        for key in ("A", "B", "LP", "LC"):
            readers = R.profile_readers(key)
            org = self.orgs[key]
            organisation_service.update(
                self.s,
                coord2,
                org.id,
                OrganisationUpdate(
                    owner_agency=self.mk(f"org {key} owner agency", readers),
                    address=self.mk(f"org {key} address", readers),
                    capability_description=self.mk(f"org {key} capability", readers),
                    staff_count=7,
                    incident_email=f"ir-{key.lower()}@matrix.example.vn",
                ),
            )
            contact = organisation_service.add_contact(
                self.s,
                coord2,
                org.id,
                ContactCreate(
                    role="incident_24x7",
                    full_name=self.mk(f"org {key} contact name", readers),
                    position=self.mk(f"org {key} contact position", readers),
                    email=f"{self.mk(f'org {key} contact email', readers)}@matrix.example.vn",
                ),
            )
            self.w.ids[f"contact:{key}"] = contact.id
            system = organisation_service.add_system(
                self.s,
                coord2,
                org.id,
                SystemCreate(
                    name=self.mk(f"org {key} system name", readers),
                    security_level=3,
                    description=self.mk(f"org {key} system description", readers),
                ),
            )
            self.w.ids[f"system:{key}"] = system.id
            value = f"{self.mk(f'org {key} claim', readers)}.example.vn"
            self.w.values[f"claim:{key}"] = value
            claim = constituency.add_claim(
                self.s,
                coord2,
                org.id,
                value,
                note=self.mk(f"org {key} claim note", readers),
            )
            self.w.ids[f"claim:{key}"] = claim.id
        # An overlap for the coordinator to resolve: B claims part of A's address block.
        broad = constituency.add_claim(self.s, coord2, self.orgs["A"].id, "198.51.100.0/24")
        narrow = constituency.add_claim(self.s, coord2, self.orgs["B"].id, "198.51.100.128/25")
        self.w.ids["claim:A-broad"] = broad.id
        self.w.ids["claim:B-narrow"] = narrow.id

    def experts(self) -> None:
        coord2 = subject_for(self.users["coord2"])
        readers = R.profile_readers("B")
        for key in (R.EXPERT_ENDED, R.EXPERT_DEPLOYED):
            expert = experts.create(
                self.s,
                coord2,
                self.orgs["B"].id,
                ExpertCreate(
                    full_name=self.users[key].full_name,
                    email=f"{self.mk(f'expert {key} email', readers)}@matrix.example.vn",
                    province="Bắc Kạn",
                    skills=[SkillIn(skill="malware-analysis", level=3), SkillIn(skill="digital-forensics", level=2)],
                    notes=self.mk(f"expert {key} notes", readers),
                    user_id=self.users[key].id,
                    max_deployments=3,
                ),
            )
            self.w.ids[f"expert:{key}"] = expert.id
        spare = experts.create(
            self.s,
            coord2,
            self.orgs["B"].id,
            ExpertCreate(
                full_name="Chuyên Gia Dự Phòng",
                province="Bắc Kạn",
                skills=[SkillIn(skill="malware-analysis", level=3)],
                notes=self.mk("expert spare notes", readers),
                max_deployments=3,
            ),
        )
        self.w.ids["expert:spare"] = spare.id
        a_expert = experts.create(
            self.s,
            coord2,
            self.orgs["A"].id,
            ExpertCreate(
                full_name="Chuyên Gia Bắc Kạn",
                skills=[SkillIn(skill="malware-analysis", level=1)],
                notes=self.mk("expert of A notes", R.profile_readers("A")),
            ),
        )
        self.w.ids["expert:A"] = a_expert.id
        lc_expert = experts.create(
            self.s,
            coord2,
            self.orgs["LC"].id,
            ExpertCreate(
                full_name="Chuyên Gia Bắc Giang",
                skills=[SkillIn(skill="malware-analysis", level=2)],
                notes=self.mk("expert of LC notes", R.profile_readers("LC")),
            ),
        )
        self.w.ids["expert:LC"] = lc_expert.id

    # -- clusters -------------------------------------------------------------------------------

    def clusters(self) -> None:
        coord2 = subject_for(self.users["coord2"])
        year = self.w.year
        for key, number in (("1", 901), ("2", 902)):
            cluster = cluster_service.create_cluster(
                self.s,
                coord2,
                ClusterCreate(number=number, name=f"Cụm số {number} (ma trận)", decision_number=f"{number}/QĐ"),
            )
            self.w.ids[f"cluster:{key}"] = cluster.id
            for org in sorted(R.CLUSTER_ORGS[key]):
                member = cluster_service.add_member(
                    self.s, coord2, cluster.id, MemberAdd(organisation_id=self.orgs[org].id, joined_on=date(2020, 1, 1))
                )
                self.w.ids[f"membership:{key}:{org}"] = member.id
            channel = channel_service.ensure_cluster_channel(self.s, coord2, cluster)
            self.w.ids[f"channel:cluster{key}"] = channel.id
        c1 = self.w.ids["cluster:1"]
        past = cluster_service.add_term(
            self.s,
            coord2,
            c1,
            TermCreate(
                organisation_id=self.orgs["LP"].id, starts_on=date(year - 1, 1, 1), ends_on=date(year - 1, 12, 31)
            ),
        )
        current = cluster_service.add_term(
            self.s,
            coord2,
            c1,
            TermCreate(organisation_id=self.orgs["LC"].id, starts_on=date(year, 1, 1), ends_on=date(year, 12, 31)),
        )
        planned = cluster_service.add_term(
            self.s,
            coord2,
            c1,
            TermCreate(
                organisation_id=self.orgs["A"].id, starts_on=date(year + 1, 1, 1), ends_on=date(year + 1, 12, 31)
            ),
        )
        self.w.ids.update({"term:past": past.id, "term:current": current.id, "term:planned": planned.id})
        insiders = R.cluster_insiders("1")
        document = self.upload("coord2", "handover document cluster 1", insiders)
        handover = cluster_service.record_handover(
            self.s,
            coord2,
            c1,
            HandoverCreate(
                from_organisation_id=self.orgs["LP"].id,
                to_organisation_id=self.orgs["LC"].id,
                handed_over_on=date(year, 1, 2) if self.w.today >= date(year, 1, 2) else date(year - 1, 12, 31),
                minutes=self.mk("handover minutes cluster 1", insiders),
                attachment_ids=[document],
            ),
        )
        self.w.ids["handover:1"] = handover.id
        self.w.ids["handover-file:1"] = document
        for key in ("1", "2"):
            insiders = R.cluster_insiders(key)
            cid = self.w.ids[f"cluster:{key}"]
            plan.update_summary(
                self.s, coord2, cid, year, PlanUpdate(summary=self.mk(f"plan summary cluster {key}", insiders))
            )
            activity = plan.add_activity(
                self.s,
                coord2,
                cid,
                year,
                ActivityCreate(
                    kind="drill",
                    title=self.mk(f"plan activity title cluster {key}", insiders),
                    notes=self.mk(f"plan activity notes cluster {key}", insiders),
                ),
            )
            self.w.ids[f"activity:{key}"] = activity.id

    def readiness(self) -> None:
        year = self.w.year
        for org, author in (("A", R.ADMIN_A), ("B", R.ADMIN_B), ("LP", R.LEAD_PAST)):
            readers = R.readiness_readers(org)
            oid = self.orgs[org].id
            readiness_service.save(
                self.s,
                self.who(author),
                oid,
                year,
                ReadinessUpdate(
                    backup_plan=True,
                    ir_team=True,
                    ir_contact_24x7=self.mk(f"readiness {org} 24x7 contact", readers),
                    statement=self.mk(f"readiness {org} statement", readers),
                ),
            )
            file_id = self.upload(author, f"readiness {org} evidence", readers)
            evidence = readiness_service.add_evidence(
                self.s,
                self.who(author),
                oid,
                year,
                EvidenceAdd(
                    criterion="backup", file_id=file_id, note=self.mk(f"readiness {org} evidence note", readers)
                ),
            )
            self.w.ids[f"evidence:{org}"] = evidence.id

    # -- channels, events, knowledge --------------------------------------------------------------

    def channels(self) -> None:
        coord2 = subject_for(self.users["coord2"])
        topic = channel_service.create_channel(
            self.s,
            coord2,
            ChannelCreate(
                kind="topic",
                name="Chuyên đề A và B (ma trận)",
                organisation_ids=[self.orgs["A"].id, self.orgs["B"].id],
            ),
        )
        self.w.ids["channel:topic"] = topic.id
        spaces = {
            "cluster1": (R.channel_space("A", "LP", "LC"), R.ADMIN_A, R.LEAD_CURRENT, TLPS),
            # Opened by the coordinator's staff, so the coordinating body is one of its organisations.
            "topic": (R.channel_space("A", "B", "COORD"), R.ADMIN_B, R.ADMIN_A, ("amber", "amber+strict", "red")),
            "cluster2": (R.channel_space("B"), R.ADMIN_B, R.EXPERT_DEPLOYED, ("green", "amber+strict")),
        }
        for name, ((community, recipients), author, recipient, markings) in spaces.items():
            channel_id = self.w.ids[f"channel:{name}"]
            for tlp in markings:
                named = [recipient] if tlp == "red" else []
                audience = R.tlp_audience(tlp, author=author, named=named, community=community, recipients=recipients)
                what = f"{name} {TLP_SLUG[tlp]}"
                attachment = [self.upload(author, f"message {what}", audience)] if tlp in ("amber", "red") else []
                message = channel_service.start_thread(
                    self.s,
                    self.who(author),
                    channel_id,
                    ThreadCreate(
                        title=self.mk(f"thread {what} title", audience),
                        body=self.mk(f"message {what} body", audience),
                        tlp=tlp,
                        recipient_ids=[self.users[k].id for k in named],
                        attachment_ids=attachment,
                    ),
                )
                slug = f"{name}:{TLP_SLUG[tlp]}"
                self.w.ids[f"thread:{slug}"] = message.thread_id
                self.w.ids[f"message:{slug}"] = message.id
                self.w.readers[f"message:{slug}"] = audience
                if attachment:
                    self.w.ids[f"message-file:{slug}"] = attachment[0]
            # A RED reply inside the GREEN thread: the thread is readable, the reply is not.
        community, recipients = R.channel_space("A", "LP", "LC")
        audience = R.tlp_audience("red", author=R.ADMIN_A, named=[R.VIEWER], community=community, recipients=recipients)
        reply = channel_service.reply(
            self.s,
            self.who(R.ADMIN_A),
            self.w.ids["channel:cluster1"],
            self.w.ids["thread:cluster1:green"],
            MessageCreate(
                body=self.mk("message cluster1 red reply in green thread", audience),
                tlp="red",
                recipient_ids=[self.users[R.VIEWER].id],
            ),
        )
        self.w.ids["message:cluster1:red-reply"] = reply.id
        self.w.readers["message:cluster1:red-reply"] = audience

    def events(self) -> None:
        coord2 = subject_for(self.users["coord2"])
        start = self.now + timedelta(days=10)
        network = event_service.create(
            self.s,
            coord2,
            EventCreate(
                title="Hội thảo toàn mạng lưới", starts_at=start, ends_at=start + timedelta(hours=3), location="Hà Nội"
            ),
        )
        self.w.ids["event:network"] = network.id
        insiders = R.cluster_insiders("1")
        c1 = self.w.ids["cluster:1"]
        upcoming = event_service.create(
            self.s,
            self.who(R.LEAD_CURRENT),
            EventCreate(
                cluster_id=c1,
                title=self.mk("event cluster 1 title", insiders),
                description=self.mk("event cluster 1 description", insiders),
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                location="Bắc Giang",
            ),
        )
        self.w.ids["event:cluster1"] = upcoming.id
        live = event_service.create(
            self.s,
            self.who(R.LEAD_CURRENT),
            EventCreate(
                cluster_id=c1,
                title=self.mk("event cluster 1 live title", insiders),
                starts_at=self.now + timedelta(minutes=30),
                ends_at=self.now + timedelta(hours=4),
                location="Bắc Giang",
            ),
        )
        for key in (R.VIEWER, R.ADMIN_A):
            event_service.register(self.s, self.who(key), upcoming.id)
            event_service.register(self.s, self.who(key), live.id)
        live.starts_at = self.now - timedelta(hours=1)  # it has started: attendance can be marked
        self.w.ids["event:cluster1-live"] = live.id
        c2 = event_service.create(
            self.s,
            coord2,
            EventCreate(
                cluster_id=self.w.ids["cluster:2"],
                title=self.mk("event cluster 2 title", R.cluster_insiders("2")),
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                location="Hà Nội",
            ),
        )
        self.w.ids["event:cluster2"] = c2.id

    def knowledge(self) -> None:
        for cluster, markings in (
            (None, ("clear", "green", "amber", "amber+strict")),
            ("1", ("green", "amber", "amber+strict")),
        ):
            community, recipients = R.knowledge_space(cluster)
            for tlp in markings:
                audience = R.tlp_audience(tlp, author=R.ADMIN_A, community=community, recipients=recipients)
                what = f"knowledge {'network' if cluster is None else 'cluster' + cluster} {TLP_SLUG[tlp]}"
                file_id = self.upload(R.ADMIN_A, what, audience)
                doc = knowledge_service.create(
                    self.s,
                    self.who(R.ADMIN_A),
                    DocumentCreate(
                        title_vi=self.mk(f"{what} title", audience),
                        summary_vi=self.mk(f"{what} summary", audience),
                        tlp=tlp,
                        cluster_id=None if cluster is None else self.w.ids[f"cluster:{cluster}"],
                        attachment_ids=[file_id],
                    ),
                )
                slug = f"{'network' if cluster is None else 'cluster' + cluster}:{TLP_SLUG[tlp]}"
                self.w.ids[f"knowledge:{slug}"] = doc.id
                self.w.ids[f"knowledge-file:{slug}"] = file_id
                self.w.readers[f"knowledge:{slug}"] = audience

    # -- incidents ------------------------------------------------------------------------------

    def incidents(self) -> None:
        coord2 = subject_for(self.users["coord2"])
        reporters = {"A": R.RESPONDER, "B": "resp_b"}
        for org in ("A", "B"):
            for tlp in TLPS:
                key = f"{org}-{TLP_SLUG[tlp]}"
                roles = {reporters[org]: "reporter"} if reporters[org] in R.MEMBERS else {}
                if key in ("A-amber", "A-red"):
                    roles[R.EXPERT_DEPLOYED] = "responder"  # mobilised (amber) or named (red) below
                if key == "B-red":
                    roles[R.COORDINATOR] = "observer"  # named below
                named = set(roles)
                self.w.incidents[key] = IncidentFacts(org, tlp, roles)
                shared = "1" if org == "A" else None
                readers = R.incident_readers(org, tlp, named, shared)
                self.w.readers[f"incident:{key}"] = readers
                reporter = self.users[reporters[org]]
                # Who may open the report itself; its fields also reach the incident's readers (the
                # JSON export and the PDF's form 03 carry the reports of the incident).
                report_readers = R.report_readers(org, reporters[org], False, readers if tlp == "red" else None)
                self.w.readers[f"report:{key}"] = report_readers
                report_readers = report_readers | readers
                # Coordinators are told of every report with its title when it arrives (a notification
                # they keep), before it is triaged; what one was told while entitled stays with one.
                both = report_readers | R.users_of("COORD")
                received = intake.submit(
                    self.s,
                    subject_for(reporter),
                    ReportCreate(
                        title=self.mk(f"incident {key} title", both),
                        description="Mô tả sự cố " + self.mk(f"incident {key} description", report_readers),
                        reporter_name=reporter.full_name,
                        reporter_email=reporter.email,
                        detected_at=self.now - timedelta(days=1),
                        system_name=self.mk(f"incident {key} system", report_readers),
                        detection_method=self.mk(f"report {key} detection", report_readers),
                        support_requested=self.mk(f"report {key} support", report_readers),
                        security_measures=self.mk(f"report {key} measures", report_readers),
                    ),
                    channel=ReportChannel.WEB,
                    attachments=[
                        Attachment(
                            filename=self.mk(f"report {key} attachment name", report_readers) + ".txt",
                            content_type="text/plain",
                            data=("evidence " + self.mk(f"report {key} attachment content", report_readers)).encode(),
                        )
                    ],
                )
                report = received.report
                self.w.ids[f"report:{key}"] = report.id
                incident = triage.open_incident(
                    self.s,
                    coord2,
                    report.id,
                    OpenFromReport(
                        rsit_class="malicious-code",
                        rsit_type="infected-system",
                        tlp=TLP(tlp) if tlp != "red" else TLP.AMBER,
                        shared_with_cluster_id=self.w.ids["cluster:1"] if shared else None,
                        severity="serious",
                        deadline_profile_key="nis2-art23",  # its 72-hour notification is marked met by hand
                        severity_reason=self.mk(f"incident {key} severity reason", readers),
                    ),
                )
                self.w.ids[f"incident:{key}"] = incident.id
                self.w.ids[f"report-file:{key}"] = triage.report_files(self.s, report)[0][0]
                if tlp == "red":  # raised to RED once opened: the report stays behind (item 7)
                    triage.update_classification(self.s, coord2, incident.id, Classification(tlp=TLP.RED))
                if key == "A-red":
                    participants.add(
                        self.s,
                        coord2,
                        incident.id,
                        ParticipantCreate(user_id=self.users[R.EXPERT_DEPLOYED].id, role="responder"),
                    )
                if key == "B-red":
                    row = participants.add(
                        self.s,
                        coord2,
                        incident.id,
                        ParticipantCreate(user_id=self.users[R.COORDINATOR].id, role="observer"),
                    )
                    self.w.ids["participant:B-red:coordinator"] = row.id
                self._incident_content(key, incident.id, readers, named, reporter)

    def _incident_content(
        self, key: str, incident_id: int, readers: frozenset[str], named: set[str], reporter: User
    ) -> None:
        coord2 = subject_for(self.users["coord2"])
        for tlp in TLPS:
            audience = readers if tlp != "red" else readers & frozenset(named)
            what = f"observable {key} {TLP_SLUG[tlp]}"
            obs = observables.add(
                self.s,
                coord2,
                incident_id,
                ObservableCreate(
                    kind="domain",
                    value=f"{self.mk(what, audience)}.example.net",
                    tlp=TLP(tlp),
                    note=self.mk(f"{what} note", audience),
                ),
            )
            self.w.ids[f"observable:{key}:{TLP_SLUG[tlp]}"] = obs.id
        timeline.add_entry(
            self.s,
            coord2,
            incident_id,
            TimelineEntryCreate(
                occurred_at=self.now - timedelta(hours=5), text=self.mk(f"incident {key} timeline", readers)
            ),
        )
        task = task_service.create(
            self.s,
            coord2,
            incident_id,
            TaskCreate(
                title=self.mk(f"incident {key} task title", readers),
                description=self.mk(f"incident {key} task description", readers),
                assignee_ids=[reporter.id],
            ),
        )
        self.w.ids[f"task:{key}"] = task.id
        discussion.post(self.s, coord2, incident_id, "Bình luận " + self.mk(f"incident {key} comment", readers))

    def links(self) -> None:
        coord2 = subject_for(self.users["coord2"])
        both_readers = self.w.readers["incident:A-amber"] | self.w.readers["incident:B-red"]
        value = f"{self.mk('observable shared A-amber B-red', both_readers)}.example.net"
        for key in ("A-amber", "B-red"):
            observables.add(self.s, coord2, self.w.ids[f"incident:{key}"], ObservableCreate(kind="domain", value=value))
        for a, b in (("A-clear", "B-red"), ("A-green", "B-green")):
            audience = self.w.readers[f"incident:{a}"] & self.w.readers[f"incident:{b}"]
            triage.link_incidents(
                self.s,
                coord2,
                self.w.ids[f"incident:{a}"],
                self.w.ids[f"incident:{b}"],
                self.mk(f"link {a} {b} note", audience),
            )

    def queue(self) -> None:
        """Reports not yet triaged: A's ordinary one, A's confidential one, and a public one."""
        responder = self.users[R.RESPONDER]
        for key, confidential in (("A-new", False), ("A-confidential", True)):
            readers = R.report_readers("A", R.RESPONDER, confidential, None)
            received = intake.submit(
                self.s,
                subject_for(responder),
                ReportCreate(
                    title=self.mk(f"report {key} title", readers),
                    description="Mô tả " + self.mk(f"report {key} description", readers),
                    reporter_name=responder.full_name,
                    detected_at=self.now - timedelta(hours=3),
                    confidential=confidential,
                ),
                channel=ReportChannel.WEB,
                attachments=[
                    Attachment(
                        filename="evidence.txt",
                        content_type="text/plain",
                        data=("bytes " + self.mk(f"report {key} attachment content", readers)).encode(),
                    )
                ],
            )
            self.w.ids[f"report:{key}"] = received.report.id
            self.w.ids[f"report-file:{key}"] = triage.report_files(self.s, received.report)[0][0]
            self.w.readers[f"report:{key}"] = readers
        public = intake.submit(
            self.s,
            intake.public_subject("public"),
            ReportCreate(
                title=self.mk("report public title", R.STAFF),
                description="Mô tả " + self.mk("report public description", R.STAFF),
                reporter_name="Người Dân",
                reporter_email="nguoidan@matrix.example.vn",
                reporter_phone="0912345678",
                detected_at=self.now - timedelta(hours=2),
            ),
            channel=ReportChannel.PUBLIC,
            source_ip="192.0.2.50",
        )
        assert public.tracking_token
        self.w.ids["report:public"] = public.report.id
        self.w.secrets["report-track"] = self.m.secret(public.tracking_token, "public report tracking token")

    # -- mobilisation -------------------------------------------------------------------------------

    def mobilisation(self) -> None:
        coord2 = subject_for(self.users["coord2"])
        incident_id = self.w.ids["incident:A-amber"]
        readers = self.w.readers["incident:A-amber"]
        # Who sees a request: its incident's readers, the requesting organisation, the admins of the
        # organisations it was sent to (docs/mobilisation.md).
        # (The ended expert was told the request when deployed, and keeps that notification.)
        request_readers = readers | R.users_of("COORD") | R.admins_of("B") | {R.EXPERT_ENDED}
        body = SupportRequestCreate(
            summary=self.mk("support request A-amber summary", request_readers),
            skills=[{"skill": "malware-analysis", "min_level": 2}],
            mode="remote",
            duration_hours=72,
            experts_needed=2,
            response_deadline=self.now + timedelta(hours=6),
            organisation_ids=[self.orgs["B"].id],
        )
        request = mobilisation_service.raise_request(self.s, coord2, incident_id, body)
        self.w.ids["request:fulfilled"] = request.id
        accepted = answers.accept(
            self.s,
            self.who(R.ADMIN_B),
            request.id,
            AcceptBody(
                expert_ids=[self.w.ids[f"expert:{R.EXPERT_ENDED}"], self.w.ids[f"expert:{R.EXPERT_DEPLOYED}"]],
                note=self.mk("support request acceptance note", request_readers),
            ),
        )
        by_user = {d.user_id: d for d in accepted}
        ended = by_user[self.users[R.EXPERT_ENDED].id]
        # A deployment: its incident's readers, the expert's organisation, the expert.
        deployment_readers = readers | R.users_of("B")
        deployments.release(
            self.s,
            self.who(R.ADMIN_B),
            ended.id,
            ReleaseBody(outcome=self.mk("deployment ended outcome", deployment_readers)),
        )
        self.w.ids["deployment:ended"] = ended.id
        self.w.ids["deployment:active"] = by_user[self.users[R.EXPERT_DEPLOYED].id].id
        # An open request sent to B (B's admin may answer) and one sent to LC (B's may not).
        for name, org in (("pending-B", "B"), ("pending-LC", "LC")):
            asked = R.admins_of(org)
            pending = mobilisation_service.raise_request(
                self.s,
                coord2,
                self.w.ids["incident:A-green"],
                SupportRequestCreate(
                    summary=self.mk(f"support request {name} summary", self.w.readers["incident:A-green"] | asked),
                    skills=[{"skill": "malware-analysis", "min_level": 1}],
                    mode="remote",
                    duration_hours=48,
                    experts_needed=1,
                    response_deadline=self.now + timedelta(hours=6),
                    organisation_ids=[self.orgs[org].id],
                ),
            )
            self.w.ids[f"request:{name}"] = pending.id
        self.w.ids["expert:spare-B"] = self.w.ids["expert:spare"]

    # -- accounts, secrets, applications, webhooks ------------------------------------------------

    def accounts(self) -> None:
        admin_a = self.who(R.ADMIN_A)
        invited = identity_service.create_user(
            self.s,
            admin_a,
            UserCreate(
                email="invited@matrix.example.vn", full_name="Người Được Mời", organisation_id=self.orgs["A"].id
            ),
        )
        self.w.ids["user:invited"] = invited.id
        # A reset link for the platform admin sits in a queued email (issue 10 item 1).
        token = login_service.start_password_reset(self.s, self.users[R.PLATFORM_ADMIN])
        self.w.secrets["reset-platform-admin"] = token
        endpoint = notification_service.create_webhook(
            self.s,
            admin_a,
            self.orgs["A"].id,
            f"https://{self.mk('webhook A url', R.admins_of('A') | R.STAFF)}.example.vn/hook",
            [],
        )
        self.w.ids["webhook:A"] = endpoint.id
        self.m.secret(endpoint.secret, "webhook A secret")
        endpoint_b = notification_service.create_webhook(
            self.s, self.who(R.ADMIN_B), self.orgs["B"].id, "https://hooks.matrix.example.vn/b", []
        )
        self.w.ids["webhook:B"] = endpoint_b.id
        self.m.secret(endpoint_b.secret, "webhook B secret")

    def applications(self) -> None:
        readers = R.STAFF
        form = ApplicationForm(
            applicant_name="Người Nộp Đơn",
            applicant_email="applicant@matrix.example.vn",
            organisation_name="Công ty Ứng Viên (ma trận)",
            address=self.mk("application address", readers),
            capability_description=self.mk("application capability", readers),
            owner_agency=self.mk("application owner agency", readers),
            incident_email="ir@applicant.example.vn",
            contacts=[
                ContactCreate(role=role, full_name=self.mk(f"application contact {role}", readers), phone="0912000111")
                for role in ("incident_24x7", "focal_point", "infosec_leader")
            ],
        )
        app, token = application.submit(
            self.s,
            form,
            [documents.Upload("ho-so.pdf", b"%PDF-1.4 " + self.mk("application document", readers).encode())],
            ip="192.0.2.60",
        )
        self.w.ids["application:1"] = app.id
        application.request_info(
            self.s,
            subject_for(self.users["coord2"]),
            app.id,
            "Câu hỏi " + self.mk("application question", readers),
        )
        self.w.ids["application-file:1"] = application.attached(self.s, app)[0].id
        self.w.secrets["apply-track"] = self.m.secret(token, "application tracking token")
        # The applicant (whoever holds the tracking link) sees their own application.
        self.w.owned_by_secret["apply-track"] = frozenset(
            m.text for m in self.m.all() if m.what.startswith("application ")
        ) | {token}
        second, _ = application.submit(
            self.s,
            form.model_copy(
                update={"organisation_name": "Công ty Ứng Viên Hai", "applicant_email": "two@matrix.example.vn"}
            ),
            [],
            ip="192.0.2.61",
        )
        self.w.ids["application:2"] = second.id

    def enrolment(self) -> None:
        """The admin who owes a second factor has started enrolling (the matrix confirms it)."""
        user = self.users[R.OWES_2FA]
        secret = login_service.begin_totp_enrolment(self.s, user)
        self.w.logins[R.OWES_2FA].totp_secret = secret

    def uploads(self) -> None:
        """An upload of each subject's own, not yet attached (forms attach files by id)."""
        for key in R.MEMBERS:
            row = files.store_upload(
                self.s, self.who(key), filename="bang-chung.txt", content_type="text/plain", stream=BytesIO(b"evidence")
            )
            self.w.ids[f"own-upload:{key}"] = row.id

    def finish(self) -> None:
        # Secrets the platform wrote into queued emails (invitations, resets, tracking links).
        for job in self.s.scalars(select(Job)):
            for token in _RESET.findall(repr(job.payload)):
                self.m.secret(token, f"secret link in job {job.name}")
        hashed = self.users[R.VIEWER].password_hash
        assert hashed
        self.m.secret(hashed, "password hash")
        first_job = self.s.scalars(select(Job).order_by(Job.id)).first()
        assert first_job is not None
        self.s.execute(update(Job).where(Job.id == first_job.id).values(status="failed", attempts=8))
        self.w.ids["job:failed"] = first_job.id
        for key in (R.VIEWER, R.COORDINATOR, R.ADMIN_B):
            note = self.s.scalars(select(Notification).where(Notification.user_id == self.users[key].id)).first()
            if note is not None:
                self.w.ids[f"notification:{key}"] = note.id
        for subject in R.SUBJECTS:
            visible = {
                self.w.ids[k]
                for k, readers in self.w.readers.items()
                if k.startswith("incident:") and subject in readers
            }
            # A deployment names its incident to the expert and the expert's organisation; a support
            # request names its incident to the organisations it was sent to.
            known = set(visible)
            if subject in R.users_of("B") | {R.EXPERT_ENDED}:
                known.add(self.w.ids["incident:A-amber"])
            if subject in R.admins_of("B") | R.admins_of("LC"):
                known.add(self.w.ids["incident:A-green"])
            self.w.hidden_incident_ids[subject] = {
                v for k, v in self.w.ids.items() if k.startswith("incident:") and v not in known
            }
        self.s.flush()


def build(session: Session, kind: str) -> World:
    world = World(kind=kind, today=_today())
    world.year = world.today.year
    b = Builder(session, world)
    b.organisations()
    b.subjects()
    b.profiles()
    b.experts()
    b.clusters()
    b.readiness()
    b.channels()
    b.events()
    b.knowledge()
    b.incidents()
    b.links()
    b.queue()
    b.mobilisation()
    b.accounts()
    b.applications()
    b.enrolment()
    b.uploads()
    b.finish()
    return world


def log_in(client: TestClient, world: World) -> None:
    """Every subject logs in through the real pages; its API token is made for it."""
    for key, login in world.logins.items():
        if login.user_id is None:
            continue
        client.cookies.clear()
        page = client.get("/login")
        r = client.post(
            "/login",
            data={
                "email": f"{key.replace('_', '-')}@matrix.example.vn",
                "password": PASSWORD,
                "csrf_token": csrf_from(page.text),
                "next": "/",
            },
        )
        assert r.status_code == 303, f"{key} could not log in: {r.status_code}"
        if r.headers["location"].startswith("/login/2fa"):
            assert login.totp_secret, key
            page = client.get(r.headers["location"])
            r = client.post(
                "/login/2fa",
                data={"code": pyotp.TOTP(login.totp_secret).now(), "csrf_token": csrf_from(page.text), "next": "/"},
            )
            assert r.status_code == 303, f"{key} failed the second factor: {r.status_code}"
        cookie = client.cookies.get("csirtnet_session")
        assert cookie, key
        login.cookie = cookie
        world.markers.secret(cookie, f"session cookie of {key}")
    client.cookies.clear()


def issue_tokens(session: Session, world: World) -> None:
    for key, login in world.logins.items():
        if login.user_id is None or key == R.OWES_2FA:
            continue  # the admin owing a second factor has only the session its password opened
        user = session.get(User, login.user_id)
        assert user is not None
        who = subject_for(user)
        scopes = grantable_scopes(who) or ["profile:read"]
        if not grantable_scopes(who):
            continue  # the no-role user can hold no token
        issued = create_token(session, who, user, name=f"matrix {key}", scopes=scopes, expires_in_days=2)
        login.bearer = issued.token
        login.token_id = issued.row.id
        world.markers.secret(issued.token, f"API token of {key}")
    session.flush()
