"""The API of a member's declared products: what advisories are matched against."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.kit.pagination import Page
from csirtnet.organisation import products
from csirtnet.organisation.products import ImportResult, ProductCreate, ProductImport, ProductRead

router = APIRouter(prefix="/organisations", tags=["organisations"])


@router.get("/{organisation_id}/products", response_model=Page[ProductRead])
def list_products(
    organisation_id: int,
    session: Session,
    who: ApiUser,
    limit: int = Query(default=100, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=1000),
) -> Page[ProductRead]:
    """The products the organisation declared, by vendor and product (those who read its full profile)."""
    items, next_cursor = products.products_page(session, who, organisation_id, limit=limit, cursor=cursor)
    return Page[ProductRead](items=items, next_cursor=next_cursor)


@router.post("/{organisation_id}/products", response_model=ProductRead, status_code=201)
def add_product(organisation_id: int, body: ProductCreate, session: Session, who: ApiUser) -> ProductRead:
    """Declare a product the organisation runs (vendor, product, one version, optionally its information system)."""
    row = products.add(session, who, organisation_id, body)
    return products.reads(session, [row])[0]


@router.post("/{organisation_id}/products/import", response_model=ImportResult)
def import_products(organisation_id: int, body: ProductImport, session: Session, who: ApiUser) -> ImportResult:
    """Declare products from CSV text (vendor,product,version[,system]): all lines or none; errors name the line."""
    return products.import_csv(session, who, organisation_id, body.csv)


@router.delete("/{organisation_id}/products/{product_id}", status_code=204)
def remove_product(organisation_id: int, product_id: int, session: Session, who: ApiUser) -> Response:
    """Withdraw a declared product."""
    products.remove(session, who, organisation_id, product_id)
    return Response(status_code=204)
