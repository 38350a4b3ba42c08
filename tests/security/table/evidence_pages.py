"""Rows of the evidence pages (issue 12; web/views/evidence.py): the incident's Evidence tab (its
coordinators and the people named with an evidence role), adding an item, an item's page and each
custody step, verification, the file and the export. The same rules as the API's rows
(tests/security/table/evidence.py) over the same seeded items (tests/security/seed_evidence.py)."""

from __future__ import annotations

from collections.abc import Callable

from tests.security import rules as R
from tests.security.runner import Body, Variant, Variants
from tests.security.seed_evidence import CUSTODIANS
from tests.security.table.evidence import (
    DIGITAL,
    INCIDENTS,
    SEEN,
    adders,
    coordinators,
    custodian,
    custodian_or_coordinator,
    handlers,
    items,
    receiver,
)
from tests.security.table.vocabulary import Table, form, incidents, readers, shows
from tests.security.world import World

TABLE = Table()
row = TABLE.row


def section_readers(w: World, v: Variant) -> frozenset[str]:
    """The incident's Evidence tab: its readers who are coordinators or named with an evidence role."""
    assert v.obj is not None
    key = v.obj.split(":", 1)[1]
    return w.readers[v.obj] & ({R.COORDINATOR} | CUSTODIANS.get(key, frozenset()))


RECORD = {
    "kind": "physical",
    "item_type": "phone",
    "title": "Điện thoại thu giữ",
    "tlp": "amber",
    "serial_number": "SN-1",
    "collected_at": "2026-01-02T09:00",
    "collected_at_zone": "Asia/Ho_Chi_Minh",
    "original": "1",
    "iso_stage": "acquisition",
}

# step -> (who may, the items it is tried on, what the form sends)
Step = tuple[Callable[[World, Variant], frozenset[str]], tuple[str, ...], Callable[[World], dict[str, object]]]
STEPS: dict[str, Step] = {
    "seal": (custodian_or_coordinator, SEEN, lambda w: {"seal_number": "NP-9"}),
    "transfer": (
        custodian_or_coordinator,
        ("A-amber", "B-red"),
        lambda w: {"to_user_id": str(w.logins[R.COORDINATOR].user_id), "reason": "bàn giao để phân tích"},
    ),
    "acknowledge": (receiver, ("A-amber-pending",), lambda w: {}),
    "decline": (receiver, ("A-amber-pending",), lambda w: {"reason": "chưa nhận được"}),
    "cancel-transfer": (custodian_or_coordinator, ("A-amber-pending",), lambda w: {}),
    "check-out": (custodian, ("A-amber", "A-amber-red", "B-red"), lambda w: {"purpose": "phân tích"}),
    "check-in": (custodian, ("A-amber-out",), lambda w: {}),
    "analysis": (custodian, ("A-amber", "B-red"), lambda w: {"tool": "Autopsy", "findings": "Không có phát hiện"}),
    "copy": (handlers, ("A-amber", "A-amber-red"), lambda w: {"reason": "bản làm việc"}),
    "return": (custodian_or_coordinator, ("A-amber", "B-red"), lambda w: {"returned_to": "Công ty A"}),
    "dispose": (
        coordinators,
        ("A-amber", "A-amber-red", "B-red"),
        lambda w: {"method": "tiêu huỷ", "authorisation": "QĐ 1/2026"},
    ),
}


def steps() -> Variants:
    def make(w: World) -> list[Variant]:
        return [
            Variant(f"{step}:{key}", {"item_id": w.id(f"evidence:{key}"), "step": step}, f"evidence:{key}")
            for step, (_policy, keys, _body) in STEPS.items()
            for key in keys
        ]

    return make


def step_policy(w: World, v: Variant) -> frozenset[str]:
    return STEPS[v.label.split(":", 1)[0]][0](w, v)


def step_body(w: World, s: str, v: Variant) -> Body:
    return Body(form=STEPS[v.label.split(":", 1)[0]][2](w))


row("GET", "/incidents/{incident_id}/evidence", section_readers, variants=incidents(INCIDENTS), hidden=readers)
row("GET", "/incidents/{incident_id}/evidence/new", adders, variants=incidents(INCIDENTS), hidden=readers)
row(
    "POST",
    "/incidents/{incident_id}/evidence/check",
    adders,
    variants=incidents(INCIDENTS),
    body=form(**RECORD),
    hidden=readers,
    audited=False,  # it only checks the typed record; nothing changes
)
row(
    "POST",
    "/incidents/{incident_id}/evidence",
    adders,
    variants=incidents(INCIDENTS),
    body=form(**RECORD),
    hidden=readers,
)
row(
    "GET",
    "/evidence/{item_id}",
    readers,
    variants=items(SEEN),
    hidden=readers,
    shows=shows("evidence {label} title", "evidence {label} place"),
)
row("POST", "/evidence/{item_id}/verify", readers, variants=items(SEEN), hidden=readers)
row("POST", "/evidence/{item_id}/{step}", step_policy, variants=steps(), body=step_body, hidden=readers)
row(
    "GET",
    "/evidence/{item_id}/file",
    readers,
    variants=items(DIGITAL),
    hidden=readers,
    shows=shows("evidence {label} content"),
)
row("GET", "/evidence/{item_id}/export.zip", handlers, variants=items(SEEN), hidden=readers)

ROWS = TABLE.rows
