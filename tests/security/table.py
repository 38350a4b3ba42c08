"""The authorization matrix: one row per route (template and method) of the app, pages and API,
public ones too. A row says how to fill the path (which objects: own and others', every TLP),
what to send, who may (a named policy written from the documented rules, tests/security/rules.py)
and whether a refusal must look like a missing id.

A route without a row, or a row without a route, fails tests/security/test_matrix.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta

import pyotp

from csirtnet.kit.time import utcnow
from tests.factories import PASSWORD
from tests.security import rules as R
from tests.security.runner import Body, Policy, Row, Variant, Variants
from tests.security.world import World

API = "/api/v1"

# -- policies: who may ------------------------------------------------------------------------------


def only(*subjects: str | Iterable[str]) -> Policy:
    chosen: set[str] = set()
    for s in subjects:
        chosen |= {s} if isinstance(s, str) else set(s)
    allowed = frozenset(chosen)
    return lambda w, v: allowed


EVERYONE = only(R.SUBJECTS)
LOGGED_IN = only(R.LOGGED_IN)  # the no-role user too: their own account and home page
MEMBERS = only(R.MEMBERS)  # every role: the directory, clusters, channels, events, knowledge
STAFF = only(R.STAFF)  # the coordinator's staff and the platform admin
PLATFORM = only(R.PLATFORM_ADMIN)
ADMINS_AND_STAFF = only(R.ORG_ADMINS, R.STAFF)  # users:read/write, audit:read
WRITERS = only(R.WRITERS)  # responders, admins, staff: report, post, write knowledge
NOBODY = only()
# A user without a role on their own account pages: the documentation does not say; both answers pass.
NOROLE_OWN = only(R.NOROLE)


def readers(w: World, v: Variant) -> frozenset[str]:
    """Who may see the variant's object (computed in world.py from rules.py)."""
    assert v.obj is not None
    return w.readers[v.obj]


def with_self(policy: Policy) -> Policy:
    """Also the variant's own subject (a user reading or renaming themselves)."""
    return lambda w, v: policy(w, v) | ({v.obj.split(":", 1)[1]} if v.obj and v.obj.startswith("user:") else set())


# incidents (docs/incidents.md, authz/incident.py docstring)


def _incident(w: World, v: Variant) -> tuple[str, frozenset[str]]:
    assert v.obj is not None and v.obj.startswith("incident:")
    return v.obj.split(":", 1)[1], w.readers[v.obj]


def incident_work(w: World, v: Variant) -> frozenset[str]:
    """Change the timeline, tasks, observables: coordinators, working participants, and the
    reporting organisation's responders and admins (not on TLP:RED unless named)."""
    key, seen = _incident(w, v)
    facts = w.incidents[key]
    working = {s for s, role in facts.roles.items() if role in ("commander", "liaison", "responder")}
    own = R.users_of(facts.org) if facts.tlp != "red" else frozenset()
    return seen & R.WRITERS & (R.STAFF | own | working)


def incident_discuss(w: World, v: Variant) -> frozenset[str]:
    """Anyone who works it, plus reporters and observers taking part."""
    key, seen = _incident(w, v)
    return incident_work(w, v) | (seen & frozenset(w.incidents[key].roles))


def incident_command(w: World, v: Variant) -> frozenset[str]:
    """Classify, phases, TLP, participants: coordinators (who see it) and its commander."""
    key, seen = _incident(w, v)
    return seen & (R.STAFF | {s for s, role in w.incidents[key].roles.items() if role == "commander"})


def incident_mobilise(w: World, v: Variant) -> frozenset[str]:
    """Raise a support request: the coordinator on incidents they see; the current lead of the
    cluster the incident is shared with (docs/mobilisation.md)."""
    key, seen = _incident(w, v)
    leads = (
        R.lead_admins("1")
        if key.startswith("A-") and w.incidents[key].tlp in ("clear", "green", "amber")
        else frozenset()
    )
    return seen & (R.STAFF | leads)


def of_object(prefix: str) -> Policy:
    """The readers of the object named `prefix:<variant label>`."""
    return lambda w, v: w.readers[f"{prefix}:{v.label}"]


# -- variants: which objects --------------------------------------------------------------------------

ALL_INCIDENTS = tuple(f"{org}-{t}" for org in ("A", "B") for t in ("clear", "green", "amber", "strict", "red"))
WRITE_INCIDENTS = ("A-green", "A-strict", "A-red", "B-amber", "B-red")
# One incident of each kind of audience: A's shared with the cluster (CLEAR, GREEN = the same readers),
# A's with a mobilised expert, A's AMBER+STRICT, A's RED, B's (CLEAR to AMBER+STRICT alike), B's RED.
DISTINCT_INCIDENTS = ("A-green", "A-amber", "A-strict", "A-red", "B-amber", "B-red")
PDF_INCIDENTS = ("A-amber", "A-red", "B-red")  # a PDF costs a fifth of a second to draw
# The pages call the same service functions as the API (which gets WRITE_INCIDENTS): one incident a
# subject may work, one RED, one of the other organisation.
PAGE_WRITE_INCIDENTS = ("A-green", "A-red", "B-amber")


def incidents(keys: Sequence[str] = ALL_INCIDENTS, **extra: Callable[[World, str], object]) -> Variants:
    def make(w: World) -> list[Variant]:
        out = []
        for key in keys:
            params: dict[str, object] = {"incident_id": w.id(f"incident:{key}")}
            for name, fn in extra.items():
                params[name] = fn(w, key)
            out.append(Variant(key, params, f"incident:{key}"))
        return out

    return make


def objects(
    param: str, prefix: str, labels: Sequence[str], obj: Callable[[str], str] | None = None, **fixed: object
) -> Variants:
    """One variant per label: `param` is the id of `prefix:label`; the policy sees `obj(label)`."""

    def make(w: World) -> list[Variant]:
        return [
            Variant(label, {param: w.id(f"{prefix}:{label}"), **fixed}, obj(label) if obj else f"{prefix}:{label}")
            for label in labels
        ]

    return make


def orgs(*keys: str, **more: Callable[[World, str], object]) -> Variants:
    def make(w: World) -> list[Variant]:
        out = []
        for key in keys:
            params: dict[str, object] = {"organisation_id": w.id(f"org:{key}")}
            for name, fn in more.items():
                params[name] = fn(w, key)
            out.append(Variant(key, params, f"org:{key}"))
        return out

    return make


def fixed(**params: Callable[[World], object]) -> Variants:
    return lambda w: [Variant("-", {k: fn(w) for k, fn in params.items()})]


