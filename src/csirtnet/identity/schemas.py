"""API shapes of the identity domain."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from csirtnet.kit.schemas import Clearable, InputSchema, UpdateSchema
from csirtnet.vocabulary import Role


class UserCreate(InputSchema):
    email: EmailStr
    full_name: str = Field(min_length=1, max_length=200)
    organisation_id: int
    roles: list[Role] = Field(default_factory=lambda: [Role.VIEWER], min_length=1)
    password: str | None = Field(
        default=None,
        min_length=12,
        max_length=200,
        description="Leave out to email an invitation link instead",
    )
    language: Literal["vi", "en"] | None = None
    phone: str | None = Field(default=None, max_length=40)


class UserUpdate(UpdateSchema):
    email: EmailStr | None = Field(default=None, description="Pending password reset links stop working")
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    roles: list[Role] | None = Field(default=None, min_length=1)
    is_active: bool | None = None
    language: Clearable[Literal["vi", "en"]] = None
    timezone: str | None = Field(default=None, max_length=60)
    phone: Clearable[str] = Field(default=None, max_length=40)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError("not a known time zone (e.g. Asia/Ho_Chi_Minh)") from None
        return value


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    full_name: str
    organisation_id: int
    roles: list[str]
    is_active: bool
    language: str | None
    timezone: str
    totp_enabled: bool
    last_login_at: datetime | None
    created_at: datetime


class TokenCreate(InputSchema):
    name: str = Field(min_length=1, max_length=120)
    scopes: list[str] = Field(min_length=1)
    expires_in_days: int | None = Field(default=90, ge=1, le=730)


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="Shown once; only its hash is kept")


class PasswordResetRequest(BaseModel):
    """Who asks for a reset link (the answer never says whether the address has an account)."""

    email: EmailStr
