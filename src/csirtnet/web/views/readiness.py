"""Pages of readiness: a member's yearly records (kept by its admins), the records a cluster lead
or the coordinator may read, and the coverage table with its gaps and CSV export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import cluster as cluster_authz
from csirtnet.cluster import files
from csirtnet.cluster import reads as cluster_reads
from csirtnet.cluster.readiness import coverage, service
from csirtnet.cluster.readiness import reads as readiness_reads
from csirtnet.cluster.readiness.schemas import DrillIn, EvidenceAdd, ReadinessUpdate
from csirtnet.errors import ValidationFailed
from csirtnet.i18n import N_
from csirtnet.models import ReadinessCriterion
from csirtnet.organisation import reads as organisation_reads
from csirtnet.web.forms import FormErrors, attempt, parse
from csirtnet.web.render import render, request_language
from csirtnet.web.views.clusters import common, done, store_files

router = APIRouter(include_in_schema=False)
DRILL_ROWS = 3  # empty rows offered for new drills


@router.get("/readiness")
def readiness_index(request: Request, session: Session, who: PageUser) -> Response:
    year = cluster_authz.today().year
    own = organisation_reads.own(session, who)
    rows = readiness_reads.records(session, who)
    return render(
        request,
        "clusters/readiness.html",
        {
            **common(request),
            "year": year,
            "own": own,
            "records": service.summaries(session, rows),
            "coverage": cluster_authz.can_see_coverage(session, who),
        },
    )


def _record_page(
    request: Request,
    session: DbSession,
    who: Subject,
    organisation_id: int,
    year: int,
    errors: dict[str, FormErrors] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    if year < 2000 or year > 2100:
        raise ValidationFailed("year", "must be between 2000 and 2100")
    record = service.read(session, who, organisation_id, year)
    return render(
        request,
        "clusters/readiness_record.html",
        {
            **common(request),
            "r": record,
            "years": list(range(cluster_authz.today().year, cluster_authz.today().year - 6, -1)),
            "criteria": [c.value for c in ReadinessCriterion],
            "drill_rows": DRILL_ROWS,
            "errors": errors or {},
            "values": values,
        },
        status_code=status,
    )


@router.get("/readiness/coverage")
def coverage_page(request: Request, session: Session, who: PageUser) -> Response:
    params = request.query_params
    today = cluster_authz.today()
    year = int(params["year"]) if params.get("year", "").isdigit() else today.year
    group_by = params.get("group_by") or "cluster"
    cluster_raw = params.get("cluster_id", "")
    cluster_id = int(cluster_raw) if cluster_raw.isdigit() else None
    report = coverage.coverage(session, who, year, group_by, cluster_id)
    allowed = cluster_authz.coverage_cluster_ids(session, who)
    clusters = cluster_reads.clusters_among(session, allowed)
    return render(
        request,
        "clusters/coverage.html",
        {
            **common(request),
            "report": report,
            "year": year,
            "group_by": group_by,
            "cluster_id": cluster_id,
            "clusters": clusters,
            "years": list(range(today.year, today.year - 6, -1)),
        },
    )


@router.get("/readiness/coverage.csv")
def coverage_csv(request: Request, session: Session, who: PageUser) -> Response:
    params = request.query_params
    year = int(params["year"]) if params.get("year", "").isdigit() else cluster_authz.today().year
    group_by = params.get("group_by") or "cluster"
    kind = params.get("kind") or "coverage"
    cluster_raw = params.get("cluster_id", "")
    report = coverage.coverage(session, who, year, group_by, int(cluster_raw) if cluster_raw.isdigit() else None)
    text = coverage.to_csv(report, request_language(request), kind)
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="readiness-{kind}-{year}-{group_by}.csv"'},
    )


@router.get("/readiness/{organisation_id}/{year}")
def record_page(organisation_id: int, year: int, request: Request, session: Session, who: PageUser) -> Response:
    return _record_page(request, session, who, organisation_id, year)


def _drills(form_rows: list[dict[str, str]], errors: FormErrors) -> list[DrillIn]:
    drills: list[DrillIn] = []
    for index, row in enumerate(r for r in form_rows if any(v.strip() for v in r.values())):
        row_errors: FormErrors = {}
        cleaned = {k: v for k, v in row.items() if v.strip()}
        drill = parse(DrillIn, row_errors, **cleaned)
        for name, message in row_errors.items():
            errors.setdefault(f"drills.{index}.{name}", message)
        if drill is not None:
            drills.append(drill)
    return drills


@router.post("/readiness/{organisation_id}/{year}")
def record_save(
    organisation_id: int,
    year: int,
    request: Request,
    session: Session,
    who: PageUser,
    antimalware_deployed: Annotated[bool, Form()] = False,
    antimalware_connected: Annotated[bool, Form()] = False,
    antimalware_connected_on: Annotated[str, Form(max_length=10)] = "",
    backup_plan: Annotated[bool, Form()] = False,
    last_restore_test_on: Annotated[str, Form(max_length=10)] = "",
    ir_team: Annotated[bool, Form()] = False,
    ir_contact_24x7: Annotated[str, Form(max_length=200)] = "",
    systems_inventory: Annotated[bool, Form()] = False,
    systems_approved_count: Annotated[str, Form(max_length=7)] = "",
    statement: Annotated[str, Form(max_length=10_000)] = "",
    drill_name: Annotated[list[str] | None, Form()] = None,
    drill_held_on: Annotated[list[str] | None, Form()] = None,
    drill_result: Annotated[list[str] | None, Form()] = None,
    drill_rank: Annotated[list[str] | None, Form()] = None,
    drill_participants: Annotated[list[str] | None, Form()] = None,
) -> Response:
    columns = [drill_name or [], drill_held_on or [], drill_result or [], drill_rank or [], drill_participants or []]
    width = max(len(c) for c in columns)
    rows = [
        {
            key: (column[i] if i < len(column) else "")
            for key, column in zip(("name", "held_on", "result", "rank", "participants"), columns, strict=True)
        }
        for i in range(width)
    ]
    values: dict[str, Any] = {
        "antimalware_deployed": antimalware_deployed,
        "antimalware_connected": antimalware_connected,
        "antimalware_connected_on": antimalware_connected_on or None,
        "backup_plan": backup_plan,
        "last_restore_test_on": last_restore_test_on or None,
        "ir_team": ir_team,
        "ir_contact_24x7": ir_contact_24x7 or None,
        "systems_inventory": systems_inventory,
        "systems_approved_count": systems_approved_count or None,
        "statement": statement or None,
    }
    errors: FormErrors = {}
    drills = _drills(rows, errors)
    data = parse(ReadinessUpdate, errors, **values, drills=[d.model_dump() for d in drills])
    if (
        errors
        or data is None
        or attempt(session, errors, lambda: service.save(session, who, organisation_id, year, data)) is None
    ):
        return _record_page(
            request, session, who, organisation_id, year, {"record": errors}, {**values, "drill_rows": rows}, 422
        )
    return done(request, f"/readiness/{organisation_id}/{year}", N_("The readiness record was saved."))


@router.post("/readiness/{organisation_id}/{year}/evidence")
def evidence_add(
    organisation_id: int,
    year: int,
    request: Request,
    session: Session,
    who: PageUser,
    criterion: Annotated[str, Form(max_length=20)] = "",
    dated_on: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=300)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    errors: FormErrors = {}
    if file is None or not file.filename:
        errors["file"] = N_("Choose a file.")
        return _record_page(request, session, who, organisation_id, year, {"evidence": errors}, None, 422)
    upload = file

    def change() -> object:
        (file_id,) = store_files(session, who, [upload])
        data = EvidenceAdd.model_validate(
            {"criterion": criterion, "file_id": file_id, "dated_on": dated_on or None, "note": note or None}
        )
        return service.add_evidence(session, who, organisation_id, year, data)

    try:
        result = attempt(session, errors, change)
    except ValueError:
        errors.setdefault("criterion", N_("Choose one of the offered values."))
        result = None
    if result is None:
        return _record_page(request, session, who, organisation_id, year, {"evidence": errors}, None, 422)
    return done(request, f"/readiness/{organisation_id}/{year}#evidence", N_("The evidence was added."))


@router.post("/readiness/{organisation_id}/{year}/evidence/{evidence_id}/delete")
def evidence_remove(
    organisation_id: int, year: int, evidence_id: int, request: Request, session: Session, who: PageUser
) -> Response:
    service.remove_evidence(session, who, organisation_id, year, evidence_id)
    return done(request, f"/readiness/{organisation_id}/{year}#evidence", N_("The evidence was removed."))


@router.get("/readiness/{organisation_id}/{year}/evidence/{evidence_id}/file")
def evidence_file(
    organisation_id: int, year: int, evidence_id: int, session: Session, who: PageUser
) -> StreamingResponse:
    return files.download(service.evidence_file(session, who, organisation_id, year, evidence_id))