class Own:
    """A path parameter that is the calling subject's own object (its token, its notification)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __call__(self, w: World, subject: str) -> int:
        from tests.security.runner import MISSING_ID

        if self.kind == "token":
            return w.logins[subject].token_id or MISSING_ID
        return w.ids.get(f"{self.kind}:{subject}", MISSING_ID)


def own(param: str, kind: str, holders: Iterable[str]) -> Variants:
    return lambda w: [Variant("own", {param: Own(kind)}, f"own:{','.join(sorted(holders))}")]


def of_own(w: World, v: Variant) -> frozenset[str]:
    assert v.obj
    return frozenset(v.obj.split(":", 1)[1].split(","))


# -- bodies -----------------------------------------------------------------------------------------


def js(**values: object) -> Callable[[World, str, Variant], Body]:
    return lambda w, s, v: Body(json=values)


def form(**values: object) -> Callable[[World, str, Variant], Body]:
    return lambda w, s, v: Body(form=dict(values))


def org_id_of(w: World, subject: str) -> int:
    return w.id(f"org:{R.ORG_OF.get(subject, 'A')}")


def year(w: World) -> int:
    return w.year


def soon(hours: int = 24 * 5) -> str:
    return (utcnow() + timedelta(hours=hours)).isoformat()


def upload(name: str = "x.txt") -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, b"matrix upload", "text/plain")}


REPORT = {
    "title": "Sự cố thử nghiệm ma trận",
    "description": "Mô tả sự cố thử nghiệm đủ dài",
    "reporter_name": "Người Báo Cáo",
    "reporter_email": "bao-cao@matrix.example.vn",
}


def report_json(w: World, s: str, v: Variant) -> Body:
    return Body(json={**REPORT, "detected_at": (utcnow() - timedelta(hours=1)).isoformat()})


def report_form(w: World, s: str, v: Variant) -> Body:
    return Body(form={**REPORT, "detected_at": (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")})


def support_request_json(w: World, s: str, v: Variant) -> Body:
    return Body(
        json={
            "summary": "Cần hỗ trợ phân tích",
            "skills": [{"skill": "malware-analysis", "min_level": 1}],
            "mode": "remote",
            "duration_hours": 48,
            "experts_needed": 1,
            "response_deadline": soon(6),
        }
    )


def accept_json(w: World, s: str, v: Variant) -> Body:
    expert = w.id("expert:LC") if R.ORG_OF.get(s) == "LC" else w.id("expert:spare")
    return Body(json={"expert_ids": [expert]})


def accept_form(w: World, s: str, v: Variant) -> Body:
    expert = w.id("expert:LC") if R.ORG_OF.get(s) == "LC" else w.id("expert:spare")
    return Body(form={"expert_ids": str(expert)})


def handover_json(w: World, s: str, v: Variant) -> Body:
    """Outgoing (LC, leading now) to incoming (A, next year); a past lead writes its own handover."""
    source = "LP" if s == R.LEAD_PAST else "LC"
    return Body(
        json={
            "from_organisation_id": w.id(f"org:{source}"),
            "to_organisation_id": w.id("org:A"),
            "handed_over_on": w.today.isoformat(),
            "minutes": "Biên bản bàn giao",
        }
    )


def handover_form(w: World, s: str, v: Variant) -> Body:
    data = handover_json(w, s, v).json
    return Body(form={k: str(val) for k, val in data.items()})


def user_patch(w: World, s: str, v: Variant) -> Body:
    """Deactivate someone else; rename oneself (one may not deactivate oneself)."""
    assert v.obj
    if v.obj == f"user:{s}":
        return Body(json={"full_name": "Tên Mới"})
    return Body(json={"is_active": False})


def totp_now(w: World, s: str) -> str:
    secret = w.logins[s].totp_secret
    return pyotp.TOTP(secret).now() if secret else "000000"


# -- who is who in the world's objects ---------------------------------------------------------------


def thread_readers(w: World, v: Variant) -> frozenset[str]:
    """A thread is found by whoever may see one of its messages."""
    label = v.label
    out = w.readers[f"message:{label}"]
    if label == "cluster1:green":
        out |= w.readers["message:cluster1:red-reply"]
    return out


def channel_members(name: str) -> frozenset[str]:
    orgs_of = {"cluster1": ("A", "LP", "LC"), "cluster2": ("B",), "topic": ("A", "B")}
    return R.users_of(*orgs_of[name]) | R.STAFF


def member_emails(name: str) -> list[str]:
    """The login emails (world.py) of the subjects who belong to a channel."""
    return [f"{s.replace('_', '-')}@matrix.example.vn" for s in sorted(channel_members(name))]


def channel_posters(w: World, v: Variant) -> frozenset[str]:
    return channel_members(v.label.split(":")[0]) & R.WRITERS


THREADS = (
    "cluster1:green",
    "cluster1:amber",
    "cluster1:strict",
    "cluster1:red",
    "topic:amber",
    "topic:strict",
    "cluster2:green",
)
CHANNELS = ("cluster1", "cluster2", "topic")


def threads(labels: Sequence[str] = THREADS) -> Variants:
    return lambda w: [
        Variant(
            label,
            {"channel_id": w.id(f"channel:{label.split(':')[0]}"), "thread_id": w.id(f"thread:{label}")},
            f"thread:{label}",
        )
        for label in labels
    ]


def message_files() -> Variants:
    labels = ("cluster1:amber", "cluster1:red", "topic:amber", "topic:red")
    return lambda w: [
        Variant(
            label,
            {
                "channel_id": w.id(f"channel:{label.split(':')[0]}"),
                "message_id": w.id(f"message:{label}"),
                "file_id": w.id(f"message-file:{label}"),
            },
            f"message:{label}",
        )
        for label in labels
    ]


KNOWLEDGE = (
    "network:clear",
    "network:green",
    "network:amber",
    "network:strict",
    "cluster1:green",
    "cluster1:amber",
    "cluster1:strict",
)


PAGE_KNOWLEDGE = ("network:amber", "network:strict", "cluster1:amber", "cluster1:strict")


def knowledge_docs(with_file: bool = False, labels: Sequence[str] = KNOWLEDGE) -> Variants:
    def make(w: World) -> list[Variant]:
        out = []
        for label in labels:
            params: dict[str, object] = {"document_id": w.id(f"knowledge:{label}")}
            if with_file:
                params["file_id"] = w.id(f"knowledge-file:{label}")
            out.append(Variant(label, params, f"knowledge:{label}"))
        return out

    return make


def knowledge_editors(w: World, v: Variant) -> frozenset[str]:
    """The author, its organisation's admins, the coordinator's staff (who see it)."""
    return w.readers[v.obj or ""] & (R.admins_of("A") | R.STAFF | {R.ADMIN_A})


CLUSTER1_INSIDERS = R.cluster_insiders("1")
CLUSTER_COORDINATORS = {"1": R.STAFF | R.lead_admins("1"), "2": R.STAFF}


def clusters(*keys: str, **more: Callable[[World, str], object]) -> Variants:
    def make(w: World) -> list[Variant]:
        out = []
        for key in keys:
            params: dict[str, object] = {"cluster_id": w.id(f"cluster:{key}")}
            for name, fn in more.items():
                params[name] = fn(w, key)
            out.append(Variant(key, params, f"cluster:{key}"))
        return out

    return make


def cluster_insiders(w: World, v: Variant) -> frozenset[str]:
    return R.cluster_insiders(v.label)


def cluster_coordinators(w: World, v: Variant) -> frozenset[str]:
    return CLUSTER_COORDINATORS[v.label]


def readiness_of(w: World, v: Variant) -> frozenset[str]:
    return R.readiness_readers(v.label)


def readiness_editors(w: World, v: Variant) -> frozenset[str]:
    """Members edit their own record; nobody else does, the platform admin excepted."""
    return R.admins_of(v.label) | {R.PLATFORM_ADMIN}


def profile_of(w: World, v: Variant) -> frozenset[str]:
    return R.profile_readers(v.label)


def profile_editors(w: World, v: Variant) -> frozenset[str]:
    """The organisation's admins and the coordinator's staff (can_manage_organisation)."""
    return R.admins_of(v.label) | R.STAFF


def event_readers(w: World, v: Variant) -> frozenset[str]:
    """Network events are for everyone; a cluster's for its members, the organiser, the coordinator."""
    if v.label == "network":
        return R.MEMBERS
    cluster = "1" if v.label.startswith("cluster1") else "2"
    organiser = {"cluster1": "LC", "cluster1-live": "LC", "cluster2": "COORD"}[v.label]
    return R.cluster_insiders(cluster) | R.users_of(organiser)


def event_managers(w: World, v: Variant) -> frozenset[str]:
    """The coordinator, the organiser's admins, the lead of the event's cluster."""
    organiser = {"network": "COORD", "cluster1": "LC", "cluster1-live": "LC", "cluster2": "COORD"}[v.label]
    leads = R.lead_admins("1") if v.label.startswith("cluster1") else frozenset()
    return event_readers(w, v) & (R.STAFF | R.admins_of(organiser) | leads)


def events(*labels: str) -> Variants:
    return lambda w: [Variant(label, {"event_id": w.id(f"event:{label}")}, f"event:{label}") for label in labels]


def request_readers(w: World, v: Variant) -> frozenset[str]:
    """Those who see its incident, the requesting organisation, the organisations it was sent to
    (their admins answer)."""
    incident = "A-amber" if v.label == "fulfilled" else "A-green"
    asked = {"fulfilled": "B", "pending-B": "B", "pending-LC": "LC"}[v.label]
    return w.readers[f"incident:{incident}"] | R.users_of("COORD") | R.admins_of(asked)


def request_answerers(w: World, v: Variant) -> frozenset[str]:
    return R.admins_of({"pending-B": "B", "pending-LC": "LC"}[v.label])


def requests(*labels: str) -> Variants:
    return lambda w: [Variant(label, {"request_id": w.id(f"request:{label}")}, f"request:{label}") for label in labels]


def deployment_readers(w: World, v: Variant) -> frozenset[str]:
    """Those who see its incident, the expert's organisation, and the expert."""
    return w.readers["incident:A-amber"] | R.users_of("B")


def deployment_releasers(w: World, v: Variant) -> frozenset[str]:
    """The requester (here the coordinator), the coordinator, the expert's organisation's admins."""
    return R.STAFF | R.admins_of("B")


def deployments(*labels: str) -> Variants:
    return lambda w: [
        Variant(label, {"deployment_id": w.id(f"deployment:{label}")}, f"deployment:{label}") for label in labels
    ]


def users(*keys: str) -> Variants:
    return lambda w: [Variant(key, {"user_id": w.id(f"user:{key}")}, f"user:{key}") for key in keys]


def user_readers(w: World, v: Variant) -> frozenset[str]:
    """A user's account: themselves, their organisation's admins, the coordinator's staff."""
    assert v.obj
    key = v.obj.split(":", 1)[1]
    return frozenset({key} & R.LOGGED_IN) | R.admins_of(R.ORG_OF[key]) | R.STAFF


def self_of(v: Variant) -> frozenset[str]:
    return frozenset({v.obj.split(":", 1)[1]}) if v.obj and v.obj.startswith("user:") else frozenset()


def user_managers(w: World, v: Variant) -> frozenset[str]:
    """Deactivate, reset the second factor: the organisation's admins and the coordinator's staff,
    but nobody acts on an account holding a role they do not hold (issue 10: the platform admin)."""
    assert v.obj
    key = v.obj.split(":", 1)[1]
    managers = R.admins_of(R.ORG_OF[key]) | R.STAFF
    if R.ROLE_OF.get(key) == "platform_admin":
        managers = frozenset({R.PLATFORM_ADMIN})
    return managers - {key}


def report_variants(*keys: str, with_file: bool = False) -> Variants:
    def make(w: World) -> list[Variant]:
        out = []
        for key in keys:
            params: dict[str, object] = {"report_id": w.id(f"report:{key}")}
            if with_file:
                params["attachment_id"] = w.id(f"report-file:{key}")
            out.append(Variant(key, params, f"report:{key}"))
        return out

    return make


REPORTS = ("A-clear", "A-amber", "A-red", "B-green", "B-red", "A-new", "A-confidential")
NEW_REPORTS = ("A-new", "A-confidential")


def report_readers(w: World, v: Variant) -> frozenset[str]:
    return w.readers.get(f"report:{v.label}", R.STAFF)


def tracked(secret: str) -> Callable[[World, Variant], frozenset[str]]:
    """Markers the holder of a tracking or reset link may see: their own."""
    return lambda w, v: (
        w.owned_by_secret.get(secret, frozenset()) | {w.secrets[secret]} if secret in w.secrets else frozenset()
    )


def public_report_grants(w: World, v: Variant) -> frozenset[str]:
    own = frozenset(m.text for m in w.markers.all() if m.what.startswith("report public"))
    return own | {w.secrets["report-track"]}


def reset_grants(w: World, v: Variant) -> frozenset[str]:
    return frozenset({w.secrets["reset-platform-admin"]})


def apply_grants(w: World, v: Variant) -> frozenset[str]:
    return w.owned_by_secret["apply-track"]


def secret_param(name: str, param: str = "token") -> Variants:
    return lambda w: [Variant("real", {param: w.secrets[name]}), Variant("unknown", {param: "nope-" + "x" * 40})]


ARGON_SUBJECTS = frozenset({R.ANON, R.VIEWER, R.COORDINATOR})  # a password hash costs a third of a second


def shows(*templates: str) -> Callable[[World, Variant], frozenset[str]]:
    """The markers planted as `templates`, filled with the variant's label (`{label}`, and for
    labels such as "cluster1:amber" its parts `{a}` and `{b}`)."""

    def markers(w: World, v: Variant) -> frozenset[str]:
        a, _, b = v.label.partition(":")
        return frozenset(w.markers.text(t.format(label=v.label, a=a, b=b)) for t in templates)

    return markers


# -- the table ---------------------------------------------------------------------------------------

ROWS: list[Row] = []


def row(method: str, path: str, policy: Policy, **kw: object) -> None:
    ROWS.append(Row(method, path, policy, **kw))  # type: ignore[arg-type]


