"""Bad input never reaches the database unchecked (docs/adr/0019), checked from the code itself.

The request bodies are found from the API's routes, the update schemas from the subclasses of
`kit.schemas.UpdateSchema`, so a new route or a new schema is covered without a new line here:
- every body model (and every model nested in one) is an `InputSchema`, every PATCH body an
  `UpdateSchema`;
- every update field that is not `Clearable` answers null with a 422 naming it (on the schema and
  through the API, every PATCH route), and a `Clearable` field lands in a nullable column;
- every text field refuses control characters, naming itself;
- every text field that lands in a column accepts no more than the column holds;
- the three endpoints the outside fuzzing broke, a NUL byte, and 300-character Vietnamese names,
  through the API on both databases.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import types
from collections.abc import Iterator
from typing import Any, Union, get_args, get_origin

import annotated_types
import pytest
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

import csirtnet
from csirtnet import authz
from csirtnet import models as m
from csirtnet.app import API_MODULES, API_PREFIX
from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token
from csirtnet.kit.schemas import InputSchema, UpdateSchema
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user

# -- what the code declares --------------------------------------------------------------------------


def _import_schema_modules() -> None:
    for info in pkgutil.walk_packages(csirtnet.__path__, "csirtnet."):
        if info.name.rsplit(".", 1)[-1] in ("schemas", "endpoints") or info.name.endswith("_endpoints"):
            importlib.import_module(info.name)


def _subclasses(cls: type) -> set[type]:
    """The package's subclasses (not those tests declare for themselves)."""
    out: set[type] = set()
    for sub in cls.__subclasses__():
        out |= {sub, *_subclasses(sub)} if sub.__module__.startswith("csirtnet.") else _subclasses(sub)
    return out


_import_schema_modules()
INPUT_SCHEMAS = sorted(_subclasses(InputSchema) - {UpdateSchema}, key=lambda c: f"{c.__module__}.{c.__name__}")
UPDATE_SCHEMAS = sorted(_subclasses(UpdateSchema), key=lambda c: f"{c.__module__}.{c.__name__}")


def _api_routes() -> Iterator[tuple[str, str, Any]]:
    """(method, path, body annotation) of every API route that reads a body."""
    for module in API_MODULES:
        for ctx in iter_route_contexts(importlib.import_module(module).router.routes):
            body = getattr(ctx.original_route, "body_field", None)
            if body is None or not ctx.methods or ctx.path is None:
                continue
            for method in sorted(ctx.methods - {"HEAD", "OPTIONS"}):
                yield method, API_PREFIX + ctx.path, body.field_info.annotation


def _models_in(annotation: Any, seen: set[type] | None = None) -> set[type[BaseModel]]:
    """The pydantic models an annotation holds, nested ones included."""
    seen = set() if seen is None else seen
    found: set[type[BaseModel]] = set()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return found
        seen.add(annotation)
        found.add(annotation)
        for field in annotation.model_fields.values():
            found |= _models_in(field.annotation, seen)
        return found
    for arg in get_args(annotation):
        found |= _models_in(arg, seen)
    return found


def _multipart(model: type) -> bool:
    # FastAPI's own model of a multipart form (file uploads: CSV import, cluster files).
    return model.__module__.startswith("fastapi.")


API_ROUTES = list(_api_routes())


def test_the_routes_and_schemas_are_found() -> None:
    assert len(API_ROUTES) > 50
    assert len([r for r in API_ROUTES if r[0] == "PATCH"]) >= 12
    assert len(UPDATE_SCHEMAS) >= 12


def test_every_body_model_is_an_input_schema() -> None:
    wrong = sorted(
        f"{method} {path}: {model.__name__}"
        for method, path, annotation in API_ROUTES
        for model in _models_in(annotation)
        if not issubclass(model, InputSchema) and not _multipart(model)
    )
    assert not wrong, "request bodies must derive from kit.schemas.InputSchema:\n" + "\n".join(wrong)


