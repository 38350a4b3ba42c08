"""Bulk import of organisations, contacts, constituency and cluster membership from one CSV file.

The file is read by the one CSV reader (`kit.csvfile`: unterminated quotes, rows whose cell count
differs from the header, duplicate, unknown or missing columns, bad encoding and NUL bytes are
errors with their line), then every row is validated with the API's schemas (OrganisationUpdate,
ContactCreate) and every bad row is reported with its line number, the column and the reason.
Nothing is applied unless the file is clean, or the caller asks for `apply_valid`, which applies
exactly the rows that passed (a row that depends on a bad organisation row fails too); a
malformed file is never applied, not even in part, since its rows cannot be trusted. Everything
happens in the caller's one transaction; each organisation touched gets an audit record, and the
import as a whole one more.

Columns (docs/members.md): record, member_code, name, name_en, short_name, kind, sector,
province, owner_agency, address, website, incident_email, incident_phone, contact_role,
full_name, position, email, phone, value, cluster, joined_on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject, require
from csirtnet.authz import organisation as organisation_authz
from csirtnet.authz.permissions import Permission
from csirtnet.kit.csvfile import read_table
from csirtnet.kit.text import fold
from csirtnet.kit.time import utcnow
from csirtnet.models import Cluster, ClusterMember, ConstituencyClaim, Organisation, OrganisationContact
from csirtnet.models.organisation import OrganisationKind
from csirtnet.organisation.claims import ClaimError, ParsedClaim, parse_claim
from csirtnet.organisation.schemas import PROFILE_FIELDS, ContactCreate, OrganisationUpdate

# An organisation row sets the profile's particulars (PROFILE_FIELDS); docs/members.md lists them.
ORG_FIELDS = PROFILE_FIELDS
COLUMNS = [
    "record",
    "member_code",
    *ORG_FIELDS,
    "contact_role",
    "full_name",
    "position",
    "email",
    "phone",
    "value",
    "cluster",
    "joined_on",
]
RECORDS = ("organisation", "contact", "constituency", "cluster")
_CODE = re.compile(r"^[A-Za-z0-9._-]{1,40}$")
MAX_ROWS = 200_000


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class Op:
    line: int
    record: str
    member_code: str
    values: dict[str, Any]


@dataclass
class ImportReport:
    rows: int = 0
    valid: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False
    organisations_created: int = 0
    organisations_updated: int = 0
    contacts_added: int = 0
    claims_added: int = 0
    cluster_memberships_added: int = 0
    unchanged: int = 0
    overlaps: int = 0
    malformed: bool = False  # the file itself is broken: nothing is applied, not even --apply-valid

    @property
    def clean(self) -> bool:
        return not self.errors


def read_rows(data: bytes, report: ImportReport) -> list[tuple[int, dict[str, str]]]:
    """Read the file through the one CSV reader (kit.csvfile): every malformed line is an error
    with its line number, and a malformed file gives no rows at all."""
    table = read_table(
        data, columns=COLUMNS, required=("record", "member_code"), max_rows=MAX_ROWS, multiline=("address",)
    )
    report.errors.extend(RowError(p.line, p.column, p.message) for p in table.problems)
    report.malformed = not table.ok
    if report.malformed:
        return []
    return [(row.line, row.values) for row in table.rows]


def _schema_errors(exc: ValidationError, errs: list[tuple[str, str]], names: dict[str, str] | None = None) -> None:
    """The API schema's errors, one per field, said as the import says them."""
    for error in exc.errors():
        loc = error.get("loc", ())
        name = str(loc[0]) if loc else "file"
        name = (names or {}).get(name, name)
        ctx = error.get("ctx") or {}
        kind = error.get("type", "")
        if kind == "string_too_long":
            message = f"longer than {ctx.get('max_length')} characters"
        elif kind == "string_too_short":
            message = "required" if not error.get("input") else f"shorter than {ctx.get('min_length')} characters"
        elif kind == "enum":
            message = "one of " + str(ctx.get("expected", "")).replace("'", "")
        elif kind == "string_pattern_mismatch" and "0-9+()" in str(ctx.get("pattern", "")):
            message = "not a phone number"
        elif kind == "string_pattern_mismatch":
            message = "use only letters, digits, dots, dashes and underscores"
        elif kind == "value_error" and "email" in str(error.get("msg", "")).lower():
            message = "not a valid email address"
        else:
            message = str(error.get("msg", "not valid"))
        errs.append((name, message))


def _check_org(row: dict[str, str], exists: bool, errs: list[tuple[str, str]]) -> dict[str, Any]:
    """An organisation row, validated by the API's OrganisationUpdate (a new one needs a name)."""
    values: dict[str, Any] = {name: row[name] for name in ORG_FIELDS if row.get(name)}
    if not exists and "name" not in values:
        errs.append(("name", "required for a new organisation"))
    try:
        checked = OrganisationUpdate.model_validate(values)
    except ValidationError as exc:
        _schema_errors(exc, errs)
        return values
    out: dict[str, Any] = {}
    for name in values:
        value = getattr(checked, name)
        if name == "kind":
            value = value.value
        elif name == "incident_email":
            value = value.lower()
        out[name] = value
    if out.get("kind") == OrganisationKind.COORDINATOR.value:
        errs.append(("kind", "the coordinator is not imported"))
    return out


