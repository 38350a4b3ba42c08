"""Rows of the exercise pages (issue 16; web/views/exercises/): the list, a new exercise, its overview
with its lifecycle, staff, teams and rosters, the scoreboard (with its live fragment and projector
view), the tabletop's injects and answers, the live-fire's targets, findings and defence reports,
the results, outside drills and the after-action report. The same rules as the API's rows
(tests/security/table/exercises*.py) over the same seeded exercises; a page's buttons answer a
refusal that is not about who asks (a step out of order) with a flash on a redirect, so each button
is tried where it may be pressed. The technical drill's pages are in exercises_pages_technical.py."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from csirtnet.kit.time import utcnow
from tests.security import rules as R
from tests.security.runner import Body, Variant, Variants
from tests.security.seed_exercises import (
    ATTACKER,
    DEFENDER,
    EXERCISES,
    FROZEN,
    FROZEN_SCORE,
    all_work_readers,
    controllers,
    inject_readers,
    judges,
    organisers,
    players,
    readers,
    team_managers,
    work_readers,
)
from tests.security.table.exercises import (
    HIDDEN,
    NOROLE_EMPTY,
    by_key,
    by_team,
    creators,
    exercises,
    key_of,
    part,
    shows_marked,
    teams,
    title_of,
    titles,
    within,
)
from tests.security.table.exercises_work import (
    DEFENDERS,
    LISTS_OF_WORK,
    OTHERS_EITHER,
    finding_seers,
    findings,
    inject_seers,
)
from tests.security.table.vocabulary import MEMBERS, STAFF, Table, form
from tests.security.world import World

TABLE = Table()
row = TABLE.row

P = "/exercises/{exercise_id:int}"
ZONE = "Asia/Ho_Chi_Minh"


def local(moment_hours: float) -> str:
    """A moment `moment_hours` from now as a datetime-local input holds it, in the exercise's zone."""
    return (utcnow() + timedelta(hours=moment_hours)).astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%dT%H:%M")


def title_shown(w: World, v: Variant) -> frozenset[str]:
    return frozenset({w.markers.text(title_of(key_of(v)))})


# -- the list, a new exercise, the overview --------------------------------------------------------

EXERCISE_FORM = {
    "kind": "tabletop",
    "title": "Diễn tập mới",
    "timezone": ZONE,
    "starts_at": "2030-03-01T08:00",
    "ends_at": "2030-03-01T17:00",
    "attempts_per_minute": "10",
    "late_factor": "0.5",
    "tlp": "amber",
}


def new_exercise(w: World, s: str, v: Variant) -> Body:
    values = dict(EXERCISE_FORM)
    if v.label == "national":
        values["scope"] = "national"
    else:
        values.update(scope="cluster", cluster_id=str(w.id("cluster:1")))
    return Body(form=values)


def edit_exercise(w: World, s: str, v: Variant) -> Body:
    values = {k: v for k, v in EXERCISE_FORM.items() if k not in ("kind",)}
    values.update(title="Diễn tập đã sửa", rules="Luật chơi đã sửa", description="Mô tả")
    return Body(form=values)


row("GET", "/exercises", MEMBERS, either=NOROLE_EMPTY, shows=titles("technical", "tabletop", "draft", "livefire"))
# Whoever may create some exercise: the coordinating body, a cluster's current lead.
row("GET", "/exercises/new", lambda w, v: creators(w, Variant("cluster-1")))
row(
    "POST",
    "/exercises/new",
    creators,
    variants=lambda w: [Variant("national"), Variant("cluster-1")],
    body=new_exercise,
)
row("GET", P, by_key(readers), variants=exercises(), hidden=HIDDEN, shows=title_shown)
row(
    "GET",
    f"{P}/edit",
    by_key(organisers),
    variants=exercises(("technical", "draft", "published", "handover")),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{P}/edit",
    by_key(organisers),
    variants=exercises(("draft", "published")),
    body=edit_exercise,
    hidden=HIDDEN,
)
# Each button where its step is the next one.
row("POST", f"{P}/publish", by_key(organisers), variants=exercises(("draft",)), hidden=HIDDEN)
row("POST", f"{P}/start", by_key(organisers), variants=exercises(("published",)), hidden=HIDDEN)
row("POST", f"{P}/finish", by_key(organisers), variants=exercises(("technical", "livefire")), hidden=HIDDEN)
row("POST", f"{P}/archive", by_key(organisers), variants=exercises(("external",)), hidden=HIDDEN)
row(
    "POST",
    f"{P}/staff",
    by_key(organisers),
    variants=exercises(("tabletop", "draft")),
    body=form(email="admin-a@matrix.example.vn", role="controller"),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{P}/staff/{{staff_id:int}}/remove",
    by_key(organisers),
    variants=within("staff_id", "staff", [f"tabletop:{R.EXPERT_DEPLOYED}:judge", f"draft:{R.EXPERT_DEPLOYED}:judge"]),
    hidden=HIDDEN,
)


