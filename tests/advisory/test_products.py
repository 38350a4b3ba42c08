"""Which members are likely affected: the loose version order, specs and ranges (properties and the
versions vendors really publish), product and vendor keys, and the match against declared
products in one query, for a few organisations or thousands."""

from __future__ import annotations

from contextlib import suppress

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from csirtnet.advisory import products
from csirtnet.advisory.products import matching_spec, parse_spec, version_in, version_key
from csirtnet.kit.text import fold, sort_key
from csirtnet.models import DeclaredProduct, Organisation, product_key
from tests.factories import make_organisation
from tests.helpers import sql_statements

numbers = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=6)
dotted = numbers.map(lambda parts: ".".join(map(str, parts)))
texts = st.text(max_size=40)


def _padded(parts: list[int], size: int) -> tuple[int, ...]:
    return tuple(parts + [0] * (size - len(parts)))


# -- the version order ---------------------------------------------------------------------------


@given(numbers, numbers)
def test_numeric_versions_order_as_numbers_with_missing_parts_zero(a: list[int], b: list[int]) -> None:
    size = max(len(a), len(b))
    ka, kb = version_key(".".join(map(str, a))), version_key(".".join(map(str, b)))
    assert (ka < kb) == (_padded(a, size) < _padded(b, size))
    assert (ka == kb) == (_padded(a, size) == _padded(b, size))


@given(dotted, st.integers(min_value=0, max_value=99), st.sampled_from(["-", ".", "", "_"]))
def test_pre_releases_come_before_and_hotfixes_after(version: str, n: int, sep: str) -> None:
    key = version_key(version)
    for word in ("rc", "beta", "alpha", "dev", "preview"):
        assert version_key(f"{version}{sep}{word}{n}") < key
    for word in ("h", "p", "sp", "update"):
        assert key < version_key(f"{version}{sep}{word}{n}") < version_key(f"{version}.{n + 1}")


@given(dotted)
def test_spelling_that_does_not_change_the_version(version: str) -> None:
    key = version_key(version)
    assert version_key(version + ".0") == key
    assert version_key("v" + version) == key
    assert version_key(f"  {version.upper()} ") == key


def test_versions_vendors_publish_order_as_they_mean() -> None:
    ordered = [
        "2.4.57",
        "2.4.58-rc1",
        "2.4.58",
        "2.4.58-h1",
        "2.4.59",
        "2.10",
        "10.2.9",
        "10.2.9-h1",
        "11.1.0",
        "11.1.0-h3",
        "11.1.1",
    ]
    assert sorted(ordered, key=version_key) == ordered
    assert version_key("1.1.1") < version_key("1.1.1k") < version_key("1.1.2")  # OpenSSL
    assert version_key("9.3") < version_key("9.3p1") < version_key("9.4")  # OpenSSH
    assert version_key("1.0") == version_key("1") == version_key("1.0.0")
    # numbers of any length, beyond what int() reads (4,300 digits)
    assert version_key("1.2") < version_key("1." + "9" * 5000) < version_key("2")
    assert version_key("007.1") == version_key("7.1")


# -- specs ---------------------------------------------------------------------------------------


@given(dotted)
def test_a_version_and_its_bounds(version: str) -> None:
    assert version_in(version, [version])
    assert version_in(version, [f"={version}"])
    assert version_in(version, [f"<={version}"])
    assert version_in(version, [f">={version}"])
    assert not version_in(version, [f"<{version}"])
    assert not version_in(version, [f">{version}"])
    assert version_in(version, ["*"])
    assert version_in(version, [])


@given(dotted, dotted, dotted)
def test_a_range_holds_exactly_the_versions_between_its_bounds(a: str, b: str, x: str) -> None:
    low, high = sorted([a, b], key=version_key)
    between = version_key(low) <= version_key(x) <= version_key(high)
    assert version_in(x, [f">={low} <={high}"]) == between
    assert version_in(x, [f"{low} - {high}"]) == between
    assert version_in(x, [f">= {low}, <= {high}"]) == between
    half_open = version_key(low) <= version_key(x) < version_key(high)
    assert version_in(x, [f">={low} <{high}"]) == (half_open and version_key(low) != version_key(high))


