"""Rows of the exercise API's parts (issue 16): the tabletop's injects and answers, the live-fire's
targets, findings, remediation tasks and defence reports, and the results (rankings, outside drills,
certificates, the after-action report and its lessons). A team's work is its people's (listed
members, its organisation's admins), the exercise's staff's and the coordinating body's, never
another team's; a validated finding is also seen by the defending organisation (every one of its
people, as the module page of authz/exercise.py says). What the module page leaves open is taken
from the docstrings of the rules appended to it (inject_clause, can_remediate, can_read_certificate,
can_read_after_action) and, where even they are silent, either answer passes for the readers of the
exercise outside its teams and staff (`either`). Seeded by
tests/security/seed_exercises.py."""

from __future__ import annotations

from csirtnet.kit.time import utcnow
from tests.security import rules as R
from tests.security.runner import Body, Variant, Variants
from tests.security.seed_exercises import (
    ATTACKER,
    DEFENDER,
    EXERCISES,
    all_work_readers,
    controllers,
    inject_readers,
    judges,
    organisers,
    players,
    readers,
    team_people,
    work_readers,
)
from tests.security.table.exercises import (
    EX,
    HIDDEN,
    NOROLE_EMPTY,
    by_key,
    exercises,
    key_of,
    part,
    shows_marked,
    teams,
    when,
    within,
)
from tests.security.table.vocabulary import MEMBERS, STAFF, Table, js
from tests.security.world import World

TABLE = Table()
row = TABLE.row

CONFLICT = frozenset({409})


def teams_and_staff(key: str) -> frozenset[str]:
    """The people of every team of the exercise and its staff."""
    people = frozenset().union(*(team_people(key, t) for t in EXERCISES[key].teams))
    return (people | all_work_readers(key)) & readers(key)


def others(key: str) -> frozenset[str]:
    """Readers of the exercise outside its teams and staff: the documentation does not say what
    they get of a list of team work (a refusal, or an empty list)."""
    return readers(key) - teams_and_staff(key)


LISTS_OF_WORK = by_key(teams_and_staff)
OTHERS_EITHER = by_key(others)


def nobody(w: World, v: Variant) -> frozenset[str]:
    return frozenset()


# -- tabletop: injects ---------------------------------------------------------------------------


ORDER = ("waiting", "file", "released")


def injects(*names: str) -> Variants:
    return within("inject_id", "inject", [f"tabletop:{n}" for n in names])


def inject_seers(w: World, v: Variant) -> frozenset[str]:
    return inject_readers(key_of(v), part(v))


def controllers_while_waiting(w: World, v: Variant) -> frozenset[str]:
    return controllers(key_of(v)) if part(v) == "waiting" else frozenset()


def organisers_while_waiting(w: World, v: Variant) -> frozenset[str]:
    return organisers(key_of(v)) if part(v) == "waiting" else frozenset()


row(
    "GET",
    f"{EX}/{{exercise_id}}/injects",
    LISTS_OF_WORK,
    variants=exercises(("tabletop", "draft", "published")),
    hidden=HIDDEN,
    either=OTHERS_EITHER,
    shows=lambda w, v: frozenset(
        w.markers.text(f"inject tabletop {n} title") for n in ("released", "waiting") if key_of(v) == "tabletop"
    ),
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/injects",
    by_key(organisers),
    variants=exercises(("tabletop", "draft", "published")),
    body=js(title="Tình huống mới", rubric=[{"criterion": "Báo cáo kịp thời", "points": 5}]),
    hidden=HIDDEN,
)
row(
    "PUT",
    f"{EX}/{{exercise_id}}/injects/order",
    by_key(organisers),
    variants=exercises(("tabletop",)),
    body=lambda w, s, v: Body(
        json={"inject_ids": [w.id(f"inject:tabletop:{n}") for n in ("waiting", "file", "released")]}
    ),
    hidden=HIDDEN,
)
row(
    "GET",
    f"{EX}/{{exercise_id}}/injects/{{inject_id}}",
    inject_seers,
    variants=injects("released", "waiting"),
    hidden=HIDDEN,
    shows=shows_marked("inject {label} title"),
)
row(
    "PATCH",
    f"{EX}/{{exercise_id}}/injects/{{inject_id}}",
    by_key(organisers),
    variants=injects("released", "waiting"),
    body=js(title="Tình huống đã sửa"),
    hidden=HIDDEN,
)
# Only an inject never released is removed (a released one keeps the teams' answers).
row(
    "DELETE",
    f"{EX}/{{exercise_id}}/injects/{{inject_id}}",
    organisers_while_waiting,
    variants=injects("waiting", "released"),
    hidden=HIDDEN,
    refusals=CONFLICT,
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/injects/{{inject_id}}/release",
    controllers_while_waiting,
    variants=injects("waiting", "released"),
    hidden=HIDDEN,
    refusals=CONFLICT,  # released already
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/injects/{{inject_id}}/files",
    by_key(organisers),
    variants=injects("released", "waiting"),
    body=lambda w, s, v: Body(files={"file": ("tinh-huong.txt", b"noi dung tinh huong", "text/plain")}),
    hidden=HIDDEN,
)
row(
    "GET",
    f"{EX}/{{exercise_id}}/injects/{{inject_id}}/files/{{file_id}}",
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
    "DELETE",
    f"{EX}/{{exercise_id}}/injects/{{inject_id}}/files/{{file_id}}",
    by_key(organisers),
    variants=within(
        "inject_id",
        "inject",
        ["tabletop:released", "tabletop:waiting"],
        file_id=lambda w, label: w.id(f"inject-file:{label}"),
    ),
    hidden=HIDDEN,
)

