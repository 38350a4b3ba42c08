"""The ENISA Reference Security Incident Taxonomy, loaded from the task force's machine file (CC0)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class RsitType:
    klass: str
    value: str
    expanded: str
    description: str


@cache
def taxonomy() -> dict[str, dict[str, RsitType]]:
    """Class -> type -> entry, in the order the taxonomy lists them."""
    raw = json.loads(resources.files("csirtnet.vocabulary").joinpath("data/rsit-machinev1.json").read_text())
    out: dict[str, dict[str, RsitType]] = {}
    for group in raw["values"]:
        klass = group["predicate"]
        out[klass] = {
            e["value"]: RsitType(klass, e["value"], e.get("expanded", e["value"]), e.get("description", ""))
            for e in group["entry"]
        }
    return out


def is_valid(klass: str, type_: str) -> bool:
    return type_ in taxonomy().get(klass, {})