# Public routes (app.py PUBLIC_MODULES): anyone, logged in or not.
row("GET", "/healthz", EVERYONE, public=True)
row("GET", "/readyz", EVERYONE, public=True)
row("GET", f"{API}/openapi.json", EVERYONE, public=True, subjects=frozenset({R.ANON, R.VIEWER}))
row("GET", "/login", EVERYONE, public=True)
row(
    "POST",
    "/login",
    EVERYONE,
    public=True,
    body=form(email="viewer@matrix.example.vn", password=PASSWORD, next="/"),
    subjects=ARGON_SUBJECTS,
)
row("GET", "/login/2fa", EVERYONE, public=True)
row("POST", "/login/2fa", EVERYONE, public=True, body=form(code="000000", next="/"), audited=False)
row("POST", "/logout", EVERYONE, public=True, audited=False)
row("GET", "/password/forgot", EVERYONE, public=True)
row(
    "POST",
    "/password/forgot",
    EVERYONE,
    public=True,
    body=form(email="platform-admin@matrix.example.vn"),
    audited=False,
)
row(
    "GET",
    "/password/reset/{token}",
    EVERYONE,
    public=True,
    variants=secret_param("reset-platform-admin"),
    grants=reset_grants,
)
row(
    "POST",
    "/password/reset/{token}",
    EVERYONE,
    public=True,
    variants=lambda w: [Variant("real", {"token": w.secrets["reset-platform-admin"]})],
    body=form(password="a new long password 2026", password_again="a new long password 2026"),
    grants=reset_grants,
    subjects=ARGON_SUBJECTS,
)
row("POST", "/lang", EVERYONE, public=True, body=form(code="en", next="/"), audited=False)
row("GET", "/apply", EVERYONE, public=True)
row(
    "POST",
    "/apply",
    EVERYONE,
    public=True,
    body=form(
        applicant_name="Người Nộp",
        applicant_email="nop-don@matrix.example.vn",
        organisation_name="Công ty Nộp Đơn",
        incident_email="ir@nop-don.example.vn",
        c_incident_24x7_full_name="Trực Ban",
        c_incident_24x7_phone="0912000222",
        c_focal_point_full_name="Đầu Mối",
        c_infosec_leader_full_name="Lãnh Đạo",
    ),
)
row("GET", "/apply/track/{token}", EVERYONE, public=True, variants=secret_param("apply-track"), grants=apply_grants)
row(
    "POST",
    "/apply/track/{token}",
    EVERYONE,
    public=True,
    variants=lambda w: [Variant("real", {"token": w.secrets["apply-track"]})],
    body=form(body="Trả lời câu hỏi"),
    grants=apply_grants,
)
row("GET", "/report", EVERYONE, public=True)
row(
    "POST",
    "/report",
    EVERYONE,
    public=True,
    body=lambda w, s, v: Body(form={**report_form(w, s, v).form, "reporter_email": "dan@matrix.example.vn"}),  # type: ignore[dict-item]
)
row(
    "GET",
    "/report/track/{token}",
    EVERYONE,
    public=True,
    variants=secret_param("report-track"),
    grants=public_report_grants,
)

# -- identity: me, users, tokens (docs/foundation.md) -----------------------------------------------
row("GET", f"{API}/me", MEMBERS, note="issue 10 item 3: a session owing its second factor gets nothing")
row("GET", f"{API}/users", ADMINS_AND_STAFF)
row(
    "POST",
    f"{API}/users",
    ADMINS_AND_STAFF,
    body=lambda w, s, v: Body(
        json={"email": "moi@matrix.example.vn", "full_name": "Người Mới", "organisation_id": org_id_of(w, s)}
    ),
)
row(
    "GET",
    f"{API}/users/{{user_id}}",
    user_readers,
    variants=users(R.VIEWER, R.ADMIN_B, R.PLATFORM_ADMIN),
    hidden=user_readers,
    shows=lambda w, v: frozenset(),
)
row(
    "PATCH",
    f"{API}/users/{{user_id}}",
    lambda w, v: user_managers(w, v) | ({v.obj.split(":")[1]} & R.MEMBERS if v.obj else set()),
    variants=users(R.VIEWER, R.ADMIN_B, R.PLATFORM_ADMIN),
    body=user_patch,
    hidden=user_readers,
)
row("GET", f"{API}/tokens", MEMBERS)
row("POST", f"{API}/tokens", MEMBERS, body=js(name="matrix", scopes=["profile:read"]))
row("DELETE", f"{API}/tokens/{{token_id}}", of_own, variants=own("token_id", "token", R.MEMBERS - {R.NOROLE}))

# -- organisations (docs/members.md) ------------------------------------------------------------------
row("GET", f"{API}/organisations", MEMBERS, note="issue 10 item 6: full-profile fields")
row("POST", f"{API}/organisations", STAFF, body=js(name="Tổ chức mới ma trận", member_code="MX-NEW"))
row("GET", f"{API}/organisations/stale", MEMBERS)
row(
    "POST",
    f"{API}/organisations/import",
    STAFF,
    body=lambda w, s, v: Body(
        files={
            "file": (
                "members.csv",
                "record,member_code,name,kind\norganisation,MX-IMP,Tổ chức nhập,province\n".encode(),
                "text/csv",
            )
        }
    ),
)
row("GET", f"{API}/organisations/{{organisation_id}}", MEMBERS, variants=orgs("A", "B", "LP"))
row(
    "PATCH",
    f"{API}/organisations/{{organisation_id}}",
    profile_editors,
    variants=orgs("A", "B"),
    body=js(address="Địa chỉ mới"),
)
row(
    "GET",
    f"{API}/organisations/{{organisation_id}}/profile",
    profile_of,
    variants=orgs("A", "B", "LP"),
    hidden=profile_of,
    shows=shows("org {label} address", "org {label} contact name"),
)
row("POST", f"{API}/organisations/{{organisation_id}}/confirm", profile_editors, variants=orgs("A", "B"))
row(
    "POST",
    f"{API}/organisations/{{organisation_id}}/contacts",
    profile_editors,
    variants=orgs("A", "B"),
    body=js(role="technical", full_name="Kỹ Thuật Viên", phone="0912000333"),
)
row(
    "DELETE",
    f"{API}/organisations/{{organisation_id}}/contacts/{{contact_id}}",
    profile_editors,
    variants=orgs("A", "B", contact_id=lambda w, k: w.id(f"contact:{k}")),
)
row(
    "POST",
    f"{API}/organisations/{{organisation_id}}/systems",
    profile_editors,
    variants=orgs("A", "B"),
    body=js(name="Hệ thống mới", security_level=2),
)
row(
    "DELETE",
    f"{API}/organisations/{{organisation_id}}/systems/{{system_id}}",
    profile_editors,
    variants=orgs("A", "B", system_id=lambda w, k: w.id(f"system:{k}")),
)
row(
    "PUT",
    f"{API}/organisations/{{organisation_id}}/services",
    profile_editors,
    variants=orgs("A", "B"),
    body=js(services=["incident-management.coordination"]),
)
# Claims are part of the full profile; others get the claims they may see (none), not a refusal.
row("GET", f"{API}/organisations/{{organisation_id}}/constituency", MEMBERS, variants=orgs("A", "B", "LP"))
row(
    "POST",
    f"{API}/organisations/{{organisation_id}}/constituency",
    profile_editors,
    variants=orgs("A", "B"),
    body=js(value="matrix-new-claim.example.vn"),
)
row("GET", f"{API}/organisations/{{organisation_id}}/experts", MEMBERS, variants=orgs("A", "B"))
row(
    "POST",
    f"{API}/organisations/{{organisation_id}}/experts",
    profile_editors,
    variants=orgs("A", "B"),
    body=js(full_name="Chuyên Gia Mới", skills=[{"skill": "malware-analysis", "level": 2}]),
)
row("GET", f"{API}/directory", MEMBERS)
row("GET", f"{API}/directory/export.csv", MEMBERS)
row("GET", f"{API}/constituency/lookup", MEMBERS, query={"q": "198.51.100.7"})
row("GET", f"{API}/constituency/conflicts", MEMBERS)
row(
    "GET",
    f"{API}/constituency/claims/{{claim_id}}",
    profile_of,
    variants=objects("claim_id", "claim", ("A", "B", "LP"), obj=lambda k: f"org:{k}"),
)
row(
    "DELETE",
    f"{API}/constituency/claims/{{claim_id}}",
    profile_editors,
    variants=objects("claim_id", "claim", ("A", "B"), obj=lambda k: f"org:{k}"),
)
row(
    "POST",
    f"{API}/constituency/claims/{{claim_id}}/delegations",
    profile_editors,
    variants=objects("claim_id", "claim", ("A", "B"), obj=lambda k: f"org:{k}"),
    body=lambda w, s, v: Body(json={"value": "sub." + w.values[f"claim:{v.label}"], "organisation_id": w.id("org:LC")}),
)
row(
    "POST",
    f"{API}/constituency/claims/{{claim_id}}/reject",
    STAFF,
    variants=fixed(claim_id=lambda w: w.id("claim:B-narrow")),
    body=js(reason="Trùng lặp"),
)
row(
    "POST",
    f"{API}/constituency/claims/{{claim_id}}/accept-overlap",
    STAFF,
    variants=fixed(claim_id=lambda w: w.id("claim:B-narrow")),
)
row(
    "POST",
    f"{API}/constituency/claims/{{claim_id}}/mark-delegated",
    STAFF,
    variants=fixed(claim_id=lambda w: w.id("claim:B-narrow")),
    body=lambda w, s, v: Body(json={"parent_claim_id": w.id("claim:A-broad")}),
)
row("GET", f"{API}/experts", MEMBERS)
row(
    "GET",
    f"{API}/experts/{{expert_id}}",
    MEMBERS,
    variants=objects("expert_id", "expert", ("A", R.EXPERT_DEPLOYED, "LC"), obj=lambda k: f"expert:{k}"),
)
row(
    "PATCH",
    f"{API}/experts/{{expert_id}}",
    lambda w, v: R.admins_of(R.ORG_OF.get(v.label, v.label)) | R.STAFF,
    variants=objects("expert_id", "expert", ("A", R.EXPERT_DEPLOYED), obj=lambda k: f"expert:{k}"),
    body=js(province="Thái Nguyên"),
)
row(
    "DELETE",
    f"{API}/experts/{{expert_id}}",
    lambda w, v: R.admins_of(R.ORG_OF.get(v.label, v.label)) | R.STAFF,
    variants=objects("expert_id", "expert", ("A", "LC"), obj=lambda k: f"expert:{k}"),
)
row("GET", f"{API}/applications", STAFF)
row(
    "GET",
    f"{API}/applications/{{application_id}}",
    STAFF,
    variants=objects("application_id", "application", ("1",)),
    shows=shows("application address"),
)
row(
    "GET",
    f"{API}/applications/{{application_id}}/documents/{{file_id}}",
    STAFF,
    variants=lambda w: [Variant("1", {"application_id": w.id("application:1"), "file_id": w.id("application-file:1")})],
)
row(
    "POST",
    f"{API}/applications/{{application_id}}/request-info",
    STAFF,
    variants=objects("application_id", "application", ("2",)),
    body=js(question="Bổ sung hồ sơ?"),
)
row(
    "POST",
    f"{API}/applications/{{application_id}}/approve",
    STAFF,
    variants=objects("application_id", "application", ("2",)),
    body=js(member_code="MX-APP2"),
)
row(
    "POST",
    f"{API}/applications/{{application_id}}/reject",
    STAFF,
    variants=objects("application_id", "application", ("2",)),
    body=js(reason="Không đủ điều kiện"),
)

