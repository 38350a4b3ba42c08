"""Ranking experts and member organisations for a support request: a pure function of its inputs.

No database and no clock: the repository gathers `ExpertProfile` and `OrganisationProfile`
values, the service describes the request as a `Requirement`, and `rank_experts` /
`rank_organisations` return every candidate with the points that placed it, component by
component, with a reason in Vietnamese and English (docs/adr/0009-expert-matching.md).

An expert scores out of 100:

- skills (50): the mean, over the required skills, of 1 when the expert's level reaches the
  minimum, half the level's share of the minimum when lower, and 0 when the skill is missing;
- region (15): on site, same province 15, same region 8, elsewhere 0; remote, same province 15,
  elsewhere 12;
- availability (20): the share of the hours that matter in the request's first week (business
  hours; every hour for high and critical urgency) that the expert's weekly windows cover;
- load (15): 15 × (1 − active deployments ÷ maximum deployments).

An expert is *blocked* (listed, but never proposed) when on leave, when the request is on site and
the expert does not travel, when already at their maximum of deployments, or when the request
names skills and the expert reaches the minimum level of none of them. Blocked experts rank below
every unblocked one; then a higher score, then fewer active deployments, then the lower id.

An organisation scores out of 100: 85 × the mean score of its best unblocked experts over the
number of experts needed (a missing expert counts 0), plus up to 15 for the share of the
requested capabilities (FIRST services) it offers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from csirtnet.mobilisation.regions import REGION_NAMES, region_of, same_province
from csirtnet.models import Mode, Urgency
from csirtnet.vocabulary import first_services, skills

SKILL_POINTS = 50.0
REGION_POINTS = 15.0
REGION_SAME_REGION = 8.0
REGION_REMOTE_ELSEWHERE = 12.0
AVAILABILITY_POINTS = 20.0
LOAD_POINTS = 15.0
ORG_EXPERT_SHARE = 0.85
CAPABILITY_POINTS = 15.0
HORIZON = timedelta(days=7)  # availability is judged over the request's first week
BUSINESS_HOURS = (time(8, 0), time(17, 0))  # Monday to Friday, local time
DEFAULT_ZONE = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class Text:
    """A sentence in both languages."""

    vi: str
    en: str

    def get(self, language: str) -> str:
        return self.vi if language == "vi" else self.en

    def as_dict(self) -> dict[str, str]:
        return {"vi": self.vi, "en": self.en}


LABELS: dict[str, Text] = {
    "skills": Text("Kỹ năng", "Skills"),
    "region": Text("Khu vực", "Region"),
    "availability": Text("Thời gian sẵn sàng", "Availability"),
    "load": Text("Khối lượng công việc", "Current load"),
    "experts": Text("Chuyên gia phù hợp", "Suitable experts"),
    "capabilities": Text("Năng lực dịch vụ", "Capabilities"),
}


@dataclass(frozen=True)
class Component:
    """One part of a score: its points out of its maximum, and why."""

    key: str
    points: float
    max_points: float
    reason: Text

    @property
    def label(self) -> Text:
        return LABELS[self.key]


@dataclass(frozen=True)
class Blocker:
    key: str  # on_leave | no_travel | fully_loaded | no_required_skill | no_suitable_expert
    reason: Text


@dataclass(frozen=True)
class SkillNeed:
    skill: str
    min_level: int = 1  # 1 basic, 2 practitioner, 3 expert


@dataclass(frozen=True)
class Requirement:
    """What a support request asks for, as far as matching is concerned."""

    starts_at: datetime
    ends_at: datetime
    skills: tuple[SkillNeed, ...] = ()
    capabilities: tuple[str, ...] = ()
    mode: Mode = Mode.REMOTE
    province: str | None = None
    urgency: Urgency = Urgency.NORMAL
    experts_needed: int = 1
    zone: str = DEFAULT_ZONE


@dataclass(frozen=True)
class Window:
    """A weekly availability window in local time; `end` ≤ `start` runs past midnight."""

    day: int  # 0 Monday … 6 Sunday
    start: time
    end: time | None  # None: midnight at the end of the day


@dataclass(frozen=True)
class ExpertProfile:
    expert_id: int
    organisation_id: int
    name: str
    skills: Mapping[str, int] = field(default_factory=dict)
    province: str | None = None
    available: bool = True
    on_site: bool = True
    windows: tuple[Window, ...] = ()  # empty: around the clock
    active_deployments: int = 0
    max_deployments: int = 1


@dataclass(frozen=True)
class OrganisationProfile:
    organisation_id: int
    name: str
    capabilities: frozenset[str] | None = None  # None: the organisation has declared none


@dataclass(frozen=True)
class ExpertMatch:
    expert: ExpertProfile
    components: tuple[Component, ...]
    blockers: tuple[Blocker, ...]

    @property
    def score(self) -> float:
        return round(sum(c.points for c in self.components), 2)

    @property
    def eligible(self) -> bool:
        return not self.blockers

    def sort_key(self) -> tuple[bool, float, int, int]:
        return (not self.eligible, -self.score, self.expert.active_deployments, self.expert.expert_id)


@dataclass(frozen=True)
class OrganisationMatch:
    organisation: OrganisationProfile
    components: tuple[Component, ...]
    experts: tuple[ExpertMatch, ...]  # this organisation's experts, best first
    blockers: tuple[Blocker, ...]

    @property
    def score(self) -> float:
        return round(sum(c.points for c in self.components), 2)

    @property
    def eligible(self) -> bool:
        return not self.blockers

    @property
    def suitable_experts(self) -> tuple[ExpertMatch, ...]:
        return tuple(e for e in self.experts if e.eligible)

    def sort_key(self) -> tuple[bool, float, int]:
        return (not self.eligible, -self.score, self.organisation.organisation_id)


# -- the components --------------------------------------------------------------------------


def _level_name(level: int) -> Text:
    return {1: Text("cơ bản", "basic"), 2: Text("thành thạo", "practitioner"), 3: Text("chuyên gia", "expert")}.get(
        level, Text(str(level), str(level))
    )


def skill_credit(have: int | None, need: int) -> float:
    """1 when the level reaches the minimum; below it, half its share of the minimum; 0 when missing."""
    if not have or have <= 0:
        return 0.0
    if have >= need:
        return 1.0
    return 0.5 * have / need


def _skills(req: Requirement, expert: ExpertProfile) -> tuple[Component, bool]:
    """The skills component, and whether the expert reaches the minimum of at least one skill."""
    if not req.skills:
        reason = Text("Yêu cầu không nêu kỹ năng cụ thể", "The request names no particular skill")
        return Component("skills", SKILL_POINTS, SKILL_POINTS, reason), True
    parts_vi, parts_en = [], []
    total = 0.0
    any_met = False
    for need in req.skills:
        have = expert.skills.get(need.skill)
        credit = skill_credit(have, need.min_level)
        total += credit
        any_met = any_met or credit >= 1.0
        vi, en = skills.name(need.skill, "vi"), skills.name(need.skill, "en")
        want = _level_name(need.min_level)
        if not have:
            parts_vi.append(f"{vi}: không có (cần {want.vi})")
            parts_en.append(f"{en}: missing ({want.en} needed)")
        else:
            got = _level_name(have)
            mark = "✓" if credit >= 1.0 else "✗"
            parts_vi.append(f"{vi}: {got.vi} (cần {want.vi}) {mark}")
            parts_en.append(f"{en}: {got.en} ({want.en} needed) {mark}")
    points = SKILL_POINTS * total / len(req.skills)
    return Component("skills", points, SKILL_POINTS, Text("; ".join(parts_vi), "; ".join(parts_en))), any_met


def _region(req: Requirement, expert: ExpertProfile) -> Component:
    if not req.province:
        return Component(
            "region",
            REGION_POINTS,
            REGION_POINTS,
            Text("Yêu cầu không gắn với địa điểm", "The request is not tied to a place"),
        )
    if same_province(req.province, expert.province):
        return Component(
            "region",
            REGION_POINTS,
            REGION_POINTS,
            Text(f"Ở cùng tỉnh/thành ({expert.province})", f"Based in the same province ({expert.province})"),
        )
    if req.mode == Mode.REMOTE:
        return Component(
            "region",
            REGION_REMOTE_ELSEWHERE,
            REGION_POINTS,
            Text("Làm việc từ xa: vị trí ít quan trọng", "Remote work: location matters little"),
        )
    if not expert.province:
        return Component(
            "region", 0.0, REGION_POINTS, Text("Chưa ghi nơi làm việc", "Where the expert is based is not recorded")
        )
    wanted, theirs = region_of(req.province), region_of(expert.province)
    if wanted is not None and wanted == theirs:
        name = REGION_NAMES[wanted]
        return Component(
            "region",
            REGION_SAME_REGION,
            REGION_POINTS,
            Text(f"Cùng {name['vi']} ({expert.province})", f"In {name['en']} too ({expert.province})"),
        )
    return Component(
        "region",
        0.0,
        REGION_POINTS,
        Text(f"Ở xa nơi cần hỗ trợ ({expert.province})", f"Far from the site ({expert.province})"),
    )


def _intervals_of_day(day: datetime, spans: Iterable[tuple[time, time | None]]) -> list[tuple[datetime, datetime]]:
    out = []
    for start, end in spans:
        a = day.replace(hour=start.hour, minute=start.minute)
        if end is None or end == time(0, 0):
            b = day + timedelta(days=1)
        else:
            b = day.replace(hour=end.hour, minute=end.minute)
            if b <= a:  # runs past midnight
                b += timedelta(days=1)
        out.append((a, b))
    return out


def _merge(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _clip(intervals: list[tuple[datetime, datetime]], lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
    return [(max(a, lo), min(b, hi)) for a, b in intervals if min(b, hi) > max(a, lo)]


def _length(intervals: Iterable[tuple[datetime, datetime]]) -> float:
    return sum((b - a).total_seconds() for a, b in intervals)


def _overlap(xs: list[tuple[datetime, datetime]], ys: list[tuple[datetime, datetime]]) -> float:
    total = 0.0
    for a, b in xs:
        for c, d in ys:
            lo, hi = max(a, c), min(b, d)
            if hi > lo:
                total += (hi - lo).total_seconds()
    return total


def coverage(windows: Sequence[Window], req: Requirement) -> float:
    """The share (0–1) of the hours that matter in the request's first week that the windows cover."""
    if not windows:
        return 1.0
    zone = ZoneInfo(req.zone)
    lo = req.starts_at.astimezone(zone)
    hi = min(req.ends_at, req.starts_at + HORIZON).astimezone(zone)
    if hi <= lo:
        hi = lo + timedelta(hours=1)
    first = lo.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)  # windows past midnight
    days = [first + timedelta(days=n) for n in range((hi - first).days + 2)]
    reference: list[tuple[datetime, datetime]] = [(lo, hi)]
    if not req.urgency.around_the_clock:
        business = [d for d in days if d.weekday() < 5]
        office = [iv for d in business for iv in _intervals_of_day(d, [BUSINESS_HOURS])]
        clipped = _clip(_merge(office), lo, hi)
        if clipped:  # a request that falls outside business hours entirely is judged on every hour
            reference = clipped
    covered = _merge(
        [iv for d in days for iv in _intervals_of_day(d, [(w.start, w.end) for w in windows if w.day == d.weekday()])]
    )
    total = _length(reference)
    return 0.0 if total <= 0 else min(1.0, _overlap(reference, covered) / total)