def test_every_patch_body_is_an_update_schema() -> None:
    wrong = sorted(
        f"{path}: {annotation}"
        for method, path, annotation in API_ROUTES
        if method == "PATCH" and not (isinstance(annotation, type) and issubclass(annotation, UpdateSchema))
    )
    assert not wrong, "partial updates must derive from kit.schemas.UpdateSchema:\n" + "\n".join(wrong)


# -- null ------------------------------------------------------------------------------------------


def _update_fields(*, admitting_null: bool) -> list[tuple[type[UpdateSchema], str, str]]:
    return [
        (schema, name, field.alias or name)
        for schema in UPDATE_SCHEMAS
        for name, field in schema.model_fields.items()
        if schema.admits_null(name) == admitting_null
    ]


def _errors_at(exc: ValidationError | None, key: str) -> list[Any]:
    if exc is None:
        return []
    return [e for e in exc.errors() if e["loc"][:1] == (key,)]


def _validate(schema: type[BaseModel], body: dict[str, Any]) -> ValidationError | None:
    try:
        schema.model_validate(body)
    except ValidationError as exc:
        return exc
    return None


REFUSING = _update_fields(admitting_null=False)
CLEARING = _update_fields(admitting_null=True)


@pytest.mark.parametrize(("schema", "name", "key"), REFUSING, ids=[f"{s.__name__}.{n}" for s, n, _k in REFUSING])
def test_an_update_refuses_null_naming_the_field(schema: type[UpdateSchema], name: str, key: str) -> None:
    errors = _errors_at(_validate(schema, {key: None}), key)
    assert [e["type"] for e in errors] == ["null_refused"]


@pytest.mark.parametrize(("schema", "name", "key"), CLEARING, ids=[f"{s.__name__}.{n}" for s, n, _k in CLEARING])
def test_a_clearable_field_takes_null(schema: type[UpdateSchema], name: str, key: str) -> None:
    assert _errors_at(_validate(schema, {key: None}), key) == []


# -- where text lands ---------------------------------------------------------------------------------

