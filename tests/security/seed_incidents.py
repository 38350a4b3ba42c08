"""Seeding incidents: A's and B's at every TLP with reports, observables of every TLP, timeline
entries, tasks, discussion, attachments and links; reports waiting in the queue; a mobilisation
with a deployed and a released expert."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from csirtnet.identity.service import subject_for
from csirtnet.incident import discussion, intake, observables, participants, task_service, timeline, triage
from csirtnet.incident import files as incident_files
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
from csirtnet.mobilisation import answers, deployments
from csirtnet.mobilisation import service as mobilisation_service
from csirtnet.mobilisation.schemas import AcceptBody, ReleaseBody, SupportRequestCreate
from csirtnet.models import (
    ReportChannel,
    User,
)
from csirtnet.vocabulary import TLP
from tests.security import rules as R
from tests.security.seed_base import BuilderBase
from tests.security.world import TLP_SLUG, TLPS, IncidentFacts


class IncidentsSeed(BuilderBase):
    """Incidents at every TLP and all their parts, the triage queue, a mobilisation."""

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
                self.w.refs[f"incident:{key}"] = incident.reference
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
        # Files on the incident: an AMBER one for its readers, a RED one for the named only (the
        # observables' rule); the name and the bytes are marked.
        for slug, marking in (("amber", TLP.AMBER), ("red", TLP.RED)):
            audience = readers if slug != "red" else readers & frozenset(named)
            what = f"incident file {key} {slug}"
            self.w.readers[f"attachment:{key}:{slug}"] = audience
            attachment = incident_files.add(
                self.s,
                coord2,
                incident_id,
                filename=self.mk(f"{what} filename", audience) + ".txt",
                content_type="text/plain",
                stream=BytesIO(("bytes " + self.mk(f"{what} content", audience)).encode()),
                size=None,
                tlp=marking,
            )
            self.w.ids[f"attachment:{key}:{slug}"] = attachment.id
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

    def quarantine(self) -> None:
        """An email the intake could not file (too many attachments), waiting in the quarantine:
        its subject and body are marked for the coordinators' staff only (the raw message may hold
        TLP:RED content; docs/incidents.md)."""
        from email.message import EmailMessage

        from csirtnet.incident import quarantine
        from csirtnet.models import QuarantineReason, QuarantineSource

        msg = EmailMessage()
        msg["From"] = "soc@matrix-intake.example.vn"
        msg["Subject"] = self.mk("quarantined message subject", R.STAFF)
        msg.set_content("Body " + self.mk("quarantined message body", R.STAFF))
        for n in range(11):
            msg.add_attachment(b"log", maintype="text", subtype="plain", filename=f"log-{n}.txt")
        row = quarantine.keep(
            self.s,
            msg.as_bytes(),
            source=QuarantineSource.SMTP,
            reason=QuarantineReason.TOO_MANY_ATTACHMENTS,
            detail="11 attachments; a report takes at most 10",
        )
        self.w.ids["quarantine:pending"] = row.id

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