# -- audit, notifications, webhooks, jobs (docs/foundation.md) ---------------------------------------
row("GET", f"{API}/audit", ADMINS_AND_STAFF, note="issue 10 item 5: RED content through the audit log")
row("GET", f"{API}/notifications", MEMBERS)
row("GET", f"{API}/notifications/unread-count", MEMBERS)
row("POST", f"{API}/notifications/read", MEMBERS, body=js(ids=None), audited=False)
row("GET", f"{API}/notification-preferences", MEMBERS)
row("PUT", f"{API}/notification-preferences", MEMBERS, body=lambda w, s, v: Body(json=[]), audited=False)
row(
    "GET",
    f"{API}/webhooks",
    only(R.ORG_ADMINS, R.PLATFORM_ADMIN),
    body=lambda w, s, v: Body(query={"organisation_id": org_id_of(w, s)}),
)
row(
    "POST",
    f"{API}/webhooks",
    only(R.ORG_ADMINS, R.PLATFORM_ADMIN),
    body=lambda w, s, v: Body(
        json={"url": "https://hooks.matrix.example.vn/new", "event_types": [], "organisation_id": org_id_of(w, s)}
    ),
)
row(
    "DELETE",
    f"{API}/webhooks/{{webhook_id}}",
    lambda w, v: R.admins_of(v.label) | {R.PLATFORM_ADMIN},
    variants=objects("webhook_id", "webhook", ("A", "B"), obj=lambda k: f"org:{k}"),
)
row("GET", f"{API}/jobs", STAFF, note="issue 10 items 1 and 5: secrets and RED content in job payloads")
row("POST", f"{API}/jobs/{{job_id}}/retry", PLATFORM, variants=fixed(job_id=lambda w: w.id("job:failed")))
row("GET", "/metrics", PLATFORM)

# -- mobilisation (docs/mobilisation.md) ----------------------------------------------------------------
# The requests raised on an incident that the caller may see (a filter: an incident it may not see
# answers an empty list, like a missing one).
row("GET", f"{API}/incidents/{{incident_id}}/support-requests", MEMBERS, variants=incidents(DISTINCT_INCIDENTS))
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/support-requests",
    incident_mobilise,
    variants=incidents(("A-green", "A-strict", "A-red", "B-amber", "B-red")),
    body=support_request_json,
    hidden=readers,
)
row("GET", f"{API}/support-requests", MEMBERS)
row("GET", f"{API}/support-requests/inbox", MEMBERS)
row(
    "GET",
    f"{API}/support-requests/{{request_id}}",
    request_readers,
    variants=requests("fulfilled", "pending-B", "pending-LC"),
    hidden=request_readers,
    shows=lambda w, v: (
        frozenset({w.markers.text("support request A-amber summary")}) if v.label == "fulfilled" else frozenset()
    ),
)
row(
    "GET",
    f"{API}/support-requests/{{request_id}}/matches",
    lambda w, v: R.STAFF & request_readers(w, v),
    variants=requests("fulfilled", "pending-B"),
    hidden=request_readers,
)
row(
    "POST",
    f"{API}/support-requests/{{request_id}}/accept",
    request_answerers,
    variants=requests("pending-B", "pending-LC"),
    body=accept_json,
    hidden=request_readers,
)
row(
    "POST",
    f"{API}/support-requests/{{request_id}}/decline",
    request_answerers,
    variants=requests("pending-B", "pending-LC"),
    body=js(reason="Không có chuyên gia rảnh"),
    hidden=request_readers,
)
row(
    "POST",
    f"{API}/support-requests/{{request_id}}/cancel",
    STAFF,
    variants=requests("pending-B"),
    body=js(reason="Đã xử lý xong"),
    hidden=request_readers,
)
row("GET", f"{API}/deployments", MEMBERS)
row(
    "GET",
    f"{API}/deployments/{{deployment_id}}",
    deployment_readers,
    variants=deployments("active", "ended"),
    hidden=deployment_readers,
    shows=lambda w, v: frozenset({w.markers.text("deployment ended outcome")}) if v.label == "ended" else frozenset(),
)
row(
    "POST",
    f"{API}/deployments/{{deployment_id}}/release",
    deployment_releasers,
    variants=deployments("active"),
    body=js(outcome="Hoàn thành"),
    hidden=deployment_readers,
)
row(
    "PATCH",
    f"{API}/deployments/{{deployment_id}}",
    deployment_releasers,
    variants=deployments("ended"),
    body=js(outcome="Đã ghi nhận"),
    hidden=deployment_readers,
)
row("GET", f"{API}/mobilisation/statistics", MEMBERS)

# -- incidents: reports and triage (docs/incidents.md) --------------------------------------------------
row("POST", f"{API}/incidents/reports", WRITERS, body=report_json)
row("GET", f"{API}/incidents/reports", MEMBERS, note="issue 10 item 7: reports of incidents raised to RED")
row(
    "GET",
    f"{API}/incidents/reports/{{report_id}}",
    report_readers,
    variants=report_variants(*REPORTS),
    hidden=report_readers,
    shows=lambda w, v: shows("report {label} title" if v.label in NEW_REPORTS else "report {label} detection")(w, v),
)
row(
    "POST",
    f"{API}/incidents/reports/{{report_id}}/open",
    STAFF,
    variants=report_variants(*NEW_REPORTS),
    body=js(rsit_class="malicious-code", rsit_type="infected-system"),
    hidden=report_readers,
)
row(
    "POST",
    f"{API}/incidents/reports/{{report_id}}/attach",
    STAFF,
    variants=report_variants("A-new"),
    body=lambda w, s, v: Body(json={"incident_id": w.id("incident:A-green")}),
    hidden=report_readers,
)
row(
    "POST",
    f"{API}/incidents/reports/{{report_id}}/reject",
    STAFF,
    variants=report_variants(*NEW_REPORTS),
    body=js(reason="Không phải sự cố"),
    hidden=report_readers,
)
row("GET", f"{API}/incidents", MEMBERS)
row("GET", f"{API}/incidents/by-province", MEMBERS)
row("GET", f"{API}/incidents/deadline-profiles", MEMBERS)
row(
    "PUT",
    f"{API}/incidents/deadline-profiles/{{profile_key}}/rules/{{rule_key}}",
    PLATFORM,
    variants=lambda w: [Variant("nis2", {"profile_key": "nis2-art23", "rule_key": "matrix_rule"})],
    body=js(label_vi="Quy tắc", label_en="Rule", anchor="detected", offset_minutes=60, satisfied_by="manual"),
)
row(
    "DELETE",
    f"{API}/incidents/deadline-profiles/{{profile_key}}/rules/{{rule_key}}",
    PLATFORM,
    variants=lambda w: [Variant("nis2", {"profile_key": "cisa-circia", "rule_key": "ransom_payment"})],
)

# -- incidents: the incident and its parts ---------------------------------------------------------------
row(
    "GET",
    f"{API}/incidents/{{incident_id}}",
    readers,
    variants=incidents(),
    hidden=readers,
    shows=shows("incident {label} title"),
)
row(
    "PATCH",
    f"{API}/incidents/{{incident_id}}",
    incident_command,
    variants=incidents(WRITE_INCIDENTS),
    body=js(sector="energy"),
    hidden=readers,
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/phase",
    incident_command,
    variants=incidents(WRITE_INCIDENTS),
    body=js(phase="analysis"),
    hidden=readers,
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/close",
    incident_command,
    variants=incidents(WRITE_INCIDENTS),
    body=js(result="Đã xử lý", root_cause="Lỗ hổng", actions_taken="Vá lỗi", lessons_learned="Cập nhật"),
    hidden=readers,
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/links",
    lambda w, v: incident_work(w, v) & w.readers["incident:B-amber"],
    variants=incidents(("A-green", "A-red", "B-clear")),
    body=lambda w, s, v: Body(json={"other_incident_id": w.id("incident:B-amber")}),
    hidden=readers,
    refusals=frozenset({422}),
    note="linking needs both incidents: the other one is refused like a missing one, naming the field",
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/deadlines/{{rule_key}}/met",
    incident_work,
    variants=incidents(WRITE_INCIDENTS, rule_key=lambda w, k: "notification"),
    hidden=readers,
)
row(
    "GET",
    f"{API}/incidents/{{incident_id}}/timeline",
    readers,
    variants=incidents(),
    hidden=readers,
    shows=shows("incident {label} timeline"),
)
for part in ("tasks", "comments", "observables", "correlations", "participants"):
    row(
        "GET",
        f"{API}/incidents/{{incident_id}}/{part}",
        readers,
        variants=incidents(DISTINCT_INCIDENTS),
        hidden=readers,
    )
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/timeline",
    incident_work,
    variants=incidents(WRITE_INCIDENTS),
    body=lambda w, s, v: Body(json={"occurred_at": utcnow().isoformat(), "text": "Ghi nhận"}),
    hidden=readers,
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/tasks",
    incident_work,
    variants=incidents(WRITE_INCIDENTS),
    body=js(title="Việc mới"),
    hidden=readers,
)
row(
    "PATCH",
    f"{API}/incidents/{{incident_id}}/tasks/{{task_id}}",
    incident_work,
    variants=incidents(WRITE_INCIDENTS, task_id=lambda w, k: w.id(f"task:{k}")),
    body=js(status="in_progress"),
    hidden=readers,
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/comments",
    incident_discuss,
    variants=incidents(WRITE_INCIDENTS),
    body=js(body="Bình luận mới"),
    hidden=readers,
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/observables",
    incident_work,
    variants=incidents(WRITE_INCIDENTS),
    body=js(kind="ip", value="192.0.2.99"),
    hidden=readers,
)
row(
    "DELETE",
    f"{API}/incidents/{{incident_id}}/observables/{{observable_id}}",
    incident_work,
    variants=incidents(WRITE_INCIDENTS, observable_id=lambda w, k: w.id(f"observable:{k}:green")),
    hidden=readers,
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/participants",
    incident_command,
    variants=incidents(WRITE_INCIDENTS),
    body=lambda w, s, v: Body(json={"organisation_id": w.id("org:LP"), "role": "observer"}),
    hidden=readers,
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/participants/{{participant_id}}/end",
    incident_command,
    variants=lambda w: [
        Variant(
            "B-red",
            {"incident_id": w.id("incident:B-red"), "participant_id": w.id("participant:B-red:coordinator")},
            "incident:B-red",
        )
    ],
    hidden=readers,
)
row(
    "GET",
    f"{API}/incidents/{{incident_id}}/export.json",
    readers,
    variants=incidents(),
    hidden=readers,
    shows=shows("incident {label} comment", "observable {label} red"),
)
row(
    "GET",
    f"{API}/incidents/{{incident_id}}/export.pdf",
    readers,
    variants=incidents(PDF_INCIDENTS),
    hidden=readers,
    shows=shows("incident {label} system"),
)

