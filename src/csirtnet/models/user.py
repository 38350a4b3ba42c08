"""People who log in. A user belongs to one organisation and holds one or more roles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from csirtnet.kit.text import fold, sort_key
from csirtnet.models.base import Base, IdMixin, SortKey, TimestampMixin, fit
from csirtnet.models.organisation import Organisation


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "user_account"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(60), default="Asia/Ho_Chi_Minh")
    phone: Mapped[str | None] = mapped_column(String(40))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    name_fold: Mapped[str] = mapped_column(String(500), index=True, default="")
    name_sort: Mapped[str] = mapped_column(SortKey, index=True, default="")

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", back_populates="user"
    )

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_rows}

    @property
    def totp_enabled(self) -> bool:
        return self.totp_enabled_at is not None


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _derive_user_keys(_mapper: object, _conn: object, user: User) -> None:
    user.email = user.email.strip().lower()
    user.name_fold = fit(User.name_fold, fold(f"{user.full_name} {user.email}"))
    user.name_sort = fit(User.name_sort, sort_key(user.full_name))