def _check_contact(row: dict[str, str], errs: list[tuple[str, str]]) -> dict[str, Any]:
    """A contact row, validated by the API's ContactCreate (a contact needs an email or a phone)."""
    values = {
        "role": row.get("contact_role", ""),
        "full_name": row.get("full_name", ""),
        "position": row.get("position") or None,
        "email": row.get("email") or None,
        "phone": row.get("phone") or None,
    }
    if not values["email"] and not values["phone"]:
        errs.append(("email", "give an email or a phone"))
    try:
        checked = ContactCreate.model_validate(values)
    except ValidationError as exc:
        _schema_errors(exc, errs, {"role": "contact_role"})
        return values
    return {
        "role": checked.role.value,
        "full_name": checked.full_name,
        "position": checked.position,
        "email": checked.email.lower() if checked.email else None,
        "phone": checked.phone,
    }


def _cluster_index(session: Session) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in session.scalars(select(Cluster)):
        out[fold(c.name)] = c.id
        if c.name_en:
            out[fold(c.name_en)] = c.id
        if c.number is not None:
            out[str(c.number)] = c.id
    return out


def check(session: Session, data: bytes) -> tuple[ImportReport, list[Op]]:
    """Check every row; return the report (errors with line numbers) and the valid operations."""
    report = ImportReport()
    rows = read_rows(data, report)
    report.rows = len(rows)
    codes_in_db = set(session.scalars(select(Organisation.member_code).where(Organisation.member_code.is_not(None))))
    coordinator_codes = set(
        session.scalars(select(Organisation.member_code).where(Organisation.is_coordinator.is_(True)))
    )
    clusters = _cluster_index(session)
    org_lines: dict[str, int] = {}
    bad_org_codes: set[str] = set()
    claim_lines: dict[tuple[str, str, str], int] = {}
    ops: list[Op] = []
    # Organisation rows first: other rows may depend on them wherever they sit in the file.
    ordered = sorted(rows, key=lambda r: (r[1].get("record", "").lower() != "organisation", r[0]))
    for line, row in ordered:
        errs: list[tuple[str, str]] = []
        record = row.get("record", "").lower()
        code = row.get("member_code", "")
        if record not in RECORDS:
            errs.append(("record", f"one of {', '.join(RECORDS)}"))
        if not _CODE.match(code):
            errs.append(("member_code", "required: letters, digits, dots, dashes, underscores"))
        elif code in coordinator_codes:
            errs.append(("member_code", "the coordinator is not imported"))
        values: dict[str, Any] = {}
        if record == "organisation":
            if code in org_lines:
                errs.append(("member_code", f"the organisation is already on line {org_lines[code]}"))
            values = _check_org(row, code in codes_in_db, errs)
            if errs:
                bad_org_codes.add(code)
            else:
                org_lines[code] = line
        elif (
            record in ("contact", "constituency", "cluster")
            and _CODE.match(code)
            and code not in codes_in_db
            and code not in org_lines
        ):
            why = (
                "its organisation row has errors"
                if code in bad_org_codes
                else "no such organisation in the database or in an organisation row of this file"
            )
            errs.append(("member_code", why))
        if record == "contact":
            values = _check_contact(row, errs)
        elif record == "constituency":
            try:
                parsed = parse_claim(row.get("value", ""))
            except ClaimError as exc:
                errs.append(("value", str(exc)))
            else:
                key = (code, parsed.kind.value, parsed.value)
                if key in claim_lines:
                    errs.append(("value", f"the same claim is already on line {claim_lines[key]}"))
                else:
                    claim_lines[key] = line
                values = {"parsed": parsed}
        elif record == "cluster":
            cluster_id = clusters.get(fold(row.get("cluster", "")))
            if cluster_id is None:
                errs.append(("cluster", "no such cluster (give its number or name)"))
            joined = utcnow().date()
            if row.get("joined_on"):
                try:
                    joined = date.fromisoformat(row["joined_on"])
                except ValueError:
                    errs.append(("joined_on", "use YYYY-MM-DD"))
            values = {"cluster_id": cluster_id, "joined_on": joined}
        if errs:
            report.errors.extend(RowError(line, f, m) for f, m in errs)
        else:
            ops.append(Op(line, record, code, values))
    report.errors.sort(key=lambda e: (e.line, e.field))
    ops.sort(key=lambda op: (RECORDS.index(op.record), op.line))
    report.valid = len(ops)
    return report, ops