# -- clusters (docs/clusters.md, ADR 0006) ----------------------------------------------------------------
row(
    "POST",
    f"{API}/cluster-files",
    WRITERS,
    body=lambda w, s, v: Body(files=upload()),
    either=only(R.MEMBERS - R.WRITERS),
    note="issue 10 item 8: a user with no role; viewers attach nothing anywhere, so either answer",
)
row("GET", f"{API}/clusters", MEMBERS)
row("POST", f"{API}/clusters", STAFF, body=js(number=999, name="Cụm mới ma trận"))
row("GET", f"{API}/clusters/{{cluster_id}}", MEMBERS, variants=clusters("1", "2"))
row("PATCH", f"{API}/clusters/{{cluster_id}}", STAFF, variants=clusters("1"), body=js(description="Mô tả mới"))
row(
    "POST",
    f"{API}/clusters/{{cluster_id}}/members",
    STAFF,
    variants=clusters("2"),
    body=lambda w, s, v: Body(json={"organisation_id": w.id("org:LC"), "joined_on": w.today.isoformat()}),
)
row(
    "PATCH",
    f"{API}/clusters/{{cluster_id}}/members/{{member_id}}",
    STAFF,
    variants=clusters("2", member_id=lambda w, k: w.id("membership:2:B")),
    body=lambda w, s, v: Body(json={"left_on": w.today.isoformat()}),
)
row("GET", f"{API}/clusters/{{cluster_id}}/terms", MEMBERS, variants=clusters("1"))
row(
    "POST",
    f"{API}/clusters/{{cluster_id}}/terms",
    STAFF,
    variants=clusters("1"),
    body=lambda w, s, v: Body(
        json={"organisation_id": w.id("org:LP"), "starts_on": f"{w.year + 2}-01-01", "ends_on": f"{w.year + 2}-12-31"}
    ),
)
row(
    "PATCH",
    f"{API}/clusters/{{cluster_id}}/terms/{{term_id}}",
    STAFF,
    variants=clusters("1", term_id=lambda w, k: w.id("term:planned")),
    body=lambda w, s, v: Body(json={"ends_on": f"{w.year + 1}-06-30"}),
)
row(
    "DELETE",
    f"{API}/clusters/{{cluster_id}}/terms/{{term_id}}",
    STAFF,
    variants=clusters("1", term_id=lambda w, k: w.id("term:planned")),
)
row(
    "POST",
    f"{API}/clusters/{{cluster_id}}/rotation",
    STAFF,
    variants=clusters("1"),
    body=lambda w, s, v: Body(json={"organisation_ids": [w.id("org:LP")], "start_year": w.year + 3, "years": 1}),
)
row("GET", f"{API}/clusters/{{cluster_id}}/lead", MEMBERS, variants=clusters("1"))
row(
    "POST",
    f"{API}/clusters/{{cluster_id}}/handovers",
    only(R.STAFF, R.LEAD_CURRENT, R.ADMIN_A),
    variants=clusters("1"),
    body=handover_json,
    note="issue 10 item 8: only the outgoing and incoming leads' admins and the coordinator",
)
row(
    "GET",
    f"{API}/clusters/{{cluster_id}}/handovers/{{handover_id}}/documents/{{file_id}}",
    cluster_insiders,
    variants=clusters("1", handover_id=lambda w, k: w.id("handover:1"), file_id=lambda w, k: w.id("handover-file:1")),
)
row(
    "GET",
    f"{API}/clusters/{{cluster_id}}/plans/{{year}}",
    cluster_insiders,
    variants=clusters("1", "2", year=lambda w, k: w.year),
    shows=shows("plan activity title cluster {label}"),
)
row(
    "PUT",
    f"{API}/clusters/{{cluster_id}}/plans/{{year}}",
    cluster_coordinators,
    variants=clusters("1", "2", year=lambda w, k: w.year),
    body=js(summary="Tổng kết"),
)
row(
    "POST",
    f"{API}/clusters/{{cluster_id}}/plans/{{year}}/activities",
    cluster_coordinators,
    variants=clusters("1", "2", year=lambda w, k: w.year),
    body=js(title="Hoạt động mới"),
)
row(
    "PATCH",
    f"{API}/clusters/{{cluster_id}}/plans/{{year}}/activities/{{activity_id}}",
    cluster_coordinators,
    variants=clusters("1", "2", year=lambda w, k: w.year, activity_id=lambda w, k: w.id(f"activity:{k}")),
    body=js(status="done"),
)
row(
    "DELETE",
    f"{API}/clusters/{{cluster_id}}/plans/{{year}}/activities/{{activity_id}}",
    cluster_coordinators,
    variants=clusters("1", "2", year=lambda w, k: w.year, activity_id=lambda w, k: w.id(f"activity:{k}")),
)

# -- readiness ---------------------------------------------------------------------------------------------
row("GET", f"{API}/readiness", MEMBERS)
row(
    "GET",
    f"{API}/readiness/coverage",
    only(R.STAFF, R.lead_admins("1")),
    body=lambda w, s, v: Body(query={"year": w.year}),
)
row(
    "GET",
    f"{API}/readiness/coverage.csv",
    only(R.STAFF, R.lead_admins("1")),
    body=lambda w, s, v: Body(query={"year": w.year}),
)
row(
    "GET",
    f"{API}/readiness/{{organisation_id}}/{{year}}",
    readiness_of,
    variants=orgs("A", "B", "LP", year=lambda w, k: w.year),
    hidden=readiness_of,
    shows=shows("readiness {label} statement"),
)
row(
    "PUT",
    f"{API}/readiness/{{organisation_id}}/{{year}}",
    readiness_editors,
    variants=orgs("A", "B", year=lambda w, k: w.year),
    body=js(ir_team=True, ir_contact_24x7="0209 3870 000"),
    hidden=readiness_of,
)
row(
    "POST",
    f"{API}/readiness/{{organisation_id}}/{{year}}/evidence",
    readiness_editors,
    variants=orgs("A", "B", year=lambda w, k: w.year),
    body=lambda w, s, v: Body(
        json={"criterion": "backup", "file_id": w.id(f"own-upload:{s}") if f"own-upload:{s}" in w.ids else 0}
    ),
    hidden=readiness_of,
)
row(
    "DELETE",
    f"{API}/readiness/{{organisation_id}}/{{year}}/evidence/{{evidence_id}}",
    readiness_editors,
    variants=orgs("A", "B", year=lambda w, k: w.year, evidence_id=lambda w, k: w.id(f"evidence:{k}")),
    hidden=readiness_of,
)
row(
    "GET",
    f"{API}/readiness/{{organisation_id}}/{{year}}/evidence/{{evidence_id}}/file",
    readiness_of,
    variants=orgs("A", "B", "LP", year=lambda w, k: w.year, evidence_id=lambda w, k: w.id(f"evidence:{k}")),
    hidden=readiness_of,
)

# -- channels (ADR 0007) ------------------------------------------------------------------------------------
row("GET", f"{API}/channels", MEMBERS)
row(
    "POST",
    f"{API}/channels",
    only(R.STAFF, R.lead_admins("1")),
    body=lambda w, s, v: Body(
        json={"kind": "topic", "name": "Kênh mới", "cluster_id": w.id("cluster:1"), "organisation_ids": [w.id("org:A")]}
    ),
)
row(
    "GET",
    f"{API}/channels/{{channel_id}}",
    MEMBERS,
    variants=objects("channel_id", "channel", CHANNELS, obj=lambda k: f"channel:{k}"),
)
row(
    "PATCH",
    f"{API}/channels/{{channel_id}}",
    STAFF,
    variants=objects("channel_id", "channel", ("cluster1", "topic"), obj=lambda k: f"channel:{k}"),
    body=js(description="Mô tả kênh"),
)
row(
    "GET",
    f"{API}/channels/{{channel_id}}/members",
    lambda w, v: channel_members(v.label),
    variants=objects("channel_id", "channel", CHANNELS, obj=lambda k: f"channel:{k}"),
    either=lambda w, v: R.MEMBERS - channel_members(v.label),
    withholds=lambda w, v, s: [] if s in channel_members(v.label) else member_emails(v.label),
    note="issue 10 item 8: non-members list a channel's members with their emails (refused, or no emails)",
)
row(
    "GET",
    f"{API}/channels/{{channel_id}}/threads",
    MEMBERS,
    variants=objects("channel_id", "channel", CHANNELS, obj=lambda k: f"channel:{k}"),
)
row(
    "POST",
    f"{API}/channels/{{channel_id}}/threads",
    lambda w, v: channel_members(v.label) & R.WRITERS,
    variants=objects("channel_id", "channel", CHANNELS, obj=lambda k: f"channel:{k}"),
    body=js(title="Chủ đề mới", body="Nội dung", tlp="green"),
)
row(
    "GET",
    f"{API}/channels/{{channel_id}}/threads/{{thread_id}}",
    thread_readers,
    variants=threads(),
    hidden=thread_readers,
    shows=shows("message {a} {b} body"),
)
row(
    "GET",
    f"{API}/channels/{{channel_id}}/threads/{{thread_id}}/messages",
    thread_readers,
    variants=threads(),
    hidden=thread_readers,
)
row(
    "POST",
    f"{API}/channels/{{channel_id}}/threads/{{thread_id}}/messages",
    lambda w, v: thread_readers(w, v) & channel_posters(w, v),
    variants=threads(),
    body=js(body="Trả lời", tlp="green"),
    hidden=thread_readers,
)
row(
    "GET",
    f"{API}/channels/{{channel_id}}/messages/{{message_id}}/attachments/{{file_id}}",
    readers,
    variants=message_files(),
    hidden=readers,
)

