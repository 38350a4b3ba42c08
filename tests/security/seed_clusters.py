"""Seeding the cluster domain: clusters with past, current and planned lead terms, a handover,
plans, readiness records, channels with messages at every TLP, events and knowledge documents."""

from __future__ import annotations

from datetime import date, timedelta

from csirtnet.cluster import plan
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
from csirtnet.identity.service import subject_for
from tests.security import rules as R
from tests.security.seed_base import BuilderBase
from tests.security.world import TLP_SLUG, TLPS


class ClustersSeed(BuilderBase):
    """Clusters, lead terms and a handover, plans, readiness, channels, events, knowledge."""

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
