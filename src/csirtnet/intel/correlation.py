"""Correlation, computed on read (ADR 0025): what else holds an indicator's value — other
indicators, incident observables, advisories' indicators — by exact value, IP in network (both
ways) and domain under domain (both ways; a URL's or e-mail address's host under a domain).

Nothing is stored as pairs. Each side is read through its own visibility clause for the reader
(authz.intel for indicators; authz.incident's incident and observable clauses; authz.advisory),
so a reader who may not see the other side learns nothing of it, not even a count.

Over-correlation: a value that matches more than `CSIRTNET_INTEL_CORRELATION_LIMIT` objects is
flagged instead of listed. The flag a READER sees is decided over what that reader may see (the
read model is a function of the visible rows alone: no oracle on hidden objects); the platform's
record (`OverCorrelatedValue`, written by `correlate_batch` over everything) is the operator's list
and the imports' signal, never shown to members.

Index use (ADR 0025): exact values on (kind, value); "address in network" as an exact lookup of
the few CIDR blocks that can contain the address (one per prefix length) on (ip_lo, ip_hi);
"network contains" as a range scan on ip_lo; "under a domain" as the parent domains (exact) and
a prefix range on rdomain. Incident observables have no range columns: their IP-in-network and
domain-under-domain matches are prefiltered in SQL (text ranges, LIKE) and decided here in Python
by `relation`, the one definition of what matches what.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import ColumnElement, Integer, String, and_, column, func, not_, or_, select, tuple_, union_all, values
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz.advisory import visible_advisories_clause
from csirtnet.authz.incident import visible_incidents_clause, visible_observables_clause
from csirtnet.authz.intel import visible_indicators_clause
from csirtnet.errors import ValidationFailed
from csirtnet.intel import values as V
from csirtnet.models import Advisory, Incident, IncidentObservable, Indicator, OverCorrelatedValue
from csirtnet.models.intel import IndicatorKind

K = IndicatorKind
Relation = Literal["exact", "in_network", "under_domain"]

ADDRESS_KINDS = (K.IPV4.value, K.IPV6.value)
NETWORK_KINDS = (K.IPV4_NET.value, K.IPV6_NET.value)
DOMAIN_KINDS = (K.DOMAIN.value, K.HOSTNAME.value)
# Counted matches stop here (a /8 or a public suffix-like domain matches millions): the count
# only has to say "more than the limit", and the work stays bounded.
COUNT_CAP = 100_000

# Incident observable kinds and the indicator kinds they are (ObservableKind "ip" is either address).
OBSERVABLE_TO_INDICATOR: dict[str, tuple[str, ...]] = {
    "ip": ADDRESS_KINDS,
    "domain": (K.DOMAIN.value,),
    "url": (K.URL.value,),
    "email": (K.EMAIL.value,),
    "md5": (K.MD5.value,),
    "sha1": (K.SHA1.value,),
    "sha256": (K.SHA256.value,),
}
INDICATOR_TO_OBSERVABLE: dict[str, str] = {
    K.IPV4.value: "ip",
    K.IPV6.value: "ip",
    K.DOMAIN.value: "domain",
    K.HOSTNAME.value: "domain",
    K.URL.value: "url",
    K.EMAIL.value: "email",
    K.MD5.value: "md5",
    K.SHA1.value: "sha1",
    K.SHA256.value: "sha256",
}
# Advisory.indicators types (advisory.schemas.IndicatorType) that are not indicator kinds.
_ADVISORY_TYPES = {"network": None, "stix": K.STIX_PATTERN.value}


def correlation_limit() -> int:
    from csirtnet.config import get_settings

    return max(1, get_settings().intel_correlation_limit)


# -- what matches what ------------------------------------------------------------------------


def group(kind: str) -> str:
    """Kinds whose equal values are the same thing: a domain and a hostname."""
    return K.DOMAIN.value if kind in DOMAIN_KINDS else kind


def host_of(value: V.Value) -> str | None:
    """The domain name a value is or names (a URL's host, an e-mail address's domain)."""
    if value.rdomain is None:
        return None
    return ".".join(reversed(value.rdomain.rstrip(".").split(".")))


def _range(value: V.Value) -> tuple[int, int] | None:
    if value.ip_lo is None or value.ip_hi is None:
        return None
    return int(value.ip_lo, 16), int(value.ip_hi, 16)


def _canonical(value: V.Value) -> str:
    """The form two values are compared in: a URL's bare "/" path and an e-mail's case do not count
    (the incident domain writes "http://x.vn/" and lower-cases addresses)."""
    if value.kind is K.URL and value.value.endswith("/") and value.value.count("/") == 3:
        return value.value[:-1]
    if value.kind is K.EMAIL:
        return value.value.lower()
    return value.value


def relation(a: V.Value, b: V.Value) -> Relation | None:
    """How two normalised values correlate, the one definition every query below implements:
    - "exact": the same value (a domain and a hostname alike);
    - "in_network": one is a network and the other (an address, a URL with an address for host, a
      smaller network) lies inside it;
    - "under_domain": one is a domain and the other is a name below it, or a URL or e-mail address
      whose host is it or is below it."""
    if group(a.kind) == group(b.kind) and _canonical(a) == _canonical(b):
        return "exact"
    ra, rb = _range(a), _range(b)
    if ra is not None and rb is not None and ra != rb:
        if a.kind in NETWORK_KINDS and ra[0] <= rb[0] and rb[1] <= ra[1]:
            return "in_network"
        if b.kind in NETWORK_KINDS and rb[0] <= ra[0] and ra[1] <= rb[1]:
            return "in_network"
    ha, hb = host_of(a), host_of(b)
    if ha is None or hb is None:
        return None
    a_domain, b_domain = a.kind in DOMAIN_KINDS, b.kind in DOMAIN_KINDS
    if not (a_domain or b_domain):
        return None  # a URL and an e-mail address: only ever equal
    if a_domain and (hb.endswith("." + ha) or (not b_domain and hb == ha)):
        return "under_domain"
    if b_domain and (ha.endswith("." + hb) or (not a_domain and ha == hb)):
        return "under_domain"
    return None


def as_value(kind: str, raw: str) -> V.Value | None:
    """A stored value (an indicator kind) normalised, or None when it is not one."""
    try:
        return V.normalise(kind, raw)
    except ValidationFailed:
        return None


def observable_value(kind: str, raw: str) -> V.Value | None:
    """An incident observable as an indicator value (an "ip" observable is an IPv4 or IPv6 address)."""
    if kind == "ip":
        detected = V.detect(raw)
        return as_value(detected.value, raw) if detected is not None else None
    kinds = OBSERVABLE_TO_INDICATOR.get(kind)
    return as_value(kinds[0], raw) if kinds else None


def advisory_value(kind: str, raw: str) -> V.Value | None:
    """An advisory's {type, value} as an indicator value."""
    if kind == "network":
        detected = V.detect(raw)
        return as_value(detected.value, raw) if detected in (K.IPV4_NET, K.IPV6_NET) else None
    return as_value(_ADVISORY_TYPES.get(kind) or kind, raw)


