"""The demo's exercises, all made through the parts' services (so they are audited like real work):

- cluster no. 1's technical drill, running, organised by its 2026 lead (Bắc Giang): dynamic
  challenges (linear and logarithmic) in four categories, hints with costs, one team per province
  (Bắc Kạn's admin `quantri@backan.demo` plays in Bắc Kạn's), solves spread over four hours and a
  freeze half an hour ago (players see the frozen board, the staff the live one);
- its inject-driven tabletop, running: a simulated alert, a simulated email, a contact check and
  an incident to report; four injects released, answers from every team, some graded, one late;
- its 14-day live-fire exercise against a demo provincial portal defended by Lạng Sơn, in its
  tenth day: validated findings, one merged duplicate, one rejected, one waiting for the judge;
  remediation tasks (one fixed, one overdue); the defenders' reports scored;
- a national technical drill finished forty days ago, its results recorded in the members'
  readiness records and its after-action report's lessons published to the knowledge base;
- the ASEAN ACID 2026 drill, an outside drill, with results entered for five members (Bắc Kạn
  3rd of 63).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import demo
from csirtnet.exercise.demo.common import (
    ACID,
    LIVE_FIRE_TITLE,
    NATIONAL_TITLE,
    TABLETOP_TITLE,
    TECHNICAL_TITLE,
    make_cast,
    player_email,
)
from csirtnet.exercise.demo.livefire import load_live_fire
from csirtnet.exercise.demo.results import load_acid, load_national
from csirtnet.exercise.demo.tabletop import load_tabletop
from csirtnet.exercise.demo.technical import load_technical
from csirtnet.kit.time import utcnow
from csirtnet.models import Cluster, Exercise, Organisation, User


@demo.register
def load(session: Session, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    if session.scalar(select(Exercise.id).where(Exercise.title == TECHNICAL_TITLE)) is not None:
        return
    cluster = session.scalar(select(Cluster).where(Cluster.number == 1))
    lead = session.scalar(select(User).where(User.email == "quantri@bacgiang.demo"))
    coordinator = users.get("dieuphoi@csirtnet.local")
    backan_admin = users.get("quantri@backan.demo")
    if cluster is None or lead is None or coordinator is None or backan_admin is None:
        return
    cast = make_cast(session, orgs, users, coordinator, lead, backan_admin)
    now = utcnow()
    load_technical(session, cast, cluster.id, now)
    load_tabletop(session, cast, cluster.id, now)
    load_live_fire(session, cast, cluster.id, now)
    load_national(session, cast, users, now)
    load_acid(session, cast, now)


__all__ = ["ACID", "LIVE_FIRE_TITLE", "NATIONAL_TITLE", "TABLETOP_TITLE", "TECHNICAL_TITLE", "load", "player_email"]
