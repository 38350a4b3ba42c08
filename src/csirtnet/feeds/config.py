"""A source's configuration as the engine sees it: a frozen, serialisable snapshot of `FeedSource`
(it travels in NATS messages and into worker processes, so it holds plain values only)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from csirtnet.models import FeedSource


@dataclass(frozen=True)
class SourceConfig:
    id: int
    name: str
    provider: str
    parser: str  # models.ParserName
    tlp: str = "amber"
    mapping: dict[str, Any] | None = None
    actions: tuple[str, ...] = ("digest", "rules")
    dedupe_fields: tuple[str, ...] = ("source.ip", "source.port", "classification.identifier")
    dedupe_window_hours: int = 24
    digest_period_hours: int = 24
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: FeedSource) -> SourceConfig:
        return cls(
            id=row.id,
            name=row.name,
            provider=row.provider,
            parser=row.parser,
            tlp=row.tlp,
            mapping=dict(row.mapping) if row.mapping else None,
            actions=tuple(row.actions or ()),
            dedupe_fields=tuple(row.dedupe_fields or ()),
            dedupe_window_hours=row.dedupe_window_hours,
            digest_period_hours=row.digest_period_hours,
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["actions"] = list(self.actions)
        data["dedupe_fields"] = list(self.dedupe_fields)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceConfig:
        values = dict(data)
        values["actions"] = tuple(values.get("actions") or ())
        values["dedupe_fields"] = tuple(values.get("dedupe_fields") or ())
        return cls(**values)
