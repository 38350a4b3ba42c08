"""Channels: posting under TLP, mentions that notify, membership that follows the cluster, the
daily digest, attachments, and the API's access rules."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from csirtnet import worker
from csirtnet.authz import cluster as cluster_authz
from csirtnet.cluster import service as cluster_service
from csirtnet.cluster import tasks
from csirtnet.cluster.channel import digest, repository
from csirtnet.cluster.channel import service as channel_service
from csirtnet.cluster.channel.schemas import ChannelCreate, MessageCreate, ThreadCreate
from csirtnet.kit.time import utcnow
from csirtnet.models import ChannelMessage, Job, Notification, NotificationPreference
from tests.cluster.helpers import SYSTEM, Net, api, build, who


def _cluster_channel(db, net: Net) -> int:  # type: ignore[no-untyped-def]
    channel = repository.cluster_channel(db, net.cluster.id)
    assert channel is not None
    return channel.id


def test_mentions_notify_the_people_mentioned(client, db) -> None:
    net = build(db)
    channel_id = _cluster_channel(db, net)
    body = {
        "title": "Chuẩn bị diễn tập",
        "body": f"@{net.admin['b'].email} và @Theo dõi Lạng Sơn xem giúp; @[Quản trị Bắc Kạn] chủ trì.",
        "tlp": "green",
    }
    r = client.post(f"/api/v1/channels/{channel_id}/threads", json=body, headers=api(db, net.admin["a"]))
    assert r.status_code == 201, r.text
    message = r.json()["messages"][0]
    assert {m["id"] for m in message["mentions"]} == {net.admin["b"].id, net.viewer["c"].id}  # not the author
    notified = db.scalars(select(Notification).where(Notification.event_type == "cluster.channel_mention")).all()
    assert {n.user_id for n in notified} == {net.admin["b"].id, net.viewer["c"].id}
    assert notified[0].link and notified[0].link.startswith(f"/channels/{channel_id}/threads/")
    emails = db.scalars(select(Job).where(Job.name == "notification.send_email")).all()
    assert {j.payload["user_id"] for j in emails} >= {net.admin["b"].id}


def test_mentions_must_reach_people_who_may_read_the_message(client, db) -> None:
    net = build(db)
    channel_id = _cluster_channel(db, net)
    headers = api(db, net.admin["a"])
    url = f"/api/v1/channels/{channel_id}/threads"
    outsider = {"title": "Hỏi", "body": f"@{net.admin['outsider'].email} biết không?", "tlp": "green"}
    r = client.post(url, json=outsider, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
    assert "not a member" in r.json()["errors"][0]["message"]
    strict = {"title": "Hỏi", "body": f"@{net.admin['b'].email} xem", "tlp": "amber+strict"}
    r = client.post(url, json=strict, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
    named = {**strict, "recipient_ids": [net.admin["b"].id]}
    assert client.post(url, json=named, headers=headers).status_code == 201
    red = {"title": "Mật", "body": "Chỉ cho người được nêu tên", "tlp": "red"}
    r = client.post(url, json=red, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "recipient_ids"
    r = client.post(url, json={**red, "recipient_ids": [net.admin["outsider"].id]}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "recipient_ids.0"
    r = client.post(url, json={**red, "tlp": "TLP:WHITE", "recipient_ids": [net.admin["b"].id]}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "tlp"
    r = client.post(url, json={"title": "x" * 2, "body": "", "tlp": "green"}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"


def test_red_messages_reach_named_recipients_only(client, db) -> None:
    net = build(db)
    channel_id = _cluster_channel(db, net)
    opened = client.post(
        f"/api/v1/channels/{channel_id}/threads",
        json={"title": "Sự cố", "body": "Thông tin chung", "tlp": "green"},
        headers=api(db, net.admin["a"]),
    ).json()
    reply = client.post(
        f"/api/v1/channels/{channel_id}/threads/{opened['id']}/messages",
        json={"body": "Địa chỉ máy chủ bị xâm nhập", "tlp": "red", "recipient_ids": [net.viewer["b"].id]},
        headers=api(db, net.admin["a"]),
    )
    assert reply.status_code == 201, reply.text
    thread_url = f"/api/v1/channels/{channel_id}/threads/{opened['id']}"
    named_view = client.get(thread_url, headers=api(db, net.viewer["b"])).json()
    assert [m["tlp"] for m in named_view["messages"]] == ["green", "red"]
    other_view = client.get(thread_url, headers=api(db, net.viewer["c"])).json()
    assert [m["tlp"] for m in other_view["messages"]] == ["green"]
    coordinator_view = client.get(thread_url, headers=api(db, net.coordinator)).json()
    assert [m["tlp"] for m in coordinator_view["messages"]] == ["green"]
    # The outsider sees nothing of it.
    assert client.get(thread_url, headers=api(db, net.viewer["outsider"])).status_code == 404
    assert client.get(thread_url).status_code == 401


def test_channel_membership_follows_cluster_membership(client, db) -> None:
    net = build(db)
    channel_id = _cluster_channel(db, net)
    channel_service.start_thread(
        db, who(net.admin["a"]), channel_id, ThreadCreate(title="Tin trong cụm", body="Chỉ thành viên cụm", tlp="green")
    )
    headers = api(db, net.viewer["c"])
    assert channel_id in {c["id"] for c in client.get("/api/v1/channels", headers=headers).json()["items"]}
    assert (
        client.get(f"/api/v1/channels/{channel_id}/threads", headers=headers).json()["items"][0]["title"]
        == "Tin trong cụm"
    )
    members = {m["id"] for m in client.get(f"/api/v1/channels/{channel_id}/members", headers=headers).json()["items"]}
    assert net.viewer["c"].id in members
    # Lạng Sơn leaves the cluster today: its users lose the channel with it.
    membership = next(
        m for m in cluster_service.detail(db, SYSTEM, net.cluster.id).members if m.organisation.id == net.c.id
    )
    cluster_service.end_membership(db, SYSTEM, net.cluster.id, membership.id, cluster_authz.today())
    db.flush()
    assert channel_id not in {c["id"] for c in client.get("/api/v1/channels", headers=headers).json()["items"]}
    assert client.get(f"/api/v1/channels/{channel_id}/threads", headers=headers).json()["items"] == []
    post = client.post(
        f"/api/v1/channels/{channel_id}/threads",
        json={"title": "Còn đây không?", "body": "…", "tlp": "green"},
        headers=api(db, net.admin["c"]),
    )
    assert post.status_code == 403
    assert client.get(f"/api/v1/channels/{channel_id}/members", headers=headers).status_code == 403


def test_topic_channels_and_their_managers(client, db) -> None:
    net = build(db)
    lead = api(db, net.admin["a"])
    body = {"kind": "topic", "name": "Mã độc tống tiền", "cluster_id": net.cluster.id, "organisation_ids": [net.b.id]}
    r = client.post("/api/v1/channels", json=body, headers=lead)
    assert r.status_code == 201, r.text
    topic = r.json()
    assert {o["id"] for o in topic["organisations"]} == {net.a.id, net.b.id}
    assert client.post("/api/v1/channels", json=body, headers=api(db, net.admin["b"])).status_code == 403
    outside = {**body, "organisation_ids": [net.outsider.id]}
    r = client.post("/api/v1/channels", json=outside, headers=lead)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "organisation_ids.0"
    network = {"kind": "network", "name": "Toàn mạng lưới"}
    assert client.post("/api/v1/channels", json=network, headers=lead).status_code == 403
    assert client.post("/api/v1/channels", json={**network, "kind": "gossip"}, headers=lead).status_code == 422
    archived = client.patch(f"/api/v1/channels/{topic['id']}", json={"archived": True}, headers=lead)
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert (
        client.patch(
            f"/api/v1/channels/{topic['id']}", json={"archived": False}, headers=api(db, net.admin["b"])
        ).status_code
        == 403
    )


def test_digest_sends_only_messages_the_user_may_see(db) -> None:
    net = build(db)
    channel_id = _cluster_channel(db, net)
    reader = net.viewer["c"]
    db.add(
        NotificationPreference(user_id=reader.id, event_type="cluster.channel_digest", channel="email", enabled=True)
    )
    author = who(net.admin["a"])
    channel_service.start_thread(db, author, channel_id, ThreadCreate(title="Chung", body="Tin GREEN", tlp="green"))
    channel_service.start_thread(
        db,
        author,
        channel_id,
        ThreadCreate(title="Mật", body="Tin RED cho Cao Bằng", tlp="red", recipient_ids=[net.viewer["b"].id]),
    )
    channel_service.start_thread(
        db, author, channel_id, ThreadCreate(title="Nội bộ", body="Tin AMBER+STRICT", tlp="amber+strict")
    )
    assert db.scalar(select(Job).where(Job.name == "cluster.channel_digest", Job.status == "queued")) is not None
    sent = digest.run(db)
    assert sent == 1
    jobs = db.scalars(
        select(Job).where(
            Job.name == "notification.send_email", Job.payload["event_type"].as_string() == "cluster.channel_digest"
        )
    ).all()
    assert len(jobs) == 1 and jobs[0].payload["user_id"] == reader.id
    items = jobs[0].payload["params"]["items"]
    assert [i["excerpt"] for i in items] == ["Tin GREEN"]
    assert jobs[0].payload["params"]["tlp"] == "TLP:GREEN"
    # Idempotent: nothing new, nothing sent (the registered job runs the same); a new message goes
    # in the next digest.
    assert worker.handlers()["cluster.channel_digest"] is tasks.channel_digest
    tasks.channel_digest(db)
    assert digest.run(db) == 0
    channel_service.reply(
        db,
        author,
        channel_id,
        db.scalars(select(ChannelMessage.thread_id)).first() or 0,
        MessageCreate(body="Tiếp", tlp="clear"),
    )
    assert digest.run(db) == 1


def test_digest_is_opt_in_and_looks_back_one_day_at_first(db) -> None:
    net = build(db)
    channel_id = _cluster_channel(db, net)
    message = channel_service.start_thread(
        db, who(net.admin["a"]), channel_id, ThreadCreate(title="Cũ", body="Tin cũ", tlp="green")
    )
    message.created_at = utcnow() - timedelta(days=2)
    db.flush()
    assert digest.run(db) == 0  # nobody opted in
    db.add(
        NotificationPreference(
            user_id=net.viewer["b"].id, event_type="cluster.channel_digest", channel="email", enabled=True
        )
    )
    db.flush()
    assert digest.run(db) == 0  # the old message is not "new"


def test_attachments_follow_their_message(client, db) -> None:
    net = build(db)
    channel_id = _cluster_channel(db, net)
    headers = api(db, net.admin["a"])
    upload = client.post(
        "/api/v1/cluster-files", files={"file": ("ioc.csv", b"ip\n203.0.113.5\n", "text/csv")}, headers=headers
    ).json()
    r = client.post(
        f"/api/v1/channels/{channel_id}/threads",
        json={"title": "IoC", "body": "Danh sách IoC", "tlp": "amber+strict", "attachment_ids": [upload["id"]]},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    message = r.json()["messages"][0]
    url = f"/api/v1/channels/{channel_id}/messages/{message['id']}/attachments/{upload['id']}"
    assert client.get(url, headers=api(db, net.viewer["a"])).content == b"ip\n203.0.113.5\n"
    assert client.get(url, headers=api(db, net.viewer["b"])).status_code == 404
    stolen = client.post(
        f"/api/v1/channels/{channel_id}/threads",
        json={"title": "IoC", "body": "Của tôi", "tlp": "green", "attachment_ids": [upload["id"]]},
        headers=api(db, net.admin["b"]),
    )
    assert stolen.status_code == 422 and stolen.json()["errors"][0]["field"] == "attachment_ids.0"


def test_network_channel_reaches_everyone(client, db) -> None:
    net = build(db)
    channel = channel_service.create_channel(
        db, who(net.coordinator), ChannelCreate(kind="network", name="Toàn mạng lưới")
    )
    channel_service.start_thread(
        db, who(net.coordinator), channel.id, ThreadCreate(title="Cảnh báo", body="Lừa đảo", tlp="green")
    )
    for user in (net.viewer["outsider"], net.viewer["a"]):
        threads = client.get(f"/api/v1/channels/{channel.id}/threads", headers=api(db, user)).json()["items"]
        assert [t["title"] for t in threads] == ["Cảnh báo"]
    assert client.get(f"/api/v1/channels/{channel.id}/threads").status_code == 401
    assert client.get("/api/v1/channels/987654", headers=api(db, net.viewer["a"])).status_code == 404


def test_threads_and_messages_page_newest_activity_first(client, db) -> None:
    net = build(db)
    channel_id = _cluster_channel(db, net)
    author = who(net.admin["a"])
    opened = [
        channel_service.start_thread(db, author, channel_id, ThreadCreate(title=f"Chủ đề {n}", body="…", tlp="green"))
        for n in range(3)
    ]
    for n in range(3):
        channel_service.reply(
            db, author, channel_id, opened[0].thread_id, MessageCreate(body=f"Trả lời {n}", tlp="green")
        )
    db.flush()
    headers = api(db, net.viewer["b"])
    url = f"/api/v1/channels/{channel_id}/threads"
    titles, cursor = [], None
    while True:
        page = client.get(url, params={"limit": 1, **({"cursor": cursor} if cursor else {})}, headers=headers).json()
        titles += [t["title"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert titles == ["Chủ đề 0", "Chủ đề 2", "Chủ đề 1"]  # the replied-to thread is the latest activity
    messages_url = f"{url}/{opened[0].thread_id}/messages"
    first = client.get(messages_url, params={"limit": 2}, headers=headers).json()
    rest = client.get(messages_url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers).json()
    assert [m["body"] for m in first["items"] + rest["items"]] == ["…", "Trả lời 0", "Trả lời 1", "Trả lời 2"]
    assert rest["next_cursor"] is None
    detail = client.get(f"{url}/{opened[0].thread_id}", headers=headers).json()
    assert detail["message_count"] == 4 and len(detail["messages"]) == 4 and detail["next_cursor"] is None
    assert client.get(messages_url, headers=api(db, net.viewer["outsider"])).status_code == 404
    assert client.get(messages_url).status_code == 401