# The table each body is written to; a field lands in the column of its name unless RENAMED says
# where. A body written to no one table is in UNMAPPED with the reason.
LANDS_IN: dict[str, type[m.Base]] = {
    "IndicatorCreate": m.Indicator,
    "IndicatorUpdate": m.Indicator,
    "IndicatorSightingCreate": m.Sighting,
    "IndicatorFalsePositiveReport": m.Sighting,
    "UserCreate": m.User,
    "UserUpdate": m.User,
    "TokenCreate": m.ApiToken,
    "ReportCreate": m.IncidentReport,
    "RejectReport": m.IncidentReport,
    "Classification": m.Incident,
    "OpenFromReport": m.Incident,
    "LinkCreate": m.IncidentLink,
    "TimelineEntryCreate": m.IncidentTimelineEntry,
    "TaskCreate": m.IncidentTask,
    "TaskUpdate": m.IncidentTask,
    "CommentCreate": m.IncidentComment,
    "ObservableCreate": m.IncidentObservable,
    "ParticipantCreate": m.IncidentParticipant,
    "RuleWrite": m.DeadlineRule,
    "OrganisationCreate": m.Organisation,
    "OrganisationUpdate": m.Organisation,
    "ProfileFields": m.Organisation,
    "ContactCreate": m.OrganisationContact,
    "SystemCreate": m.InformationSystem,
    "ExpertCreate": m.Expert,
    "ExpertUpdate": m.Expert,
    "ClaimCreate": m.ConstituencyClaim,
    "DelegationCreate": m.ConstituencyClaim,
    "RejectBody": m.ConstituencyClaim,
    "ApproveBody": m.Organisation,
    "SupportRequestCreate": m.SupportRequest,
    "ReleaseBody": m.Deployment,
    "DeploymentUpdate": m.Deployment,
    "ClusterCreate": m.Cluster,
    "ClusterUpdate": m.Cluster,
    "MemberUpdate": m.ClusterMember,
    "TermUpdate": m.ClusterLeadTerm,
    "HandoverCreate": m.ClusterHandover,
    "ActivityCreate": m.ClusterPlanActivity,
    "ActivityUpdate": m.ClusterPlanActivity,
    "PlanUpdate": m.ClusterPlan,
    "DrillIn": m.ReadinessDrill,
    "ReadinessUpdate": m.ReadinessRecord,
    "EvidenceAdd": m.ReadinessEvidence,
    "ChannelCreate": m.Channel,
    "ChannelUpdate": m.Channel,
    "MessageCreate": m.ChannelMessage,
    "ThreadCreate": m.ChannelMessage,
    "EventCreate": m.NetworkEvent,
    "EventUpdate": m.NetworkEvent,
    "DocumentCreate": m.KnowledgeDocument,
    "DocumentUpdate": m.KnowledgeDocument,
    "MaterialAdd": m.KnowledgeDocument,
    "WebhookCreate": m.WebhookEndpoint,
    "Preference": m.NotificationPreference,
    "SkillIn": m.ExpertSkill,
    "EvidenceCreate": m.EvidenceItem,
    "SealRecord": m.EvidenceItem,
    "CopyRequest": m.EvidenceItem,
    "EvidenceRoleChange": m.IncidentParticipant,
    "AdvisoryCreate": m.Advisory,
    "AdvisoryUpdate": m.Advisory,
    "AnswerIn": m.AdvisoryRecipient,
    "SourceCreate": m.CsafSource,
    "ProductCreate": m.DeclaredProduct,
    "ExerciseCreate": m.Exercise,
    "ExerciseUpdate": m.Exercise,
    "ExternalExerciseCreate": m.Exercise,
    "StaffIn": m.ExerciseStaff,
    "TeamCreate": m.ExerciseTeam,
    "TeamUpdate": m.ExerciseTeam,
    "ContactConfirm": m.ExerciseTeam,
    "MemberIn": m.ExerciseTeamMember,
    "ChallengeCreate": m.Challenge,
    "ChallengeUpdate": m.Challenge,
    "FlagCreate": m.ChallengeFlag,
    "HintCreate": m.ChallengeHint,
    "HintUpdate": m.ChallengeHint,
    "SubmissionIn": m.Submission,
    "InjectCreate": m.Inject,
    "InjectUpdate": m.Inject,
    "InjectAnswerIn": m.InjectAnswer,
    "GradeIn": m.InjectAnswer,
    "TargetCreate": m.Target,
    "TargetUpdate": m.Target,
    "FindingCreate": m.Finding,
    "FindingValidate": m.Finding,
    "FindingReject": m.Finding,
    "FindingMerge": m.Finding,
    "RemediationBody": m.Finding,
    "DefenceReportCreate": m.DefenceReport,
    "DefenceScoreBody": m.DefenceReport,
    "ExternalResultIn": m.ExternalResult,
    "AfterActionUpdate": m.AfterActionReport,
    "LessonCreate": m.ExerciseLesson,
    "LessonUpdate": m.ExerciseLesson,
    "SubscriptionCreate": m.TaxiiSubscription,
    "FeedSourceCreate": m.FeedSource,
    "FeedSourceUpdate": m.FeedSource,
    "FeedRuleCreate": m.FeedRule,
    "FeedRuleUpdate": m.FeedRule,
    "SubscriptionUpdate": m.TaxiiSubscription,
    "TaxiiCollectionCreate": m.TaxiiCollection,
}
RENAMED: dict[tuple[str, str], Any] = {
    ("SubscriptionUpdate", "secret"): m.TaxiiSubscription.secret_ciphertext,  # sealed as it comes in
    ("RejectReport", "reason"): m.IncidentReport.rejection_reason,
    ("RejectBody", "reason"): m.ConstituencyClaim.rejected_reason,
    ("ApproveBody", "admin_name"): m.User.full_name,
    ("ThreadCreate", "title"): m.ChannelThread.title,
    ("ContactConfirm", "note"): m.ExerciseTeam.contact_note,
    ("FlagCreate", "content"): m.ChallengeFlag.pattern,
    ("FindingValidate", "note"): m.Finding.judge_note,
    ("FindingReject", "reason"): m.Finding.judge_note,
    ("FindingMerge", "note"): m.Finding.judge_note,
    ("RemediationBody", "note"): m.Finding.remediation_note,
    ("DefenceScoreBody", "note"): m.DefenceReport.judge_note,
}
UNMAPPED = {
    "IndicatorBulkAdd": "pasted text, parsed into typed indicators",
    "IndicatorRevoke": "a reason in the audit record",
    "AttachReport": "an id only",
    "ApplicantAnswer": "a message of the application (Text)",
    "QuarantineDiscard": "the quarantined message's discard reason (Text)",
    "ClosingReport": "kept in the timeline's JSON details",
    "PhaseChange": "a phase code and a timeline note",
    "AcceptBody": "ids and a note for the timeline",
    "DeclineBody": "a reason in the target's answer",
    "CancelBody": "a reason in the timeline",
    "SkillNeedIn": "JSON of the support request",
    "AvailabilityWindow": "JSON of the expert",
    "ServicesUpdate": "a list of vocabulary keys",
    "MarkDelegatedBody": "an id only",
    "RequestInfoBody": "a message of the application",
    "RejectApplicationBody": "a message of the application",
    "MemberAdd": "ids and a date",
    "TermCreate": "ids and dates",
    "RotationPlan": "ids and years",
    "AttendanceMark": "an id and a flag",
    "MarkRead": "ids",
    "StatedHashes": "hashes compared with the stored content's, then kept in evidence_content",
    "TransferOffer": "an id and a reason in a custody entry (JSON)",
    "Note": "a note in a custody entry (JSON)",
    "Reason": "a reason in a custody entry (JSON)",
    "CheckOut": "a purpose in a custody entry (JSON)",
    "AnalysisRecord": "tool and findings in a custody entry (JSON)",
    "ReturnRecord": "who it went back to, in a custody entry (JSON)",
    "DisposalRecord": "method and authorisation in a custody entry (JSON)",
    "ExportRequest": "ids and a flag",
    "_Content": "the validators AdvisoryCreate and AdvisoryUpdate share (no fields)",
    "AffectedProductIn": "JSON of the advisory (affected_products)",
    "AudienceIn": "JSON of the advisory (the audience's criteria)",
    "IndicatorIn": "JSON of the advisory (indicators)",
    "ReferenceIn": "JSON of the advisory (references)",
    "ReviewDecision": "a flag, and a note kept as the advisory's review_note (Text)",
    "WithdrawBody": "a reason in the audit record",
    "ProductImport": "CSV text: each line becomes a declared product (ProductCreate)",
    "UnlockIn": "an id only",
    "InjectOrder": "ids",
    "Header": "a header line kept in the inject's body (Text)",
    "Criterion": "JSON of the inject (rubric)",
    "CriterionGrade": "JSON of the answer (grade)",
    "InjectReport": "JSON of the answer (report)",
    "TaxiiCollectionGrant": "a flag",
}


