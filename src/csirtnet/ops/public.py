"""The public operations routes: liveness and readiness probes carry no data; the OpenAPI document
describes the API (no data) for clients and code generators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    """Liveness probe."""
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: the database answers and its schema is current")
def readyz(request: Request) -> JSONResponse:
    """Readiness probe: database reachable and migrated to the code's revision."""
    from csirtnet.migrate import current_revision, head_revision

    database = request.app.state.database
    checks: dict[str, str] = {}
    ok = True
    try:
        with database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            revision = current_revision(conn)
        checks["database"] = "ok"
        head = head_revision()
        checks["schema"] = "ok" if revision == head else f"at {revision}, code expects {head}"
        ok = revision == head
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"unreachable: {type(exc).__name__}"
        ok = False
    return JSONResponse({"status": "ready" if ok else "not ready", "checks": checks}, status_code=200 if ok else 503)


@router.get("/api/v1/openapi.json", include_in_schema=False)
def openapi_document(request: Request) -> JSONResponse:
    """The published OpenAPI document of the JSON API."""
    return JSONResponse(request.app.openapi())
