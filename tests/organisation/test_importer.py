from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from csirtnet.authz import Subject
from csirtnet.models import AuditRecord, Cluster, ClusterMember, ConstituencyClaim, Organisation, OrganisationContact
from csirtnet.organisation import importer
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.helpers import run_cli
from tests.organisation.helpers import api

SYSTEM = Subject.system("test")


def _csv(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=importer.COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return ("\ufeff" + buf.getvalue()).encode()


GOOD = [
    {
        "record": "organisation",
        "member_code": "IMP-1",
        "name": "Sở TT&TT Lạng Sơn",
        "kind": "province",
        "province": "Lạng Sơn",
        "incident_email": "IR@langson.example.vn",
    },
    {
        "record": "contact",
        "member_code": "IMP-1",
        "contact_role": "incident_24x7",
        "full_name": "Trực ban",
        "phone": "+84 205 000",
    },
    {"record": "constituency", "member_code": "IMP-1", "value": "198.51.100.0/26"},
    {"record": "constituency", "member_code": "IMP-1", "value": "langson.example.gov.vn"},
    {"record": "cluster", "member_code": "IMP-1", "cluster": "1", "joined_on": "2025-01-15"},
]


def test_clean_file_is_applied_and_audited(db) -> None:
    db.add(Cluster(number=1, name="Cụm số 1"))
    db.flush()
    report = importer.run(db, SYSTEM, _csv(GOOD))
    assert report.clean and report.applied, report.errors
    org = db.scalar(select(Organisation).where(Organisation.member_code == "IMP-1"))
    assert org.incident_email == "ir@langson.example.vn"
    assert db.scalar(select(func.count(ConstituencyClaim.id)).where(ConstituencyClaim.organisation_id == org.id)) == 2
    assert db.scalar(select(ClusterMember).where(ClusterMember.organisation_id == org.id)) is not None
    assert db.scalar(select(AuditRecord).where(AuditRecord.action == "organisation.import_applied")) is not None
    # Importing the same file again changes nothing.
    again = importer.run(db, SYSTEM, _csv(GOOD))
    assert again.applied and again.unchanged == len(GOOD)


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_applied(db) -> None:
    rows = [
        *GOOD[:3],
        {"record": "contact", "member_code": "IMP-1", "contact_role": "boss", "full_name": "X"},
        {"record": "constituency", "member_code": "IMP-1", "value": "198.51.100.5/24"},
        {"record": "constituency", "member_code": "NOPE", "value": "192.0.2.0/24"},
        {"record": "organisation", "member_code": "IMP-2", "kind": "province"},
        {"record": "teapot", "member_code": "IMP-1"},
    ]
    report = importer.run(db, SYSTEM, _csv(rows))
    assert not report.applied
    found = {(e.line, e.field) for e in report.errors}
    assert (5, "contact_role") in found and (5, "full_name") in found and (5, "email") in found
    assert (6, "value") in found and (7, "member_code") in found and (8, "name") in found and (9, "record") in found
    assert "198.51.100.0/24" in next(e.message for e in report.errors if e.line == 6)
    assert db.scalar(select(Organisation).where(Organisation.member_code == "IMP-1")) is None
    # --apply-valid applies exactly the valid rows.
    report = importer.run(db, SYSTEM, _csv(rows), apply_valid=True)
    assert report.applied and report.valid == 3
    org = db.scalar(select(Organisation).where(Organisation.member_code == "IMP-1"))
    assert org is not None
    assert (
        db.scalar(select(func.count(OrganisationContact.id)).where(OrganisationContact.organisation_id == org.id)) == 1
    )


def test_header_and_encoding_errors(db) -> None:
    assert importer.run(db, SYSTEM, b"name,colour\nX,red\n").errors[0].line == 1
    report = importer.run(db, SYSTEM, "record,member_code\norganisation,A\n".encode("utf-16"))
    assert report.errors and report.errors[0].field == "file"


def test_import_api_and_permissions(client, db) -> None:
    assert client.post("/api/v1/organisations/import", files={"file": ("m.csv", _csv(GOOD[:1]))}).status_code == 401
    member = make_user(db, roles=[Role.ORG_ADMIN])
    r = client.post("/api/v1/organisations/import", files={"file": ("m.csv", _csv(GOOD[:1]))}, headers=api(db, member))
    assert r.status_code == 403
    boss = make_user(db, roles=[Role.COORDINATOR], organisation=make_organisation(db, is_coordinator=True))
    bad = [
        *GOOD[:1],
        {"record": "contact", "member_code": "IMP-1", "contact_role": "x", "full_name": "Y", "email": "y@x.vn"},
    ]
    r = client.post("/api/v1/organisations/import", files={"file": ("m.csv", _csv(bad))}, headers=api(db, boss))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "line 3: contact_role"
    r = client.post(
        "/api/v1/organisations/import",
        files={"file": ("m.csv", _csv(bad))},
        data={"apply_valid": "true"},
        headers=api(db, boss),
    )
    assert r.status_code == 200 and r.json()["organisations_created"] == 1


# A row is good or bad by construction; the property: nothing is applied unless all rows are
# good, and --apply-valid applies exactly the good ones.
_good_claim = st.integers(0, 255).map(lambda n: f"10.{n}.0.0/16")
_bad_claim = st.sampled_from(["10.0.0.1/16", "999.0.0.0/8", "AS0", "-x-.vn"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.integers(0, 255)), min_size=1, max_size=12), st.booleans())
def test_import_never_half_applies(db, rows, apply_valid) -> None:
    savepoint = db.begin_nested()
    try:
        csv_rows: list[dict[str, str]] = [{"record": "organisation", "member_code": "PROP-1", "name": "Thuộc tính"}]
        expected_claims: set[str] = set()
        for good, as_claim, n in rows:
            if as_claim:
                value = f"10.{n}.0.0/16" if good else f"10.{n}.0.1/16"
                if good and value in expected_claims:
                    good = False  # a duplicate claim in the file is a bad row
                csv_rows.append({"record": "constituency", "member_code": "PROP-1", "value": value})
                if good:
                    expected_claims.add(value)
            else:
                csv_rows.append(
                    {
                        "record": "contact",
                        "member_code": "PROP-1",
                        "contact_role": "technical" if good else "nobody",
                        "full_name": f"Người {n}",
                        "email": f"p{n}@x.vn",
                    }
                )
        all_good = all(g for g, _, _ in rows) and len(expected_claims) == sum(1 for g, c, _ in rows if g and c)
        report = importer.run(db, SYSTEM, _csv(csv_rows), apply_valid=apply_valid)
        org = db.scalar(select(Organisation).where(Organisation.member_code == "PROP-1"))
        if not report.clean and not apply_valid:
            assert org is None
            assert not report.applied
        else:
            assert org is not None
            claims = set(db.scalars(select(ConstituencyClaim.value).where(ConstituencyClaim.organisation_id == org.id)))
            assert claims == expected_claims
        if all_good:
            assert report.clean
    finally:
        savepoint.rollback()