def _availability(req: Requirement, expert: ExpertProfile) -> Component:
    if not expert.available:
        return Component("availability", 0.0, AVAILABILITY_POINTS, Text("Đang nghỉ, không sẵn sàng", "On leave"))
    share = coverage(expert.windows, req)
    hours = (
        Text("mọi giờ trong tuần đầu", "every hour of the first week")
        if req.urgency.around_the_clock
        else Text("giờ hành chính trong tuần đầu", "business hours of the first week")
    )
    if not expert.windows:
        reason = Text("Sẵn sàng 24/7", "Available around the clock")
    else:
        pct = round(share * 100)
        reason = Text(f"Lịch sẵn sàng phủ {pct}% {hours.vi}", f"Weekly windows cover {pct}% of {hours.en}")
    return Component("availability", AVAILABILITY_POINTS * share, AVAILABILITY_POINTS, reason)


def _load(expert: ExpertProfile) -> Component:
    cap = max(0, expert.max_deployments)
    active = max(0, expert.active_deployments)
    free = 0.0 if cap == 0 else max(0.0, 1.0 - active / cap)
    reason = Text(f"Đang tham gia {active}/{cap} đợt điều động", f"On {active} of at most {cap} deployments")
    return Component("load", LOAD_POINTS * free, LOAD_POINTS, reason)