def indicator_value(ind: Indicator) -> V.Value:
    return V.Value(K(ind.kind), ind.value, ip_lo=ind.ip_lo, ip_hi=ind.ip_hi, rdomain=ind.rdomain)


def _observable_forms(value: V.Value) -> list[str]:
    """The incident domain's stored forms of an indicator value (its URLs always have a path)."""
    from csirtnet.incident.observables import normalise

    kind = INDICATOR_TO_OBSERVABLE.get(value.kind.value)
    if kind is None:
        return []
    forms = {value.value}
    with contextlib.suppress(ValueError):
        forms.add(normalise(kind, value.value))
    return sorted(forms)


def _indicator_forms(value: V.Value) -> list[str]:
    """Indicator values equal to `value` written the incident way ("http://x.vn/" is "http://x.vn")."""
    forms = {value.value}
    if value.kind is K.URL and value.value.endswith("/") and value.value.count("/") == 3:
        forms.add(value.value[:-1])
    return sorted(forms)


def supernet_keys(value: V.Value) -> list[tuple[str, str]]:
    """(ip_lo, ip_hi) of every CIDR block strictly containing the value's address or network: the
    only networks an exact index lookup has to try."""
    span = _range(value)
    if span is None:
        return []
    lo, hi = span
    v4 = lo >> 32 == 0xFFFF and hi >> 32 == 0xFFFF
    bits = 32 if v4 else 128
    own = bits - (hi - lo + 1).bit_length() + 1
    base = 0xFFFF00000000 if v4 else 0
    out = []
    for prefix in range(1 if v4 else 8, own):
        size = 1 << (bits - prefix)
        start = ((lo - base) // size) * size + base
        out.append((f"{start:032x}", f"{start + size - 1:032x}"))
    return out


def _domain_range(rdomain: str) -> tuple[str, str]:
    """Every rdomain under (and at) `rdomain` ("vn.evil.") lies in [rdomain, rdomain/): '/' follows '.'."""
    return rdomain, rdomain[:-1] + "/"


# -- the read model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorMatch:
    indicator_id: int
    kind: str
    value: str
    collection: str
    tlp: str


@dataclass(frozen=True)
class IncidentMatch:
    incident_id: int
    reference: str
    title: str
    status: str  # the incident's phase
    observable_kind: str
    observable_value: str


@dataclass(frozen=True)
class AdvisoryMatch:
    advisory_id: int
    reference: str
    title: str
    indicator_type: str
    indicator_value: str


@dataclass
class MatchGroup:
    indicators: list[IndicatorMatch] = field(default_factory=list)
    incidents: list[IncidentMatch] = field(default_factory=list)
    advisories: list[AdvisoryMatch] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.indicators) + len(self.incidents) + len(self.advisories)


