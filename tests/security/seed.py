"""Building the world: every seeding step in order, the subjects' logins through the real pages,
and their API tokens."""

from __future__ import annotations

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token, grantable_scopes
from csirtnet.models import User
from tests.factories import PASSWORD
from tests.helpers import csrf_from
from tests.security import rules as R
from tests.security.seed_advisories import AdvisoriesSeed
from tests.security.seed_clusters import ClustersSeed
from tests.security.seed_evidence import EvidenceSeed
from tests.security.seed_exercises import ExercisesSeed
from tests.security.seed_feeds import FeedsSeed
from tests.security.seed_incidents import IncidentsSeed
from tests.security.seed_intel import IntelSeed
from tests.security.seed_intel_federation import FederationSeed
from tests.security.seed_intel_pages import IntelPagesSeed
from tests.security.seed_members import MembersSeed
from tests.security.world import World, today


class Builder(
    MembersSeed,
    ClustersSeed,
    IncidentsSeed,
    EvidenceSeed,
    AdvisoriesSeed,
    ExercisesSeed,
    FederationSeed,
    IntelSeed,
    IntelPagesSeed,
    FeedsSeed,
):
    """The whole world, built step by step (the order matters: incidents need clusters, and so on)."""


def build(session: Session, kind: str) -> World:
    world = World(kind=kind, today=today())
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
    b.quarantine()
    b.mobilisation()
    b.accounts()
    b.applications()
    b.enrolment()
    b.uploads()
    b.evidence()
    b.advisories()
    b.exercises()
    b.federation()
    b.intel()
    b.intel_pages()
    b.feeds()
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