def score_expert(req: Requirement, expert: ExpertProfile) -> ExpertMatch:
    """Score one expert against a request, with the reasons."""
    skill_part, any_met = _skills(req, expert)
    components = (skill_part, _region(req, expert), _availability(req, expert), _load(expert))
    blockers: list[Blocker] = []
    if not expert.available:
        blockers.append(Blocker("on_leave", Text("Đang nghỉ", "On leave")))
    if req.mode == Mode.ON_SITE and not expert.on_site:
        blockers.append(Blocker("no_travel", Text("Không đi hỗ trợ tại chỗ", "Does not work on site")))
    if expert.active_deployments >= expert.max_deployments:
        blockers.append(Blocker("fully_loaded", Text("Đã đủ số đợt điều động tối đa", "Already fully deployed")))
    if not any_met:
        blockers.append(
            Blocker("no_required_skill", Text("Không đạt mức kỹ năng nào được yêu cầu", "Meets none of the skills"))
        )
    return ExpertMatch(expert, components, tuple(blockers))


def rank_experts(req: Requirement, experts: Iterable[ExpertProfile]) -> list[ExpertMatch]:
    """Every expert scored, best first; blocked ones last."""
    return sorted((score_expert(req, e) for e in experts), key=ExpertMatch.sort_key)