# -- tabletop: answers ---------------------------------------------------------------------------
# A team's listed players answer a released inject while the exercise runs; A's answer to `released`
# is graded and no longer changes (its players are told it conflicts).


def text_answerers(w: World, v: Variant) -> frozenset[str]:
    return players("tabletop", "LP") if part(v) == "released" else frozenset()


row(
    "POST",
    f"{EX}/{{exercise_id}}/injects/{{inject_id}}/answer",
    text_answerers,
    variants=injects("released", "waiting"),
    body=js(body="Câu trả lời mới của đội"),
    hidden=HIDDEN,
    refusals=CONFLICT,
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/injects/{{inject_id}}/answer/file",
    lambda w, v: players("tabletop", "A") | players("tabletop", "LP"),
    variants=injects("file"),
    body=lambda w, s, v: Body(
        files={"file": ("tra-loi.txt", b"bao cao cua doi", "text/plain")}, form={"note": "Đính kèm"}
    ),
    hidden=HIDDEN,
)
row(
    "GET",
    f"{EX}/{{exercise_id}}/injects/{{inject_id}}/answers",
    inject_seers,
    variants=injects("released", "waiting"),
    hidden=HIDDEN,
    either=lambda w, v: others("tabletop") if part(v) == "released" else frozenset(),
    shows=lambda w, v: (
        frozenset(w.markers.text(f"answer tabletop {t} body") for t in ("A", "LP"))
        if part(v) == "released"
        else frozenset()
    ),
)
row(
    "GET",
    f"{EX}/{{exercise_id}}/answers",
    LISTS_OF_WORK,
    variants=exercises(("tabletop", "published")),
    hidden=HIDDEN,
    either=OTHERS_EITHER,
    shows=lambda w, v: (
        frozenset(w.markers.text(f"answer tabletop {t} body") for t in ("A", "LP"))
        if key_of(v) == "tabletop"
        else frozenset()
    ),
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/answers/{{answer_id}}/grade",
    by_key(judges),
    variants=within("answer_id", "answer", ["tabletop:A", "tabletop:LP"]),
    body=js(criteria=[{"criterion": "Phân loại đúng", "points": 6}], feedback="Cần nêu rõ hơn"),
    hidden=HIDDEN,
)
row(
    "GET",
    f"{EX}/{{exercise_id}}/answers/{{answer_id}}/file",
    lambda w, v: work_readers("tabletop", "LP"),
    variants=within("answer_id", "answer", ["tabletop:LP-file"]),
    hidden=HIDDEN,
    shows=lambda w, v: frozenset({w.markers.text("answer tabletop LP file")}),
)

# -- live-fire: targets -----------------------------------------------------------------------------

LIVEFIRE = exercises(("livefire",))


def targets(*names: str) -> Variants:
    return within("target_id", "target", [f"livefire:{n}" for n in names])


row(
    "GET",
    f"{EX}/{{exercise_id}}/targets",
    LISTS_OF_WORK,
    variants=LIVEFIRE,
    hidden=HIDDEN,
    either=OTHERS_EITHER,
    shows=lambda w, v: frozenset({w.markers.text("target livefire name")}),
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/targets",
    by_key(organisers),
    variants=LIVEFIRE,
    body=js(name="Máy chủ DNS", address="dns.matrix.example.vn"),
    hidden=HIDDEN,
)
row(
    "PATCH",
    f"{EX}/{{exercise_id}}/targets/{{target_id}}",
    by_key(organisers),
    variants=targets("portal"),
    body=js(description="Phạm vi đã sửa"),
    hidden=HIDDEN,
)
# A target a finding names stays (its organisers are told it conflicts).
row(
    "DELETE",
    f"{EX}/{{exercise_id}}/targets/{{target_id}}",
    lambda w, v: organisers("livefire") if part(v) == "spare" else frozenset(),
    variants=targets("spare", "portal"),
    hidden=HIDDEN,
    refusals=CONFLICT,
)