@given(numbers, st.integers(min_value=0, max_value=999))
def test_a_series_holds_its_versions_and_not_the_next(stem: list[int], n: int) -> None:
    prefix = ".".join(map(str, stem))
    following = ".".join(map(str, [*stem[:-1], stem[-1] + 1]))
    for spec in (f"{prefix}.*", f"{prefix}.x"):
        assert version_in(f"{prefix}.{n}", [spec])
        assert version_in(prefix, [spec])
        assert not version_in(following, [spec])


@given(texts, texts)
def test_any_text_is_answered_without_an_error(version: str, spec: str) -> None:
    with suppress(ValueError):
        parse_spec(spec)
    assert isinstance(version_in(version, [spec]), bool)


@given(st.one_of(st.none(), st.sampled_from(["", "latest", "n/a", "unknown", "  "])), st.lists(texts, max_size=3))
def test_an_unknown_declared_version_is_likely_affected(version: str | None, spec: list[str]) -> None:
    assert version_in(version, spec)
    assert matching_spec(version, spec) in ("?", "*")


@pytest.mark.parametrize(
    ("version", "spec", "expected"),
    [
        ("2.4.57", ["<2.4.58"], True),
        ("2.4.58", ["<2.4.58"], False),
        ("2.4.58-rc1", ["<2.4.58"], True),
        ("3.1", ["<=3.1"], True),
        ("3.1.1", ["<=3.1"], False),
        ("1.1", [">=1.0 <1.2"], True),
        ("1.2", [">=1.0 <1.2"], False),
        ("1.4", ["1.0 - 1.4"], True),
        ("1.4.1", ["1.0 - 1.4"], False),
        ("11.1.2-h1", [">=11.1.2 <11.1.2-h3"], True),
        ("11.1.2-h3", [">=11.1.2 <11.1.2-h3"], False),
        ("7.0", ["6.*", "7.0.1"], False),
        ("7.0.1", ["6.*", "7.0.1"], True),
        ("2.4.57", ["2.4.57"], True),
        ("2.4", ["2.4.57"], False),
        ("V2.4.57", ["2.4.57"], True),
    ],
)
def test_examples(version: str, spec: list[str], expected: bool) -> None:
    assert version_in(version, spec) is expected


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        (">=2 >=3", "two lower bounds"),
        ("<1 <2", "two upper bounds"),
        ("<1 >2", "holds no version"),
        ("2 3", "give each bound"),
        ("latest", "is not a version"),
        ("<", "not a version or a range"),
        ("1.0 - beta", "is not a version"),
    ],
)
def test_a_spec_that_means_nothing_is_refused_saying_why(spec: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        products.check_spec(spec)
    # stored anyway (an older advisory), it matches only its own text
    assert not version_in("9.9", [spec])


def test_check_spec_tidies_spaces() -> None:
    assert products.check_spec("  >=1.0   <1.2 ") == ">=1.0 <1.2"


# -- keys ----------------------------------------------------------------------------------------


@given(texts)
def test_product_key_is_stable(text: str) -> None:
    key = product_key(text)
    assert product_key(key) == key
    assert key == key.strip() and "  " not in key
    assert key == key.lower()


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.", max_size=30))
def test_product_key_ignores_case_and_separators(text: str) -> None:
    key = product_key(text)
    assert product_key(text.upper()) == key
    assert product_key(text.replace(" ", "-")) == key
    assert product_key(text.replace("-", "_")) == key


@given(st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=8), min_size=1, max_size=4))
def test_product_key_joins_words_however_separated(words: list[str]) -> None:
    assert product_key(" - ".join(words)) == product_key("_".join(words)) == " ".join(words)


def test_vendor_stems() -> None:
    assert products.vendor_stem("Palo Alto Networks") == products.vendor_stem("PaloAlto")
    assert products.vendor_stem("Microsoft Corporation") == products.vendor_stem("microsoft")
    assert products.vendor_stem("The Apache Software Foundation") == products.vendor_stem("Apache")
    assert products.vendor_stem("Cisco Systems, Inc.") == products.vendor_stem("Cisco")
    assert products.vendor_stem("Fortinet") != products.vendor_stem("Cisco")


# -- matching declared products ------------------------------------------------------------------


def _declare(db: Session, org: Organisation, vendor: str, product: str, version: str | None) -> DeclaredProduct:
    row = DeclaredProduct(organisation_id=org.id, vendor=vendor, product=product, version=version)
    db.add(row)
    db.flush()
    return row


