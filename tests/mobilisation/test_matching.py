"""Matching: the ranking of experts and organisations, and the explanation that comes with it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csirtnet.mobilisation.matching import (
    ExpertProfile,
    OrganisationProfile,
    Requirement,
    SkillNeed,
    Window,
    coverage,
    parse_windows,
    rank_experts,
    rank_organisations,
    score_expert,
    score_organisation,
)
from csirtnet.models import Mode, Urgency
from csirtnet.vocabulary.skills import SKILLS

SKILL_KEYS = sorted(SKILLS)
PROVINCES = [None, "Hà Nội", "Bắc Kạn", "Đà Nẵng", "TP. Hồ Chí Minh", "Cà Mau", "Cao Bằng"]
MONDAY_9 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Hanoi on a Monday

windows = st.builds(
    Window,
    day=st.integers(0, 6),
    start=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    end=st.one_of(st.none(), st.times().map(lambda t: t.replace(second=0, microsecond=0))),
)


@st.composite
def experts(draw: st.DrawFn, expert_id: int | None = None, organisation_id: int | None = None) -> ExpertProfile:
    cap = draw(st.integers(0, 4))
    return ExpertProfile(
        expert_id=expert_id if expert_id is not None else draw(st.integers(1, 10_000)),
        organisation_id=organisation_id if organisation_id is not None else draw(st.integers(1, 5)),
        name=draw(st.sampled_from(["Nguyễn An", "Trần Bình", "Lê Chi"])),
        skills=draw(st.dictionaries(st.sampled_from(SKILL_KEYS), st.integers(1, 3), max_size=6)),
        province=draw(st.sampled_from(PROVINCES)),
        available=draw(st.booleans()),
        on_site=draw(st.booleans()),
        windows=tuple(draw(st.lists(windows, max_size=5))),
        active_deployments=draw(st.integers(0, cap + 1)),
        max_deployments=cap,
    )


@st.composite
def requirements(draw: st.DrawFn) -> Requirement:
    starts = MONDAY_9 + timedelta(minutes=draw(st.integers(0, 60 * 24 * 14)))
    needs = draw(st.lists(st.sampled_from(SKILL_KEYS), max_size=4, unique=True))
    return Requirement(
        starts_at=starts,
        ends_at=starts + timedelta(hours=draw(st.integers(1, 24 * 30))),
        skills=tuple(SkillNeed(s, draw(st.integers(1, 3))) for s in needs),
        mode=draw(st.sampled_from(list(Mode))),
        province=draw(st.sampled_from(PROVINCES)),
        urgency=draw(st.sampled_from(list(Urgency))),
        experts_needed=draw(st.integers(1, 4)),
    )


def position(ranked: list, expert_id: int) -> int:  # type: ignore[type-arg]
    return next(i for i, m in enumerate(ranked) if m.expert.expert_id == expert_id)


@settings(max_examples=300)
@given(requirements(), experts(expert_id=1), experts(expert_id=2), st.sampled_from(SKILL_KEYS), st.integers(1, 3))
def test_adding_a_skill_one_expert_has_never_lowers_them_below_one_who_lacks_it(
    req: Requirement, a: ExpertProfile, b: ExpertProfile, skill: str, min_level: int
) -> None:
    a = replace(a, skills={**a.skills, skill: max(min_level, a.skills.get(skill, 0))})
    b = replace(b, skills={k: v for k, v in b.skills.items() if k != skill})
    req = replace(req, skills=tuple(n for n in req.skills if n.skill != skill))
    more = replace(req, skills=(*req.skills, SkillNeed(skill, min_level)))

    before = rank_experts(req, [a, b])
    after = rank_experts(more, [a, b])
    if position(before, 1) < position(before, 2):
        assert position(after, 1) < position(after, 2)
    gap_before = score_expert(req, a).score - score_expert(req, b).score
    gap_after = score_expert(more, a).score - score_expert(more, b).score
    assert gap_after >= gap_before - 1e-6


@settings(max_examples=300)
@given(requirements(), experts(expert_id=7))
def test_a_fully_loaded_expert_ranks_below_an_idle_equal_one(req: Requirement, expert: ExpertProfile) -> None:
    cap = max(1, expert.max_deployments)
    idle = replace(expert, expert_id=8, max_deployments=cap, active_deployments=0)
    loaded = replace(expert, expert_id=3, max_deployments=cap, active_deployments=cap)  # lower id: no tie win
    ranked = rank_experts(req, [loaded, idle])
    assert [m.expert.expert_id for m in ranked] == [8, 3]
    assert not ranked[1].eligible
    assert ranked[1].score < ranked[0].score


@settings(max_examples=200)
@given(requirements(), experts(), st.integers(0, 5))
def test_more_load_never_raises_the_score(req: Requirement, expert: ExpertProfile, extra: int) -> None:
    busier = replace(expert, active_deployments=expert.active_deployments + extra)
    assert score_expert(req, busier).score <= score_expert(req, expert).score


@settings(max_examples=300)
@given(requirements(), experts())
def test_every_score_is_explained_component_by_component(req: Requirement, expert: ExpertProfile) -> None:
    match = score_expert(req, expert)
    assert 0 <= match.score <= 100
    assert [c.key for c in match.components] == ["skills", "region", "availability", "load"]
    for c in match.components:
        assert 0 <= c.points <= c.max_points + 1e-9
        assert c.label.vi and c.label.en and c.reason.vi and c.reason.en
    assert abs(sum(c.points for c in match.components) - match.score) < 0.01
    for blocker in match.blockers:
        assert blocker.reason.vi and blocker.reason.en


@settings(max_examples=200)
@given(requirements(), st.lists(experts(organisation_id=1), max_size=4), experts(organisation_id=1))
def test_another_suitable_expert_never_lowers_an_organisation(
    req: Requirement, team: list[ExpertProfile], newcomer: ExpertProfile
) -> None:
    team = [replace(e, expert_id=i + 1) for i, e in enumerate(team)]
    newcomer = replace(newcomer, expert_id=100)
    org = OrganisationProfile(1, "FPT", frozenset())
    assert score_organisation(req, org, [*team, newcomer]).score >= score_organisation(req, org, team).score - 1e-6


@settings(max_examples=300)
@given(requirements(), st.lists(windows, max_size=6))
def test_coverage_is_a_share(req: Requirement, ws: list[Window]) -> None:
    share = coverage(ws, req)
    assert 0.0 <= share <= 1.0
    every_hour = [Window(d, time(0, 0), None) for d in range(7)]
    assert coverage(every_hour, req) == 1.0
    assert coverage([], req) == 1.0


def _req(**kw: object) -> Requirement:
    values: dict[str, object] = {
        "starts_at": MONDAY_9,
        "ends_at": MONDAY_9 + timedelta(days=5),
        "skills": (SkillNeed("malware-analysis", 2), SkillNeed("digital-forensics", 2)),
        "mode": Mode.ON_SITE,
        "province": "Bắc Kạn",
    }
    values.update(kw)
    return Requirement(**values)  # type: ignore[arg-type]


def test_the_ranking_follows_skills_region_availability_and_load() -> None:
    req = _req()
    best = ExpertProfile(1, 10, "Lê Minh", {"malware-analysis": 3, "digital-forensics": 2}, province="Bắc Kạn")
    far = replace(best, expert_id=2, name="Trần Nam", province="Cà Mau")
    near = replace(best, expert_id=3, name="Hoàng Bắc", province="Thái Nguyên")
    half = replace(best, expert_id=4, name="Phạm Thu", skills={"malware-analysis": 3})
    office = replace(best, expert_id=5, windows=tuple(Window(d, time(8), time(12)) for d in range(5)))
    busy = replace(best, expert_id=6, active_deployments=1, max_deployments=2)
    on_leave = replace(best, expert_id=7, available=False)
    desk = replace(best, expert_id=8, on_site=False)
    ranked = rank_experts(req, [far, near, half, office, busy, on_leave, desk, best])
    order = [m.expert.expert_id for m in ranked]
    assert order[:6] == [1, 3, 6, 5, 2, 4]  # 100, 93, 92.5, 88.6, 85, 75
    assert set(order[6:]) == {7, 8}
    by_id = {m.expert.expert_id: m for m in ranked}
    assert by_id[1].score == 100
    assert {c.key: c.points for c in by_id[2].components}["region"] == 0
    assert {c.key: c.points for c in by_id[3].components}["region"] == 8
    assert {c.key: c.points for c in by_id[4].components}["skills"] == 25
    assert {c.key: round(c.points, 2) for c in by_id[5].components}["availability"] == round(
        20 * 19 / 44, 2
    )  # Mon 9-12, Tue-Fri 8-12 of 44 office hours
    assert {c.key: c.points for c in by_id[6].components}["load"] == 7.5
    assert [b.key for b in by_id[7].blockers] == ["on_leave"]
    assert [b.key for b in by_id[8].blockers] == ["no_travel"]


def test_the_explanation_reads_in_both_languages() -> None:
    req = _req(skills=(SkillNeed("malware-analysis", 3),))
    match = score_expert(req, ExpertProfile(1, 10, "Lê Minh", {"malware-analysis": 2}, province="Lạng Sơn"))
    skills_part, region_part, *_ = match.components
    assert skills_part.label.vi == "Kỹ năng" and skills_part.label.en == "Skills"
    assert "Phân tích mã độc: thành thạo (cần chuyên gia)" in skills_part.reason.vi
    assert "Malware analysis: practitioner (expert needed)" in skills_part.reason.en
    assert skills_part.points == pytest.approx(50 * 0.5 * 2 / 3)
    assert region_part.reason.en == "In the North too (Lạng Sơn)"
    assert [b.key for b in match.blockers] == ["no_required_skill"]


def test_urgent_requests_value_round_the_clock_cover() -> None:
    office = (Window(0, time(8), time(17)), Window(1, time(8), time(17)), Window(2, time(8), time(17)))
    office += (Window(3, time(8), time(17)), Window(4, time(8), time(17)))
    normal = _req(urgency=Urgency.NORMAL, ends_at=MONDAY_9 + timedelta(days=7))
    critical = replace(normal, urgency=Urgency.CRITICAL)
    assert coverage(office, normal) == 1.0
    assert 0.25 < coverage(office, critical) < 0.3
    overnight = (Window(6, time(22), time(6)),)  # Sunday night into Monday
    night_req = _req(starts_at=MONDAY_9 - timedelta(hours=9), ends_at=MONDAY_9 - timedelta(hours=6))  # Mon 00–03
    assert coverage(overnight, replace(night_req, urgency=Urgency.CRITICAL)) == 1.0


def test_organisations_rank_by_their_best_experts_and_capabilities() -> None:
    req = _req(experts_needed=2, capabilities=("incident-management.incident-analysis",))
    fpt = OrganisationProfile(1, "FPT", frozenset({"incident-management.incident-analysis"}))
    bkav = OrganisationProfile(2, "Bkav", None)
    misa = OrganisationProfile(3, "MISA", frozenset())
    skilled = {"malware-analysis": 3, "digital-forensics": 3}
    pool = [
        ExpertProfile(1, 1, "A", skilled, province="Bắc Kạn"),
        ExpertProfile(2, 1, "B", skilled, province="Bắc Kạn"),
        ExpertProfile(3, 2, "C", skilled, province="Bắc Kạn"),
        ExpertProfile(4, 3, "D", skilled, available=False),
    ]
    ranked = rank_organisations(req, [misa, bkav, fpt], pool)
    assert [m.organisation.name for m in ranked] == ["FPT", "Bkav", "MISA"]
    assert ranked[0].score == 100
    assert ranked[1].score == 42.5  # one of the two experts needed, no capability declared
    assert not ranked[2].eligible
    caps = {c.key: c for c in ranked[0].components}["capabilities"]
    assert "Incident analysis" in caps.reason.en or "incident analysis" in caps.reason.en


def test_stored_windows_are_read_leniently() -> None:
    raw = [
        {"day": 0, "from": "08:00", "to": "17:00"},
        {"day": 6, "from": "22:00", "to": "24:00"},
        {"day": 9, "from": "08:00", "to": "17:00"},
        {"day": 1, "from": "soon", "to": "17:00"},
        {"day": 2, "from": "08:00", "to": "later"},
        "nonsense",
    ]
    assert parse_windows(raw) == (Window(0, time(8), time(17)), Window(6, time(22), None))
    assert parse_windows(None) == ()
