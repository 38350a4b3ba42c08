"""Seeding the members domain: full profiles (contacts, systems, declared products, constituency
claims), experts, membership applications — each private field holding a marker."""

from __future__ import annotations

from csirtnet.identity.service import subject_for
from csirtnet.organisation import application, constituency, documents, experts, products
from csirtnet.organisation import service as organisation_service
from csirtnet.organisation.application import ApplicationForm
from csirtnet.organisation.products import ProductCreate
from csirtnet.organisation.schemas import ContactCreate, ExpertCreate, OrganisationUpdate, SkillIn, SystemCreate
from tests.security import rules as R
from tests.security.seed_base import BuilderBase


class MembersSeed(BuilderBase):
    """Full profiles, experts, membership applications."""

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
            product = products.add(
                self.s,
                coord2,
                org.id,
                ProductCreate(
                    vendor="Matrix Networks",
                    product=self.mk(f"org {key} product name", readers),
                    version="10.2.7",
                    information_system_id=system.id,
                ),
            )
            self.w.ids[f"declared-product:{key}"] = product.id
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
