"""One row per cached dataset (the constituency index, the deadline profiles): a random version
set anew in the same transaction as every change to the tables behind it (csirtnet/cache.py)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.models.base import Base


class DataVersion(Base):
    __tablename__ = "data_version"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
