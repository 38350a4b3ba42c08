"""The world builder's base: organisations, one real user per kind of subject, accounts and
secrets, and the facts the matrix needs once everything exists (tests/security/world.py)."""

from __future__ import annotations

import re
from io import BytesIO

import pyotp
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import cluster as cluster_authz
from csirtnet.cluster import files
from csirtnet.identity import login as login_service
from csirtnet.identity import service as identity_service
from csirtnet.identity.schemas import UserCreate, UserUpdate
from csirtnet.identity.service import subject_for
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    Job,
    Notification,
    Organisation,
    User,
)
from csirtnet.notification import service as notification_service
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.security import rules as R
from tests.security.world import Login, World

# Secret links the platform writes into queued emails (invitations, resets, tracking links).
_RESET = re.compile(r"/(?:password/reset|apply/track|report/track)/([A-Za-z0-9_\-]{16,})")


class BuilderBase:
    """Builds the world in `session` (flushes, never commits)."""

    def __init__(self, session: Session, world: World) -> None:
        self.s = session
        self.w = world
        self.m = world.markers
        self.users: dict[str, User] = {}
        self.orgs: dict[str, Organisation] = {}
        self.now = utcnow()

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
                second_factor=False if key == R.OWES_2FA else None,
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

    def enrolment(self) -> None:
        """The admin who owes a second factor has started enrolling (the matrix confirms it)."""
        user = self.users[R.OWES_2FA]
        secret = login_service.begin_totp_enrolment(self.s, user)
        self.w.logins[R.OWES_2FA].totp_secret = secret

    def uploads(self) -> None:
        """An upload of each subject's own, not yet attached (forms attach files by id)."""
        for key in R.MEMBERS:
            if not cluster_authz.may_upload_files(self.who(key)):
                continue  # a viewer attaches nothing, so has nothing to upload
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
