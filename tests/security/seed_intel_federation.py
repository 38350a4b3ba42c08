"""Seeding federation (issue 14): a collection added by configuration that organisation A reads, and
a pull subscription whose name only the coordinating body may read and whose secret nobody may ever
read back (planted as a secret marker: no answer may hold it)."""

from __future__ import annotations

from csirtnet.intel.federation import service as federation
from csirtnet.intel.federation.schemas import SubscriptionCreate, TaxiiCollectionCreate, TaxiiCollectionGrant
from tests.security import rules as R
from tests.security.seed_base import BuilderBase

FEDERATION_SECRET = "matrix-taxii-partner-secret-0123456789"


class FederationSeed(BuilderBase):
    def federation(self) -> None:
        coordinator = self.who(R.COORDINATOR)
        collection = federation.create_collection(
            self.s,
            coordinator,
            TaxiiCollectionCreate(
                # Its readers see its title and description too (the collections page, TAXII).
                title="Ngân hàng " + self.mk("configured collection title", R.STAFF | R.users_of("A")),
                description=self.mk("configured collection description", R.STAFF | R.users_of("A")),
            ),
        )
        federation.grant(self.s, coordinator, collection.uuid, self.orgs["A"].id, TaxiiCollectionGrant(can_write=False))
        self.w.refs["taxii-collection"] = collection.uuid
        self.m.secret(FEDERATION_SECRET, "a subscription's secret (never shown to anyone)")
        subscription = federation.create(
            self.s,
            coordinator,
            SubscriptionCreate(
                name="CERT đối tác " + self.mk("subscription name", R.STAFF),
                direction="pull",
                api_root_url="https://taxii.partner.matrix.example.vn/taxii2/intel/",
                remote_collection_id="91a7b528-80eb-42ed-a74d-c6fbd5a26116",
                collection="national",
                username=self.mk("subscription username", R.STAFF) + "@partner.example.vn",
                secret=FEDERATION_SECRET,
            ),
        )
        self.w.ids["subscription"] = subscription.id
        self.s.flush()