# -- live-fire: findings, remediation, defence -----------------------------------------------------


def findings(*names: str) -> Variants:
    return within("finding_id", "finding", [f"livefire:{n}" for n in names])


# "A validated finding is also seen, as a remediation task, by the defending organisation of its
# target" (the module page): every one of its people, its viewer too. Closing the task is acting for
# the organisation: its admins and responders (can_remediate).
DEFENDING_ORG = R.users_of(DEFENDER)
DEFENDERS = frozenset(s for s in DEFENDING_ORG if R.ROLE_OF[s] in ("org_admin", "responder"))


def finding_seers(w: World, v: Variant) -> frozenset[str]:
    if part(v) == "valid":
        return (work_readers("livefire", ATTACKER) | DEFENDING_ORG) & readers("livefire")
    return work_readers("livefire", ATTACKER)


def judges_while_submitted(w: World, v: Variant) -> frozenset[str]:
    return judges("livefire") if part(v) == "submitted" else frozenset()


def new_finding(w: World, s: str, v: Variant) -> Body:
    return Body(
        json={
            "target_id": w.id("target:livefire:portal"),
            "title": "Lộ thông tin phiên bản",
            "proof": "curl -I https://portal.matrix.example.vn",
        }
    )


row(
    "GET",
    f"{EX}/{{exercise_id}}/findings",
    LISTS_OF_WORK,
    variants=LIVEFIRE,
    hidden=HIDDEN,
    either=OTHERS_EITHER,
    # The attackers and the staff find the finding not judged yet (whether the defenders' list holds the
    # validated one is not said: their tasks do).
    shows=lambda w, v: frozenset({w.markers.text("finding livefire submitted title")}),
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/findings",
    lambda w, v: players("livefire", ATTACKER),
    variants=LIVEFIRE,
    body=new_finding,
    hidden=HIDDEN,
)
row(
    "GET",
    f"{EX}/{{exercise_id}}/findings/tasks",
    lambda w, v: DEFENDING_ORG,
    variants=LIVEFIRE,
    hidden=HIDDEN,
    either=lambda w, v: readers("livefire") - DEFENDING_ORG,
    shows=lambda w, v: frozenset({w.markers.text("finding livefire valid title")}),
)
row(
    "GET",
    f"{EX}/{{exercise_id}}/findings/{{finding_id}}",
    finding_seers,
    variants=findings("valid", "submitted"),
    hidden=HIDDEN,
    shows=shows_marked("finding {label} title", "finding {label} proof"),
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/findings/{{finding_id}}/validate",
    judges_while_submitted,
    variants=findings("submitted", "valid"),
    body=js(severity="high", note="Xác nhận"),
    hidden=HIDDEN,
    refusals=CONFLICT,
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/findings/{{finding_id}}/reject",
    judges_while_submitted,
    variants=findings("submitted"),
    body=js(reason="Không tái hiện được"),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/findings/{{finding_id}}/merge",
    judges_while_submitted,
    variants=findings("submitted"),
    body=lambda w, s, v: Body(json={"duplicate_of_id": w.id("finding:livefire:valid"), "note": "Trùng lặp"}),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/findings/{{finding_id}}/remediation",
    lambda w, v: DEFENDERS if part(v) == "valid" else frozenset(),
    variants=findings("valid", "submitted"),
    body=js(status="fixed", note="Đã vá lỗi và kiểm tra lại"),
    hidden=HIDDEN,
    refusals=CONFLICT,
)
row(
    "GET",
    f"{EX}/{{exercise_id}}/defence-reports",
    LISTS_OF_WORK,
    variants=LIVEFIRE,
    hidden=HIDDEN,
    either=OTHERS_EITHER,
    shows=lambda w, v: frozenset({w.markers.text("defence livefire A description")}),
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/defence-reports",
    lambda w, v: players("livefire", DEFENDER),
    variants=LIVEFIRE,
    body=lambda w, s, v: Body(json={"detected_at": utcnow().isoformat(), "description": "Phát hiện quét cổng"}),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/defence-reports/{{report_id}}/score",
    by_key(judges),
    variants=within("report_id", "defence", ["livefire:A"]),
    body=js(credit=True),
    hidden=HIDDEN,
)
# Counts per day and team for the exercise's staff; the others who see the exercise: not said.
row(
    "GET",
    f"{EX}/{{exercise_id}}/daily-summary",
    by_key(all_work_readers),
    variants=LIVEFIRE,
    hidden=HIDDEN,
    either=lambda w, v: readers("livefire") - all_work_readers("livefire"),
)

# -- results ---------------------------------------------------------------------------------------

EXTERNAL = exercises(("external",))


