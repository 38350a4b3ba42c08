"""A challenge's value as CTFd computes it (plugins/dynamic_challenges/decay.py; the same formulas in
3.8.1+'s standard challenges), pure arithmetic on the count of solves by visible teams.

- The first solver gets the initial value: with n solves, the decay uses k = n - 1 (k = 0 when n = 0).
- linear: initial - decay * k.
- logarithmic (a parabola that reaches the minimum at k = decay): initial + (minimum - initial) / decay**2 * k**2,
  in floating point, with a decay of 0 read as 1.
- The result is rounded up (ceil) and only then raised to the minimum.
- A static challenge is worth its value whatever the count.

Every solver scores the challenge's *current* value (CTFd sums `challenges.value` over solves), so
a solve made early loses points as others solve after it: the scoreboard moves for everyone."""

from __future__ import annotations

import math

from csirtnet.models import ScoringFunction

DYNAMIC = (ScoringFunction.LINEAR.value, ScoringFunction.LOGARITHMIC.value)


def current_value(function: str, initial: int, decay: int, minimum: int, solves: int) -> int:
    """The value of a challenge solved `solves` times by visible teams."""
    if function not in DYNAMIC:
        return initial
    k = solves - 1 if solves > 0 else 0
    value: float
    if function == ScoringFunction.LINEAR.value:
        value = initial - decay * k
    else:
        spread = decay if decay != 0 else 1
        value = ((minimum - initial) / (spread**2)) * (k**2) + initial
    result = math.ceil(value)
    return minimum if result < minimum else result
