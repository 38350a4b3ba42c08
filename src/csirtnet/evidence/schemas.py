"""Evidence API bodies and read models."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from csirtnet.kit.schemas import InputSchema
from csirtnet.models import DIGITAL_TYPES, EvidenceKind, EvidenceType, IsoStage, Volatility
from csirtnet.vocabulary import TLP

_HEX = {"sha256": 64, "sha1": 40, "md5": 32}


def _hex(value: str | None, name: str) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip().lower()
    if not re.fullmatch(rf"[0-9a-f]{{{_HEX[name]}}}", text):
        raise ValueError(f"must be {_HEX[name]} hexadecimal characters")
    return text


class StatedHashes(InputSchema):
    """What the collector computed at acquisition; the server refuses content that differs."""

    sha256: str | None = Field(default=None, max_length=64)
    sha1: str | None = Field(default=None, max_length=40)
    md5: str | None = Field(default=None, max_length=32)

    @field_validator("sha256", "sha1", "md5")
    @classmethod
    def _hex_digest(cls, value: str | None, info: Any) -> str | None:
        return _hex(value, info.field_name)


class EvidenceCreate(StatedHashes):
    """An item and its collection record. A digital item's bytes come with it (the upload); a
    physical one is described."""

    kind: EvidenceKind = EvidenceKind.DIGITAL
    item_type: EvidenceType
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=10000)
    tlp: TLP = TLP.AMBER
    # physical description
    make: str | None = Field(default=None, max_length=200)
    model: str | None = Field(default=None, max_length=200)
    serial_number: str | None = Field(default=None, max_length=200)
    seal_number: str | None = Field(default=None, max_length=100)
    location: str | None = Field(default=None, max_length=300)
    # collection record
    collected_by_name: str | None = Field(default=None, max_length=200)
    collected_at: datetime
    collected_timezone: str = Field(default="Asia/Ho_Chi_Minh", max_length=64)
    collection_place: str | None = Field(default=None, max_length=300)
    collection_system: str | None = Field(default=None, max_length=300)
    collection_address: str | None = Field(default=None, max_length=300)
    tool: str | None = Field(default=None, max_length=200)
    tool_version: str | None = Field(default=None, max_length=100)
    procedure: str | None = Field(default=None, max_length=10000)
    legal_basis: str | None = Field(default=None, max_length=200)
    legal_basis_date: date | None = None
    original: bool = True
    volatility: Volatility | None = None
    iso_stage: IsoStage = IsoStage.ACQUISITION

    @field_validator("collected_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give the time with its offset (e.g. 2026-12-06T09:30:00+07:00)")
        return value

    @field_validator("collected_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("not a time zone name (e.g. Asia/Ho_Chi_Minh)") from exc
        return value

    @model_validator(mode="after")
    def _type_fits_kind(self) -> EvidenceCreate:
        digital = self.item_type in DIGITAL_TYPES
        if digital != (self.kind == EvidenceKind.DIGITAL):
            raise ValueError(f"item_type {self.item_type.value} is not a {self.kind.value} item")
        return self


class TransferOffer(InputSchema):
    to_user_id: int
    reason: str = Field(min_length=1, max_length=2000)


class Note(InputSchema):
    note: str | None = Field(default=None, max_length=2000)


class Reason(InputSchema):
    reason: str = Field(min_length=1, max_length=2000)


class SealRecord(InputSchema):
    seal_number: str = Field(min_length=1, max_length=100)
    location: str | None = Field(default=None, max_length=300)
    note: str | None = Field(default=None, max_length=2000)


class CheckOut(InputSchema):
    purpose: str = Field(min_length=1, max_length=2000)


class AnalysisRecord(InputSchema):
    tool: str = Field(min_length=1, max_length=200)
    tool_version: str | None = Field(default=None, max_length=100)
    findings: str = Field(min_length=1, max_length=20000)


class CopyRequest(InputSchema):
    title: str | None = Field(default=None, max_length=300)
    reason: str = Field(min_length=1, max_length=2000)


class ReturnRecord(InputSchema):
    returned_to: str = Field(min_length=1, max_length=300)
    note: str | None = Field(default=None, max_length=2000)


class DisposalRecord(InputSchema):
    method: str = Field(min_length=1, max_length=300)  # destroyed, wiped, released to the owner…
    authorisation: str = Field(min_length=1, max_length=300)  # the decision that allows it
    note: str | None = Field(default=None, max_length=2000)


class ExportRequest(InputSchema):
    item_ids: list[int] = Field(min_length=1, max_length=500)
    with_files: bool = True


# -- read models -------------------------------------------------------------------------------


class ContentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sha256: str
    sha1: str
    md5: str
    size: int
    encrypted: bool


class EvidenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    incident_id: int
    kind: str
    item_type: str
    title: str
    description: str | None
    tlp: str
    filename: str | None
    content: ContentRead | None
    make: str | None
    model: str | None
    serial_number: str | None
    seal_number: str | None
    location: str | None
    collected_by_id: int | None
    collected_by_name: str
    collected_at: datetime
    collected_timezone: str
    collection_place: str | None
    collection_system: str | None
    collection_address: str | None
    tool: str | None
    tool_version: str | None
    procedure: str | None
    legal_basis: str | None
    legal_basis_date: date | None
    original: bool
    volatility: str | None
    iso_stage: str
    source_item_id: int | None
    status: str
    custodian_id: int | None
    pending_to_id: int | None
    entry_count: int
    last_hash: str | None
    checked_at: datetime | None
    check_ok: bool | None
    created_at: datetime


class CustodyEntryRead(BaseModel):
    seq: int
    action: str
    at: datetime
    actor_id: int | None
    entry: dict[str, Any]
    hash: str
    signature: str


class CheckRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    checked_at: datetime
    ok: bool
    trigger: str
    checked_by_id: int | None
    problems: list[dict[str, Any]]


class KeyRead(BaseModel):
    algorithm: str
    public_key_pem: str
    fingerprint_sha256: str