@dataclass
class Correlations:
    """What a reader may see that correlates with one value, by kind of match. When what the reader
    may see is more than the limit, `too_many` holds that count (at most COUNT_CAP per source) and no
    group lists anything."""

    kind: str
    value: str
    exact: MatchGroup = field(default_factory=MatchGroup)
    in_network: MatchGroup = field(default_factory=MatchGroup)
    under_domain: MatchGroup = field(default_factory=MatchGroup)
    too_many: int | None = None

    def group(self, relation: Relation) -> MatchGroup:
        return {"exact": self.exact, "in_network": self.in_network, "under_domain": self.under_domain}[relation]

    @property
    def count(self) -> int:
        return self.exact.count + self.in_network.count + self.under_domain.count

    @property
    def empty(self) -> bool:
        return self.too_many is None and self.count == 0


# -- the queries, one per side ----------------------------------------------------------------


def _indicator_condition(value: V.Value) -> ColumnElement[bool]:
    """The indicators that correlate with `value` (exactly what `relation` says, in index terms)."""
    branches: list[ColumnElement[bool]] = [
        and_(
            Indicator.kind.in_(DOMAIN_KINDS if group(value.kind) == K.DOMAIN.value else (value.kind.value,)),
            Indicator.value.in_(_indicator_forms(value)),
        )
    ]
    supers = supernet_keys(value)
    if supers:
        branches.append(and_(Indicator.kind.in_(NETWORK_KINDS), tuple_(Indicator.ip_lo, Indicator.ip_hi).in_(supers)))
    if value.kind in (K.IPV4_NET, K.IPV6_NET):
        assert value.ip_lo is not None and value.ip_hi is not None
        branches.append(
            and_(
                Indicator.ip_lo >= value.ip_lo,
                Indicator.ip_lo <= value.ip_hi,
                Indicator.ip_hi <= value.ip_hi,
                not_(and_(Indicator.ip_lo == value.ip_lo, Indicator.ip_hi == value.ip_hi)),
            )
        )
    host = host_of(value)
    if host is not None:
        parents = V.parent_domains(host)
        if value.kind.value in DOMAIN_KINDS:
            parents = [p for p in parents if p != host]
        if parents:
            branches.append(and_(Indicator.kind.in_(DOMAIN_KINDS), Indicator.value.in_(parents)))
        if value.kind.value in DOMAIN_KINDS and value.rdomain is not None:
            lo, hi = _domain_range(value.rdomain)
            branches.append(
                and_(
                    Indicator.rdomain >= lo,
                    Indicator.rdomain < hi,
                    not_(and_(Indicator.kind.in_(DOMAIN_KINDS), Indicator.rdomain == value.rdomain)),
                )
            )
    return or_(*branches)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ipv4_text_prefixes(network: ipaddress.IPv4Network) -> tuple[list[str], list[str]]:
    """(addresses, text prefixes) that hold every dotted address of the network and little else:
    a /24 or smaller as its addresses, a larger one as whole-octet prefixes ("10.1.").
    LIKE 'prefix%' (not a text range) so that no collation changes the answer."""
    if network.prefixlen >= 24:
        return [str(a) for a in network], []
    aligned = -(-network.prefixlen // 8) * 8
    subnets = network.subnets(new_prefix=aligned) if aligned != network.prefixlen else [network]
    prefixes = [".".join(str(sub.network_address).split(".")[: aligned // 8]) + "." for sub in subnets]
    return [], ["" if p == "." else p for p in prefixes]


def _observable_condition(value: V.Value) -> ColumnElement[bool] | None:
    """A superset (decided by `relation` after) of the observables that correlate with `value`."""
    obs = IncidentObservable
    branches: list[ColumnElement[bool]] = []
    kind = INDICATOR_TO_OBSERVABLE.get(value.kind.value)
    if kind is not None:
        branches.append(and_(obs.kind == kind, obs.value.in_(_observable_forms(value))))
    if value.kind in (K.IPV4_NET, K.IPV6_NET):
        network = ipaddress.ip_network(value.value)
        if isinstance(network, ipaddress.IPv4Network):
            addresses, prefixes = _ipv4_text_prefixes(network)
            parts = [obs.value.in_(addresses)] if addresses else []
            parts += [obs.value.like(prefix + "%") for prefix in prefixes]
            branches.append(and_(obs.kind == "ip", or_(*parts)))
        else:
            # Compressed IPv6 text has no fixed prefix below the first group: candidates by it.
            first = network.network_address.exploded.split(":")[0].lstrip("0")
            if first and network.prefixlen >= 16:
                branches.append(and_(obs.kind == "ip", obs.value.like(first + ":%")))
            else:
                branches.append(and_(obs.kind == "ip", obs.value.contains(":")))
    host = host_of(value)
    if host is not None:
        parents = V.parent_domains(host)
        if value.kind.value in DOMAIN_KINDS:
            parents = [p for p in parents if p != host]
        if parents:
            branches.append(and_(obs.kind == "domain", obs.value.in_(parents)))
        if value.kind.value in DOMAIN_KINDS:
            h = _like_escape(host)
            branches.append(and_(obs.kind == "domain", obs.value.like("%." + h, escape="\\")))
            branches.append(and_(obs.kind == "email", obs.value.like("%@" + h, escape="\\")))
            branches.append(and_(obs.kind == "email", obs.value.like("%." + h, escape="\\")))
            url_like = [f"%{sep}{h}{end}%" for sep in ("://", ".", "@") for end in ("/", ":")]
            branches.append(and_(obs.kind == "url", or_(*(obs.value.like(p, escape="\\") for p in url_like))))
    return or_(*branches) if branches else None


@lru_cache(maxsize=4096)
def _advisory_values(pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str, V.Value], ...]:
    out = []
    for kind, raw in pairs:
        parsed = advisory_value(kind, raw)
        if parsed is not None:
            out.append((kind, raw, parsed))
    return tuple(out)


def _pairs(indicators: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(indicators, list):
        return ()
    return tuple(
        (str(i.get("type", "")), str(i.get("value", "")))
        for i in indicators
        if isinstance(i, dict) and i.get("type") and i.get("value")
    )


def _count(session: Session, query: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(query.limit(COUNT_CAP).subquery())) or 0)


def _correlate(
    session: Session,
    who: Subject,
    value: V.Value,
    *,
    own_indicator_id: int | None = None,
    own_observable_id: int | None = None,
    limit: int | None = None,
) -> Correlations:
    limit = limit or correlation_limit()
    out = Correlations(value.kind.value, value.value)

    # Indicators (the SQL condition is exact: the limit applies in the statement).
    query = select(Indicator).where(_indicator_condition(value), visible_indicators_clause(who))
    if own_indicator_id is not None:
        query = query.where(Indicator.id != own_indicator_id)
    found = list(session.scalars(query.order_by(Indicator.id.desc()).limit(limit + 1)))
    indicators = len(found) if len(found) <= limit else _count(session, query.with_only_columns(Indicator.id))
    for ind in found[:limit]:
        rel = relation(value, indicator_value(ind))
        if rel is not None:
            out.group(rel).indicators.append(IndicatorMatch(ind.id, ind.kind, ind.value, ind.collection, ind.tlp))

    # Incident observables, in incidents the reader may see, under the observables' own rule.
    incidents = 0
    condition = _observable_condition(value)
    if condition is not None:
        obs = (
            select(
                IncidentObservable.kind,
                IncidentObservable.value,
                Incident.id,
                Incident.reference,
                Incident.title,
                Incident.phase,
            )
            .join(Incident, Incident.id == IncidentObservable.incident_id)
            .where(condition, visible_incidents_clause(who), visible_observables_clause(who))
        )
        if own_observable_id is not None:
            obs = obs.where(IncidentObservable.id != own_observable_id)
        rows = session.execute(obs.order_by(Incident.id.desc(), IncidentObservable.id).limit(COUNT_CAP))
        for kind, raw, incident_id, reference, title, phase in rows:
            other = observable_value(kind, raw)
            rel = relation(value, other) if other is not None else None
            if rel is None:
                continue
            incidents += 1
            if incidents <= limit:
                out.group(rel).incidents.append(IncidentMatch(incident_id, reference, title, phase, kind, raw))

    # Advisories' indicators: a JSON list on each advisory the reader may see (they are few).
    advisories = 0
    for advisory_id, reference, title, listed in session.execute(
        select(Advisory.id, Advisory.reference, Advisory.title, Advisory.indicators)
        .where(visible_advisories_clause(who))
        .order_by(Advisory.id.desc())
    ):
        for kind, raw, other in _advisory_values(_pairs(listed)):
            rel = relation(value, other)
            if rel is not None:
                advisories += 1
                if advisories <= limit:
                    out.group(rel).advisories.append(AdvisoryMatch(advisory_id, reference, title, kind, raw))

    total = indicators + incidents + advisories
    if total > limit:
        return Correlations(value.kind.value, value.value, too_many=total)
    return out


def for_indicator(session: Session, who: Subject, ind: Indicator) -> Correlations:
    """Everything `who` may see that correlates with the indicator (the indicator page)."""
    if ind.kind == K.STIX_PATTERN.value:
        return Correlations(ind.kind, ind.value)
    return _correlate(session, who, indicator_value(ind), own_indicator_id=ind.id)


def for_value(session: Session, who: Subject, value: V.Value) -> Correlations:
    """Everything `who` may see that correlates with a value (search, the bulk-add preview)."""
    return _correlate(session, who, value)


def for_observable(session: Session, who: Subject, observable: IncidentObservable) -> Correlations:
    """The shared indicators (and advisories) `who` may see that an incident observable matches (the
    incident page; other incidents holding it are incident.correlation's)."""
    value = observable_value(observable.kind, observable.value)
    if value is None:
        return Correlations(observable.kind, observable.value)
    found = _correlate(session, who, value, own_observable_id=observable.id)
    found.kind, found.value = observable.kind, observable.value
    for g in (found.exact, found.in_network, found.under_domain):
        g.incidents.clear()  # the incident page lists other incidents itself (incident.correlation)
    return found


def _incident_indicator_rows(session: Session, who: Subject, probes: Sequence[V.Value], limit: int) -> Any:
    """(probe index, indicator columns…, rank, count) of the indicators matching each probe that
    `who` may see: one statement, the probes' keys as VALUES joined on the indexes, at most
    limit + 1 rows per probe (a window ranks them) with each probe's visible count beside them."""
    equal: list[tuple[int, str, str]] = []
    supers: list[tuple[int, str, str]] = []
    ranges: list[tuple[int, str, str, str]] = []
    for p, value in enumerate(probes):
        kinds = DOMAIN_KINDS if group(value.kind.value) == K.DOMAIN.value else (value.kind.value,)
        equal += [(p, kind, form) for kind in kinds for form in _indicator_forms(value)]
        supers += [(p, lo, hi) for lo, hi in supernet_keys(value)]
        host = host_of(value)
        if host is not None:
            equal += [(p, kind, parent) for parent in _parents_of(value, host) for kind in DOMAIN_KINDS]
            if value.kind.value in DOMAIN_KINDS and value.rdomain is not None:
                ranges.append((p, *_domain_range(value.rdomain), value.rdomain))
    columns: list[Any] = [Indicator.id, Indicator.kind, Indicator.value, Indicator.collection, Indicator.tlp]
    columns += [Indicator.ip_lo, Indicator.ip_hi, Indicator.rdomain]
    visible = visible_indicators_clause(who)
    parts = []
    eq = values(column("p", Integer), column("kind", String), column("value", String), name="eq_keys")
    eq_keys = eq.data(equal).cte()
    parts.append(
        select(eq_keys.c.p, *columns)
        .join(Indicator, and_(Indicator.kind == eq_keys.c.kind, Indicator.value == eq_keys.c.value))
        .where(visible)
    )
    if supers:
        net = values(column("p", Integer), column("lo", String), column("hi", String), name="net_keys")
        net_keys = net.data(supers).cte()
        parts.append(
            select(net_keys.c.p, *columns)
            .join(
                Indicator,
                and_(
                    Indicator.kind.in_(NETWORK_KINDS),
                    Indicator.ip_lo == net_keys.c.lo,
                    Indicator.ip_hi == net_keys.c.hi,
                ),
            )
            .where(visible)
        )
    if ranges:
        dom = values(
            column("p", Integer), column("lo", String), column("hi", String), column("own", String), name="dom_keys"
        )
        dom_keys = dom.data(ranges).cte()
        parts.append(
            select(dom_keys.c.p, *columns)
            .join(
                Indicator,
                and_(
                    Indicator.rdomain >= dom_keys.c.lo,
                    Indicator.rdomain < dom_keys.c.hi,
                    not_(and_(Indicator.kind.in_(DOMAIN_KINDS), Indicator.rdomain == dom_keys.c.own)),
                ),
            )
            .where(visible)
        )
    matched = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    ranked = select(
        matched,
        func.row_number().over(partition_by=matched.c.p, order_by=matched.c.id.desc()).label("rn"),
        func.count().over(partition_by=matched.c.p).label("n"),
    ).subquery()
    return session.execute(select(ranked).where(ranked.c.rn <= limit + 1).order_by(ranked.c.p, ranked.c.rn))


def _parents_of(value: V.Value, host: str) -> list[str]:
    """The stored domains a value lies under: its host's parents (a domain's own name is exact)."""
    chain = V.parent_domains(host)
    return chain[1:] if value.kind.value in DOMAIN_KINDS else chain


# An incident page reads at most this many observables' matches (the first ones, oldest first).
INCIDENT_OBSERVABLES = 500


def for_incident(session: Session, who: Subject, incident: Incident) -> dict[tuple[str, str], Correlations]:
    """For each observable of the incident `who` may see: the shared indicators and advisories it
    matches (only those with a match, or flagged) — the incident page's "matches in shared
    indicators". Three statements whatever the number of observables (the page's rule): the
    observables, the indicators matching any of them, the advisories' indicators."""
    rows = session.execute(
        select(IncidentObservable.kind, IncidentObservable.value)
        .where(IncidentObservable.incident_id == incident.id, visible_observables_clause(who))
        .order_by(IncidentObservable.id)
        .limit(INCIDENT_OBSERVABLES)
    ).all()
    probes: dict[tuple[str, str], V.Value] = {}
    for kind, raw in rows:
        value = observable_value(kind, raw)
        if value is not None:
            probes[(kind, raw)] = value
    if not probes:
        return {}
    limit = correlation_limit()
    found = {key: Correlations(key[0], key[1]) for key in probes}
    seen = dict.fromkeys(probes, 0)

    def offer(other: V.Value, add: Any) -> None:
        for key, probe in probes.items():
            rel = relation(probe, other)
            if rel is not None:
                seen[key] += 1
                if seen[key] - indicator_counts[key] <= limit:
                    add(found[key].group(rel))

    keys = list(probes)
    for p, ident, kind, raw, collection, tlp, lo, hi, rdomain, _rank, count in _incident_indicator_rows(
        session, who, list(probes.values()), limit
    ):
        key = keys[p]
        rel = relation(probes[key], V.Value(K(kind), raw, lo, hi, rdomain))
        seen[key] = max(seen[key], count)
        if rel is not None and count <= limit:
            found[key].group(rel).indicators.append(IndicatorMatch(ident, kind, raw, collection, tlp))
    indicator_counts = dict(seen)
    for advisory_id, reference, title, listed in session.execute(
        select(Advisory.id, Advisory.reference, Advisory.title, Advisory.indicators)
        .where(visible_advisories_clause(who))
        .order_by(Advisory.id.desc())
    ):
        for kind, raw, other in _advisory_values(_pairs(listed)):
            match_a = AdvisoryMatch(advisory_id, reference, title, kind, raw)
            offer(other, lambda g, m=match_a: g.advisories.append(m))
    out: dict[tuple[str, str], Correlations] = {}
    for key, correlations in found.items():
        if seen[key] > limit:
            out[key] = Correlations(key[0], key[1], too_many=seen[key])
        elif seen[key]:
            out[key] = correlations
    return out


# -- over-correlation -------------------------------------------------------------------------


def flag_over_correlated(session: Session, counts: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
    """Record (or refresh) the values whose match count is over the limit; the ones flagged now."""
    limit = correlation_limit()
    over = {key: n for key, n in counts.items() if n > limit}
    if not over:
        return []
    known = {
        (row.kind, row.value): row
        for chunk in _chunks(sorted(over), 500)
        for row in session.scalars(
            select(OverCorrelatedValue).where(tuple_(OverCorrelatedValue.kind, OverCorrelatedValue.value).in_(chunk))
        )
    }
    for (kind, value), n in over.items():
        row = known.get((kind, value))
        if row is None:
            session.add(OverCorrelatedValue(kind=kind, value=value, matches=n))
        else:
            row.matches = max(row.matches, n)
    session.flush()
    return sorted(over)


def is_over_correlated(session: Session, kind: str, value: str) -> int | None:
    """The recorded match count of a flagged value (the operator's list), else None."""
    return session.scalar(
        select(OverCorrelatedValue.matches).where(OverCorrelatedValue.kind == kind, OverCorrelatedValue.value == value)
    )


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def correlate_batch(session: Session, values: list[V.Value]) -> dict[str, Any]:
    """Import-time correlation of many new values in set-based passes (intel.correlation_batch)."""
    from csirtnet.intel.correlation_batch import correlate_batch as run

    return run(session, values)


__all__ = [
    "AdvisoryMatch",
    "Correlations",
    "IncidentMatch",
    "IndicatorMatch",
    "MatchGroup",
    "correlate_batch",
    "flag_over_correlated",
    "for_incident",
    "for_indicator",
    "for_observable",
    "for_value",
    "relation",
]
