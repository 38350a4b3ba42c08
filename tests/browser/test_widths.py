"""No page of the product is wider than the viewport, at 390 px (a phone) and 1280 px (a laptop).

Every page route of the app is visited (enumerated from the app, as tests/test_app.py does), its
path parameters filled from the demo network, by each demo role (and a visitor without an
account) that can open it; the test reports every page, person and width that overflows at once,
with the elements that stick out, so one run shows all that is left to fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.advisory import repository as advisory_repository
from csirtnet.app import API_PREFIX, create_app
from csirtnet.authz import ANONYMOUS, Subject
from csirtnet.authz.advisory import visible_csaf_documents_clause
from csirtnet.authz.exercise import team_work_clause, visible_exercises_clause
from csirtnet.authz.feeds import can_manage as manages_feeds
from csirtnet.authz.feeds import visible_digests_clause
from csirtnet.authz.intel import visible_imports_clause, visible_indicators_clause
from csirtnet.demo import DEMO_PASSWORD, load_demo
from csirtnet.evidence import repository as evidence
from csirtnet.identity.login import start_password_reset
from csirtnet.identity.service import subject_for
from csirtnet.incident import intake
from csirtnet.incident import repository as incidents
from csirtnet.incident.schemas import ReportCreate
from csirtnet.kit.time import utcnow
from csirtnet.mobilisation import repository as mobilisation
from csirtnet.models import (
    Advisory,
    Challenge,
    ChannelThread,
    Cluster,
    ClusterPlan,
    CsafDocument,
    EvidenceItem,
    Exercise,
    FeedDigest,
    FeedRun,
    FeedSource,
    Finding,
    IncidentTask,
    Indicator,
    Inject,
    InjectAnswer,
    IntelImport,
    KnowledgeDocument,
    MembershipApplication,
    NetworkEvent,
    QuarantinedMessage,
    ReadinessRecord,
    ReportChannel,
    User,
)
from csirtnet.organisation import application
from csirtnet.vocabulary import Role

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
# One login per role of the demo network, and a visitor without an account.
PEOPLE = [
    "admin@csirtnet.local",
    "dieuphoi@csirtnet.local",
    "quantri@backan.demo",
    "ungcuu@fpt.demo",
    "theodoi@caobang.demo",
    None,
]
# Routes that answer with a file or data, not a page: and a part of a page a script swaps in
# (/fragment, measured inside its page), and the CSAF provider's files and the TAXII server for machines
# (/.well-known, /taxii2).
NOT_PAGES = re.compile(
    r"(\.(csv|pdf|json|ico|svg|zip)$|/(files?|attachments|documents)/\{[^}]+\}$|/file$|/raw$|^/(healthz|readyz)$"
    r"|^/login/2fa$|/fragment$|^/\.well-known/|^/taxii2/)"
)
_PARAM = re.compile(r"\{([^}:]+)(:[^}]+)?\}")

# The elements that stick out past the viewport, named so a failure says where to look.
MEASURE = """() => {
  const width = window.innerWidth;
  const all = [...document.querySelectorAll('body *')];
  // Boxes past the right edge; failing that, boxes whose content spills out of them.
  let wide = all.filter((el) => el.getBoundingClientRect().right > width + 1);
  const spills = (el) => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible';
  if (!wide.length) wide = all.filter(spills);
  const innermost = wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)));
  const names = innermost.map((el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += '#' + el.id;
    if (el.classList.length) name += '.' + [...el.classList].join('.');
    return name + ' ' + Math.round(el.getBoundingClientRect().right) + 'px';
  });
  return {scroll: document.documentElement.scrollWidth, width, culprits: [...new Set(names)].slice(0, 4)};
}"""


def page_routes(app: Any) -> list[str]:
    """The GET routes that render a page (the API, metrics and downloads left out)."""
    out = []
    for ctx in iter_route_contexts(app.routes):
        if not ctx.methods or "GET" not in ctx.methods:
            continue
        if ctx.path.startswith((API_PREFIX, "/metrics", "/static")) or NOT_PAGES.search(ctx.path):
            continue
        out.append(ctx.path)
    return sorted(set(out))


@dataclass
class World:
    """What fills the path parameters: values by name, per person (what they may see)."""

    tokens: dict[str, str]  # route -> a token that route accepts
    values: Callable[[Session, Subject], dict[str, object]]


def _first(session: Session, query: Any) -> object | None:
    return session.scalar(query.limit(1))


def _values(session: Session, who: Subject) -> dict[str, object]:
    """A value per parameter name that `who` may open, where there is one."""
    values: dict[str, object] = {}
    if who.user_id is not None:
        incident = _first(session, incidents.incidents(who).order_by(incidents.Incident.id.desc()))
        report = _first(session, incidents.reports(who).order_by(incidents.IncidentReport.id.desc()))
        request = _first(session, mobilisation.requests(who).order_by(mobilisation.SupportRequest.id.desc()))
        values.update(
            incident_id=getattr(incident, "id", None),
            report_id=getattr(report, "id", None),
            request_id=getattr(request, "id", None),
            organisation_id=who.organisation_id,
            user_id=who.user_id,
        )
        values["item_id"] = session.scalar(evidence.items_query(who).with_only_columns(EvidenceItem.id).limit(1))
        values["advisory_id"] = session.scalar(
            advisory_repository.visible(who).with_only_columns(Advisory.id).order_by(Advisory.id).limit(1)
        )
        values["csaf_id"] = session.scalar(
            select(CsafDocument.id).where(visible_csaf_documents_clause(who)).order_by(CsafDocument.id).limit(1)
        )
        values["task_id"] = session.scalar(
            select(IncidentTask.id).where(IncidentTask.incident_id == values["incident_id"]).limit(1)
        )
    values["application_id"] = session.scalar(select(MembershipApplication.id).limit(1))
    values["quarantine_id"] = session.scalar(select(QuarantinedMessage.id).order_by(QuarantinedMessage.id).limit(1))
    values["cluster_id"] = session.scalar(select(Cluster.id).order_by(Cluster.id).limit(1))
    values["event_id"] = session.scalar(select(NetworkEvent.id).order_by(NetworkEvent.id).limit(1))
    values["document_id"] = session.scalar(select(KnowledgeDocument.id).order_by(KnowledgeDocument.id).limit(1))
    thread = session.scalar(select(ChannelThread).order_by(ChannelThread.id).limit(1))
    if thread is not None:
        values.update(channel_id=thread.channel_id, thread_id=thread.id)
    values["exercise_id"] = session.scalar(
        select(Exercise.id).where(visible_exercises_clause(session, who)).order_by(Exercise.id).limit(1)
    )
    values["indicator_id"] = session.scalar(
        select(Indicator.id).where(visible_indicators_clause(who)).order_by(Indicator.id).limit(1)
    )
    values["ref"] = session.scalar(
        select(IntelImport.id).where(visible_imports_clause(who)).order_by(IntelImport.id).limit(1)
    )
    if manages_feeds(who):
        values["source_id"] = session.scalar(select(FeedSource.id).order_by(FeedSource.id).limit(1))
        values["run_id"] = session.scalar(select(FeedRun.id).order_by(FeedRun.id).limit(1))
    values["digest_id"] = session.scalar(
        select(FeedDigest.id).where(visible_digests_clause(who)).order_by(FeedDigest.id).limit(1)
    )
    return values


# The demo exercise each exercise page opens on: the kind its part runs (tests/exercise/test_demo.py).
_EXERCISE_PAGES = {
    "challenges": "technical",
    "injects": "tabletop",
    "answers": "tabletop",
    "targets": "live_fire",
    "findings": "live_fire",
    "daily-summary": "live_fire",
    "results": "finished",
    "after-action": "finished",
    "external-results": "external",
}


def _exercise_values(session: Session, who: Subject, route: str) -> dict[str, object] | None:
    """An exercise page's exercise of the right kind, and its challenge, inject, answer or finding
    that `who` may open (a player's answer page: a released inject of their team's tabletop)."""
    part = route.removeprefix("/exercises/{exercise_id:int}/").split("/")[0]
    wanted = _EXERCISE_PAGES.get(part)
    if wanted is None:
        return None
    query = select(Exercise).where(visible_exercises_clause(session, who)).order_by(Exercise.id)
    if wanted == "finished":
        query = query.where(Exercise.status == "finished", Exercise.kind != "external")
    else:
        query = query.where(Exercise.kind == wanted)
    exercise = session.scalar(query.limit(1))
    if exercise is None:
        return None
    out: dict[str, object] = {"exercise_id": exercise.id}
    out["challenge_id"] = session.scalar(
        select(Challenge.id).where(Challenge.exercise_id == exercise.id).order_by(Challenge.id).limit(1)
    )
    out["inject_id"] = session.scalar(
        select(Inject.id)
        .where(Inject.exercise_id == exercise.id, Inject.released_at.is_not(None))
        .order_by(Inject.position.desc())
        .limit(1)
    )
    out["answer_id"] = session.scalar(
        select(InjectAnswer.id)
        .join(Inject, Inject.id == InjectAnswer.inject_id)
        .where(Inject.exercise_id == exercise.id)
        .order_by(InjectAnswer.id)
        .limit(1)
    )
    out["finding_id"] = session.scalar(
        select(Finding.id)
        .where(Finding.exercise_id == exercise.id, team_work_clause(session, who, exercise, Finding.team_id))
        .order_by(Finding.id)
        .limit(1)
    )
    return out


def _compound(session: Session, who: Subject, route: str) -> dict[str, object] | None:
    """Routes whose parameters must agree with each other."""
    if route.startswith("/exercises/{exercise_id:int}/"):
        return _exercise_values(session, who, route)
    if route == "/readiness/{organisation_id}/{year}":
        record = session.scalar(
            select(ReadinessRecord).order_by((ReadinessRecord.organisation_id == who.organisation_id).desc()).limit(1)
        )
        return None if record is None else {"organisation_id": record.organisation_id, "year": record.year}
    if route == "/clusters/{cluster_id}/plans/{year}":
        plan = session.scalar(select(ClusterPlan).order_by(ClusterPlan.id).limit(1))
        return None if plan is None else {"cluster_id": plan.cluster_id, "year": plan.year}
    return None


def fill(
    route: str, values: dict[str, object], compound: dict[str, object] | None, tokens: dict[str, str]
) -> str | None:
    if route in tokens:
        return _PARAM.sub(tokens[route], route)
    chosen = {**values, **(compound or {})}
    missing = [m.group(1) for m in _PARAM.finditer(route) if chosen.get(m.group(1)) is None]
    if missing:
        return None
    return _PARAM.sub(lambda m: str(chosen[m.group(1)]), route)


def _seed(session: Session) -> dict[str, str]:
    """The demo network, a second factor for those who must have one, and the tokens of the
    public tracking and reset pages."""
    load_demo(session)
    for user in session.scalars(select(User).where(User.email.in_([p for p in PEOPLE if p]))):
        if user.roles & {Role.PLATFORM_ADMIN.value, Role.COORDINATOR.value, Role.ORG_ADMIN.value}:
            user.totp_secret = SECRET
            user.totp_enabled_at = utcnow()
    received = intake.submit(
        session,
        ANONYMOUS,
        ReportCreate.model_validate(
            {
                "title": "Trang web của trường bị chèn liên kết cờ bạc",
                "description": "Phát hiện khi tìm kiếm tên trường trên Google.",
                "reporter_name": "Người dân",
                "reporter_email": "nguoidan@example.vn",
                "detected_at": utcnow() - timedelta(hours=3),
                "language": "vi",
            }
        ),
        channel=ReportChannel.PUBLIC,
    )
    _app, apply_token = application.submit(
        session,
        application.ApplicationForm(
            applicant_kind="individual",
            applicant_name="Trịnh Văn Chuyên Gia",
            applicant_email="chuyengia@example.vn",
            organisation_name="Trịnh Văn Chuyên Gia",
        ),
        [],
        ip=None,
    )
    reset = start_password_reset(
        session, session.scalars(select(User).where(User.email == "theodoi@caobang.demo")).one()
    )
    assert received.tracking_token
    return {
        "/report/track/{token}": received.tracking_token,
        "/apply/track/{token}": apply_token,
        "/password/reset/{token}": reset,
    }


SECRET = pyotp.random_base32()


def _log_in(browser: Any, base: str, email: str | None, report: Callable[[str, Any], None]) -> Any:
    context = browser.new_context(locale="vi-VN", viewport={"width": WIDTHS[0], "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    if email is None:
        return page
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    if "/login/2fa" in page.url:
        report("/login/2fa", page)  # the second-factor page is seen only on the way in
        page.fill("#code", pyotp.TOTP(SECRET).now())
        page.click("button[type=submit].primary")
    page.wait_for_url(base + "/")
    return page


# Layout is the browser's and the stylesheets' business, the same over either database: measured once.
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_page_fits_the_viewport_for_every_role(live_server, browser, settings) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    settings.mail_enabled = False  # the demo's notifications need no mail server here
    with live_server.database.unit_of_work() as session:
        tokens = _seed(session)
    routes = [*page_routes(create_app(settings, live_server.database, start_worker=False)), "/login/2fa"]
    offenders: list[str] = []
    opened: set[str] = set()

    def measure(route: str, page: Any, who: str) -> None:
        opened.add(route)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            seen = page.evaluate(MEASURE)
            if seen["scroll"] > seen["width"]:
                offenders.append(
                    f"{route} ({page.url.removeprefix(base)}) as {who} at {width} px: "
                    f"{seen['scroll']} px wide; {', '.join(seen['culprits'])}"
                )
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})

    for email in PEOPLE:
        who_label = email or "visitor"
        page = _log_in(browser, base, email, lambda route, pg, w=who_label: measure(route, pg, w))
        with live_server.database.unit_of_work(write=False) as session:
            user = session.scalar(select(User).where(User.email == email)) if email else None
            subject = subject_for(user) if user is not None else ANONYMOUS
            values = _values(session, subject)
            urls = {r: fill(r, values, _compound(session, subject, r), tokens) for r in routes if r != "/login/2fa"}
        for route, url in urls.items():
            if url is None:
                continue
            response = page.goto(base + url)
            if response is None or response.status != 200:
                continue  # not for this person (refused or not found)
            if page.url != base + url:
                if email and response.request.redirected_from and "/login" not in page.url:
                    opened.add(route)  # another name of a page measured on its own (/admin)
                continue
            measure(route, page, who_label)
        page.context.close()
    unopened = sorted(set(routes) - opened)
    assert not (offenders or unopened), (
        "pages wider than the viewport:\n"
        + "\n".join(offenders)
        + ("\npages no one could open (fill their parameters in this test): " + ", ".join(unopened) if unopened else "")
    )
