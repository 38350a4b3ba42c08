"""CTFd's dynamic values, with numbers worked by hand."""

from __future__ import annotations

import pytest

from csirtnet.exercise.technical.values import current_value


@pytest.mark.parametrize(
    ("solves", "expected"),
    [
        (0, 500),  # nobody solved it: the initial value
        (1, 500),  # the first solver gets the full value
        (2, 480),  # 500 - 20 * 1
        (5, 420),  # 500 - 20 * 4
        (21, 100),  # 500 - 20 * 20 = 100, the floor exactly
        (30, 100),  # 500 - 20 * 29 = -80 -> floor
    ],
)
def test_linear(solves: int, expected: int) -> None:
    assert current_value("linear", 500, 20, 100, solves) == expected


@pytest.mark.parametrize(
    ("solves", "expected"),
    [
        (0, 500),
        (1, 500),
        (2, 499),  # 500 + (100 - 500) / 15**2 * 1 = 498.22 -> ceil 499
        (3, 493),  # 500 - 400 * 4 / 225 = 492.89 -> 493
        (11, 323),  # 500 - 400 * 100 / 225 = 322.22 -> 323
        (16, 100),  # k = 15 = decay: the minimum exactly
        (40, 100),  # k = 39: 500 - 400 * 1521 / 225 = -2204 -> floor
    ],
)
def test_logarithmic(solves: int, expected: int) -> None:
    assert current_value("logarithmic", 500, 15, 100, solves) == expected


def test_logarithmic_with_zero_decay_reads_it_as_one() -> None:
    # k = 1: 400 + (250 - 400) / 1 * 1 = 250
    assert current_value("logarithmic", 400, 0, 250, 2) == 250
    assert current_value("logarithmic", 400, 0, 250, 1) == 400


def test_ceil_comes_before_the_floor() -> None:
    # RSA Baby in the fixture: 400 - 150 / 4 * 9 = 62.5 -> 63 -> raised to 250
    assert current_value("logarithmic", 400, 2, 250, 4) == 250
    # linear with a fraction-free result and a floor of 0
    assert current_value("linear", 300, 80, 0, 5) == 0  # 300 - 320 = -20 -> 0


def test_static_ignores_the_count() -> None:
    assert current_value("static", 150, 50, 10, 40) == 150