def _text_fields(schema: type[BaseModel]) -> Iterator[tuple[str, str, int | None]]:
    """(name, key, max_length) of every field whose value is text (not a list of it)."""
    for name, field in schema.model_fields.items():
        if not _is_text(field.annotation):
            continue
        lengths = [x.max_length for x in field.metadata if isinstance(x, annotated_types.MaxLen)]
        if "EmailStr" in repr(field.annotation) or "NameEmail" in repr(field.annotation):
            lengths.append(254)  # email-validator refuses longer addresses
        for meta in field.metadata:  # an Annotated alias such as Phone carries its own bounds
            lengths += [x.max_length for x in getattr(meta, "metadata", []) if isinstance(x, annotated_types.MaxLen)]
        yield name, field.alias or name, min(lengths) if lengths else None


def _is_text(annotation: Any) -> bool:
    if annotation is str:
        return True
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return any(_is_text(a) for a in get_args(annotation) if a is not type(None))
    if origin is not None and str(origin).endswith("Annotated"):
        return _is_text(get_args(annotation)[0])
    newtype_of_str = getattr(annotation, "__supertype__", None) is str
    return newtype_of_str or "EmailStr" in repr(annotation)


def test_every_body_says_where_it_lands() -> None:
    unknown = sorted(s.__name__ for s in INPUT_SCHEMAS if s.__name__ not in LANDS_IN and s.__name__ not in UNMAPPED)
    assert not unknown, "add these bodies to LANDS_IN (or UNMAPPED with the reason): " + ", ".join(unknown)