# -- events and knowledge -------------------------------------------------------------------------------------
row("GET", f"{API}/events", MEMBERS)
row(
    "POST",
    f"{API}/events",
    only(R.STAFF, R.lead_admins("1")),
    body=lambda w, s, v: Body(
        json={
            "cluster_id": w.id("cluster:1"),
            "title": "Sự kiện mới",
            "starts_at": soon(),
            "ends_at": soon(24 * 5 + 2),
            "location": "Hà Nội",
        }
    ),
)
row(
    "GET",
    f"{API}/events/{{event_id}}",
    event_readers,
    variants=events("network", "cluster1", "cluster2"),
    hidden=event_readers,
    shows=lambda w, v: frozenset({w.markers.text("event cluster 1 title")}) if v.label == "cluster1" else frozenset(),
)
row(
    "PATCH",
    f"{API}/events/{{event_id}}",
    event_managers,
    variants=events("network", "cluster1"),
    body=js(location="Đà Nẵng"),
    hidden=event_readers,
)
row(
    "POST",
    f"{API}/events/{{event_id}}/registration",
    event_readers,
    variants=events("network", "cluster2"),
    hidden=event_readers,
)
row(
    "DELETE",
    f"{API}/events/{{event_id}}/registration",
    lambda w, v: frozenset({R.VIEWER, R.ADMIN_A}),
    variants=events("cluster1"),
    hidden=event_readers,
    note="only those registered",
)
row(
    "GET",
    f"{API}/events/{{event_id}}/registrations",
    event_managers,
    variants=events("cluster1", "network"),
    hidden=event_readers,
)
row(
    "POST",
    f"{API}/events/{{event_id}}/attendance",
    event_managers,
    variants=events("cluster1-live"),
    body=lambda w, s, v: Body(json={"user_id": w.id(f"user:{R.VIEWER}"), "attended": True}),
    hidden=event_readers,
)
row(
    "POST",
    f"{API}/events/{{event_id}}/materials",
    event_managers,
    variants=events("cluster1"),
    body=js(title_vi="Tài liệu", tlp="green"),
    hidden=event_readers,
)
row("GET", f"{API}/knowledge", MEMBERS)
row("POST", f"{API}/knowledge", WRITERS, body=js(title_vi="Tài liệu mới", tlp="green"))
row(
    "GET",
    f"{API}/knowledge/{{document_id}}",
    readers,
    variants=knowledge_docs(),
    hidden=readers,
    shows=shows("knowledge {a} {b} title"),
)
row(
    "PATCH",
    f"{API}/knowledge/{{document_id}}",
    knowledge_editors,
    variants=knowledge_docs(),
    body=js(tags=["moi"]),
    hidden=readers,
)
row(
    "GET",
    f"{API}/knowledge/{{document_id}}/files/{{file_id}}",
    readers,
    variants=knowledge_docs(with_file=True),
    hidden=readers,
    shows=shows("knowledge {a} {b} content"),
)

# -- pages: home, account, notifications ---------------------------------------------------------------------
row("GET", "/", LOGGED_IN)
row("GET", "/account", MEMBERS, either=NOROLE_OWN)
row(
    "POST",
    "/account",
    MEMBERS,
    either=NOROLE_OWN,
    body=form(full_name="Tên Mới", phone="", language="vi", timezone="Asia/Ho_Chi_Minh"),
)
row(
    "POST",
    "/account/password",
    MEMBERS,
    either=NOROLE_OWN,
    body=form(
        current_password=PASSWORD,
        new_password="another long password 2026",
        new_password_again="another long password 2026",
    ),
    subjects=ARGON_SUBJECTS | {R.OWES_2FA, R.NOROLE},
)
row("POST", "/account/sessions/revoke-others", MEMBERS, either=NOROLE_OWN)
row("GET", "/account/2fa", only(R.LOGGED_IN, R.OWES_2FA))
row(
    "POST",
    "/account/2fa/begin",
    only(R.LOGGED_IN, R.OWES_2FA),
    subjects=frozenset({R.ANON, R.NOROLE, R.VIEWER, R.RESPONDER, R.EXPERT_ENDED, R.EXPERT_DEPLOYED, R.OWES_2FA}),
    note="only for those without a second factor",
)
row(
    "POST",
    "/account/2fa/confirm",
    only(R.OWES_2FA),
    body=lambda w, s, v: Body(form={"code": totp_now(w, s)}),
    subjects=frozenset({R.ANON, R.OWES_2FA}),
    note="only a pending enrolment can be confirmed",
)
row(
    "POST",
    "/account/2fa/manage",
    only(R.LOGGED_IN),
    body=lambda w, s, v: Body(form={"action": "regenerate", "code": totp_now(w, s)}),
    subjects=frozenset({R.ANON, R.ADMIN_A, R.ADMIN_B, R.LEAD_PAST, R.LEAD_CURRENT, R.COORDINATOR, R.PLATFORM_ADMIN}),
    note="only for those with a second factor",
)
row("GET", "/account/tokens", MEMBERS, either=NOROLE_OWN)
row(
    "POST",
    "/account/tokens",
    MEMBERS,
    body=form(name="matrix", scopes="profile:read", expires_in_days="30"),
    subjects=frozenset(R.SUBJECTS) - {R.NOROLE},
    note="a user without a role may hold no scope",
)
row("POST", "/account/tokens/{token_id}/revoke", of_own, variants=own("token_id", "token", R.MEMBERS))
row("GET", "/account/notifications", MEMBERS, either=NOROLE_OWN)
row("POST", "/account/notifications", MEMBERS, either=NOROLE_OWN, body=form(), audited=False)
row("GET", "/notifications", MEMBERS, either=NOROLE_OWN)
row(
    "POST",
    "/notifications/{notification_id}/read",
    MEMBERS,
    variants=lambda w: [Variant(k, {"notification_id": w.id(f"notification:{k}")}) for k in (R.VIEWER, R.COORDINATOR)],
    either=NOROLE_OWN,
    audited=False,
    note="marks the caller's own notification; another's id is ignored, as a missing one",
)
row("POST", "/notifications/read-all", MEMBERS, either=NOROLE_OWN, audited=False)

# -- pages: administration ---------------------------------------------------------------------------------
row("GET", "/admin", ADMINS_AND_STAFF)
row("GET", "/admin/users", ADMINS_AND_STAFF)
row("GET", "/admin/users/new", ADMINS_AND_STAFF)
row(
    "POST",
    "/admin/users/new",
    ADMINS_AND_STAFF,
    body=lambda w, s, v: Body(
        form={
            "email": "moi@matrix.example.vn",
            "full_name": "Người Mới",
            "organisation_id": str(org_id_of(w, s)),
            "roles": "viewer",
        }
    ),
)
row(
    "GET",
    "/admin/users/{user_id}",
    lambda w, v: user_readers(w, v) & (R.ORG_ADMINS | R.STAFF),
    variants=users(R.VIEWER, R.ADMIN_B, R.PLATFORM_ADMIN),
    hidden=user_readers,
)
row(
    "POST",
    "/admin/users/{user_id}",
    lambda w, v: user_managers(w, v) | (self_of(v) & (R.ORG_ADMINS | R.STAFF)),
    variants=users(R.VIEWER, R.ADMIN_B, R.PLATFORM_ADMIN),
    body=lambda w, s, v: Body(
        form={
            "full_name": "Tên",
            "roles": R.ROLE_OF[(v.obj or ":").split(":")[1]],
            "is_active": "on" if v.obj == f"user:{s}" else "",
        }
    ),
    hidden=user_readers,
    note="issue 10 item 2: deactivating a platform admin",
)
row(
    "POST",
    "/admin/users/{user_id}/reset-2fa",
    user_managers,
    variants=users(R.VIEWER, R.ADMIN_B, R.PLATFORM_ADMIN),
    hidden=user_readers,
    either=lambda w, v: self_of(v),
    note="issue 10 item 2: a coordinator resetting a platform admin's second factor (one's own: not documented)",
)
row("GET", "/admin/organisations", ADMINS_AND_STAFF)
row("GET", "/admin/organisations/new", STAFF)
row("POST", "/admin/organisations/new", STAFF, body=form(name="Tổ chức mới ma trận", kind="province"))
row("GET", "/admin/organisations/{organisation_id}", profile_editors, variants=orgs("A", "B"))
row(
    "POST",
    "/admin/organisations/{organisation_id}",
    profile_editors,
    variants=orgs("A", "B"),
    body=lambda w, s, v: Body(form={"name": f"Tổ chức {v.label} đổi tên", "kind": "province", "status": "active"}),
)
# The page shows one page of records, newest first: filtered by action, the older ones come up too.
row(
    "GET",
    "/admin/audit",
    ADMINS_AND_STAFF,
    variants=lambda w: [Variant(prefix or "all") for prefix in ("", "incident.", "knowledge.", "file.", "channel.")],
    body=lambda w, s, v: Body(query={"action": "" if v.label == "all" else v.label}),
    note="issue 10 item 5",
)
row("GET", "/admin/jobs", STAFF, note="issue 10 items 1 and 5")
row("POST", "/admin/jobs/{job_id}/retry", PLATFORM, variants=fixed(job_id=lambda w: w.id("job:failed")))
row("GET", "/admin/webhooks", only(R.ORG_ADMINS, R.PLATFORM_ADMIN))
row(
    "POST",
    "/admin/webhooks",
    only(R.ORG_ADMINS, R.PLATFORM_ADMIN),
    body=lambda w, s, v: Body(
        form={"organisation_id": str(org_id_of(w, s)), "url": "https://hooks.matrix.example.vn/page"}
    ),
)
row(
    "POST",
    "/admin/webhooks/{webhook_id}/delete",
    lambda w, v: R.admins_of(v.label) | {R.PLATFORM_ADMIN},
    variants=objects("webhook_id", "webhook", ("A", "B"), obj=lambda k: f"org:{k}"),
    body=lambda w, s, v: Body(form={"organisation_id": str(w.id(f"org:{v.label}"))}),
)

