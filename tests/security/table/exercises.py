"""Rows of the exercise API (issue 16; authz/exercise.py's module page and the EXERCISES_* permissions):
who sees an exercise (a draft: the coordinating body's staff, its staff, its organiser organisation's
admins; once published also the network for a national or international exercise, the cluster's
members for a cluster exercise, and the people of its teams), who changes it (its organisers: the
coordinating body's staff, the current lead of its cluster, its named organisers), who keeps a
team's roster (the organisers and the team's organisation's admins), who sees a team's work (its
people, the exercise's staff, the coordinating body; never another team), who plays (a listed member
holding EXERCISES_PLAY, while it runs), who judges (organisers and named judges) and who controls
(organisers and named controllers). An exercise a subject may not see is refused as a missing id.
Seeded by tests/security/seed_exercises.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from tests.security import rules as R
from tests.security.runner import Body, Policy, Variant, Variants
from tests.security.seed_exercises import (
    EXERCISES,
    FROZEN,
    FROZEN_SCORE,
    all_work_readers,
    organisers,
    readers,
    team_managers,
)
from tests.security.table.vocabulary import API, MEMBERS, Table, js, only
from tests.security.world import World

TABLE = Table()
row = TABLE.row

EX = f"{API}/exercises"
# A user without a role reads no exercise: a refusal or an empty list are both right.
NOROLE_EMPTY = only(R.NOROLE)
# Every seeded exercise.
ALL = tuple(EXERCISES)


# -- variants and policies by exercise -----------------------------------------------------------


def key_of(v: Variant) -> str:
    assert v.obj is not None and v.obj.startswith("exercise:")
    return v.obj.split(":", 1)[1]


def part(v: Variant, n: int = 1) -> str:
    """The n-th part of a label "exercise:team:…"."""
    return v.label.split(":")[n]


def exercises(keys: Sequence[str] = ALL) -> Variants:
    return lambda w: [Variant(k, {"exercise_id": w.id(f"exercise:{k}")}, f"exercise:{k}") for k in keys]


def within(param: str, prefix: str, labels: Sequence[str], **more: Callable[[World, str], object]) -> Variants:
    """One variant per "exercise:rest" label: the exercise's id and `param`, the id of `prefix:label`;
    `more` fills further parameters from the label."""
    return _within(param, prefix, labels, 0, more)


def _within(
    param: str, prefix: str, labels: Sequence[str], parts: int, more: Mapping[str, Callable[[World, str], object]]
) -> Variants:
    """`within`, naming `param`'s object by the label's first `parts` parts (all of them: 0)."""

    def make(w: World) -> list[Variant]:
        out = []
        for label in labels:
            key = label.split(":", 1)[0]
            named = ":".join(label.split(":")[:parts]) if parts else label
            params: dict[str, object] = {"exercise_id": w.id(f"exercise:{key}"), param: w.id(f"{prefix}:{named}")}
            for name, fn in more.items():
                params[name] = fn(w, label)
            out.append(Variant(label, params, f"exercise:{key}"))
        return out

    return make


def teams(labels: Sequence[str], **more: Callable[[World, str], object]) -> Variants:
    """Variants "exercise:team[:…]" with the team's id."""
    return _within("team_id", "team", labels, 2, more)


def by_key(rule: Callable[[str], frozenset[str]]) -> Policy:
    return lambda w, v: rule(key_of(v))


def by_team(rule: Callable[[str, str], frozenset[str]]) -> Policy:
    return lambda w, v: rule(key_of(v), part(v))


def when(states: Sequence[str], rule: Callable[[str], frozenset[str]]) -> Policy:
    """`rule` while the exercise is in one of `states`; nobody otherwise."""
    return lambda w, v: rule(key_of(v)) if EXERCISES[key_of(v)].status in states else frozenset()


HIDDEN = by_key(readers)


def shows_marked(*templates: str) -> Callable[[World, Variant], frozenset[str]]:
    """The markers planted as `templates` ("{key}": the variant's exercise; "{label}": its label, its
    parts apart: "tabletop:released" -> "tabletop released")."""
    return lambda w, v: frozenset(
        w.markers.text(t.format(key=key_of(v), label=v.label.replace(":", " "))) for t in templates
    )


def title_of(key: str) -> str:
    """The marker each reader of the exercise finds where it is shown (an outside drill's is its description)."""
    return f"exercise {key} description" if EXERCISES[key].kind == "external" else f"exercise {key} title"


def titles(*keys: str) -> Callable[[World, Variant], frozenset[str]]:
    return lambda w, v: frozenset(w.markers.text(f"exercise {k} title") for k in keys)


# -- the exercise ----------------------------------------------------------------------------------


def create_body(w: World, s: str, v: Variant) -> Body:
    values: dict[str, object] = {
        "kind": "tabletop",
        "title": "Diễn tập mới",
        "starts_at": "2030-03-01T08:00:00+07:00",
        "ends_at": "2030-03-01T17:00:00+07:00",
    }
    if v.label == "national":
        values["scope"] = "national"
    else:
        values.update(scope="cluster", cluster_id=w.id(f"cluster:{v.label[-1]}"))
    return Body(json=values)


def creators(w: World, v: Variant) -> frozenset[str]:
    """National exercises are the coordinating body's; a cluster's, also its current lead's admins."""
    if v.label == "national":
        return R.STAFF
    return R.STAFF | R.lead_admins(v.label[-1])