def team_form(w: World, s: str, v: Variant) -> Body:
    org = "B" if EXERCISES[key_of(v)].cluster == "2" else "LC"
    return Body(form={"name": "Đội mới", "organisation_id": str(w.id(f"org:{org}")), "side": "player"})


row(
    "POST",
    f"{P}/teams",
    by_key(organisers),
    variants=exercises(("technical", "tabletop", "draft", "published")),
    body=team_form,
    hidden=HIDDEN,
)
row(
    "POST",
    f"{P}/teams/{{team_id:int}}/remove",
    by_key(organisers),
    variants=teams(("draft:A", "published:B")),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{P}/teams/{{team_id:int}}/members",
    by_team(team_managers),
    variants=teams(("technical:A", "tabletop:LP", "draft:A", "livefire:A")),
    body=form(name="Người chơi mới"),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{P}/teams/{{team_id:int}}/members/{{member_id:int}}/remove",
    by_team(team_managers),
    variants=teams(
        (f"technical:A:{R.VIEWER}", f"tabletop:LP:{R.LEAD_PAST}", f"draft:A:{R.RESPONDER}"),
        member_id=lambda w, label: w.id(f"member:{label}"),
    ),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{P}/teams/{{team_id:int}}/contact",
    by_team(team_managers),
    variants=teams(("technical:B", "tabletop:A", "draft:A", "external:A")),
    body=form(note="Đầu mối trực 24/7 không đổi"),
    hidden=HIDDEN,
)
SCOREBOARDS = exercises(("technical", "tabletop", "draft", "published", "external"))


def frozen_rows(w: World, v: Variant, s: str) -> list[str]:
    """After the freeze only the staff see the board move (team A's points since then)."""
    if key_of(v) != FROZEN or s in all_work_readers(FROZEN):
        return []
    return [f'data-score="{FROZEN_SCORE}']


row("GET", f"{P}/scoreboard", by_key(readers), variants=SCOREBOARDS, hidden=HIDDEN, withholds=frozen_rows)
row("GET", f"{P}/scoreboard/live", by_key(readers), variants=SCOREBOARDS, hidden=HIDDEN, withholds=frozen_rows)
row(
    "GET",
    f"{P}/scoreboard/projector",
    by_key(readers),
    variants=exercises(("technical", "draft")),
    hidden=HIDDEN,
    withholds=frozen_rows,
)

# -- tabletop ----------------------------------------------------------------------------------------


def injects(*names: str) -> Variants:
    return within("inject_id", "inject", [f"tabletop:{n}" for n in names])


TABLETOP = exercises(("tabletop",))

row(
    "GET",
    f"{P}/injects",
    LISTS_OF_WORK,
    variants=exercises(("tabletop", "draft")),
    hidden=HIDDEN,
    either=OTHERS_EITHER,
    shows=lambda w, v: frozenset(
        w.markers.text(f"inject tabletop {n} title") for n in ("released", "waiting") if key_of(v) == "tabletop"
    ),
)
row("GET", f"{P}/injects/new", by_key(organisers), variants=exercises(("tabletop", "draft")), hidden=HIDDEN)
row(
    "POST",
    f"{P}/injects/new",
    by_key(organisers),
    variants=exercises(("tabletop", "draft")),
    body=form(title="Tình huống mới", kind="text", answer_kind="text", answer_minutes="60", body="Diễn biến"),
    hidden=HIDDEN,
)
row(
    "GET",
    f"{P}/injects/{{inject_id:int}}/edit",
    by_key(organisers),
    variants=injects("released", "waiting"),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{P}/injects/{{inject_id:int}}/edit",
    by_key(organisers),
    variants=injects("waiting"),
    body=form(
        title="Cảnh báo đã sửa",
        kind="alert",
        answer_kind="text",
        answer_minutes="30",
        body="Diễn biến đã sửa",
        rubric="Ngăn chặn | 10",
        headers="Source: SIEM",
    ),
    hidden=HIDDEN,
)
row("POST", f"{P}/injects/{{inject_id:int}}/up", by_key(organisers), variants=injects("waiting"), hidden=HIDDEN)
row("POST", f"{P}/injects/{{inject_id:int}}/down", by_key(organisers), variants=injects("released"), hidden=HIDDEN)
row("POST", f"{P}/injects/{{inject_id:int}}/delete", by_key(organisers), variants=injects("waiting"), hidden=HIDDEN)
row(
    "POST",
    f"{P}/injects/{{inject_id:int}}/release",
    lambda w, v: controllers("tabletop"),
    variants=injects("waiting"),
    hidden=HIDDEN,
)
row(
    "GET",
    f"{P}/injects/{{inject_id:int}}/files/{{file_id:int}}",
    inject_seers,
    variants=within(
        "inject_id",
        "inject",
        ["tabletop:released", "tabletop:waiting"],
        file_id=lambda w, label: w.id(f"inject-file:{label}"),
    ),
    hidden=HIDDEN,
    shows=shows_marked("inject {label} file"),
)
row(
    "GET",
    f"{P}/answers/{{answer_id:int}}/file",
    lambda w, v: work_readers("tabletop", "LP"),
    variants=within("answer_id", "answer", ["tabletop:LP-file"]),
    hidden=HIDDEN,
    shows=lambda w, v: frozenset({w.markers.text("answer tabletop LP file")}),
)
ANSWERING = frozenset(players("tabletop", "A") | players("tabletop", "LP"))
# The answer form: a team's players; the team's other people and the staff: not said.
row(
    "GET",
    f"{P}/injects/{{inject_id:int}}/answer",
    lambda w, v: ANSWERING,
    variants=injects("released", "file"),
    hidden=HIDDEN,
    either=lambda w, v: inject_readers("tabletop") - ANSWERING,
)