def _column_for(schema: type[BaseModel], name: str) -> Any:
    if (schema.__name__, name) in RENAMED:
        return RENAMED[(schema.__name__, name)].property.columns[0]
    table = LANDS_IN.get(schema.__name__)
    return None if table is None else table.__table__.c.get(name)


def test_text_the_schema_accepts_fits_its_column() -> None:
    too_long, checked = [], 0
    for schema in INPUT_SCHEMAS:
        for name, _key, max_length in _text_fields(schema):
            column = _column_for(schema, name)
            length = getattr(getattr(column, "type", None), "length", None)
            if column is None or length is None:
                continue
            checked += 1
            if max_length is None or max_length > length:
                too_long.append(
                    f"{schema.__name__}.{name}: accepts {max_length or 'any length'}, {column} holds {length}"
                )
    assert checked > 60
    assert not too_long, "\n".join(too_long)


# Null fields whose null is not stored as such.
NULL_IS_NOT_STORED = {
    ("OpenFromReport", "reporting_organisation_id"): "null: the organisation the report names",
    ("AfterActionUpdate", "summary"): "null clears it to an empty text",
    ("AfterActionUpdate", "strengths"): "null clears it to an empty text",
    ("AfterActionUpdate", "weaknesses"): "null clears it to an empty text",
}


def test_a_clearable_field_lands_in_a_nullable_column() -> None:
    wrong = [
        f"{schema.__name__}.{name}"
        for schema, name, _key in CLEARING
        if (column := _column_for(schema, name)) is not None
        and not column.nullable
        and (schema.__name__, name) not in NULL_IS_NOT_STORED
    ]
    assert not wrong, "null would reach a NOT NULL column: " + ", ".join(wrong)


# -- control characters ---------------------------------------------------------------------------------


TEXT_FIELDS = [(s, name, key, n) for s in INPUT_SCHEMAS for name, key, n in _text_fields(s)]


def test_every_text_field_refuses_a_control_character_naming_itself() -> None:
    checked = 0
    for schema, name, key, max_length in TEXT_FIELDS:
        field = schema.model_fields[name]
        lengths = [x.min_length for x in field.metadata if isinstance(x, annotated_types.MinLen)]
        size = max([12, *lengths])
        size = min(size, max_length) if max_length else size
        clean = "a" * size
        if _errors_at(_validate(schema, {key: clean}), key):
            continue  # a pattern, an email or a vocabulary: plain letters are refused already
        checked += 1
        errors = _errors_at(_validate(schema, {key: clean[:-1] + "\x00"}), key)
        # Refused, on the field; by the shared check unless the field's own pattern refused it first.
        assert errors, f"{schema.__name__}.{name} takes a NUL"
        patterned = any(getattr(x, "pattern", None) for x in field.metadata)
        assert patterned or [e["type"] for e in errors] == ["control_character"], f"{schema.__name__}.{name}"
    assert checked > 100