# -- pages: members --------------------------------------------------------------------------------------------
row("GET", "/members", MEMBERS)
row("GET", "/members/directory.csv", MEMBERS)
row("GET", "/members/lookup", MEMBERS, query={"q": "198.51.100.7"})
row("GET", "/members/experts", MEMBERS)
row("GET", "/members/applications", STAFF)
row("GET", "/members/applications/{application_id}", STAFF, variants=objects("application_id", "application", ("1",)))
row(
    "GET",
    "/members/applications/{application_id}/documents/{file_id}",
    STAFF,
    variants=lambda w: [Variant("1", {"application_id": w.id("application:1"), "file_id": w.id("application-file:1")})],
    shows=lambda w, v: frozenset({w.markers.text("application document")}),
)
row(
    "POST",
    "/members/applications/{application_id}/request-info",
    STAFF,
    variants=objects("application_id", "application", ("2",)),
    body=form(question="Bổ sung hồ sơ?"),
)
row(
    "POST",
    "/members/applications/{application_id}/approve",
    STAFF,
    variants=objects("application_id", "application", ("2",)),
    body=form(member_code="MX-APP2"),
)
row(
    "POST",
    "/members/applications/{application_id}/reject",
    STAFF,
    variants=objects("application_id", "application", ("2",)),
    body=form(reason="Không đủ điều kiện"),
)
row("GET", "/members/constituency/conflicts", MEMBERS)
row(
    "POST",
    "/members/constituency/claims/{claim_id}/resolve",
    STAFF,
    variants=fixed(claim_id=lambda w: w.id("claim:B-narrow")),
    body=form(action="accept"),
)
row("GET", "/members/stale", STAFF)
row("GET", "/members/import", STAFF)
row(
    "POST",
    "/members/import",
    STAFF,
    body=lambda w, s, v: Body(
        files={
            "file": (
                "members.csv",
                "record,member_code,name,kind\norganisation,MX-IMP,Tổ chức nhập,province\n".encode(),
                "text/csv",
            )
        }
    ),
)
row(
    "GET",
    "/members/{organisation_id}",
    MEMBERS,
    variants=orgs("A", "B", "LP"),
    shows=shows("org {label} system name", "org {label} address"),
)
MEMBER_FORMS: list[tuple[str, Callable[[World, str, Variant], Body] | None, Callable[[World, str], object] | None]] = [
    ("profile", form(name="Tên mới", address="Địa chỉ mới", kind="province"), None),
    ("confirm", None, None),
    ("contacts", form(role="technical", full_name="Kỹ Thuật Viên", phone="0912000333"), None),
    ("contacts/{contact_id}/delete", None, lambda w, k: w.id(f"contact:{k}")),
    ("systems", form(name="Hệ thống mới", security_level="2"), None),
    ("systems/{system_id}/delete", None, lambda w, k: w.id(f"system:{k}")),
    ("services", form(services="incident-management.coordination"), None),
    ("constituency", form(value="matrix-new-claim.example.vn"), None),
    ("constituency/{claim_id}/delete", None, lambda w, k: w.id(f"claim:{k}")),
    ("experts", form(full_name="Chuyên Gia Mới", skills="malware-analysis", level="2", max_deployments="1"), None),
    (
        "experts/{expert_id}/availability",
        form(available=""),
        lambda w, k: w.id("expert:A" if k == "A" else f"expert:{R.EXPERT_DEPLOYED}"),
    ),
    ("experts/{expert_id}/delete", None, lambda w, k: w.id("expert:A" if k == "A" else "expert:spare")),
]
for suffix, body, second in MEMBER_FORMS:
    names = [n for n in ("contact_id", "system_id", "claim_id", "expert_id") if f"{{{n}}}" in suffix]
    more = {names[0]: second} if names and second else {}
    row("POST", f"/members/{{organisation_id}}/{suffix}", profile_editors, variants=orgs("A", "B", **more), body=body)
row(
    "POST",
    "/members/{organisation_id}/constituency/{claim_id}/delegate",
    profile_editors,
    variants=orgs("A", "B", claim_id=lambda w, k: w.id(f"claim:{k}")),
    body=lambda w, s, v: Body(
        form={"value": "sub." + w.values[f"claim:{v.label}"], "organisation_id": str(w.id("org:LC"))}
    ),
)