def answer_form(w: World, s: str, v: Variant) -> Body:
    if part(v) == "file":
        return Body(files={"file": ("tra-loi.txt", b"bao cao cua doi", "text/plain")}, form={"note": "Đính kèm"})
    return Body(form={"body": "Câu trả lời mới của đội"})


row(
    "POST",
    f"{P}/injects/{{inject_id:int}}/answer",
    # A's answer to `released` is graded: it no longer changes (the form says so, 422).
    lambda w, v: players("tabletop", "LP") if part(v) == "released" else ANSWERING,
    variants=injects("released", "file"),
    body=answer_form,
    hidden=HIDDEN,
    refusals=frozenset({422}),
)
ANSWERS = within("answer_id", "answer", ["tabletop:A", "tabletop:LP"])
row(
    "GET",
    f"{P}/answers/{{answer_id:int}}/grade",
    by_key(judges),
    variants=ANSWERS,
    hidden=HIDDEN,
    shows=lambda w, v: frozenset({w.markers.text(f"answer tabletop {part(v)} body")}),
)
row(
    "POST",
    f"{P}/answers/{{answer_id:int}}/grade",
    by_key(judges),
    variants=ANSWERS,
    body=form(points_1="6", feedback="Cần nêu rõ hơn"),
    hidden=HIDDEN,
)

# -- live-fire --------------------------------------------------------------------------------------

LIVEFIRE = exercises(("livefire",))


def finding_form(w: World, s: str, v: Variant) -> Body:
    return Body(
        form={
            "target_id": str(w.id("target:livefire:portal")),
            "title": "Lộ thông tin phiên bản",
            "vulnerability": "CWE-200",
            "asset": "https://portal.matrix.example.vn/",
            "proof": "curl -I https://portal.matrix.example.vn",
        }
    )


row(
    "GET",
    f"{P}/targets",
    LISTS_OF_WORK,
    variants=LIVEFIRE,
    hidden=HIDDEN,
    either=OTHERS_EITHER,
    shows=lambda w, v: frozenset({w.markers.text("target livefire name")}),
)
row(
    "POST",
    f"{P}/targets",
    by_key(organisers),
    variants=LIVEFIRE,
    body=form(name="Máy chủ DNS", address="dns.matrix.example.vn", description="Máy chủ tên miền", in_scope="yes"),
    hidden=HIDDEN,
)
row(
    "GET",
    f"{P}/findings",
    LISTS_OF_WORK,
    variants=LIVEFIRE,
    hidden=HIDDEN,
    either=OTHERS_EITHER,
    shows=lambda w, v: frozenset({w.markers.text("finding livefire submitted title")}),
)
row(
    "POST",
    f"{P}/findings",
    lambda w, v: players("livefire", ATTACKER),
    variants=LIVEFIRE,
    body=finding_form,
    hidden=HIDDEN,
)
row(
    "GET",
    f"{P}/findings/{{finding_id:int}}",
    finding_seers,
    variants=findings("valid", "submitted"),
    hidden=HIDDEN,
    shows=shows_marked("finding {label} title", "finding {label} proof"),
)
SUBMITTED = findings("submitted")
row(
    "POST",
    f"{P}/findings/{{finding_id:int}}/validate",
    by_key(judges),
    variants=SUBMITTED,
    body=form(severity="high", note="Xác nhận"),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{P}/findings/{{finding_id:int}}/reject",
    by_key(judges),
    variants=SUBMITTED,
    body=form(reason="Không tái hiện được"),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{P}/findings/{{finding_id:int}}/merge",
    by_key(judges),
    variants=SUBMITTED,
    body=lambda w, s, v: Body(form={"duplicate_of_id": str(w.id("finding:livefire:valid")), "note": "Trùng lặp"}),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{P}/findings/{{finding_id:int}}/remediation",
    lambda w, v: DEFENDERS,
    variants=findings("valid"),
    body=form(status="fixed", note="Đã vá lỗi và kiểm tra lại"),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{P}/defence-reports",
    lambda w, v: players("livefire", DEFENDER),
    variants=LIVEFIRE,
    body=lambda w, s, v: Body(
        form={"detected_at": local(-1), "detected_at_zone": ZONE, "description": "Phát hiện quét cổng"}
    ),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{P}/defence-reports/{{report_id:int}}/score",
    by_key(judges),
    variants=within("report_id", "defence", ["livefire:A"]),
    body=form(decision="credit"),
    hidden=HIDDEN,
)
row(
    "GET",
    f"{P}/daily-summary",
    by_key(all_work_readers),
    variants=LIVEFIRE,
    hidden=HIDDEN,
    either=lambda w, v: readers("livefire") - all_work_readers("livefire"),
)

