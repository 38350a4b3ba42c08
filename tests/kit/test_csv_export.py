"""CSV exports neutralise formulas (issue 10, OWASP "CSV injection"): every CSV the product writes
goes through kit.csv_export, and a cell that a spreadsheet would run as a formula is text."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pytest

from csirtnet.kit.csv_export import safe_cell, to_csv
from csirtnet.vocabulary import Role
from tests.cluster.helpers import api as cluster_api
from tests.cluster.helpers import build
from tests.cluster.test_pages import sign_in
from tests.factories import make_organisation, make_user
from tests.incident.helpers import api

SRC = Path(__file__).resolve().parents[2] / "src" / "csirtnet"
FORMULAS = ['=HYPERLINK("http://evil.example/?x","Bấm vào đây")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"]


@pytest.mark.parametrize("value", FORMULAS)
def test_a_formula_becomes_text(value: str) -> None:
    assert safe_cell(value) == "'" + value


def test_other_cells_are_written_as_they_are() -> None:
    for value in ("Sở Thông tin và Truyền thông", "a=b", "", " x", "user@example.vn", "0209 3870 000"):
        assert safe_cell(value) == value
    assert safe_cell(None) == "" and safe_cell(-5) == "-5" and safe_cell(67) == "67" and safe_cell(0.5) == "0.5"
    text = to_csv(["Tên", "n"], [["=1+1", 3], ['say "hi"', -1]])
    assert text.startswith("\ufeff") and text.endswith("\r\n")
    assert list(csv.reader(io.StringIO(text[1:]))) == [["Tên", "n"], ["'=1+1", "3"], ['say "hi"', "-1"]]


def test_no_module_writes_csv_but_the_kit() -> None:
    """A new export cannot forget: csv.writer / csv.DictWriter appear only in kit/csv_export.py."""
    offenders = []
    for path in SRC.rglob("*.py"):
        if path == SRC / "kit" / "csv_export.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("writer", "DictWriter")
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
            ):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == []


def _cells(content: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def _no_live_formula(content: bytes) -> list[str]:
    cells = _cells(content)
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells
    return cells


def test_the_directory_exports_neutralise_formulas(client, db) -> None:
    make_organisation(
        db,
        name=FORMULAS[0],
        name_en="+cmd|' /C calc'!A0",
        short_name="@SUM(1+1)",
        province="Bắc Kạn",
        website="-2+3",
        incident_phone="=1+1",
    )
    viewer = make_user(db, roles=[Role.VIEWER])
    answer = client.get("/api/v1/directory/export.csv", params={"province": "Bắc Kạn"}, headers=api(db, viewer))
    assert answer.status_code == 200
    cells = _no_live_formula(answer.content)
    assert "'" + FORMULAS[0] in cells and "'@SUM(1+1)" in cells and "'-2+3" in cells
    sign_in(client, db, viewer)
    page = client.get("/members/directory.csv", params={"province": "Bắc Kạn"})
    assert page.status_code == 200
    assert "'" + FORMULAS[0] in _no_live_formula(page.content)


def test_the_readiness_exports_neutralise_formulas(client, db) -> None:
    from csirtnet.authz import cluster as cluster_authz

    net = build(db)
    net.cluster.name = '=HYPERLINK("http://evil.example")'
    net.c.name = "@SUM(1+1)"  # no readiness record: a gap
    db.flush()
    year = cluster_authz.today().year - 1
    headers = cluster_api(db, net.coordinator)
    for kind, planted in (("coverage", "'" + net.cluster.name), ("gaps", "'@SUM(1+1)")):
        params = {"year": year, "group_by": "cluster", "kind": kind}
        answer = client.get("/api/v1/readiness/coverage.csv", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        assert planted in _no_live_formula(answer.content), kind
    sign_in(client, db, net.coordinator)
    for kind, planted in (("coverage", "'" + net.cluster.name), ("gaps", "'@SUM(1+1)")):
        page = client.get("/readiness/coverage.csv", params={"year": year, "group_by": "cluster", "kind": kind})
        assert page.status_code == 200
        assert planted in _no_live_formula(page.content), kind
