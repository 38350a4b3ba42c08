"""How an indicator's score decays over time, and when it has expired: MISP's decaying model.

An indicator is worth most when it is fresh and less every day nobody sees it again. The score
follows MISP's polynomial decaying model (MISP 2.4.114 and later, "decaying of indicators"):

    score(t) = base × (1 − (t / τ) ^ (1 / δ))      for 0 ≤ t < τ, and 0 from t = τ on

- `base` — the indicator's confidence (0–100), the score it starts from;
- `t` — the time since the indicator was last seen: its newest sighting (false-positive reports
  are not sightings), else its `valid_from`. A new sighting starts the decay again;
- `τ` (lifetime) — how long an indicator of that kind can stay useful at all (the table below);
- `δ` (decay speed) — the curve's shape: δ = 1 is a straight line, δ > 1 falls fast at first and
  then slowly, δ < 1 holds the score up and then drops it near the end of the lifetime.

An indicator has **expired** when its score falls below `THRESHOLD` (30, MISP's default), when its
`valid_until` has passed, or when it was revoked. Solving score(t) = THRESHOLD for t gives the
moment it expires by decay:

    expires_at = last seen + τ × (1 − THRESHOLD / base) ^ δ

(an indicator whose confidence is at or below the threshold expires as soon as it is valid).
Expired indicators stay stored and searchable (`include_expired`), are shown as expired, and are
left out of the defenders' exports.

Lifetimes and decay speeds by kind (what an address or a name is worth for how long; hashes of
a file never change meaning, so they decay slowest):

| kind | τ (days) | δ | why |
|---|---|---|---|
| ipv4, ipv6 | 30 | 2.0 | addresses are reassigned, cloud and residential ones within days |
| ipv4-net, ipv6-net | 90 | 1.5 | ranges change owners more slowly than single addresses |
| url | 14 | 2.5 | phishing and malware URLs live for hours to days |
| hostname | 45 | 2.0 | a host name is cheaper to abandon than its domain |
| domain | 90 | 1.5 | registered domains are kept for months |
| email | 90 | 1.5 | sender addresses are reused across campaigns |
| ja3, ja4 | 180 | 1.0 | client fingerprints change with the tool's version |
| asn | 365 | 1.0 | an AS number's reputation changes slowly |
| filename | 180 | 1.0 | names are reused but weak evidence on their own |
| md5, sha1, sha256, sha512 | 365 | 0.5 | a file's hash means the same file forever |
| stix-pattern | 90 | 1.0 | unknown mix: a middle value |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from csirtnet.kit.time import as_utc
from csirtnet.models.intel import Indicator, IndicatorKind

K = IndicatorKind
THRESHOLD = 30.0


@dataclass(frozen=True)
class Model:
    """One row of the table: the lifetime τ and the decay speed δ of a kind."""

    lifetime: timedelta
    speed: float


MODELS: dict[IndicatorKind, Model] = {
    K.IPV4: Model(timedelta(days=30), 2.0),
    K.IPV6: Model(timedelta(days=30), 2.0),
    K.IPV4_NET: Model(timedelta(days=90), 1.5),
    K.IPV6_NET: Model(timedelta(days=90), 1.5),
    K.URL: Model(timedelta(days=14), 2.5),
    K.HOSTNAME: Model(timedelta(days=45), 2.0),
    K.DOMAIN: Model(timedelta(days=90), 1.5),
    K.EMAIL: Model(timedelta(days=90), 1.5),
    K.JA3: Model(timedelta(days=180), 1.0),
    K.JA4: Model(timedelta(days=180), 1.0),
    K.ASN: Model(timedelta(days=365), 1.0),
    K.FILENAME: Model(timedelta(days=180), 1.0),
    K.MD5: Model(timedelta(days=365), 0.5),
    K.SHA1: Model(timedelta(days=365), 0.5),
    K.SHA256: Model(timedelta(days=365), 0.5),
    K.SHA512: Model(timedelta(days=365), 0.5),
    K.STIX_PATTERN: Model(timedelta(days=90), 1.0),
}
_DEFAULT = MODELS[K.STIX_PATTERN]


@dataclass(frozen=True)
class Decay:
    """What a reader is shown: the score now, when it expires (or expired), and whether it has."""

    score: float
    base: float
    expires_at: datetime | None  # None: revoked (no moment), else the earliest of decay and valid_until
    expired: bool
    reason: str | None  # "revoked", "valid_until", "decayed", or None while it is live


def model_for(kind: str) -> Model:
    try:
        return MODELS[IndicatorKind(kind)]
    except ValueError:
        return _DEFAULT


def curve(base: float, elapsed: timedelta, model: Model) -> float:
    """base × (1 − (t/τ)^(1/δ)), clamped to [0, base]; t before the start counts as 0."""
    if base <= 0:
        return 0.0
    ratio = max(elapsed / model.lifetime, 0.0)
    if ratio >= 1:
        return 0.0
    return float(base * (1 - float(ratio) ** (1 / model.speed)))


def last_seen(ind: Indicator) -> datetime:
    """Where the decay starts: the newest sighting, else when the indicator became valid."""
    start = as_utc(ind.valid_from)
    if ind.last_seen_at is not None:
        seen = as_utc(ind.last_seen_at)
        return max(seen, start)
    return start


def decays_at(ind: Indicator) -> datetime:
    """When the score crosses THRESHOLD: last seen + τ × (1 − THRESHOLD/base)^δ."""
    model = model_for(ind.kind)
    base = float(ind.confidence)
    start = last_seen(ind)
    if base <= THRESHOLD:
        return start
    factor: float = (1 - THRESHOLD / base) ** model.speed
    try:
        return start + model.lifetime * factor
    except OverflowError:  # valid from near the end of the calendar: it never decays in it
        return datetime.max.replace(tzinfo=UTC)


def score(ind: Indicator, now: datetime) -> float:
    """The indicator's score at `now` (0 when revoked or past `valid_until`)."""
    if ind.revoked or (ind.valid_until is not None and as_utc(ind.valid_until) <= as_utc(now)):
        return 0.0
    return curve(float(ind.confidence), as_utc(now) - last_seen(ind), model_for(ind.kind))


def evaluate(ind: Indicator, now: datetime) -> Decay:
    """Score, expiry moment and state of `ind` at `now`."""
    now = as_utc(now)
    base = float(ind.confidence)
    if ind.revoked:
        return Decay(0.0, base, None, True, "revoked")
    by_decay = decays_at(ind)
    until = as_utc(ind.valid_until) if ind.valid_until is not None else None
    if until is not None and until <= by_decay:
        expires, reason = until, "valid_until"
    else:
        expires, reason = by_decay, "decayed"
    value = score(ind, now)
    expired = now >= expires or value < THRESHOLD
    return Decay(round(value, 2), base, expires, expired, reason if expired else None)


def is_expired(ind: Indicator, now: datetime) -> bool:
    return evaluate(ind, now).expired