def _capabilities(req: Requirement, org: OrganisationProfile) -> Component:
    if not req.capabilities:
        reason = Text("Yêu cầu không nêu năng lực dịch vụ", "The request names no capability")
        return Component("capabilities", CAPABILITY_POINTS, CAPABILITY_POINTS, reason)
    if org.capabilities is None:
        reason = Text("Tổ chức chưa khai báo năng lực dịch vụ", "The organisation has declared no capability")
        return Component("capabilities", 0.0, CAPABILITY_POINTS, reason)
    wanted = list(dict.fromkeys(req.capabilities))
    offered = [c for c in wanted if c in org.capabilities]
    missing = [c for c in wanted if c not in org.capabilities]
    vi = [f"có: {', '.join(first_services.name(c, 'vi') for c in offered) or '—'}"]
    en = [f"offers: {', '.join(first_services.name(c, 'en') for c in offered) or '—'}"]
    if missing:
        vi.append(f"thiếu: {', '.join(first_services.name(c, 'vi') for c in missing)}")
        en.append(f"lacks: {', '.join(first_services.name(c, 'en') for c in missing)}")
    points = CAPABILITY_POINTS * len(offered) / len(wanted)
    return Component("capabilities", points, CAPABILITY_POINTS, Text("; ".join(vi), "; ".join(en)))


def score_organisation(
    req: Requirement, org: OrganisationProfile, experts: Iterable[ExpertProfile]
) -> OrganisationMatch:
    """Score one organisation from its own experts and capabilities."""
    ranked = tuple(rank_experts(req, (e for e in experts if e.organisation_id == org.organisation_id)))
    suitable = [m for m in ranked if m.eligible]
    needed = max(1, req.experts_needed)
    best = suitable[:needed]
    team = sum(m.score for m in best) / needed
    if best:
        names = ", ".join(f"{m.expert.name} ({m.score:g})" for m in best)
        reason = Text(
            f"{len(suitable)} chuyên gia phù hợp (cần {needed}); tốt nhất: {names}",
            f"{len(suitable)} suitable expert(s) ({needed} needed); best: {names}",
        )
    else:
        reason = Text("Không có chuyên gia phù hợp", "No suitable expert")
    components = (
        Component("experts", ORG_EXPERT_SHARE * team, ORG_EXPERT_SHARE * 100, reason),
        _capabilities(req, org),
    )
    none = Blocker("no_suitable_expert", Text("Không có chuyên gia phù hợp", "No suitable expert"))
    blockers = () if suitable else (none,)
    return OrganisationMatch(org, components, ranked, blockers)


def rank_organisations(
    req: Requirement, organisations: Iterable[OrganisationProfile], experts: Iterable[ExpertProfile]
) -> list[OrganisationMatch]:
    """Every organisation scored, best first; those without a suitable expert last."""
    pool = list(experts)
    return sorted((score_organisation(req, o, pool) for o in organisations), key=OrganisationMatch.sort_key)


# -- reading stored values -------------------------------------------------------------------


def parse_windows(raw: object) -> tuple[Window, ...]:
    """Expert.availability ([{"day": 0-6, "from": "08:00", "to": "17:00"}]) as windows; bad entries skipped."""
    if not isinstance(raw, list):
        return ()
    out = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        day, start = item.get("day"), _parse_time(item.get("from"))
        end = None if item.get("to") in (None, "24:00") else _parse_time(item.get("to"))
        if item.get("to") not in (None, "24:00") and end is None:
            continue
        if isinstance(day, int) and not isinstance(day, bool) and 0 <= day <= 6 and start is not None:
            out.append(Window(day, start, end))
    return tuple(out)


def _parse_time(value: object) -> time | None:
    if not isinstance(value, str):
        return None
    if value == "24:00":
        return time(0, 0)
    try:
        parsed = datetime.strptime(value, "%H:%M").replace(tzinfo=UTC)
    except ValueError:
        return None
    return parsed.time()
