"""Outside drill results in Chromium: the coordinator records the ASEAN ACID drill and uploads its
results as CSV (a file with a bad line first: every bad line is listed and nothing is applied), the
rankings page shows the results, and a province's admin sees its result ("3rd of 12") on its member
profile and in its readiness record once the results are written there."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pyotp
import pytest

from csirtnet.authz.cluster import today
from csirtnet.models import Cluster, ClusterMember
from csirtnet.vocabulary import Role
from tests.browser.test_forms import log_in
from tests.factories import make_organisation, make_user
from tests.incident.helpers import coordinator

pytestmark = pytest.mark.browser
PROVINCES = ("Bắc Kạn", "Bắc Giang", "Bắc Ninh")


def test_the_coordinator_enters_acid_results_by_csv_and_members_see_them(
    live_server, page, browser, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    secret = pyotp.random_base32()
    with live_server.database.unit_of_work() as session:
        coord = coordinator(session, totp_secret=secret)
        cluster = Cluster(name="Cụm số 1", number=1)
        session.add(cluster)
        session.flush()
        orgs = []
        for name in PROVINCES:
            org = make_organisation(
                session, kind="province", province=name, name=f"Sở TT&TT {name}", short_name=f"STTTT {name}"
            )
            session.add(ClusterMember(cluster_id=cluster.id, organisation_id=org.id, joined_on=date(2024, 1, 1)))
            orgs.append(org)
        admin = make_user(session, roles=[Role.ORG_ADMIN], organisation=orgs[2], totp_secret=pyotp.random_base32())
        coord_email, admin_email, admin_secret = coord.email, admin.email, admin.totp_secret
        names = [o.name for o in orgs]
        ninh_id = orgs[2].id
    base = live_server.url
    log_in(page, base, coord_email, secret)
    page.goto(base + "/exercises/external/new?lang=en")
    page.fill("#exercise_external-external_name", "ASEAN ACID 2026")
    page.select_option("#exercise_external-scope", "international")
    held = today() - timedelta(days=5)
    page.fill("#exercise_external-held_on", held.isoformat())
    page.click("main button[type=submit].primary")
    page.wait_for_url("**/external-results")
    results_url = page.url.split("?")[0]

    bad = tmp_path / "acid-bad.csv"
    bad.write_text(f"team,rank,score\n{names[0]},5,880\nSở không có,2,900\n{names[1]},hai,700\n", encoding="utf-8")
    page.set_input_files("#exercise_results_csv-file", str(bad))
    page.click("[data-testid=csv-form] button[type=submit]")
    problems = page.locator("[data-testid=csv-problems] li")
    problems.first.wait_for()
    listed = problems.all_inner_texts()
    assert len(listed) == 2 and "3" in listed[0] and "4" in listed[1]
    assert page.locator("[data-testid=result-row]").count() == 0  # nothing applied

    good = tmp_path / "acid.csv"
    good.write_text(f"team,rank,score\n{names[0]},5,880\nSTTTT Bắc Giang,9,700\n{names[2]},3,910\n", encoding="utf-8")
    page.set_input_files("#exercise_results_csv-file", str(good))
    page.click("[data-testid=csv-form] button[type=submit]")
    page.wait_for_url(results_url)
    assert page.locator("[data-testid=result-row]").count() == 3
    drill_id = results_url.rstrip("/").split("/")[-2]
    page.goto(f"{base}/exercises/{drill_id}/results?lang=en")
    page.click("text=Write the results into the members' readiness records")
    page.wait_for_url(f"**/exercises/{drill_id}/results")

    page.goto(f"{base}/exercises/rankings?year={held.year}&lang=en")
    table = page.locator("[data-testid=rankings]")
    assert "ASEAN ACID 2026" in table.inner_text()
    first = page.locator("[data-testid=ranking-row]").first.inner_text()
    assert names[2] in first and "3rd of 9" in first

    member = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900}).new_page()
    log_in(member, base, admin_email, admin_secret)
    member.goto(f"{base}/members/{ninh_id}?lang=en")
    mine = member.locator("[data-testid=exercise-result]").inner_text()
    assert "ASEAN ACID 2026" in mine and "3rd of 9" in mine
    member.goto(f"{base}/readiness/{ninh_id}/{held.year}?lang=vi")
    assert "hạng 3 trên 9" in member.locator("[data-testid=exercise-drill]").inner_text()
