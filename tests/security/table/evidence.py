"""Rows of the evidence API (issue 12; authz/evidence.py's docstring): who sees an item (the
coordinator on the incidents they see, but not TLP:RED items unless named; otherwise named people
with an evidence role), who handles it, and who takes each custody step (the custodian, the person
a transfer is offered to, a coordinator for disposal). Seeded by tests/security/seed_evidence.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from tests.security import rules as R
from tests.security.runner import Body, Variant, Variants
from tests.security.seed_evidence import CUSTODIANS, ITEMS
from tests.security.table.vocabulary import API, Table, incident_command, incidents, js, readers
from tests.security.world import World

TABLE = Table()
row = TABLE.row

INCIDENTS = ("A-amber", "A-red", "B-amber", "B-red")
SEEN = ("A-amber", "A-amber-red", "A-red", "B-red")  # one item of each audience
DIGITAL = ("A-amber", "A-amber-red", "A-red")


def items(labels: Sequence[str]) -> Variants:
    def make(w: World) -> list[Variant]:
        return [Variant(k, {"item_id": w.id(f"evidence:{k}")}, f"evidence:{k}") for k in labels]

    return make


def _key(v: Variant) -> str:
    assert v.obj is not None
    return v.obj.split(":", 1)[1]


def handlers(w: World, v: Variant) -> frozenset[str]:
    """Readers who may handle it: the coordinator (not TLP:RED items) and named custodians."""
    incident, tlp, _digital, _collector = ITEMS[_key(v)]
    coordinator = frozenset({R.COORDINATOR}) if tlp != "red" else frozenset()
    return readers(w, v) & (coordinator | CUSTODIANS.get(incident, frozenset()))


def custodian(w: World, v: Variant) -> frozenset[str]:
    """The item's custodian: its collector, unless it is out of the subjects' hands."""
    collector = ITEMS[_key(v)][3]
    return handlers(w, v) & {collector}


def custodian_or_coordinator(w: World, v: Variant) -> frozenset[str]:
    return handlers(w, v) & (custodian(w, v) | {R.COORDINATOR})


def coordinators(w: World, v: Variant) -> frozenset[str]:
    return handlers(w, v) & {R.COORDINATOR}


def receiver(w: World, v: Variant) -> frozenset[str]:
    """The seeded waiting transfer is offered to the coordinator."""
    return handlers(w, v) & {R.COORDINATOR}


def adders(w: World, v: Variant) -> frozenset[str]:
    """Who adds an AMBER item to the incident: the coordinator and its named custodians, if they see it."""
    assert v.obj is not None
    key = v.obj.split(":", 1)[1]
    return w.readers[v.obj] & ({R.COORDINATOR} | CUSTODIANS.get(key, frozenset()))


METADATA = {
    "item_type": "log",
    "title": "Nhật ký tường lửa",
    "tlp": "amber",
    "collected_at": "2026-01-02T09:00:00+07:00",
}
PHYSICAL = {**METADATA, "kind": "physical", "item_type": "phone", "serial_number": "SN-1"}


def upload_body(w: World, s: str, v: Variant) -> Body:
    return Body(
        form={"metadata": json.dumps(METADATA)},
        files={"file": ("firewall.log", b"deny tcp 203.0.113.9", "application/octet-stream")},
    )


def export_of(w: World, s: str, v: Variant) -> Body:
    return Body(query={"id": w.id(v.obj or "")})


def to_coordinator(w: World, s: str, v: Variant) -> Body:
    user_id = w.logins[R.COORDINATOR].user_id
    return Body(json={"to_user_id": user_id, "reason": "bàn giao để phân tích"})


def _step(step: str, policy: Callable[[World, Variant], frozenset[str]], labels: Sequence[str], **body: object) -> None:
    row("POST", f"{API}/evidence/{{item_id}}/{step}", policy, variants=items(labels), body=js(**body), hidden=readers)


row("GET", f"{API}/incidents/{{incident_id}}/evidence", readers, variants=incidents(INCIDENTS), hidden=readers)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/evidence",
    adders,
    variants=incidents(INCIDENTS),
    body=js(**PHYSICAL),
    hidden=readers,
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/evidence/upload",
    adders,
    variants=incidents(INCIDENTS),
    body=upload_body,
    hidden=readers,
)
# The platform's public key: anyone the API identifies (a user without a role: undocumented).
row("GET", f"{API}/evidence/key", lambda w, v: R.MEMBERS, either=lambda w, v: frozenset({R.NOROLE}))
row("GET", f"{API}/evidence/export.zip", handlers, variants=items(SEEN), body=export_of)
row("GET", f"{API}/evidence/{{item_id}}", readers, variants=items(SEEN), hidden=readers)
row("GET", f"{API}/evidence/{{item_id}}/custody", readers, variants=items(SEEN), hidden=readers)
row("GET", f"{API}/evidence/{{item_id}}/checks", readers, variants=items(SEEN), hidden=readers)
row("GET", f"{API}/evidence/{{item_id}}/content", readers, variants=items(DIGITAL), hidden=readers)
_step("seal", custodian_or_coordinator, SEEN, seal_number="NP-9")
row(
    "POST",
    f"{API}/evidence/{{item_id}}/transfer",
    custodian_or_coordinator,
    variants=items(("A-amber", "B-red")),
    body=to_coordinator,
    hidden=readers,
)
_step("acknowledge", receiver, ("A-amber-pending",))
_step("decline", receiver, ("A-amber-pending",), reason="chưa nhận được")
_step("cancel-transfer", custodian_or_coordinator, ("A-amber-pending",))
_step("check-out", custodian, ("A-amber", "A-amber-red", "B-red"), purpose="phân tích")
_step("check-in", custodian, ("A-amber-out",))
_step("analysis", custodian, ("A-amber", "B-red"), tool="Autopsy", findings="Không có phát hiện")
_step("copy", handlers, ("A-amber", "A-amber-red"), reason="bản làm việc")
_step("return", custodian_or_coordinator, ("A-amber", "B-red"), returned_to="Công ty A")
_step("dispose", coordinators, ("A-amber", "A-amber-red", "B-red"), method="tiêu huỷ", authorisation="QĐ 1/2026")
_step("verify", readers, SEEN)

# A participant's evidence role (incident/endpoints.py): the incident's command, like the participants.
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/participants/{{participant_id}}/evidence-role",
    incident_command,
    variants=incidents(
        ("A-amber", "B-red"),
        participant_id=lambda w, k: w.id(
            "participant:A-amber:responder" if k == "A-amber" else "participant:B-red:coordinator"
        ),
    ),
    body=js(evidence_role="analyst"),
    hidden=readers,
)

ROWS = TABLE.rows
