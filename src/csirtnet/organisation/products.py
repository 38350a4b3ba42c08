"""The products a member declares it runs (vendor, product, version, and the information system they
run in), which advisories are matched against (advisory.products.likely_affected: "which
recipients are likely affected").

They are part of the full profile and follow the information systems' rules: the profile's
readers read them (authz.organisation.profile_visible), the organisation's admins and the
coordinator change them (service.get_managed, authz.can_manage_organisation); another
organisation's look absent. Every change writes its audit record in the caller's transaction.

A declared version is one version as its vendor writes it ("10.2.7", "13.1-49.13", "7.0 SP1"),
never a range or a series: advisories name the ranges. Left empty, the version is unknown and
the member counts as likely affected by every advisory on the product.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.advisory.products import is_known
from csirtnet.authz import Subject, require
from csirtnet.authz.organisation import profile_organisation_ids, profile_visible
from csirtnet.authz.permissions import Permission
from csirtnet.errors import Conflict, ErrorList, FieldError, NotFound, ValidationFailed
from csirtnet.kit.csvfile import read_table
from csirtnet.kit.pagination import paginate_keyset
from csirtnet.kit.schemas import InputSchema
from csirtnet.models import DeclaredProduct, InformationSystem, Organisation
from csirtnet.models.declared_product import product_key
from csirtnet.organisation import service

IMPORT_COLUMNS = ("vendor", "product", "version", "system")
MAX_IMPORT_ROWS = 1000
# The keyset of a list of products: by vendor, then product, then when declared.
ORDER = (DeclaredProduct.vendor_key, DeclaredProduct.product_key, DeclaredProduct.id)

# A range or a series in place of one version: comparison signs, wildcards, lists, "1.0 - 1.4",
# "2.4.x". "13.1-49.13" (no spaces around the dash) is one version.
_RANGE = re.compile(r"[<>=*,;|]|\s[-\u2013\u2014]\s|\d[.\-_ ][xX]$")


def check_version(text: str) -> str | None:
    """The version with its spaces tidied (None when empty), or ValueError saying what is wrong."""
    version = " ".join(text.split())
    if not version:
        return None
    if _RANGE.search(version):
        raise ValueError("Give one version, not a range or a series (for example 10.2.7 or 13.1-49.13).")
    if not is_known(version):
        # advisory.products counts a version without a digit as unknown: every advisory would match
        raise ValueError(
            "A version holds a number (for example 10.2.7 or 13.1-49.13); leave it empty when it is not known."
        )
    return version


class ProductCreate(InputSchema):
    vendor: str = Field(min_length=1, max_length=200, description="Who makes it, e.g. Palo Alto Networks")
    product: str = Field(min_length=1, max_length=200, description="The product's name, e.g. PAN-OS")
    version: str | None = Field(
        default=None,
        max_length=100,
        description="One version as the vendor writes it (10.2.7, 13.1-49.13); empty when not known",
    )
    information_system_id: int | None = Field(default=None, description="One of the organisation's information systems")

    @field_validator("vendor", "product", "version", mode="before")
    @classmethod
    def _trimmed(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("vendor", "product")
    @classmethod
    def _names_something(cls, value: str) -> str:
        if not product_key(value).replace(" ", ""):
            raise ValueError("Write a name with letters or digits.")
        return value

    @field_validator("version")
    @classmethod
    def _one_version(cls, value: str | None) -> str | None:
        return None if value is None else check_version(value)


class ProductRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation_id: int
    vendor: str
    product: str
    version: str | None
    information_system_id: int | None
    information_system_name: str | None = None


class ProductImport(InputSchema):
    csv: str = Field(
        min_length=1,
        max_length=500_000,
        description="CSV text with a header line: vendor,product,version[,system]; system is an information "
        "system's name. All lines are added, or none.",
    )


class ImportResult(BaseModel):
    added: int
    unchanged: int = Field(description="Lines already declared")


# -- reading -----------------------------------------------------------------------------------


def declared(session: Session, who: Subject, organisation_id: int) -> Select[DeclaredProduct]:
    """The organisation's declared products, for those who read its full profile (others: none)."""
    require(who, Permission.ORGANISATIONS_READ)
    query = select(DeclaredProduct).where(DeclaredProduct.organisation_id == organisation_id)
    visible = profile_organisation_ids(session, who)
    if visible is not None:
        query = query.where(DeclaredProduct.organisation_id.in_(visible))
    return query.order_by(*ORDER)


def _readable(session: Session, who: Subject, organisation_id: int) -> Organisation:
    org = service.get(session, who, organisation_id)
    if not profile_visible(session, who, org.id):
        raise NotFound("organisation profile")
    return org


def reads(session: Session, rows: Sequence[DeclaredProduct]) -> list[ProductRead]:
    """The rows as read models, each with its information system's name."""
    system_ids = {r.information_system_id for r in rows if r.information_system_id is not None}
    names: dict[int, str] = {}
    if system_ids:
        query = select(InformationSystem.id, InformationSystem.name).where(InformationSystem.id.in_(system_ids))
        names = {system_id: name for system_id, name in session.execute(query)}
    return [
        ProductRead.model_validate(r).model_copy(
            update={"information_system_name": names.get(r.information_system_id or 0)}
        )
        for r in rows
    ]


def products_of(session: Session, who: Subject, organisation_id: int) -> list[ProductRead]:
    """Every product the organisation declared, by vendor and product (the profile page)."""
    org = _readable(session, who, organisation_id)
    return reads(session, session.scalars(declared(session, who, org.id)).all())


