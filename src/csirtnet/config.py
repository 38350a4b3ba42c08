"""One settings object, read from the environment (prefix CSIRTNET_) and a `.env` file."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CSIRTNET_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Stored files, the SQLite database, keys")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty means SQLite in data_dir")
    secret_key: str = Field(default="", description="Signs tokens; generated into data_dir when empty")
    base_url: str = "http://127.0.0.1:8000"
    default_language: Literal["vi", "en"] = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"

    # How long a Python thread may hold the interpreter before another may run (sys.setswitchinterval),
    # in milliseconds. A page waits on the database a dozen times; at Python's 5 ms, each wait ended
    # behind whichever request was computing (ADR 0015). 0 leaves Python's own.
    switch_interval_ms: float = Field(default=0.5, ge=0, le=100)
    in_process_worker: bool = True
    worker_poll_seconds: float = 1.0
    job_lease_seconds: int = 300

    # Empty: no mail server; messages are written as .eml files to data_dir/mail-outbox instead
    # (the embedded default, so a demo loses nothing and its jobs do not fail).
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout: float = 10.0
    mail_from: str = "csirtnet <no-reply@csirtnet.local>"
    mail_enabled: bool = True

    session_hours: int = 12
    cookie_secure: bool | None = None  # None: secure when base_url is https
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    login_ip_max_attempts: int = 30
    password_reset_minutes: int = 60

    max_upload_bytes: int = 50 * 1024 * 1024
    # Requests one web process works on at once; more wait their turn before taking a database
    # connection. Below the connection pool's 30 (csirtnet.db), or requests deadlock on the pool
    # under a burst (csirtnet.middleware.InFlightLimitMiddleware). 0 lifts the limit.
    web_max_in_flight: int = 20
    # Evidence at rest: base64 of 32 random bytes encrypts new evidence content with AES-256-GCM
    # (evidence.store); empty stores it plain. Keep the key apart from the backups it unlocks.
    evidence_encryption_key: str = ""
    # How often the worker re-checks every evidence item (hashes, chains, signatures); 0: never.
    evidence_verify_hours: float = 24.0
    # Advisories of these severities are published only once a second coordinator approves them
    # (four-eyes); comma-separated from low, medium, high, critical; empty: never required.
    advisory_review_severities: str = "critical"
    # Reminders go out this many hours before an advisory's deadline to recipients that have not
    # answered; escalation (to their admins and the publisher) follows once the deadline passed.
    advisory_remind_hours: float = 24.0
    # The publisher named in the CSAF documents and the provider metadata (CSAF 2.0 section 3.2.1.8).
    csaf_publisher_name: str = "csirtnet"
    csaf_publisher_namespace: str = "https://csirtnet.example"
    # MISP warninglist JSON files the operator drops in (besides the shipped ones: intel.warninglists);
    # empty: <data_dir>/warninglists. Re-read when a file changes.
    intel_warninglists_dir: Path | None = None
    # A value matching more stored objects than this (indicators, incident observables, advisories'
    # indicators) stops listing correlations and is flagged instead (intel.correlation, ADR 0025).
    intel_correlation_limit: int = Field(default=100, ge=1)
    # Feeds (docs/feeds.md). The NATS server of the scaled pipeline (`csirtnet worker --stage`);
    # unset: every stage runs in the process that reads the file (the embedded mode).
    nats_url: str | None = None
    feeds_batch_rows: int = Field(default=50_000, ge=100, le=1_000_000)  # events per batch
    feeds_retention_days: int = Field(default=180, ge=1)  # processed events kept this long
    # Watched folders of `folder` sources must lie under this directory (empty: <data_dir>/feeds).
    feeds_folder_root: Path | None = None
    admin_email: str = ""
    admin_password: str = ""
    log_json: bool = True
    log_level: str = "INFO"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'csirtnet.db').resolve()}"

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.base_url.startswith("https://")

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once and kept in the data directory."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret.key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