def test_text_in_lists_and_numbers_beyond_the_database_are_refused() -> None:
    from csirtnet.cluster.knowledge.schemas import DocumentCreate
    from csirtnet.incident.schemas import TaskCreate

    assert [e["type"] for e in _errors_at(_validate(DocumentCreate, {"tags": ["ok", "b\x00d"]}), "tags")] == [
        "control_character"
    ]
    errors = _errors_at(_validate(TaskCreate, {"title": "ok task", "owner_id": 2**31}), "owner_id")
    assert [e["type"] for e in errors] == ["out_of_range"]
    assert _errors_at(_validate(TaskCreate, {"title": "ok task", "owner_id": 2**31 - 1}), "owner_id") == []
    # Lax pydantic reads true as 1: not where a number is asked.
    for field, value in (("owner_id", True), ("assignee_ids", [3, False])):
        assert [e["type"] for e in _errors_at(_validate(TaskCreate, {"title": "ok task", field: value}), field)] == [
            "bool_refused"
        ]


# -- through the API, on both databases ---------------------------------------------------------------


@pytest.fixture
def admin_api(db: Session) -> dict[str, str]:
    org = make_organisation(db, is_coordinator=True, kind="coordinator")
    admin = make_user(db, roles=[Role.PLATFORM_ADMIN, Role.COORDINATOR], organisation=org)
    issued = create_token(db, subject_for(admin), admin, name="t", scopes=list(authz.policy.SCOPES), expires_in_days=1)
    db.flush()
    return {"Authorization": f"Bearer {issued.token}"}