def run(session: Session, who: Subject, data: bytes, *, apply_valid: bool = False) -> ImportReport:
    """Check the file, then apply all of it (clean file) or only its valid rows (`apply_valid`)."""
    require(who, Permission.ORGANISATIONS_IMPORT)
    organisation_authz.require_import_members(who)
    report, ops = check(session, data)
    if (report.errors and not apply_valid) or report.malformed or not ops:
        return report
    _apply(session, who, ops, report)
    report.applied = True
    return report


def _apply(session: Session, who: Subject, ops: list[Op], report: ImportReport) -> None:
    orgs = {
        o.member_code: o
        for o in session.scalars(
            select(Organisation).where(Organisation.member_code.in_({op.member_code for op in ops}))
        )
    }
    touched: dict[str, dict[str, Any]] = {}
    new_claims: list[ConstituencyClaim] = []

    def note(code: str, key: str, value: Any = 1) -> None:
        entry = touched.setdefault(code, {})
        entry[key] = entry.get(key, 0) + value if isinstance(value, int) else value

    for op in ops:
        if op.record == "organisation":
            org = orgs.get(op.member_code)
            if org is None:
                org = Organisation(member_code=op.member_code, **op.values)
                session.add(org)
                orgs[op.member_code] = org
                report.organisations_created += 1
                note(op.member_code, "created", True)
            else:
                changes = {k: v for k, v in op.values.items() if getattr(org, k) != v}
                for k, v in changes.items():
                    setattr(org, k, v)
                if changes:
                    report.organisations_updated += 1
                    note(op.member_code, "changed", sorted(changes))
                else:
                    report.unchanged += 1
    session.flush()
    existing_contacts = {
        (c.organisation_id, c.role, fold(c.full_name), c.email or "", c.phone or "")
        for c in session.scalars(
            select(OrganisationContact).where(OrganisationContact.organisation_id.in_([o.id for o in orgs.values()]))
        )
    }
    existing_claims = {
        (c.organisation_id, c.kind, c.value)
        for c in session.scalars(
            select(ConstituencyClaim).where(ConstituencyClaim.organisation_id.in_([o.id for o in orgs.values()]))
        )
    }
    existing_members = {
        (m.cluster_id, m.organisation_id)
        for m in session.scalars(select(ClusterMember).where(ClusterMember.left_on.is_(None)))
    }
    for op in ops:
        org = orgs[op.member_code]
        if op.record == "contact":
            v = op.values
            key = (org.id, v["role"], fold(v["full_name"]), v["email"] or "", v["phone"] or "")
            if key in existing_contacts:
                report.unchanged += 1
                continue
            existing_contacts.add(key)
            session.add(OrganisationContact(organisation_id=org.id, **v))
            report.contacts_added += 1
            note(op.member_code, "contacts")
        elif op.record == "constituency":
            parsed: ParsedClaim = op.values["parsed"]
            if (org.id, parsed.kind.value, parsed.value) in existing_claims:
                report.unchanged += 1
                continue
            claim = ConstituencyClaim(
                organisation_id=org.id,
                kind=parsed.kind.value,
                value=parsed.value,
                prefix_len=parsed.prefix_len,
                range_start=parsed.range_start,
                range_end=parsed.range_end,
                note="imported",
            )
            session.add(claim)
            new_claims.append(claim)
            report.claims_added += 1
            note(op.member_code, "claims")
        elif op.record == "cluster":
            key2 = (op.values["cluster_id"], org.id)
            if key2 in existing_members:
                report.unchanged += 1
                continue
            existing_members.add(key2)
            session.add(ClusterMember(cluster_id=key2[0], organisation_id=org.id, joined_on=op.values["joined_on"]))
            report.cluster_memberships_added += 1
            note(op.member_code, "clusters")
    session.flush()
    for code, summary in touched.items():
        org = orgs[code]
        action = "organisation.created" if summary.pop("created", False) else "organisation.imported"
        audit.record(session, who, action, org, organisation_id=org.id, name=org.name, source="csv", **summary)
    if new_claims:
        from csirtnet.organisation.constituency import coordinators, find_overlaps
        from csirtnet.organisation.repository import all_claims_for_overlaps

        new_ids = {c.id for c in new_claims}
        found = [
            o
            for o in find_overlaps(list(session.scalars(all_claims_for_overlaps(who))))
            if o.broader.id in new_ids or o.narrower.id in new_ids
        ]
        report.overlaps = len(found)
        if found:
            from csirtnet.notification.service import notify
            from csirtnet.organisation import events

            notify(
                session,
                events.CONSTITUENCY_CONFLICT.key,
                coordinators(session),
                {"value": f"{len(found)} (import)", "claim_id": found[0].narrower.id},
                link="/members/constituency/conflicts",
                guard=None,
            )
    audit.record(
        session,
        who,
        "organisation.import_applied",
        ("import", None),
        rows=report.rows,
        applied_rows=report.valid,
        rejected_rows=len({e.line for e in report.errors}),
        organisations_created=report.organisations_created,
        organisations_updated=report.organisations_updated,
        contacts_added=report.contacts_added,
        claims_added=report.claims_added,
        cluster_memberships_added=report.cluster_memberships_added,
    )
