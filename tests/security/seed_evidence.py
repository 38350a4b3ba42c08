"""Seeding evidence (issue 12): the responder is the evidence custodian of A's AMBER and RED
incidents (on the participation they have as reporter, so no other visibility changes); items of
every audience: an AMBER item the coordinator sees, a TLP:RED item on an AMBER incident (the named
custodian only), an item of a TLP:RED incident (its named participants only), a physical item of B's
TLP:RED incident (the coordinator, named there), one with a transfer waiting for the coordinator and
one checked out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from csirtnet.evidence import service as evidence
from csirtnet.evidence.schemas import CheckOut, EvidenceCreate, TransferOffer
from csirtnet.evidence.store import evidence_store
from csirtnet.identity.service import subject_for
from csirtnet.incident import participants
from csirtnet.models import IncidentParticipant
from tests.security import rules as R
from tests.security.seed_base import BuilderBase

# item key -> (incident key, item TLP, digital, who collects it)
ITEMS: dict[str, tuple[str, str, bool, str]] = {
    "A-amber": ("A-amber", "amber", True, R.RESPONDER),
    "A-amber-red": ("A-amber", "red", True, R.RESPONDER),
    "A-red": ("A-red", "amber", True, R.RESPONDER),
    "B-red": ("B-red", "amber", False, "coord2"),
    "A-amber-pending": ("A-amber", "amber", True, R.RESPONDER),
    "A-amber-out": ("A-amber", "amber", True, R.RESPONDER),
}
# Named with an evidence role, by incident (rules: coordinators see every item of the incidents they
# see but TLP:RED ones; others only as named people with an evidence role).
CUSTODIANS = {"A-amber": frozenset({R.RESPONDER}), "A-red": frozenset({R.RESPONDER})}


def evidence_readers(incident_readers: frozenset[str], incident: str, tlp: str) -> frozenset[str]:
    named = CUSTODIANS.get(incident, frozenset())
    coordinators = frozenset({R.COORDINATOR}) if tlp != "red" else frozenset()
    return incident_readers & (coordinators | named)


class EvidenceSeed(BuilderBase):
    def evidence(self) -> None:
        coord2 = subject_for(self.users["coord2"])
        for incident, holders in CUSTODIANS.items():
            incident_id = self.w.ids[f"incident:{incident}"]
            for holder in holders:
                row = self.s.scalar(
                    select(IncidentParticipant).where(
                        IncidentParticipant.incident_id == incident_id,
                        IncidentParticipant.user_id == self.users[holder].id,
                    )
                )
                assert row is not None, (incident, holder)
                self.w.ids[f"participant:{incident}:{holder}"] = row.id
                participants.set_evidence_role(self.s, coord2, incident_id, row.id, "custodian")
        store = evidence_store()
        for key, (incident, tlp, digital, collector) in ITEMS.items():
            readers = evidence_readers(self.w.readers[f"incident:{incident}"], incident, tlp)
            self.w.readers[f"evidence:{key}"] = readers
            values: dict[str, Any] = {
                "kind": "digital" if digital else "physical",
                "item_type": "log" if digital else "hard_disk",
                "title": "Chứng cứ " + self.mk(f"evidence {key} title", readers),
                "description": self.mk(f"evidence {key} description", readers),
                "tlp": tlp,
                "collected_at": self.now - timedelta(hours=3),
                "collection_place": self.mk(f"evidence {key} place", readers),
                "serial_number": None if digital else self.mk(f"evidence {key} serial", readers),
            }
            stored = (
                store.ingest_stream([("log " + self.mk(f"evidence {key} content", readers)).encode()])
                if digital
                else None
            )
            item = evidence.add_item(
                self.s,
                self.who(collector),
                self.w.ids[f"incident:{incident}"],
                EvidenceCreate.model_validate(values),
                stored=stored,
                filename="nhat-ky.log" if digital else None,
            )
            self.w.ids[f"evidence:{key}"] = item.id
        responder = self.who(R.RESPONDER)
        evidence.offer_transfer(
            self.s,
            responder,
            self.w.ids["evidence:A-amber-pending"],
            TransferOffer(to_user_id=self.users[R.COORDINATOR].id, reason="bàn giao"),
        )
        evidence.check_out(self.s, responder, self.w.ids["evidence:A-amber-out"], CheckOut(purpose="phân tích"))
        self.s.flush()
