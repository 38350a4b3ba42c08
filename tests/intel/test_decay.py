"""MISP's decaying model: the curve's ends and shape, the expiry moment solved from it, a sighting
restarting the decay, valid_until and revocation ending an indicator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csirtnet.intel import decay
from csirtnet.models import Indicator
from csirtnet.models.intel import IndicatorKind

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def indicator(kind: str = "ipv4", confidence: int = 100, **overrides: object) -> Indicator:
    values: dict[str, object] = {
        "kind": kind,
        "value": "x",
        "confidence": confidence,
        "valid_from": T0,
        "valid_until": None,
        "revoked": False,
        "last_seen_at": None,
    }
    values.update(overrides)
    return Indicator(**values)


def test_every_kind_has_a_model() -> None:
    assert set(decay.MODELS) == set(IndicatorKind)


def test_the_curve_starts_at_the_confidence_and_ends_at_the_lifetime() -> None:
    ind = indicator("ipv4", 80)  # τ 30 days, δ 2
    assert decay.score(ind, T0) == 80
    assert decay.score(ind, T0 + timedelta(days=30)) == 0
    assert decay.score(ind, T0 + timedelta(days=300)) == 0
    # t = τ/4 with δ = 2: 80 × (1 − (1/4)^(1/2)) = 40
    assert decay.score(ind, T0 + timedelta(days=7.5)) == pytest.approx(40)


def test_expiry_is_when_the_score_crosses_the_threshold() -> None:
    ind = indicator("domain", 60)  # τ 90 days, δ 1.5
    state = decay.evaluate(ind, T0)
    assert state.expired is False and state.reason is None
    expected = T0 + timedelta(days=90) * (1 - 30 / 60) ** 1.5
    assert state.expires_at == expected
    assert decay.score(ind, expected - timedelta(minutes=1)) >= 30 > decay.score(ind, expected + timedelta(minutes=1))
    assert decay.evaluate(ind, expected + timedelta(seconds=1)).reason == "decayed"


def test_low_confidence_is_expired_at_once() -> None:
    assert decay.evaluate(indicator(confidence=30), T0).expired


def test_a_sighting_restarts_the_decay() -> None:
    ind = indicator("url", 90)
    later = T0 + timedelta(days=20)
    assert decay.is_expired(ind, later)
    ind.last_seen_at = later - timedelta(hours=1)
    assert not decay.is_expired(ind, later)


def test_valid_until_and_revocation_end_it() -> None:
    until = T0 + timedelta(days=2)
    ind = indicator("sha256", 90, valid_until=until)
    assert decay.evaluate(ind, T0).expires_at == until
    assert decay.evaluate(ind, until).reason == "valid_until" and decay.score(ind, until) == 0
    ind.revoked = True
    assert decay.evaluate(ind, T0).reason == "revoked" and decay.score(ind, T0) == 0


@given(
    kind=st.sampled_from(list(IndicatorKind)),
    confidence=st.integers(0, 100),
    a=st.floats(0, 400),
    b=st.floats(0, 400),
)
def test_the_score_never_rises_and_stays_within_zero_and_the_confidence(
    kind: IndicatorKind, confidence: int, a: float, b: float
) -> None:
    ind = indicator(kind.value, confidence)
    early, late = sorted((a, b))
    first = decay.score(ind, T0 + timedelta(days=early))
    second = decay.score(ind, T0 + timedelta(days=late))
    assert 0 <= second <= first <= confidence


def test_an_indicator_valid_from_the_end_of_the_calendar_does_not_overflow() -> None:
    late = datetime(9999, 12, 1, tzinfo=UTC)
    state = decay.evaluate(indicator("sha256", 90, valid_from=late), late)
    assert state.expires_at == datetime.max.replace(tzinfo=UTC) and not state.expired