def results_csv(w: World, s: str, v: Variant) -> Body:
    return Body(files={"file": ("ket-qua.csv", b"team,rank,score\nMX-A,2,910\nMX-B,9,700\n", "text/csv")})


row("GET", f"{EX}/rankings", MEMBERS, either=NOROLE_EMPTY)
row(
    "GET",
    f"{EX}/{{exercise_id}}/results",
    when(("finished",), readers),
    variants=exercises(("external", "technical", "draft")),
    hidden=HIDDEN,
    # Before the end the results are not final: its readers may be told so (409) or shown the board.
    either=lambda w, v: readers(key_of(v)) if EXERCISES[key_of(v)].status != "finished" else frozenset(),
)
row(
    "POST",
    f"{EX}/external",
    STAFF,
    body=lambda w, s, v: Body(json={"external_name": "APCERT Drill ma trận", "held_on": w.today.isoformat()}),
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/external-results",
    lambda w, v: organisers("external") if key_of(v) == "external" else frozenset(),
    variants=exercises(("external", "technical")),
    body=lambda w, s, v: Body(json={"organisation_id": w.id("org:LC"), "rank": 5, "score": 500}),
    hidden=HIDDEN,
)
row(
    "DELETE",
    f"{EX}/{{exercise_id}}/external-results/{{organisation_id}}",
    by_key(organisers),
    variants=lambda w: [
        Variant(
            "external:B",
            {"exercise_id": w.id("exercise:external"), "organisation_id": w.id("org:B")},
            "exercise:external",
        )
    ],
    hidden=HIDDEN,
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/external-results/import",
    by_key(organisers),
    variants=EXTERNAL,
    body=results_csv,
    hidden=HIDDEN,
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/record-results",
    when(("finished",), organisers),
    variants=exercises(("external", "technical")),
    hidden=HIDDEN,
    refusals=CONFLICT,  # not final yet
)


def certificate_readers(w: World, v: Variant) -> frozenset[str]:
    """A team's participation certificate: the team's people, the exercise's staff and organisers,
    the coordinating body; never another team."""
    return work_readers(key_of(v), part(v))


row(
    "GET",
    f"{EX}/{{exercise_id}}/certificates/{{team_id}}.pdf",
    certificate_readers,
    variants=teams(("external:A", "external:B")),
    hidden=HIDDEN,
)
row("GET", f"{EX}/{{exercise_id}}/results.pdf", by_key(readers), variants=EXTERNAL, hidden=HIDDEN)
row(
    "GET",
    f"{EX}/{{exercise_id}}/after-action",
    by_key(all_work_readers),
    variants=exercises(("tabletop", "external", "draft")),
    hidden=HIDDEN,
    shows=lambda w, v: frozenset(
        {w.markers.text("after-action tabletop summary"), w.markers.text("lesson tabletop title")}
        if key_of(v) == "tabletop"
        else ()
    ),
)
row(
    "PUT",
    f"{EX}/{{exercise_id}}/after-action",
    by_key(organisers),
    variants=exercises(("tabletop", "external")),
    body=js(weaknesses="Liên lạc giữa các đội còn chậm"),
    hidden=HIDDEN,
)
row(
    "GET",
    f"{EX}/{{exercise_id}}/after-action.pdf",
    by_key(all_work_readers),
    variants=exercises(("tabletop",)),
    hidden=HIDDEN,
    shows=lambda w, v: frozenset({w.markers.text("after-action tabletop summary")}),
)
row(
    "GET",
    f"{EX}/{{exercise_id}}/lessons",
    by_key(all_work_readers),
    variants=exercises(("tabletop", "external")),
    hidden=HIDDEN,
    shows=lambda w, v: frozenset({w.markers.text("lesson tabletop title")} if key_of(v) == "tabletop" else ()),
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/lessons",
    by_key(organisers),
    variants=exercises(("tabletop", "external")),
    body=js(title="Cần kênh liên lạc dự phòng", body="Khi thư điện tử gián đoạn"),
    hidden=HIDDEN,
)
LESSON = within("lesson_id", "lesson", ["tabletop:A"])
row(
    "PATCH",
    f"{EX}/{{exercise_id}}/lessons/{{lesson_id}}",
    by_key(organisers),
    variants=LESSON,
    body=js(body="Khi thư điện tử và điện thoại gián đoạn"),
    hidden=HIDDEN,
)
row("DELETE", f"{EX}/{{exercise_id}}/lessons/{{lesson_id}}", by_key(organisers), variants=LESSON, hidden=HIDDEN)
row(
    "POST",
    f"{EX}/{{exercise_id}}/lessons/publish",
    by_key(organisers),
    variants=exercises(("tabletop",)),
    hidden=HIDDEN,
)

ROWS = TABLE.rows
