"""TLP enforcement for channel messages: a table of the rules, and a property test that no user
ever sees a message its marking excludes, with the SQL and the Python decision agreeing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from csirtnet.authz import Subject, tlp
from csirtnet.cluster.channel import repository
from csirtnet.cluster.channel.schemas import ChannelCreate
from csirtnet.cluster.channel.service import create_channel
from csirtnet.identity.service import subject_for
from csirtnet.models import ChannelMessage, ChannelMessageRecipient, ChannelThread, User
from csirtnet.vocabulary import TLP, Role
from tests.cluster.helpers import SYSTEM, build
from tests.factories import make_user

AUTHOR, COLLEAGUE, NAMED, MEMBER_ORG, MEMBER_ONLY, OUTSIDER = 1, 2, 3, 4, 5, 6


def _subject(user_id: int, org_id: int, roles: frozenset[str] = frozenset({"viewer"})) -> Subject:
    return Subject(user_id=user_id, organisation_id=org_id, roles=roles)


# Who is asking: the author (org 10), a colleague in the author's org, a named recipient (org 30),
# a user of another of the channel's organisations (org 20), a member who oversees the channel
# without its organisation being addressed (coordinator, org 40), and someone outside the channel.
PEOPLE = {
    AUTHOR: (_subject(AUTHOR, 10), True, True),
    COLLEAGUE: (_subject(COLLEAGUE, 10), True, True),
    NAMED: (_subject(NAMED, 30), True, True),
    MEMBER_ORG: (_subject(MEMBER_ORG, 20), True, True),
    MEMBER_ONLY: (_subject(MEMBER_ONLY, 40, frozenset({"coordinator"})), True, False),
    OUTSIDER: (_subject(OUTSIDER, 50), False, False),
}
# marking -> who may see it
MATRIX = {
    TLP.RED: {AUTHOR, NAMED},
    TLP.AMBER_STRICT: {AUTHOR, COLLEAGUE, NAMED},
    TLP.AMBER: {AUTHOR, COLLEAGUE, NAMED, MEMBER_ORG},
    TLP.GREEN: {AUTHOR, COLLEAGUE, NAMED, MEMBER_ORG, MEMBER_ONLY},
    TLP.CLEAR: {AUTHOR, COLLEAGUE, NAMED, MEMBER_ORG, MEMBER_ONLY, OUTSIDER},
}


@pytest.mark.parametrize("marking", list(MATRIX))
def test_the_matrix(marking: TLP) -> None:
    seen = set()
    for person, (subject, in_channel, org_addressed) in PEOPLE.items():
        audience = tlp.Audience(
            author_user_id=AUTHOR,
            author_organisation_id=10,
            named_user_ids=frozenset({NAMED}),
            in_community=in_channel,
            recipient_organisation=org_addressed,
        )
        if tlp.may_see(subject, marking, audience):
            seen.add(person)
    assert seen == MATRIX[marking]


def test_nobody_anonymous_sees_anything() -> None:
    anonymous = Subject(user_id=None, organisation_id=None)
    audience = tlp.Audience(author_user_id=1, author_organisation_id=1, in_community=True, recipient_organisation=True)
    assert not any(tlp.may_see(anonymous, marking, audience) for marking in TLP)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TLP:AMBER+STRICT", TLP.AMBER_STRICT),
        ("amber_strict", TLP.AMBER_STRICT),
        (" Red ", TLP.RED),
        ("clear", TLP.CLEAR),
    ],
)
def test_markings_are_parsed(text: str, expected: TLP) -> None:
    assert tlp.parse(text) is expected


def test_an_unknown_marking_names_the_field() -> None:
    with pytest.raises(Exception) as caught:
        tlp.parse("WHITE")
    assert caught.value.errors[0].field == "tlp"  # type: ignore[attr-defined]


@dataclass
class World:
    users: list[User]
    channels: dict[str, int]
    members: dict[str, set[int]]  # channel -> user ids who belong
    orgs: dict[str, set[int]]  # channel -> organisation ids addressed
    reach: dict[int, tuple[Subject, repository.Reach]]  # user id -> (subject, channels it reaches)


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    net = build(db)
    coordinator = net.coordinator
    coordinator_colleague = make_user(db, roles=[Role.VIEWER], organisation=coordinator.organisation)
    responders = {
        k: make_user(db, roles=[Role.RESPONDER], organisation=getattr(net, k)) for k in ("a", "b", "outsider")
    }
    network = create_channel(db, SYSTEM, ChannelCreate(kind="network", name="Toàn mạng lưới"))
    topic = create_channel(
        db, SYSTEM, ChannelCreate(kind="topic", name="Mã độc", organisation_ids=[net.a.id, net.outsider.id])
    )
    cluster_channel = repository.cluster_channel(db, net.cluster.id)
    assert cluster_channel is not None
    users = [coordinator, coordinator_colleague, *responders.values(), *net.admin.values(), *net.viewer.values()]
    everyone_orgs = {u.organisation_id for u in users}
    orgs = {
        "network": everyone_orgs,
        "cluster": {net.a.id, net.b.id, net.c.id},
        "topic": {net.a.id, net.outsider.id},
    }
    members = {
        name: {u.id for u in users if u.organisation_id in org_ids or u.id == coordinator.id}
        for name, org_ids in orgs.items()
    }
    db.flush()
    reaches = {}
    for user in users:
        subject = subject_for(user)
        reaches[user.id] = (subject, repository.reach(db, subject))
    return World(
        users=users,
        channels={"network": network.id, "cluster": cluster_channel.id, "topic": topic.id},
        members=members,
        orgs=orgs,
        reach=reaches,
    )


def allowed(world: World, user: User, message: dict) -> bool:  # type: ignore[type-arg]
    """The rules as the brief states them, written independently of csirtnet.authz.tlp."""
    if user.id == message["author"].id or user.id in message["named"]:
        return True
    marking = message["tlp"]
    member = user.id in world.members[message["channel"]]
    if marking == "clear":
        return True
    if marking == "red":
        return False
    if marking == "amber+strict":
        return member and user.organisation_id == message["author"].organisation_id
    if marking == "amber":
        return member and (
            user.organisation_id in world.orgs[message["channel"]]
            or user.organisation_id == message["author"].organisation_id
        )
    return member  # green


@st.composite
def messages(draw: st.DrawFn, world: World) -> list[dict]:  # type: ignore[type-arg]
    out = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        channel = draw(st.sampled_from(sorted(world.channels)))
        pool = [u for u in world.users if u.id in world.members[channel]]
        author = draw(st.sampled_from(pool))
        named = draw(st.sets(st.sampled_from([u.id for u in pool]), max_size=3))
        marking = draw(st.sampled_from([t.value for t in TLP]))
        out.append({"channel": channel, "author": author, "named": named - {author.id}, "tlp": marking})
    return out


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_user_ever_sees_a_message_its_tlp_excludes(db, world: World, data: st.DataObject) -> None:
    batch = data.draw(messages(world))
    nested = db.begin_nested()
    try:
        by_id = {}
        for spec in batch:
            channel_id = world.channels[spec["channel"]]
            thread = ChannelThread(channel_id=channel_id, title="t", author_id=spec["author"].id)
            db.add(thread)
            db.flush()
            row = ChannelMessage(
                channel_id=channel_id,
                thread_id=thread.id,
                author_id=spec["author"].id,
                author_organisation_id=spec["author"].organisation_id,
                body="x",
                tlp=spec["tlp"],
                opens_thread=True,
            )
            db.add(row)
            db.flush()
            for user_id in spec["named"]:
                db.add(ChannelMessageRecipient(message_id=row.id, user_id=user_id))
            by_id[row.id] = (row, spec)
        db.flush()
        for user in world.users:
            subject, where = world.reach[user.id]
            visible = set(
                db.scalars(
                    select(ChannelMessage.id).where(
                        repository.visibility(subject, where), ChannelMessage.id.in_(list(by_id))
                    )
                )
            )
            for message_id, (row, spec) in by_id.items():
                expected = allowed(world, user, spec)
                assert (message_id in visible) == expected, (user.full_name, spec["channel"], spec["tlp"])
                assert repository.may_see(db, subject, row, where) == expected
    finally:
        nested.rollback()