# -- pages: incidents ------------------------------------------------------------------------------------------
row("GET", "/incidents", MEMBERS)
row("GET", "/incidents/provinces", MEMBERS)
row("GET", "/incidents/report", WRITERS)
row("POST", "/incidents/report", WRITERS, body=report_form)
row("GET", "/incidents/reports", MEMBERS)
row("GET", "/incidents/reports/{report_id}", report_readers, variants=report_variants(*REPORTS), hidden=report_readers)
row(
    "GET",
    "/incidents/reports/{report_id}/attachments/{attachment_id}",
    report_readers,
    variants=report_variants("A-amber", "A-red", "B-green", "A-confidential", with_file=True),
    hidden=report_readers,
    shows=shows("report {label} attachment content"),
)
row(
    "POST",
    "/incidents/reports/{report_id}/open",
    STAFF,
    variants=report_variants(*NEW_REPORTS),
    body=form(rsit="malicious-code/infected-system"),
    hidden=report_readers,
)
row(
    "POST",
    "/incidents/reports/{report_id}/attach",
    STAFF,
    variants=report_variants("A-new"),
    body=lambda w, s, v: Body(form={"incident": str(w.id("incident:A-green"))}),
    hidden=report_readers,
)
row(
    "POST",
    "/incidents/reports/{report_id}/reject",
    STAFF,
    variants=report_variants(*NEW_REPORTS),
    body=form(reason="Không phải sự cố"),
    hidden=report_readers,
)
row(
    "GET",
    "/incidents/deadline-profiles",
    PLATFORM,
    either=only(R.MEMBERS - {R.PLATFORM_ADMIN}),
    note="issue 10 item 8: a user with no role; members may read the profiles (the API lets them) or not",
)
row(
    "POST",
    "/incidents/deadline-profiles/{profile_key}/rules",
    PLATFORM,
    variants=lambda w: [Variant("nis2", {"profile_key": "nis2-art23"})],
    body=form(
        key="matrix_rule",
        label_vi="Quy tắc",
        label_en="Rule",
        anchor="detected",
        offset_minutes="60",
        satisfied_by="manual",
    ),
)
row(
    "POST",
    "/incidents/deadline-profiles/{profile_key}/default",
    PLATFORM,
    variants=lambda w: [Variant("nis2", {"profile_key": "nis2-art23"})],
)
row(
    "GET",
    "/incidents/{incident_id}",
    readers,
    variants=incidents(),
    hidden=readers,
    shows=shows("incident {label} task title", "incident {label} comment", "observable {label} red"),
)
row("GET", "/incidents/{incident_id}/export.pdf", readers, variants=incidents(("A-red",)), hidden=readers)
row("GET", "/incidents/{incident_id}/export.json", readers, variants=incidents(DISTINCT_INCIDENTS), hidden=readers)
row(
    "POST",
    "/incidents/{incident_id}/classify",
    incident_command,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=form(sector="energy"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/phase",
    incident_command,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=form(phase="analysis"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/close",
    incident_command,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=form(result="Đã xử lý", root_cause="Lỗ hổng", actions_taken="Vá lỗi", lessons_learned="Cập nhật"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/timeline",
    incident_work,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=lambda w, s, v: Body(form={"occurred_at": utcnow().strftime("%Y-%m-%dT%H:%M"), "text": "Ghi nhận"}),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/tasks",
    incident_work,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=form(title="Việc mới"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/tasks/{task_id}",
    incident_work,
    variants=incidents(PAGE_WRITE_INCIDENTS, task_id=lambda w, k: w.id(f"task:{k}")),
    body=form(status="in_progress"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/comments",
    incident_discuss,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=form(body="Bình luận mới"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/observables",
    incident_work,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=form(kind="ip", value="192.0.2.99"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/observables/{observable_id}/delete",
    incident_work,
    variants=incidents(PAGE_WRITE_INCIDENTS, observable_id=lambda w, k: w.id(f"observable:{k}:green")),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/participants",
    incident_command,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=form(organisation_code="MX-LP", role="observer"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/participants/{participant_id}/end",
    incident_command,
    variants=lambda w: [
        Variant(
            "B-red",
            {"incident_id": w.id("incident:B-red"), "participant_id": w.id("participant:B-red:coordinator")},
            "incident:B-red",
        )
    ],
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/links",
    lambda w, v: incident_work(w, v) & w.readers["incident:B-amber"],
    variants=incidents(("A-green", "A-red", "B-clear")),
    body=lambda w, s, v: Body(form={"other": str(w.id("incident:B-amber"))}),
    hidden=readers,
    refusals=frozenset({303}),
    note="an incident one may not see is refused with the form's error, nothing recorded",
)
row(
    "POST",
    "/incidents/{incident_id}/deadlines/{rule_key}/met",
    incident_work,
    variants=incidents(PAGE_WRITE_INCIDENTS, rule_key=lambda w, k: "notification"),
    hidden=readers,
)

# -- pages: mobilisation ---------------------------------------------------------------------------------------
row("GET", "/incidents/{incident_id}/mobilisation", readers, variants=incidents(DISTINCT_INCIDENTS), hidden=readers)
row(
    "POST",
    "/incidents/{incident_id}/mobilisation/requests",
    incident_mobilise,
    variants=incidents(("A-green", "A-strict", "A-red", "B-amber", "B-red")),
    body=form(
        summary="Cần hỗ trợ phân tích",
        mode="remote",
        duration="2",
        duration_unit="days",
        urgency="normal",
        experts_needed="1",
        answer_within="4",
        **{"skill__malware-analysis": "1"},
    ),
    hidden=readers,
)
row(
    "GET",
    "/mobilisation/requests/{request_id}",
    request_readers,
    variants=requests("fulfilled", "pending-B", "pending-LC"),
    hidden=request_readers,
)
row(
    "POST",
    "/mobilisation/requests/{request_id}/accept",
    request_answerers,
    variants=requests("pending-B", "pending-LC"),
    body=accept_form,
    hidden=request_readers,
)
row(
    "POST",
    "/mobilisation/requests/{request_id}/decline",
    request_answerers,
    variants=requests("pending-B", "pending-LC"),
    body=form(reason="Không có chuyên gia rảnh"),
    hidden=request_readers,
)
row(
    "POST",
    "/mobilisation/requests/{request_id}/cancel",
    STAFF,
    variants=requests("pending-B"),
    body=form(reason="Đã xử lý xong"),
    hidden=request_readers,
)
row(
    "POST",
    "/mobilisation/deployments/{deployment_id}/release",
    deployment_releasers,
    variants=deployments("active"),
    body=form(outcome="Hoàn thành"),
    hidden=deployment_readers,
)
row(
    "POST",
    "/mobilisation/deployments/{deployment_id}/record",
    deployment_releasers,
    variants=deployments("ended"),
    body=form(outcome="Đã ghi nhận"),
    hidden=deployment_readers,
)
row("GET", "/mobilisation/requests", MEMBERS)
row("GET", "/mobilisation", MEMBERS)

# -- pages: clusters and readiness ------------------------------------------------------------------------------
row("GET", "/clusters", MEMBERS)
row("POST", "/clusters", STAFF, body=form(number="999", name="Cụm mới ma trận"))
row(
    "GET",
    "/clusters/{cluster_id}",
    MEMBERS,
    variants=clusters("1", "2"),
    shows=lambda w, v: frozenset({w.markers.text("handover minutes cluster 1")}) if v.label == "1" else frozenset(),
)
row(
    "POST",
    "/clusters/{cluster_id}/members",
    STAFF,
    variants=clusters("2"),
    body=lambda w, s, v: Body(form={"organisation_id": str(w.id("org:LC")), "joined_on": w.today.isoformat()}),
)
row(
    "POST",
    "/clusters/{cluster_id}/members/{member_id}/leave",
    STAFF,
    variants=clusters("2", member_id=lambda w, k: w.id("membership:2:B")),
    body=lambda w, s, v: Body(form={"left_on": w.today.isoformat()}),
)
row(
    "POST",
    "/clusters/{cluster_id}/terms",
    STAFF,
    variants=clusters("1"),
    body=lambda w, s, v: Body(
        form={
            "organisation_id": str(w.id("org:LP")),
            "starts_on": f"{w.year + 2}-01-01",
            "ends_on": f"{w.year + 2}-12-31",
        }
    ),
)
row(
    "POST",
    "/clusters/{cluster_id}/terms/{term_id}/delete",
    STAFF,
    variants=clusters("1", term_id=lambda w, k: w.id("term:planned")),
)
row(
    "POST",
    "/clusters/{cluster_id}/rotation",
    STAFF,
    variants=clusters("1"),
    body=lambda w, s, v: Body(form={"order": str(w.id("org:LP")), "start_year": str(w.year + 3), "years": "1"}),
)
row(
    "POST",
    "/clusters/{cluster_id}/handovers",
    only(R.STAFF, R.LEAD_CURRENT, R.ADMIN_A),
    variants=clusters("1"),
    body=handover_form,
    note="issue 10 item 8",
)
row(
    "GET",
    "/clusters/{cluster_id}/handovers/{handover_id}/documents/{file_id}",
    cluster_insiders,
    variants=clusters("1", handover_id=lambda w, k: w.id("handover:1"), file_id=lambda w, k: w.id("handover-file:1")),
    shows=lambda w, v: frozenset({w.markers.text("handover document cluster 1 content")}),
)
row(
    "GET",
    "/clusters/{cluster_id}/plans/{year}",
    cluster_insiders,
    variants=clusters("1", "2", year=lambda w, k: w.year),
)
row(
    "POST",
    "/clusters/{cluster_id}/plans/{year}/summary",
    cluster_coordinators,
    variants=clusters("1", "2", year=lambda w, k: w.year),
    body=form(summary="Tổng kết"),
)
row(
    "POST",
    "/clusters/{cluster_id}/plans/{year}/activities",
    cluster_coordinators,
    variants=clusters("1", "2", year=lambda w, k: w.year),
    body=form(title="Hoạt động mới"),
)
row(
    "POST",
    "/clusters/{cluster_id}/plans/{year}/activities/{activity_id}",
    cluster_coordinators,
    variants=clusters("1", "2", year=lambda w, k: w.year, activity_id=lambda w, k: w.id(f"activity:{k}")),
    body=form(title="Hoạt động đổi tên", status="done"),
)
row(
    "POST",
    "/clusters/{cluster_id}/plans/{year}/activities/{activity_id}/delete",
    cluster_coordinators,
    variants=clusters("1", "2", year=lambda w, k: w.year, activity_id=lambda w, k: w.id(f"activity:{k}")),
)
row("GET", "/readiness", MEMBERS)
row("GET", "/readiness/coverage", only(R.STAFF, R.lead_admins("1")))
row("GET", "/readiness/coverage.csv", only(R.STAFF, R.lead_admins("1")))
row(
    "GET",
    "/readiness/{organisation_id}/{year}",
    readiness_of,
    variants=orgs("A", "B", "LP", year=lambda w, k: w.year),
    hidden=readiness_of,
)
row(
    "POST",
    "/readiness/{organisation_id}/{year}",
    readiness_editors,
    variants=orgs("A", "B", year=lambda w, k: w.year),
    body=form(ir_team="true", ir_contact_24x7="0209 3870 000"),
    hidden=readiness_of,
)
row(
    "POST",
    "/readiness/{organisation_id}/{year}/evidence",
    readiness_editors,
    variants=orgs("A", "B", year=lambda w, k: w.year),
    body=lambda w, s, v: Body(
        form={"criterion": "backup"}, files={"file": ("bang-chung.txt", b"evidence", "text/plain")}
    ),
    hidden=readiness_of,
)
row(
    "POST",
    "/readiness/{organisation_id}/{year}/evidence/{evidence_id}/delete",
    readiness_editors,
    variants=orgs("A", "B", year=lambda w, k: w.year, evidence_id=lambda w, k: w.id(f"evidence:{k}")),
    hidden=readiness_of,
)
row(
    "GET",
    "/readiness/{organisation_id}/{year}/evidence/{evidence_id}/file",
    readiness_of,
    variants=orgs("A", "B", "LP", year=lambda w, k: w.year, evidence_id=lambda w, k: w.id(f"evidence:{k}")),
    hidden=readiness_of,
    shows=shows("readiness {label} evidence content"),
)

# -- pages: channels, events, knowledge -------------------------------------------------------------------------
row("GET", "/channels", MEMBERS)
row(
    "POST",
    "/channels",
    only(R.STAFF, R.lead_admins("1")),
    body=lambda w, s, v: Body(
        form={
            "kind": "topic",
            "name": "Kênh mới",
            "cluster_id": str(w.id("cluster:1")),
            "organisation_ids": str(w.id("org:A")),
        }
    ),
)
row(
    "GET",
    "/channels/{channel_id}",
    MEMBERS,
    variants=objects("channel_id", "channel", CHANNELS, obj=lambda k: f"channel:{k}"),
)
row(
    "POST",
    "/channels/{channel_id}/archive",
    STAFF,
    variants=objects("channel_id", "channel", ("cluster1", "topic"), obj=lambda k: f"channel:{k}"),
)
row(
    "POST",
    "/channels/{channel_id}/threads",
    lambda w, v: channel_members(v.label) & R.WRITERS,
    variants=objects("channel_id", "channel", CHANNELS, obj=lambda k: f"channel:{k}"),
    body=form(title="Chủ đề mới", body="Nội dung", tlp="green"),
)
row(
    "GET",
    "/channels/{channel_id}/threads/{thread_id}",
    thread_readers,
    variants=threads(),
    hidden=thread_readers,
    shows=shows("message {a} {b} body", "thread {a} {b} title"),
)
row(
    "POST",
    "/channels/{channel_id}/threads/{thread_id}/messages",
    lambda w, v: thread_readers(w, v) & channel_posters(w, v),
    variants=threads(("cluster1:green", "cluster1:red", "topic:strict", "cluster2:green")),
    body=form(body="Trả lời", tlp="green"),
    hidden=thread_readers,
)
row(
    "GET",
    "/channels/{channel_id}/messages/{message_id}/attachments/{file_id}",
    readers,
    variants=message_files(),
    hidden=readers,
    shows=shows("message {a} {b} content"),
)
row("GET", "/events", MEMBERS)
row(
    "POST",
    "/events",
    only(R.STAFF, R.lead_admins("1")),
    body=lambda w, s, v: Body(
        form={
            "cluster_id": str(w.id("cluster:1")),
            "title": "Sự kiện mới",
            "starts_at": (utcnow() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (utcnow() + timedelta(days=5, hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "location": "Hà Nội",
        }
    ),
)
row(
    "GET", "/events/{event_id}", event_readers, variants=events("network", "cluster1", "cluster2"), hidden=event_readers
)
row("POST", "/events/{event_id}/register", event_readers, variants=events("network", "cluster2"), hidden=event_readers)
row(
    "POST",
    "/events/{event_id}/unregister",
    lambda w, v: frozenset({R.VIEWER, R.ADMIN_A}),
    variants=events("cluster1"),
    hidden=event_readers,
)
row(
    "POST",
    "/events/{event_id}/attendance",
    event_managers,
    variants=events("cluster1-live"),
    body=lambda w, s, v: Body(form={"user_id": str(w.id(f"user:{R.VIEWER}")), "attended": "true"}),
    hidden=event_readers,
)
row("POST", "/events/{event_id}/cancel", event_managers, variants=events("network", "cluster1"), hidden=event_readers)
row(
    "POST",
    "/events/{event_id}/materials",
    event_managers,
    variants=events("cluster1"),
    body=form(title_vi="Tài liệu", tlp="green"),
    hidden=event_readers,
)
row("GET", "/knowledge", MEMBERS)
row("POST", "/knowledge", WRITERS, body=form(title_vi="Tài liệu mới", tlp="green"))
row("GET", "/knowledge/{document_id}", readers, variants=knowledge_docs(), hidden=readers)
row(
    "GET",
    "/knowledge/{document_id}/files/{file_id}",
    readers,
    variants=knowledge_docs(with_file=True, labels=PAGE_KNOWLEDGE),
    hidden=readers,
)