PAN_OS = [{"vendor": "Palo Alto Networks", "product": "PAN-OS", "versions": [">=11.1.0 <11.1.2-h3", "<10.2.9-h1"]}]


def test_members_running_an_affected_version_are_found_with_what_matched(db: Session) -> None:
    old, patched, unknown, spelt, other_vendor, nothing = (make_organisation(db) for _ in range(6))
    hit = _declare(db, old, "Palo Alto Networks", "PAN-OS", "11.1.1")
    _declare(db, old, "Fortinet", "FortiOS", "7.2.5")
    _declare(db, patched, "Palo Alto Networks", "PAN-OS", "11.1.2-h3")
    _declare(db, unknown, "palo alto networks", "PAN OS", None)
    _declare(db, spelt, "PaloAlto", "PANOS", "10.2.4")
    _declare(db, other_vendor, "Pan Systems", "PAN-OS", "10.0")
    db.flush()
    db.expire_all()
    with sql_statements(db) as statements:
        found = products.likely_affected(db, None, PAN_OS)
    assert len(statements) == 1
    assert set(found) == {old.id, unknown.id, spelt.id}
    assert found[old.id] == [
        {
            "declared_product_id": hit.id,
            "vendor": "Palo Alto Networks",
            "product": "PAN-OS",
            "version": "11.1.1",
            "matched": PAN_OS[0],
            "spec": ">=11.1.0 <11.1.2-h3",
        }
    ]
    assert found[unknown.id][0]["spec"] == "?"
    assert found[spelt.id][0]["spec"] == "<10.2.9-h1"
    assert nothing.id not in found


def test_only_the_organisations_asked_about(db: Session) -> None:
    a, b = make_organisation(db), make_organisation(db)
    for org in (a, b):
        _declare(db, org, "Apache", "HTTP Server", "2.4.57")
    affected = [{"vendor": "Apache Software Foundation", "product": "http_server", "versions": ["<2.4.58"]}]
    assert set(products.likely_affected(db, [b.id], affected)) == {b.id}
    assert products.likely_affected(db, [], affected) == {}
    assert products.likely_affected(db, None, []) == {}
    everything = [{"vendor": "", "product": "HTTP Server", "versions": []}]
    assert {f[0]["spec"] for f in products.likely_affected(db, None, everything).values()} == {"*"}


def test_thousands_of_organisations_in_one_query(db: Session) -> None:
    count = 2_500  # past the length where the organisation filter moves from SQL to Python
    db.execute(
        insert(Organisation),
        [
            {
                "name": f"Tổ chức {i}",
                "member_code": f"LA-{i:05d}",
                "kind": "private_enterprise",
                "name_fold": fold(f"Tổ chức {i}"),
                "name_sort": sort_key(f"Tổ chức {i}"),
            }
            for i in range(count)
        ],
    )
    ids = list(db.scalars(select(Organisation.id).where(Organisation.member_code.startswith("LA-"))))
    versions = ["7.0.12", "7.2.4", "7.2.8", "7.4.1", None]
    rows = []
    for n, org_id in enumerate(ids):
        rows.append(
            {
                "organisation_id": org_id,
                "vendor": "Fortinet",
                "product": "FortiOS",
                "version": versions[n % len(versions)],
                "vendor_key": "fortinet",
                "product_key": "fortios",
            }
        )
        rows.append(
            {
                "organisation_id": org_id,
                "vendor": "Microsoft",
                "product": "Exchange Server",
                "version": "2019",
                "vendor_key": "microsoft",
                "product_key": "exchange server",
            }
        )
    db.execute(insert(DeclaredProduct), rows)
    affected = [{"vendor": "Fortinet", "product": "FortiOS", "versions": [">=7.0 <7.2.7", ">=7.4.0 <7.4.3"]}]
    asked = ids[: count - 100]  # all but the last hundred
    with sql_statements(db) as statements:
        found = products.likely_affected(db, asked, affected)
    assert len(statements) == 1
    # 7.0.12, 7.2.4, 7.4.1 and the unknown version: four of every five
    expected = {org_id for n, org_id in enumerate(asked) if versions[n % len(versions)] != "7.2.8"}
    assert set(found) == expected
    assert all(len(matches) == 1 for matches in found.values())
