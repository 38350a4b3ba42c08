"""Every form of the evidence pages, submitted with bad input in a real Chromium, comes back as the
one form path promises (tests/browser/formcheck.py): in place (422), each error at its field, the
labels in a focused summary, everything typed kept, the language kept, no attribute name shown.

`EVIDENCE_ROWS` has the shape of tests/browser/test_forms.py's rows; their URLs name the incident
and the items the test makes ({incident}; {item}: held by the custodian; {pending}: offered to the
analyst; {out}: checked out by the custodian). Who fills each form in: the custodian, the analyst
(the receiver of {pending}: rows named in ANALYST_ROWS) or a coordinator (disposal).
test_forms.py's `test_every_declared_form_is_submitted` counts these rows too.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pyotp
import pytest

from csirtnet.evidence import service
from csirtnet.evidence.schemas import CheckOut, EvidenceCreate, TransferOffer
from csirtnet.evidence.store import evidence_store
from csirtnet.identity.service import subject_for
from csirtnet.incident import participants
from csirtnet.incident.schemas import ParticipantCreate
from csirtnet.kit.time import utcnow
from csirtnet.vocabulary import Role
from tests.browser.formcheck import BadInput, submit_bad
from tests.browser.test_forms import Row, log_in
from tests.factories import make_organisation
from tests.incident.helpers import coordinator, member, open_incident

pytestmark = pytest.mark.browser

LONG = "x" * 4100


def _step(name: str, item: str, form_id: str, testid: str, typed: dict[str, str], errors: tuple[str, ...]) -> Row:
    return Row(
        BadInput(name, f"/evidence/{{{item}}}?open={form_id}", f"[data-testid={testid}-form]", typed, errors=errors),
        Role.COORDINATOR if form_id == "evidence-dispose" else Role.RESPONDER,
        (form_id,),
    )


EVIDENCE_ROWS: list[Row] = [
    Row(
        BadInput(
            "evidence: add an item",
            "/incidents/{incident}/evidence/new",
            "[data-testid=evidence-form]",
            {"title": " ", "sha256": "không phải mã băm", "collection_place": "Phòng máy chủ tầng 3"},
            errors=("title", "sha256"),
        ),
        Role.RESPONDER,
        ("evidence-add",),
    ),
    _step(
        "evidence: seal", "item", "evidence-seal", "seal", {"seal_number": " ", "location": "Tủ số 3"}, ("seal_number",)
    ),
    _step(
        "evidence: transfer",
        "item",
        "evidence-transfer",
        "transfer",
        {"to_user_id": "", "reason": "Chuyển cho nhóm phân tích"},
        ("to_user_id",),
    ),
    Row(
        BadInput(
            "evidence: acknowledge",
            "/evidence/{pending}",
            "[data-testid=acknowledge-form]",
            {"note": LONG},
            errors=("note",),
        ),
        Role.RESPONDER,
        ("evidence-acknowledge",),
        language="en",
    ),
    _step("evidence: decline", "pending", "evidence-decline", "decline", {"reason": " "}, ("reason",)),
    _step("evidence: withdraw a transfer", "pending", "evidence-cancel", "cancel", {"note": LONG}, ("note",)),
    _step("evidence: check out", "item", "evidence-check-out", "check-out", {"purpose": " "}, ("purpose",)),
    _step("evidence: check in", "out", "evidence-check-in", "check-in", {"note": LONG}, ("note",)),
    _step(
        "evidence: analysis",
        "item",
        "evidence-analysis",
        "analysis",
        {"tool": "Volatility", "tool_version": LONG, "findings": " "},
        ("tool_version", "findings"),
    ),
    _step("evidence: copy", "item", "evidence-copy", "copy", {"title": "Bản sao làm việc", "reason": " "}, ("reason",)),
    _step(
        "evidence: return", "item", "evidence-return", "return", {"returned_to": " ", "note": "Đã ký"}, ("returned_to",)
    ),
    _step(
        "evidence: dispose",
        "item",
        "evidence-dispose",
        "dispose",
        {"method": "Tiêu hủy ổ cứng", "authorisation": " "},
        ("authorisation",),
    ),
]
ANALYST_ROWS = frozenset({"evidence: acknowledge", "evidence: decline"})

LOG = b"Dec  6 08:00:01 dvc sshd[311]: Accepted password for root from 203.0.113.9\n" * 50


def _record(title: str) -> EvidenceCreate:
    return EvidenceCreate.model_validate(
        {"item_type": "log", "title": title, "collected_at": (utcnow() - timedelta(hours=1)).isoformat()}
    )


@pytest.mark.parametrize("row", EVIDENCE_ROWS, ids=lambda row: row.case.name)
def test_a_bad_evidence_form_comes_back_in_place(live_server, page, row: Row) -> None:  # type: ignore[no-untyped-def]
    secret = pyotp.random_base32() if row.role == Role.COORDINATOR else None
    with live_server.database.unit_of_work() as session:
        coord = coordinator(session)
        org = make_organisation(session, kind="province")
        incident = open_incident(session, coord, member(session, org))
        custodian = member(session, org, language=row.language)
        analyst = member(session, org, language=row.language)
        for user, role in ((custodian, "custodian"), (analyst, "analyst")):
            participants.add(
                session, subject_for(coord), incident.id, ParticipantCreate(user_id=user.id, evidence_role=role)
            )
        holder = subject_for(custodian)
        store = evidence_store()
        made = {}
        for key in ("item", "pending", "out"):
            content = LOG + key.encode()
            made[key] = service.add_item(
                session,
                holder,
                incident.id,
                _record(f"Nhật ký {key}"),
                stored=store.ingest_stream([content]),
                filename="auth.log",
            ).id
        service.offer_transfer(
            session, holder, made["pending"], TransferOffer(to_user_id=analyst.id, reason="Phân tích")
        )
        service.check_out(session, holder, made["out"], CheckOut(purpose="Phân tích"))
        if row.role == Role.COORDINATOR:
            email = coordinator(session, language=row.language, totp_secret=secret).email
        else:
            email = (analyst if row.case.name in ANALYST_ROWS else custodian).email
        ids = {"incident": incident.id, **made}
    page.on("dialog", lambda dialog: dialog.accept())  # the removal-like steps ask first
    log_in(page, live_server.url, email, secret)
    case = dataclasses.replace(row.case, url=row.case.url.format(**ids))
    submit_bad(page, live_server.url, case, language=row.language)
