"""The knowledge base: bilingual, accent-insensitive search, tags, and TLP enforced."""

from __future__ import annotations

from csirtnet.cluster.knowledge import service
from csirtnet.cluster.knowledge.schemas import DocumentCreate
from csirtnet.models.knowledge import KnowledgeKind
from tests.cluster.helpers import api, build, who


def _docs(db, net):  # type: ignore[no-untyped-def]
    service.create(
        db,
        who(net.coordinator),
        DocumentCreate(
            kind=KnowledgeKind.PLAYBOOK,
            title_vi="Quy trình ứng cứu sự cố mã độc tống tiền",
            title_en="Ransomware incident-response playbook",
            summary_vi="Phát hiện, ngăn chặn, khôi phục",
            summary_en="Detect, contain, recover",
            tags=["mã độc", "Ransomware"],
            tlp="clear",
        ),
    )
    service.create(
        db,
        who(net.admin["a"]),
        DocumentCreate(
            kind=KnowledgeKind.LESSONS_LEARNED,
            title_vi="Bài học kinh nghiệm diễn tập ASEAN ACID",
            title_en="Lessons from the ASEAN ACID drill",
            tags=["diễn tập"],
            tlp="amber",
            cluster_id=net.cluster.id,
        ),
    )
    service.create(
        db,
        who(net.admin["a"]),
        DocumentCreate(title_vi="Sổ tay nội bộ Bắc Kạn về sao lưu", tags=["sao lưu"], tlp="amber+strict"),
    )


def _titles(client, headers, **params):  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/knowledge", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return sorted(d["title_vi"] or d["title_en"] for d in r.json()["items"])


def test_search_is_accent_insensitive_in_both_languages(client, db) -> None:
    net = build(db)
    _docs(db, net)
    headers = api(db, net.viewer["b"])
    assert _titles(client, headers, q="ma doc tong tien") == ["Quy trình ứng cứu sự cố mã độc tống tiền"]
    assert _titles(client, headers, q="MÃ ĐỘC") == ["Quy trình ứng cứu sự cố mã độc tống tiền"]
    assert _titles(client, headers, q="ransomware PLAYBOOK") == ["Quy trình ứng cứu sự cố mã độc tống tiền"]
    assert _titles(client, headers, q="contain") == ["Quy trình ứng cứu sự cố mã độc tống tiền"]
    assert _titles(client, headers, q="dien tap") == ["Bài học kinh nghiệm diễn tập ASEAN ACID"]
    assert _titles(client, headers, q="lessons drill") == ["Bài học kinh nghiệm diễn tập ASEAN ACID"]
    assert _titles(client, headers, tag="ma doc") == ["Quy trình ứng cứu sự cố mã độc tống tiền"]
    assert _titles(client, headers, q="ma doc", kind="lessons_learned") == []
    assert _titles(client, headers, q="100%_") == []


def test_tlp_is_enforced_on_documents(client, db) -> None:
    net = build(db)
    _docs(db, net)
    everything = [
        "Bài học kinh nghiệm diễn tập ASEAN ACID",
        "Quy trình ứng cứu sự cố mã độc tống tiền",
        "Sổ tay nội bộ Bắc Kạn về sao lưu",
    ]
    assert _titles(client, api(db, net.viewer["a"])) == everything
    assert _titles(client, api(db, net.viewer["b"])) == everything[:2]  # AMBER+STRICT stays in Bắc Kạn
    assert _titles(client, api(db, net.viewer["outsider"])) == everything[1:2]  # AMBER stays in the cluster
    assert client.get("/api/v1/knowledge").status_code == 401


def test_writing_documents(client, db) -> None:
    net = build(db)
    headers = api(db, net.admin["b"])
    red = client.post("/api/v1/knowledge", json={"title_vi": "Bí mật", "tlp": "red"}, headers=headers)
    assert red.status_code == 422 and red.json()["errors"][0]["field"] == "tlp"
    untitled = client.post("/api/v1/knowledge", json={"summary_en": "no title"}, headers=headers)
    assert untitled.status_code == 422 and untitled.json()["errors"][0]["field"] == "title_vi"
    elsewhere = client.post("/api/v1/knowledge", json={"title_vi": "X", "cluster_id": 987654}, headers=headers)
    assert elsewhere.status_code == 422 and elsewhere.json()["errors"][0]["field"] == "cluster_id"
    bad_tag = client.post("/api/v1/knowledge", json={"title_vi": "X", "tags": ["a|b"]}, headers=headers)
    assert bad_tag.status_code == 422 and bad_tag.json()["errors"][0]["field"] == "tags.0"
    assert client.post("/api/v1/knowledge", json={"title_vi": "X"}, headers=api(db, net.viewer["b"])).status_code == 403
    upload = client.post(
        "/api/v1/cluster-files", files={"file": ("playbook.pdf", b"%PDF playbook", "application/pdf")}, headers=headers
    ).json()
    r = client.post(
        "/api/v1/knowledge",
        json={"title_en": "Phishing playbook", "tags": ["phishing"], "attachment_ids": [upload["id"]], "tlp": "green"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    file_url = f"/api/v1/knowledge/{doc['id']}/files/{upload['id']}"
    assert client.get(file_url, headers=api(db, net.viewer["outsider"])).content == b"%PDF playbook"
    changed = client.patch(f"/api/v1/knowledge/{doc['id']}", json={"title_vi": "Quy trình lừa đảo"}, headers=headers)
    assert changed.status_code == 200 and changed.json()["title_vi"] == "Quy trình lừa đảo"
    assert _titles(client, headers, q="lua dao") == ["Quy trình lừa đảo"]
    assert (
        client.patch(
            f"/api/v1/knowledge/{doc['id']}", json={"title_vi": "X"}, headers=api(db, net.admin["c"])
        ).status_code
        == 403
    )
    strict = client.patch(f"/api/v1/knowledge/{doc['id']}", json={"tlp": "amber+strict"}, headers=headers)
    assert strict.status_code == 200
    assert client.get(f"/api/v1/knowledge/{doc['id']}", headers=api(db, net.admin["c"])).status_code == 404
