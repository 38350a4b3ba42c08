"""TLP in STIX 2.1: the OASIS TLP 2.0 marking definitions (cti-stix-common-objects,
extension-definition-specifications/tlp-2.0), written exactly as OASIS publishes them, and the
mapping of a STIX object's `object_marking_refs` to our TLP.

On import the TLP 1.0 marking definitions of the STIX 2.1 specification (section 7.2.1.4) are read
too: TLP:WHITE is TLP:CLEAR, TLP:AMBER stays TLP:AMBER (TLP 2.0's AMBER), GREEN and RED map to
themselves. Exports only ever write the TLP 2.0 ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from csirtnet.vocabulary.enums import TLP

TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"

MARKING_IDS: dict[TLP, str] = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

# The STIX 2.1 specification's TLP 1.0 marking definitions (read on import, never written).
TLP1_MARKING_IDS: dict[str, TLP] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,  # TLP:WHITE
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED,
}

_BY_ID: dict[str, TLP] = {ident: tlp for tlp, ident in MARKING_IDS.items()} | TLP1_MARKING_IDS
# Most restrictive first: an object carrying several TLP markings takes the strictest.
_STRICTNESS = [TLP.RED, TLP.AMBER_STRICT, TLP.AMBER, TLP.GREEN, TLP.CLEAR]


def marking_object(tlp: TLP) -> dict[str, Any]:
    """The OASIS TLP 2.0 marking-definition object for `tlp` (a fresh dict each call)."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": MARKING_IDS[tlp],
        "created": TLP2_CREATED,
        "name": tlp.label,
        "extensions": {TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": tlp.value}},
    }


def marking_objects(levels: Iterable[TLP] | None = None) -> list[dict[str, Any]]:
    """The TLP 2.0 marking definitions (all five, or those of `levels`), least restrictive first."""
    wanted = set(TLP) if levels is None else set(levels)
    return [marking_object(tlp) for tlp in reversed(_STRICTNESS) if tlp in wanted]


def marking_ids() -> frozenset[str]:
    """Every marking-definition id we know as TLP (TLP 2.0 and TLP 1.0)."""
    return frozenset(_BY_ID)


def tlp_from_refs(refs: Iterable[Any] | None) -> TLP | None:
    """The TLP of an object from its `object_marking_refs` (the strictest TLP marking when it has
    several), or None when none of them is a TLP marking."""
    if not refs:
        return None
    return strictest(_BY_ID[ref] for ref in refs if isinstance(ref, str) and ref in _BY_ID)


def strictest(levels: Iterable[TLP]) -> TLP | None:
    """The most restrictive of `levels` (None when there is none)."""
    found = set(levels)
    for tlp in _STRICTNESS:
        if tlp in found:
            return tlp
    return None