def products_page(
    session: Session, who: Subject, organisation_id: int, *, limit: int, cursor: str | None
) -> tuple[list[ProductRead], str | None]:
    """One page of the organisation's declared products, by vendor and product."""
    org = _readable(session, who, organisation_id)
    rows, next_cursor = paginate_keyset(session, declared(session, who, org.id), ORDER, limit=limit, cursor=cursor)
    return reads(session, rows), next_cursor


# -- changing ----------------------------------------------------------------------------------


def _check_system(session: Session, organisation_id: int, system_id: int | None) -> None:
    if system_id is None:
        return
    system = session.get(InformationSystem, system_id)
    if system is None or system.organisation_id != organisation_id:
        raise ValidationFailed("information_system_id", "Choose one of this member's information systems.")


# What makes two declarations the same: vendor and product by their matching keys, the version
# (case aside) and the system.
Key = tuple[str, str, str, int | None]


def _key(vendor: str, product: str, version: str | None, system_id: int | None) -> Key:
    return (product_key(vendor), product_key(product), (version or "").lower(), system_id)


def _key_of(data: ProductCreate) -> Key:
    return _key(data.vendor, data.product, data.version, data.information_system_id)


def _declared_keys(session: Session, organisation_id: int) -> set[Key]:
    dp = DeclaredProduct
    query = select(dp.vendor, dp.product, dp.version, dp.information_system_id).where(
        dp.organisation_id == organisation_id
    )
    return {_key(*row) for row in session.execute(query)}


def _summary(row: DeclaredProduct) -> dict[str, Any]:
    return {
        "vendor": row.vendor,
        "product": row.product,
        "version": row.version,
        "information_system_id": row.information_system_id,
    }


def add(session: Session, who: Subject, organisation_id: int, data: ProductCreate) -> DeclaredProduct:
    """Declare a product the organisation runs; the same product, version and system twice is refused."""
    org = service.get_managed(session, who, organisation_id)
    _check_system(session, org.id, data.information_system_id)
    if _key_of(data) in _declared_keys(session, org.id):
        raise Conflict(
            "This product is already declared",
            errors=[FieldError("product", "This product is already declared in this version.")],
        )
    row = DeclaredProduct(organisation_id=org.id, **data.model_dump())
    session.add(row)
    session.flush()
    audit.record(session, who, "organisation.product_declared", row, **_summary(row))
    return row


def remove(session: Session, who: Subject, organisation_id: int, product_id: int) -> None:
    """Withdraw a declared product."""
    org = service.get_managed(session, who, organisation_id)
    row = session.get(DeclaredProduct, product_id)
    if row is None or row.organisation_id != org.id:
        raise NotFound("declared product")
    audit.record(session, who, "organisation.product_removed", row, **_summary(row))
    session.delete(row)


def _row_errors(line: int, exc: ValidationError, errors: ErrorList) -> None:
    """The schema's errors on one line, said as the import says them (the CSV's column names)."""
    for error in exc.errors():
        loc = error.get("loc", ())
        column = {"information_system_id": "system"}.get(str(loc[0]), str(loc[0])) if loc else "file"
        kind, ctx = error.get("type", ""), error.get("ctx") or {}
        if kind == "string_too_long":
            message = f"longer than {ctx.get('max_length')} characters"
        elif kind in ("string_too_short", "missing"):
            message = "required"
        else:
            message = str(error.get("msg", "not valid")).removeprefix("Value error, ")
        errors.add(f"line {line}: {column}", message)


def import_csv(session: Session, who: Subject, organisation_id: int, text: str) -> ImportResult:
    """Declare the products of a CSV text (vendor,product,version[,system]): every line or, when
    any line is wrong, none; the errors name their line. Lines already declared are left as they are."""
    org = service.get_managed(session, who, organisation_id)
    table = read_table(
        text.encode("utf-8"), columns=IMPORT_COLUMNS, required=("vendor", "product"), max_rows=MAX_IMPORT_ROWS
    )
    errors = ErrorList()
    for problem in table.problems:
        errors.add(f"line {problem.line}: {problem.column}", problem.message)
    errors.raise_if_any()
    systems = {
        " ".join(s.name.lower().split()): s.id
        for s in session.scalars(select(InformationSystem).where(InformationSystem.organisation_id == org.id))
    }
    wanted: list[ProductCreate] = []
    for line in table.rows:
        system_name = line.values.get("system", "")
        system_id = systems.get(" ".join(system_name.lower().split())) if system_name else None
        if system_name and system_id is None:
            errors.add(f"line {line.line}: system", "no information system of this member has this name")
        try:
            wanted.append(
                ProductCreate(
                    vendor=line.values["vendor"],
                    product=line.values["product"],
                    version=line.values.get("version") or None,
                    information_system_id=system_id,
                )
            )
        except ValidationError as exc:
            _row_errors(line.line, exc, errors)
    if not table.rows:
        errors.add("line 2: file", "no product to declare")
    errors.raise_if_any()
    existing = _declared_keys(session, org.id)
    added: list[DeclaredProduct] = []
    unchanged = 0
    for data in wanted:
        if _key_of(data) in existing:
            unchanged += 1
            continue
        existing.add(_key_of(data))
        row = DeclaredProduct(organisation_id=org.id, **data.model_dump())
        session.add(row)
        added.append(row)
    session.flush()
    if added:
        audit.record(
            session,
            who,
            "organisation.products_imported",
            org,
            organisation_id=org.id,
            added=[{"id": row.id, **_summary(row)} for row in added],
            unchanged=unchanged,
        )
    return ImportResult(added=len(added), unchanged=unchanged)
