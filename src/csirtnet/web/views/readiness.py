"""Pages of readiness: a member's yearly records (kept by its admins), the records a cluster lead
or the coordinator may read, and the coverage table with its gaps and CSV export."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import ValidationError
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
from csirtnet.exercise.results import reads as exercise_results
from csirtnet.i18n import N_
from csirtnet.organisation import reads as organisation_reads
from csirtnet.web.forms import BoundForm, pydantic_message
from csirtnet.web.render import render, request_language
from csirtnet.web.views import cluster_forms as cf
from csirtnet.web.views.clusters import close_uploads, common, done, store_files

router = APIRouter(include_in_schema=False)
DRILL_ROWS = 3  # empty rows offered for new drills
ROW_PROBLEM = N_("Row %(row)s: %(problem)s")


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
    bound: BoundForm | None = None,
    *,
    drill_errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    if year < 2000 or year > 2100:
        raise ValidationFailed("year", "must be between 2000 and 2100")
    record = service.read(session, who, organisation_id, year)
    forms = {"record": _record_form(record), "evidence": cf.EVIDENCE.blank()}
    if bound is not None:
        forms["record" if bound.form is cf.READINESS else "evidence"] = bound
    rows = [row for row in _drill_rows(forms["record"]) if any(v.strip() for v in row.values())]
    return render(
        request,
        "clusters/readiness_record.html",
        {
            **common(request),
            "r": record,
            "years": list(range(cluster_authz.today().year, cluster_authz.today().year - 6, -1)),
            "drill_rows": rows + [{} for _ in range(DRILL_ROWS)],
            "drill_errors": drill_errors or {},
            "forms": forms,
            "exercise_items": exercise_results.readiness_view(
                session, who, organisation_id, year, request_language(request)
            ),
        },
        status_code=status,
    )


def _record_form(record: Any) -> BoundForm:
    """The record as its form first shows it (the drills as one list per column)."""
    initial: dict[str, Any] = {
        name: getattr(record, name)
        for name in cf.READINESS.fields
        if name not in cf.DRILL_COLUMNS and hasattr(record, name)
    }
    for name, column in cf.DRILL_COLUMNS.items():
        initial[name] = ["" if getattr(d, column, None) is None else str(getattr(d, column)) for d in record.drills]
    return cf.READINESS.blank(initial)


@router.get("/readiness/coverage")
def coverage_page(request: Request, session: Session, who: PageUser) -> Response:
    today = cluster_authz.today()
    form = cf.from_query(cf.COVERAGE_FILTERS, request.query_params)
    if not request.query_params.get("year"):
        form.raw["year"] = str(today.year)
    form.raw["group_by"] = form.text("group_by") or "cluster"
    year, group_by, cluster = form.text("year"), form.text("group_by"), form.text("cluster_id")
    if not year.isdigit():
        form.fail("year", N_("Enter a whole number."))
    if cluster and not cluster.isdigit():
        form.fail("cluster_id", N_("Choose one of the offered values."))
    report = form.attempt(
        session,
        lambda: coverage.coverage(session, who, int(year), group_by, int(cluster) if cluster else None),
    )
    if report is None:  # the filters are refused: the page as it first opens, the errors at the filters
        report = coverage.coverage(session, who, today.year, "cluster", None)
    allowed = cluster_authz.coverage_cluster_ids(session, who)
    clusters = cluster_reads.clusters_among(session, allowed)
    return render(
        request,
        "clusters/coverage.html",
        {
            **common(request),
            "report": report,
            "year": report.year,
            "group_by": report.group_by,
            "cluster_id": int(cluster) if form.ok and cluster else None,
            "cluster_choices": [(c.id, c.name) for c in clusters],
            "form": form,
        },
        status_code=200 if form.ok else 422,
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


def _drill_rows(form: BoundForm) -> list[dict[str, str]]:
    """The drills table as typed: one {column: value} per row (the columns are sent as lists)."""
    columns = {column: form.chosen(name) for name, column in cf.DRILL_COLUMNS.items()}
    width = max(len(values) for values in columns.values())
    return [{column: values[i] if i < len(values) else "" for column, values in columns.items()} for i in range(width)]


def _drills(form: BoundForm, cells: dict[str, str]) -> list[dict[str, Any]] | None:
    """The drill rows as `DrillIn` input (empty rows dropped); a row's error is put on its cell
    (`cells`, "row.column") and on its column's field, saying which row. None when any is wrong."""
    drills: list[dict[str, Any]] = []
    # Counted among the rows that hold something: the page shows those again, in that order.
    filled_rows = [row for row in _drill_rows(form) if any(v.strip() for v in row.values())]
    for index, typed in enumerate(filled_rows):
        row = {column: value.strip() for column, value in typed.items()}
        try:
            drills.append(DrillIn.model_validate({k: v for k, v in row.items() if v}).model_dump())
        except ValidationError as exc:
            for error in exc.errors():
                column = str((error.get("loc") or ("name",))[0])
                message = pydantic_message(error)
                cells.setdefault(f"{index}.{column}", message)
                name = next(n for n, c in cf.DRILL_COLUMNS.items() if c == column)
                form.fail(name, ROW_PROBLEM % {"row": index + 1, "problem": message})
    return None if cells else drills


@router.post("/readiness/{organisation_id}/{year}")
async def record_save(organisation_id: int, year: int, request: Request, session: Session, who: PageUser) -> Response:
    form = await cf.READINESS.read(request)
    cells: dict[str, str] = {}
    drills = _drills(form, cells)
    values = form.values(*(name for name in cf.READINESS.fields if name not in cf.DRILL_COLUMNS))
    data = form.validate(ReadinessUpdate, {**cf.filled(values), "drills": drills or []})
    if data is not None and drills is not None:
        form.attempt(session, lambda: service.save(session, who, organisation_id, year, data))
    if not form.ok:
        return _record_page(request, session, who, organisation_id, year, form, drill_errors=cells, status=422)
    return done(request, f"/readiness/{organisation_id}/{year}", N_("The readiness record was saved."))


@router.post("/readiness/{organisation_id}/{year}/evidence")
async def evidence_add(organisation_id: int, year: int, request: Request, session: Session, who: PageUser) -> Response:
    form = await cf.EVIDENCE.read(request)
    # The file is checked after the other fields, so one round names every problem.
    data = form.validate(EvidenceAdd, {**cf.filled(form.values()), "file_id": 0})
    uploads = form.uploads.get("file", [])

    def change() -> object:
        assert data is not None
        (file_id,) = store_files(session, who, uploads[:1])
        return service.add_evidence(session, who, organisation_id, year, data.model_copy(update={"file_id": file_id}))

    try:
        if data is not None:
            form.attempt(session, change)
    finally:
        await close_uploads(request)
    if not form.ok:
        return _record_page(request, session, who, organisation_id, year, form, status=422)
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
