"""The table's vocabulary: named policies (who may, from tests/security/rules.py), the variants
that fill a route's path (which objects: own and others', every TLP), bodies, and who is who among
the world's objects."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta

import pyotp

from csirtnet.kit.time import utcnow
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
# A user without a role on their own account pages: the documentation does not say; both answers pass.
NOROLE_OWN = only(R.NOROLE)


def readers(w: World, v: Variant) -> frozenset[str]:
    """Who may see the variant's object (computed in world.py from rules.py)."""
    assert v.obj is not None
    return w.readers[v.obj]


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


# docs/security.md: whose account each role may act on — nobody acts on an account holding powers
# they do not hold (an org admin's roles grant webhooks, readiness and answers to support requests,
# which a coordinator's do not).
ACTS_ON = {
    "platform_admin": frozenset({"viewer", "responder", "org_admin", "coordinator", "platform_admin"}),
    "coordinator": frozenset({"viewer", "responder", "coordinator"}),
    "org_admin": frozenset({"viewer", "responder", "org_admin"}),
}


def user_managers(w: World, v: Variant) -> frozenset[str]:
    """Deactivate, reset the second factor or the password: the organisation's admins and the
    coordinator's staff, each only on accounts whose powers they hold (docs/security.md)."""
    assert v.obj
    key = v.obj.split(":", 1)[1]
    target = R.ROLE_OF.get(key)
    managers = R.admins_of(R.ORG_OF[key]) | R.STAFF
    return frozenset(
        m for m in managers if target is None or target in ACTS_ON.get(R.ROLE_OF.get(m, ""), frozenset())
    ) - {key}


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


class Table:
    """Collects a module's rows: `row("GET", "/path", POLICY, variants=…, body=…)`."""

    def __init__(self) -> None:
        self.rows: list[Row] = []

    def row(self, method: str, path: str, policy: Policy, **kw: object) -> None:
        self.rows.append(Row(method, path, policy, **kw))  # type: ignore[arg-type]
