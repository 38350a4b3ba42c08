"""Who belongs to a channel is for its members to list, and a person's email shows only where the
member directory would show that organisation's contact details (its own people, the coordinators,
the cluster's current lead): API and pages alike."""

from __future__ import annotations

from csirtnet.cluster.channel import repository
from csirtnet.cluster.channel import service as channel_service
from csirtnet.cluster.channel.schemas import ThreadCreate
from csirtnet.vocabulary import Role
from tests.cluster.helpers import api, build, who
from tests.factories import make_user
from tests.helpers import login


def test_only_members_list_a_channel_and_emails_follow_the_directory(client, db) -> None:
    net = build(db)
    channel = repository.cluster_channel(db, net.cluster.id)
    assert channel is not None
    url = f"/api/v1/channels/{channel.id}/members"
    c_email, c_admin_email = net.viewer["c"].email, net.admin["c"].email

    r = client.get(url, headers=api(db, net.viewer["outsider"]))
    assert r.status_code == 403 and c_email not in r.text

    r = client.get(url, params={"limit": 200}, headers=api(db, net.viewer["b"]))
    assert r.status_code == 200
    people = {m["id"]: m for m in r.json()["items"]}
    assert net.viewer["c"].id in people and c_email not in r.text
    assert people[net.viewer["c"].id]["email"] is None
    assert people[net.admin["b"].id]["email"] == net.admin["b"].email  # its own organisation's people
    # The cluster's current lead reads its members' full profiles, contacts included.
    lead = client.get(url, params={"limit": 200}, headers=api(db, net.admin["a"])).json()["items"]
    assert c_email in {m["email"] for m in lead}
    coordinator = client.get(url, params={"limit": 200}, headers=api(db, net.coordinator)).json()["items"]
    assert c_email in {m["email"] for m in coordinator}

    # A message's author, recipients and mentions follow the same rule.
    thread = channel_service.start_thread(
        db, who(net.admin["c"]), channel.id, ThreadCreate(title="Cảnh báo", body="Xin chào cụm", tlp="green")
    )
    messages = client.get(
        f"/api/v1/channels/{channel.id}/threads/{thread.thread_id}/messages", headers=api(db, net.viewer["b"])
    )
    assert messages.status_code == 200 and c_admin_email not in messages.text
    assert messages.json()["items"][0]["author"]["full_name"] == net.admin["c"].full_name

    # The channel's page names its members only in the form of those who may post there.
    login(client, net.viewer["outsider"].email)
    page = client.get(f"/channels/{channel.id}")
    assert page.status_code == 200 and net.viewer["c"].full_name not in page.text and c_email not in page.text
    client.cookies.clear()
    responder = make_user(db, roles=[Role.RESPONDER], organisation=net.b)
    login(client, responder.email)
    page = client.get(f"/channels/{channel.id}")
    assert net.viewer["c"].full_name in page.text and c_email not in page.text