def _fields_named(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    return [e["field"] for e in response.json()["errors"]]


def test_every_patch_route_answers_null_with_422_naming_the_field(client: Any, admin_api: dict[str, str]) -> None:
    checked = 0
    for method, path, schema in API_ROUTES:
        if method != "PATCH":
            continue
        url = re.sub(r"\{year\}", "2026", re.sub(r"\{[a-z_]+_id\}", "1", path))
        for name, field in schema.model_fields.items():
            if schema.admits_null(name):
                continue
            key = field.alias or name
            response = client.patch(url, json={key: None}, headers=admin_api)
            assert key in _fields_named(response), f"{path} {key}: {response.text}"
            checked += 1
    assert checked > 40


def test_null_on_the_endpoints_the_fuzzer_broke_is_refused_and_changes_nothing(
    client: Any, db: Session, admin_api: dict[str, str]
) -> None:
    from tests.incident.helpers import coordinator, member, open_incident
    from tests.mobilisation.helpers import make_expert

    org = make_organisation(db)
    expert = make_expert(db, org)
    incident = open_incident(db, coordinator(db), member(db), description="Máy chủ bị mã hoá toàn bộ dữ liệu.")
    for url, body in [
        (f"/api/v1/experts/{expert.id}", {"available": None}),
        (f"/api/v1/experts/{expert.id}", {"on_site": None}),
        (f"/api/v1/organisations/{org.id}", {"kind": None}),
        (f"/api/v1/organisations/{org.id}", {"status": None}),
        (f"/api/v1/organisations/{org.id}", {"name": None}),
        (f"/api/v1/incidents/{incident.id}", {"description": None}),
    ]:
        assert _fields_named(client.patch(url, json=body, headers=admin_api)) == list(body), url
    db.expire_all()
    assert (expert.available, expert.on_site) == (True, True)
    assert (org.kind, org.status, org.name) == ("private_enterprise", "active", org.name)
    assert incident.description == "Máy chủ bị mã hoá toàn bộ dữ liệu."
    # What a null may mean is still taken: it empties a clearable field.
    response = client.patch(f"/api/v1/organisations/{org.id}", json={"short_name": None}, headers=admin_api)
    assert response.status_code == 200, response.text
    assert response.json()["short_name"] is None


def test_a_nul_byte_is_refused_naming_the_field(client: Any, db: Session, admin_api: dict[str, str]) -> None:
    org = make_organisation(db)
    response = client.patch(f"/api/v1/organisations/{org.id}", json={"name": "Sở\x00 Hà Nội"}, headers=admin_api)
    assert _fields_named(response) == ["name"]
    response = client.post(
        "/api/v1/organisations",
        json={"name": "Công ty\u001b An Ninh", "short_name": "AN\x7f"},
        headers=admin_api,
    )
    assert sorted(_fields_named(response)) == ["name", "short_name"]
    # Tab, line feed and carriage return are text.
    response = client.patch(
        f"/api/v1/organisations/{org.id}", json={"capability_description": "SOC\t24/7\r\nIR"}, headers=admin_api
    )
    assert response.status_code == 200, response.text


# A name of exactly 300 characters, each Vietnamese letter carrying its marks: its sort key is
# twice as long, and a name of symbols (each one six characters of key) longer still.
VIETNAMESE = ("Trung tâm Ứng cứu Khẩn cấp Không gian mạng Việt Nam – Sở Thông tin và Truyền thông Quảng Ngãi ") * 4
NAME_300 = VIETNAMESE[:299] + "ữ"
SYMBOLS_300 = "«Đ»—" * 75


def test_names_of_the_documented_length_are_saved(client: Any, db: Session, admin_api: dict[str, str]) -> None:
    from tests.incident.helpers import coordinator, member, open_incident

    assert len(NAME_300) == len(SYMBOLS_300) == 300
    created = []
    for name in (NAME_300, SYMBOLS_300):
        response = client.post(
            "/api/v1/organisations",
            json={"name": name, "name_en": "E" * 300, "short_name": "Ư" * 60, "kind": "province"},
            headers=admin_api,
        )
        assert response.status_code == 201, response.text
        assert response.json()["name"] == name
        created.append(response.json()["id"])
    response = client.patch(f"/api/v1/organisations/{created[0]}", json={"name": SYMBOLS_300[::-1]}, headers=admin_api)
    assert response.status_code == 200, response.text
    assert db.scalar(select(m.Organisation.name).where(m.Organisation.id == created[0])) == SYMBOLS_300[::-1]

    org = make_organisation(db)
    response = client.post(
        "/api/v1/users",
        json={"email": "dai@example.vn", "full_name": NAME_300[:200], "organisation_id": org.id, "roles": ["viewer"]},
        headers=admin_api,
    )
    assert response.status_code == 201, response.text

    incident = open_incident(db, coordinator(db), member(db))
    response = client.patch(f"/api/v1/incidents/{incident.id}", json={"title": NAME_300}, headers=admin_api)
    assert response.status_code == 200, response.text
    assert response.json()["title"] == NAME_300
    # Ordered lists still read them.
    assert client.get("/api/v1/organisations", headers=admin_api).status_code == 200
    assert client.get("/api/v1/incidents", headers=admin_api).status_code == 200


def test_a_parameter_the_database_cannot_hold_is_named(client: Any, admin_api: dict[str, str]) -> None:
    # Beyond 64 bits: SQLite overflows, PostgreSQL answers "out of range"; the answer says which.
    response = client.get(f"/api/v1/organisations/{2**70}", headers=admin_api)
    assert _fields_named(response) == ["organisation_id"]
    response = client.get(f"/api/v1/experts?organisation_id={2**70}", headers=admin_api)
    assert _fields_named(response) == ["organisation_id"]


def test_a_duplicate_observable_names_its_value(client: Any, db: Session, admin_api: dict[str, str]) -> None:
    from tests.incident.helpers import coordinator, member, open_incident

    incident = open_incident(db, coordinator(db), member(db))
    url, body = f"/api/v1/incidents/{incident.id}/observables", {"kind": "ip", "value": "203.0.113.5"}
    assert client.post(url, json=body, headers=admin_api).status_code == 201
    again = client.post(url, json=body, headers=admin_api)
    assert again.status_code == 409
    assert [e["field"] for e in again.json()["errors"]] == ["value"]