row("GET", EX, MEMBERS, either=NOROLE_EMPTY, shows=titles("technical", "tabletop", "draft", "livefire", "published"))
row(
    "POST",
    EX,
    creators,
    variants=lambda w: [Variant("national"), Variant("cluster-1"), Variant("cluster-2")],
    body=create_body,
)
row(
    "GET",
    f"{EX}/{{exercise_id}}",
    by_key(readers),
    variants=exercises(),
    hidden=HIDDEN,
    shows=lambda w, v: frozenset({w.markers.text(title_of(key_of(v)))}),
)
row(
    "PATCH",
    f"{EX}/{{exercise_id}}",
    by_key(organisers),
    variants=exercises(("technical", "tabletop", "draft", "livefire", "published", "handover")),
    body=js(rules="Luật chơi đã sửa"),
    hidden=HIDDEN,
)
# Each step only from the one before: an organiser asking for another is told it conflicts (409).
STEP_CONFLICT = frozenset({409})
row(
    "POST",
    f"{EX}/{{exercise_id}}/publish",
    when(("draft",), organisers),
    variants=exercises(("draft", "tabletop")),
    hidden=HIDDEN,
    refusals=STEP_CONFLICT,
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/start",
    when(("published",), organisers),
    variants=exercises(("published", "draft")),
    hidden=HIDDEN,
    refusals=STEP_CONFLICT,
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/finish",
    when(("running",), organisers),
    variants=exercises(("technical", "livefire", "published")),
    hidden=HIDDEN,
    refusals=STEP_CONFLICT,
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/archive",
    when(("finished",), organisers),
    variants=exercises(("external", "tabletop")),
    hidden=HIDDEN,
    refusals=STEP_CONFLICT,
)


def frozen_scores(w: World, v: Variant, s: str) -> list[str]:
    """After the freeze only the staff see the scoreboard move: team A's score since then (JSON, and
    the CSV's `rank,team,score` rows)."""
    if key_of(v) != FROZEN or s in all_work_readers(FROZEN):
        return []
    return [f'"score":{FROZEN_SCORE}', f",{FROZEN_SCORE}"]


def scoreboards(w: World) -> list[Variant]:
    """Every exercise's board, and the frozen one's CSV too."""
    keys = ("technical", "tabletop", "draft", "livefire", "published", "external")
    out = list(exercises(keys)(w))
    out.append(Variant(f"{FROZEN}:csv", {"exercise_id": w.id(f"exercise:{FROZEN}")}, f"exercise:{FROZEN}"))
    return out


row(
    "GET",
    f"{EX}/{{exercise_id}}/scoreboard",
    by_key(readers),
    variants=scoreboards,
    body=lambda w, s, v: Body(query={"format": "csv"} if v.label.endswith(":csv") else None),
    hidden=HIDDEN,
    withholds=frozen_scores,
)

# -- staff and teams -----------------------------------------------------------------------------


def staff_body(w: World, s: str, v: Variant) -> Body:
    """Name organisation A's admin a controller (no permission needed for that role)."""
    return Body(json={"user_id": w.id(f"user:{R.ADMIN_A}"), "role": "controller"})


row(
    "POST",
    f"{EX}/{{exercise_id}}/staff",
    by_key(organisers),
    variants=exercises(("technical", "tabletop", "draft", "published", "handover")),
    body=staff_body,
    hidden=HIDDEN,
)
row(
    "DELETE",
    f"{EX}/{{exercise_id}}/staff/{{staff_id}}",
    by_key(organisers),
    variants=within(
        "staff_id",
        "staff",
        (
            f"tabletop:{R.EXPERT_DEPLOYED}:judge",
            f"tabletop:{R.EXPERT_ENDED}:controller",
            f"draft:{R.EXPERT_DEPLOYED}:judge",
        ),
    ),
    hidden=HIDDEN,
)


def team_body(w: World, s: str, v: Variant) -> Body:
    """A new team from one of the exercise's cluster's organisations (LC in cluster 1, B in cluster 2)."""
    org = "B" if EXERCISES[v.label].cluster == "2" else "LC"
    return Body(json={"name": "Đội mới", "organisation_id": w.id(f"org:{org}")})


row(
    "POST",
    f"{EX}/{{exercise_id}}/teams",
    by_key(organisers),
    variants=exercises(("technical", "tabletop", "draft", "published")),
    body=team_body,
    hidden=HIDDEN,
)
row(
    "PATCH",
    f"{EX}/{{exercise_id}}/teams/{{team_id}}",
    by_key(organisers),
    variants=teams(("technical:B", "tabletop:A", "draft:A", "published:B")),
    body=js(hidden=True),
    hidden=HIDDEN,
)
# A team is removed before the exercise starts; after, its organisers are told it conflicts.
row(
    "DELETE",
    f"{EX}/{{exercise_id}}/teams/{{team_id}}",
    when(("draft", "published"), organisers),
    variants=teams(("draft:A", "published:B", "tabletop:LP")),
    hidden=HIDDEN,
    refusals=STEP_CONFLICT,
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/teams/{{team_id}}/members",
    by_team(team_managers),
    variants=teams(("technical:A", "technical:B", "tabletop:LP", "draft:A", "livefire:A")),
    body=js(name="Người chơi mới"),
    hidden=HIDDEN,
)
row(
    "DELETE",
    f"{EX}/{{exercise_id}}/teams/{{team_id}}/members/{{member_id}}",
    by_team(team_managers),
    variants=teams(
        (f"technical:A:{R.VIEWER}", f"tabletop:LP:{R.LEAD_PAST}", f"draft:A:{R.RESPONDER}"),
        member_id=lambda w, label: w.id(f"member:{label}"),
    ),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/teams/{{team_id}}/contact",
    by_team(team_managers),
    variants=teams(("technical:B", "tabletop:A", "draft:A", "external:A")),
    body=js(note="Đầu mối trực 24/7 không đổi"),
    hidden=HIDDEN,
)

ROWS = TABLE.rows
