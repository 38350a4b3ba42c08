"""Settings of the members domain, read from the environment like csirtnet.config (prefix CSIRTNET_)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MemberSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CSIRTNET_", env_file=".env", extra="ignore")

    member_code_format: str = Field(
        default="MB-{year}-{seq:04d}",
        description="Network member codes: {year} is the approval year, {seq} the next free number that year",
    )
    confirmation_max_age_days: int = Field(
        default=180, description="A profile not confirmed for this many days is stale and its admins are reminded"
    )
    confirmation_reminder_every_days: int = Field(default=30, description="Remind a stale member at most this often")
    apply_max_per_hour: int = Field(default=5, description="Applications accepted per client address per hour")


@lru_cache
def member_settings() -> MemberSettings:
    return MemberSettings()
