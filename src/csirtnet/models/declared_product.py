"""What a member declares it runs (vendor, product, version), for matching advisories' affected
products: "which recipients are likely affected"."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.models.base import Base, IdMixin, TimestampMixin


def product_key(value: str) -> str:
    """The matching key of a vendor or product name: lower case, words joined by one space."""
    return " ".join(value.replace("_", " ").replace("-", " ").lower().split())


class DeclaredProduct(IdMixin, TimestampMixin, Base):
    __tablename__ = "declared_product"
    __table_args__ = (Index("ix_declared_product_key", "product_key", "vendor_key"),)

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    information_system_id: Mapped[int | None] = mapped_column(ForeignKey("information_system.id", ondelete="SET NULL"))
    vendor: Mapped[str] = mapped_column(String(200))
    product: Mapped[str] = mapped_column(String(200))
    version: Mapped[str | None] = mapped_column(String(100))
    vendor_key: Mapped[str] = mapped_column(String(200), default="")
    product_key: Mapped[str] = mapped_column(String(200), default="")


@event.listens_for(DeclaredProduct, "before_insert")
@event.listens_for(DeclaredProduct, "before_update")
def _derive_keys(_mapper: object, _conn: object, row: DeclaredProduct) -> None:
    row.vendor_key = product_key(row.vendor)[:200]
    row.product_key = product_key(row.product)[:200]