# -- malformed files, through the command an operator runs (`csirtnet org import`) ----------------

_HEADER = "record,member_code,name,kind\n"


def _org_count(database) -> int:
    with database.unit_of_work(write=False) as s:
        return s.scalar(select(func.count(Organisation.id)).where(Organisation.member_code.like("Q-%"))) or 0


def test_cli_import_refuses_an_unterminated_quote_and_names_its_line(committing_database, tmp_path) -> None:
    path = tmp_path / "members.csv"
    path.write_text(
        _HEADER
        + "organisation,Q-1,Sở Một,province\n"
        + 'organisation,Q-2,"Sở Hai,province\n'
        + "organisation,Q-3,Sở Ba,province\n"
        + "organisation,Q-4,Sở Bốn,province\n",
        encoding="utf-8",
    )
    result = run_cli(committing_database, "org", "import", str(path))
    assert result.exit_code == 1, result.output
    assert f"{path}:3: file: a quote opened in this row is never closed" in result.output
    assert "nothing imported" in result.output and "Traceback" not in result.output
    assert _org_count(committing_database) == 0
    # A quote closed on a later line is refused too, naming the cell and the lines it runs over.
    path.write_text(
        _HEADER + 'organisation,Q-1,"Sở Một,province\norganisation,Q-2,Sở Hai",province\n', encoding="utf-8"
    )
    result = run_cli(committing_database, "org", "import", str(path))
    assert result.exit_code == 1 and f"{path}:2: name: the cell runs over lines 2–3" in result.output
    assert _org_count(committing_database) == 0


def test_cli_import_refuses_a_duplicated_column_and_lists_every_bad_row(committing_database, tmp_path) -> None:
    path = tmp_path / "members.csv"
    path.write_text("record,member_code,name,name\norganisation,Q-1,Sở Một,Sở Khác\n", encoding="utf-8")
    result = run_cli(committing_database, "org", "import", str(path))
    assert result.exit_code == 1 and f"{path}:1: name: the column appears twice (columns 3 and 4)" in result.output
    assert _org_count(committing_database) == 0
    # Every failing row is listed with its field (the API's schemas decide), and nothing is applied.
    path.write_text(
        "record,member_code,name,kind,incident_phone\n"
        "organisation,Q-1,Sở Một,province,\n"
        "organisation,Q-2,X,planet,\n"
        f"organisation,Q-3,{'N' * 301},province,call me\n"
        "organisation,Q-4,Sở Bốn,province,\n"
        "organisation,Q-5,Sở Năm,province\n"
        "organisation,Q-6,Sở\x00Sáu,province,\n",
        encoding="utf-8",
    )
    result = run_cli(committing_database, "org", "import", str(path))
    assert result.exit_code == 1
    assert f"{path}:6: file: 4 cells but the header has 5 columns" in result.output
    assert f"{path}:7: file: the line holds a NUL byte" in result.output
    assert _org_count(committing_database) == 0
    path.write_text(
        "record,member_code,name,kind,incident_phone\n"
        "organisation,Q-1,Sở Một,province,\n"
        "organisation,Q-2,X,planet,\n"
        f"organisation,Q-3,{'N' * 301},province,call me\n",
        encoding="utf-8",
    )
    result = run_cli(committing_database, "org", "import", str(path))
    assert result.exit_code == 1
    for line, field in ((3, "name"), (3, "kind"), (4, "name"), (4, "incident_phone")):
        assert f"{path}:{line}: {field}: " in result.output, result.output
    assert "longer than 300 characters" in result.output and "not a phone number" in result.output
    assert _org_count(committing_database) == 0