# -- results, outside drills, after-action ------------------------------------------------------------

EXTERNAL = exercises(("external",))

row("GET", "/exercises/rankings", MEMBERS, either=NOROLE_EMPTY)
row("GET", f"{P}/results", by_key(readers), variants=EXTERNAL, hidden=HIDDEN)
row("POST", f"{P}/record-results", by_key(organisers), variants=EXTERNAL, hidden=HIDDEN)
row("GET", f"{P}/results.pdf", by_key(readers), variants=EXTERNAL, hidden=HIDDEN)
row(
    "GET",
    f"{P}/certificates/{{team_id:int}}.pdf",
    lambda w, v: work_readers(key_of(v), part(v)),
    variants=teams(("external:A",)),
    hidden=HIDDEN,
)
AFTER_ACTION = exercises(("tabletop", "external"))
row(
    "GET",
    f"{P}/after-action",
    by_key(all_work_readers),
    variants=AFTER_ACTION,
    hidden=HIDDEN,
    shows=lambda w, v: frozenset(
        {w.markers.text("after-action tabletop summary"), w.markers.text("lesson tabletop title")}
        if key_of(v) == "tabletop"
        else ()
    ),
)
row(
    "POST",
    f"{P}/after-action",
    by_key(organisers),
    variants=AFTER_ACTION,
    body=form(summary="Tóm tắt", strengths="Phối hợp tốt", weaknesses="Liên lạc còn chậm"),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{P}/after-action/lessons",
    by_key(organisers),
    variants=AFTER_ACTION,
    body=form(title="Cần kênh liên lạc dự phòng", body="Khi thư điện tử gián đoạn"),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{P}/after-action/lessons/{{lesson_id:int}}/delete",
    by_key(organisers),
    variants=within("lesson_id", "lesson", ["tabletop:A"]),
    hidden=HIDDEN,
)
row("POST", f"{P}/after-action/publish", by_key(organisers), variants=TABLETOP, hidden=HIDDEN)
row(
    "GET",
    f"{P}/after-action.pdf",
    by_key(all_work_readers),
    variants=TABLETOP,
    hidden=HIDDEN,
    shows=lambda w, v: frozenset({w.markers.text("after-action tabletop summary")}),
)
row("GET", "/exercises/external/new", STAFF)
row(
    "POST",
    "/exercises/external/new",
    STAFF,
    body=lambda w, s, v: Body(
        form={
            "external_name": "APCERT Drill ma trận",
            "scope": "international",
            "held_on": w.today.isoformat(),
            "tlp": "green",
        }
    ),
)
row("GET", f"{P}/external-results", by_key(organisers), variants=EXTERNAL, hidden=HIDDEN)
row(
    "POST",
    f"{P}/external-results",
    by_key(organisers),
    variants=EXTERNAL,
    body=lambda w, s, v: Body(form={"organisation_id": str(w.id("org:LC")), "rank": "5", "score": "500"}),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{P}/external-results/import",
    by_key(organisers),
    variants=EXTERNAL,
    body=lambda w, s, v: Body(files={"file": ("ket-qua.csv", b"team,rank,score\nMX-A,2,910\n", "text/csv")}),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{P}/external-results/{{organisation_id:int}}/delete",
    by_key(organisers),
    variants=teams(["external:B"], organisation_id=lambda w, label: w.id(f"org:{label.split(':')[1]}")),
    hidden=HIDDEN,
)

ROWS = TABLE.rows
