"""STIX 2.1 bundles out, built only from what the reader may see.

- `bundle` streams the STIX store (`StixObject`: imported objects, our indicators and sightings as
  the indicator services wrote them) under authz.intel's `visible_stix_clause`: the newest visible
  version of each object, its stored JSON as it is (never re-parsed), followed by the identities of
  the organisations the objects came from and the TLP 2.0 marking definitions they use.
- `advisory_bundle`: an advisory the reader may see (authz.advisory) as a `report` whose
  `object_refs` are its indicators and a `vulnerability` per CVE, with the publisher's identity.
- `incident_bundle`: an incident the reader may see (authz.incident) as the STIX 2.1 `incident`
  object; each observable the reader may see of it (TLP:RED ones only for its named participants)
  as an SCO (ipv4-addr, ipv6-addr, domain-name, url, email-addr, file with its hash) and an
  indicator, each `related-to` the incident.

Ids of what we derive (advisory and incident objects) are deterministic (UUID5 of the instance's
base URL and the row, stamped version 4 as STIX asks of SDOs; SCOs use the STIX namespace and
their id-contributing properties, as the specification says), so a second export writes the same
objects again. Every bundle passes the OASIS validator (tests/intel/test_stix_export.py).
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz import intel as intel_authz
from csirtnet.authz.advisory import visible_advisories_clause
from csirtnet.authz.incident import visible_incidents_clause, visible_observables_clause
from csirtnet.config import get_settings
from csirtnet.errors import Forbidden, NotFound, ValidationFailed
from csirtnet.intel import collections
from csirtnet.intel.stix.markings import MARKING_IDS, marking_objects
from csirtnet.intel.stix.objects import identity_id, identity_object, pattern_for, stix_timestamp
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import Advisory, Incident, IncidentObservable, Organisation, StixObject
from csirtnet.models.intel import IndicatorKind
from csirtnet.vocabulary.enums import TLP

K = IndicatorKind
PAGE = 1000
SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")  # STIX 2.1, section 2.9


def _bundle_id() -> str:
    return f"bundle--{uuid.uuid4()}"


def derived_id(stix_type: str, *parts: object) -> str:
    """A deterministic SDO id for something of this instance (`parts` name it)."""
    base = get_settings().base_url.rstrip("/")
    digest = uuid.uuid5(uuid.NAMESPACE_URL, "/".join([base, "stix", stix_type, *map(str, parts)]))
    return f"{stix_type}--{uuid.UUID(bytes=digest.bytes, version=4)}"


def sco_id(stix_type: str, contributing: dict[str, Any]) -> str:
    """An SCO's deterministic id: UUID5 in the STIX namespace over its id-contributing properties
    serialised canonically (sorted keys, no whitespace)."""
    name = orjson.dumps(contributing, option=orjson.OPT_SORT_KEYS).decode()
    return f"{stix_type}--{uuid.uuid5(SCO_NAMESPACE, name)}"


def _markings(tlp: str) -> list[str]:
    return [MARKING_IDS[TLP(tlp)]]


# -- the STIX store --------------------------------------------------------------------------------


def check_access(session: Session, who: Subject, collection: str | None) -> str | None:
    """The collection's key when `who` may read it (None: every collection they may read);
    Forbidden or NotFound otherwise. `bundle` asks it before streaming anything."""
    if not intel_authz.can_read(who):
        raise Forbidden("You may not read indicators")
    if collection is None:
        return None
    key = collections.check_key(collection)
    if not intel_authz.may_read_collection(session, who, key):
        raise NotFound("collection")
    return key


def bundle(
    session: Session,
    who: Subject,
    *,
    collection: str | None = None,
    since: datetime | None = None,
    kinds: Iterable[str] | None = None,
) -> Iterator[bytes]:
    """A STIX 2.1 bundle of the objects `who` may read (one collection, objects added after
    `since`, of the STIX types `kinds`), streamed in pieces; the newest visible version of each
    object. One audit record (counts only) once the bundle is complete."""
    key = check_access(session, who, collection)
    types = sorted(set(kinds)) if kinds is not None else None
    query = select(StixObject.stix_id, StixObject.tlp, StixObject.organisation_id, StixObject.body).where(
        intel_authz.visible_stix_clause(who)
    )
    if key is not None:
        query = query.where(StixObject.collection == key)
    if since is not None:
        query = query.where(StixObject.date_added > as_utc(since))
    if types is not None:
        query = query.where(StixObject.stix_type.in_(types))
    # The newest version first within each id; later rows of the same id are older versions.
    query = query.order_by(StixObject.stix_id, StixObject.modified.desc(), StixObject.id)
    return _stream(session, who, query, key, types)


def _stream(session: Session, who: Subject, query: Any, key: str | None, types: list[str] | None) -> Iterator[bytes]:
    yield b'{"type":"bundle","id":"' + _bundle_id().encode() + b'","objects":['
    first = True
    seen: set[str] = set()
    tlps: set[str] = set()
    organisations: set[int] = set()
    count = 0
    previous = None
    for stix_id, tlp, organisation_id, body in session.execute(query.execution_options(yield_per=PAGE)):
        if stix_id == previous:
            continue
        previous = stix_id
        seen.add(stix_id)
        tlps.add(tlp)
        if organisation_id is not None:
            organisations.add(organisation_id)
        yield (b"" if first else b",") + body.encode()
        first = False
        count += 1
    extra: list[dict[str, Any]] = []
    if types is None or "identity" in types:
        for org in _organisations(session, organisations):
            if identity_id(org.id) not in seen:
                extra.append(identity_object(org))
    if types is None or "marking-definition" in types:
        extra += [m for m in marking_objects(TLP(t) for t in tlps) if m["id"] not in seen]
    for obj in extra:
        yield (b"" if first else b",") + orjson.dumps(obj)
        first = False
    yield b"]}"
    audit.record(session, who, "intel.exported", None, guard=None, format="stix", count=count, collection=key or "all")


def _organisations(session: Session, ids: set[int]) -> list[Organisation]:
    if not ids:
        return []
    return list(session.scalars(select(Organisation).where(Organisation.id.in_(sorted(ids))).order_by(Organisation.id)))


def collect(pieces: Iterable[bytes]) -> dict[str, Any]:
    """A streamed bundle as one dict (tests, small exports)."""
    data: dict[str, Any] = orjson.loads(b"".join(pieces))
    return data


# -- advisories ------------------------------------------------------------------------------------

_ADVISORY_KINDS = {
    "ipv4": K.IPV4,
    "ipv6": K.IPV6,
    "domain": K.DOMAIN,
    "hostname": K.HOSTNAME,
    "url": K.URL,
    "email": K.EMAIL,
    "md5": K.MD5,
    "sha1": K.SHA1,
    "sha256": K.SHA256,
    "sha512": K.SHA512,
    "filename": K.FILENAME,
}


def _advisory_kind(kind: str, value: str) -> IndicatorKind | None:
    if kind == "network":
        try:
            return K.IPV4_NET if ipaddress.ip_network(value, strict=False).version == 4 else K.IPV6_NET
        except ValueError:
            return None
    return _ADVISORY_KINDS.get(kind)


def advisory_bundle(session: Session, who: Subject, advisory_id: int) -> dict[str, Any]:
    """An advisory `who` may see as a STIX 2.1 bundle (a report, its indicators, a vulnerability
    per CVE, the publisher's identity, the TLP marking); NotFound otherwise."""
    advisory = session.scalar(select(Advisory).where(Advisory.id == advisory_id, visible_advisories_clause(who)))
    if advisory is None:
        raise NotFound("advisory")
    publisher = session.get(Organisation, advisory.publisher_organisation_id)
    tlp = TLP(advisory.tlp)
    created = stix_timestamp(advisory.created_at)
    modified = max(created, stix_timestamp(advisory.updated_at or advisory.created_at))
    published = stix_timestamp(advisory.released_at or advisory.published_at or advisory.created_at)
    common: dict[str, Any] = {"spec_version": "2.1", "created": created, "modified": modified}
    marks = {"object_marking_refs": _markings(tlp)}
    creator: dict[str, Any] = {}
    objects: list[dict[str, Any]] = []
    if publisher is not None:
        objects.append(identity_object(publisher))
        creator = {"created_by_ref": identity_id(publisher.id)}
    refs: list[str] = []
    for item in advisory.indicators or []:
        kind = _advisory_kind(str(item.get("type", "")), str(item.get("value", "")))
        if kind is None:
            continue
        value = str(item["value"])
        ident = derived_id("indicator", "advisory", advisory.id, kind.value, value)
        objects.append(
            {
                "type": "indicator",
                "id": ident,
                **common,
                "name": value[:250],
                "description": f"{advisory.reference}: {advisory.title}",
                "indicator_types": ["malicious-activity"],
                "pattern": pattern_for(kind, value),
                "pattern_type": "stix",
                "pattern_version": "2.1",
                "valid_from": published,
                **creator,
                **marks,
            }
        )
        refs.append(ident)
    for cve in advisory.cve_ids or []:
        ident = derived_id("vulnerability", cve)
        objects.append(
            {
                "type": "vulnerability",
                "id": ident,
                **common,
                "name": cve,
                "description": f"{cve}, named by {advisory.reference}",
                "external_references": [{"source_name": "cve", "external_id": cve}],
                **creator,
                **marks,
            }
        )
        refs.append(ident)
    if not refs and publisher is not None:
        refs.append(identity_id(publisher.id))
    report: dict[str, Any] = {
        "type": "report",
        "id": derived_id("report", "advisory", advisory.id),
        **common,
        "name": f"{advisory.reference}: {advisory.title}"[:300],
        "description": advisory.summary or advisory.title,
        "report_types": ["threat-report"] if refs and not advisory.cve_ids else ["vulnerability"],
        "published": published,
        "object_refs": refs or [MARKING_IDS[tlp]],
        # The advisory's reference links are not repeated: STIX wants a hash of what a URL serves.
        "external_references": [{"source_name": "csirtnet", "external_id": advisory.reference}],
        **creator,
        **marks,
    }
    objects.append(report)
    objects += marking_objects([tlp])
    return {"type": "bundle", "id": _bundle_id(), "objects": objects}


# -- incidents and their observables ---------------------------------------------------------------


def _observable(kind: str, value: str) -> tuple[dict[str, Any], IndicatorKind] | None:
    """The SCO (without id) and the indicator kind of an incident observable."""
    if kind == "ip":
        try:
            version = ipaddress.ip_address(value).version
        except ValueError:
            return None
        stix_type = "ipv4-addr" if version == 4 else "ipv6-addr"
        return {"type": stix_type, "value": value}, (K.IPV4 if version == 4 else K.IPV6)
    simple = {"domain": ("domain-name", K.DOMAIN), "url": ("url", K.URL), "email": ("email-addr", K.EMAIL)}
    if kind in simple:
        stix_type, ind_kind = simple[kind]
        return {"type": stix_type, "value": value}, ind_kind
    hashes = {"md5": ("MD5", K.MD5), "sha1": ("SHA-1", K.SHA1), "sha256": ("SHA-256", K.SHA256)}
    if kind in hashes:
        name, ind_kind = hashes[kind]
        return {"type": "file", "hashes": {name: value}}, ind_kind
    return None


def _contributing(sco: dict[str, Any]) -> dict[str, Any]:
    return {"hashes": sco["hashes"]} if sco["type"] == "file" else {"value": sco["value"]}


def incident_bundle(session: Session, who: Subject, incident_id: int) -> dict[str, Any]:
    """An incident `who` may see as a STIX 2.1 bundle: the incident, the observables `who` may see
    (SCOs and indicators related to it), the reporting organisation's identity and the TLP
    markings used; NotFound otherwise."""
    incident = session.scalar(select(Incident).where(Incident.id == incident_id, visible_incidents_clause(who)))
    if incident is None:
        raise NotFound("incident")
    reporter = session.get(Organisation, incident.reporting_organisation_id)
    created = stix_timestamp(incident.reported_at or incident.detected_at)
    modified = max(created, stix_timestamp(getattr(incident, "updated_at", None) or utcnow()))
    creator = {"created_by_ref": identity_id(reporter.id)} if reporter is not None else {}
    incident_stix_id = derived_id("incident", incident.id)
    objects: list[dict[str, Any]] = []
    if reporter is not None:
        objects.append(identity_object(reporter))
    labels = [x for x in (incident.rsit_class, incident.rsit_type) if x]
    incident_obj: dict[str, Any] = {
        "type": "incident",
        "spec_version": "2.1",
        "id": incident_stix_id,
        "created": created,
        "modified": modified,
        "name": f"{incident.reference}: {incident.title}"[:300],
        "description": incident.description or incident.title,
        "external_references": [{"source_name": "csirtnet", "external_id": incident.reference}],
        **creator,
        "object_marking_refs": _markings(incident.tlp),
    }
    if labels:
        incident_obj["labels"] = labels
    objects.append(incident_obj)
    tlps = {TLP(incident.tlp)}
    observables = session.scalars(
        select(IncidentObservable)
        .where(IncidentObservable.incident_id == incident.id, visible_observables_clause(who))
        .order_by(IncidentObservable.id)
    )
    for obs in observables:
        shaped = _observable(obs.kind, obs.value)
        if shaped is None:
            continue
        sco, ind_kind = shaped
        tlps.add(TLP(obs.tlp))
        marks = {"object_marking_refs": _markings(obs.tlp)}
        sco = {"type": sco["type"], "spec_version": "2.1", "id": sco_id(sco["type"], _contributing(sco)), **sco}
        when = max(created, stix_timestamp(obs.created_at))
        indicator_id = derived_id("indicator", "observable", obs.id)
        objects.append({**sco, **marks})
        objects.append(
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": indicator_id,
                "created": when,
                "modified": when,
                "name": obs.value[:250],
                "description": obs.note or f"Observed in {incident.reference}",
                "indicator_types": ["malicious-activity"],
                "pattern": pattern_for(ind_kind, obs.value),
                "pattern_type": "stix",
                "pattern_version": "2.1",
                "valid_from": when,
                **creator,
                **marks,
            }
        )
        for source in (sco["id"], indicator_id):
            objects.append(
                {
                    "type": "relationship",
                    "spec_version": "2.1",
                    "id": derived_id("relationship", "observable", obs.id, source.partition("--")[0]),
                    "created": when,
                    "modified": when,
                    "relationship_type": "related-to",
                    "source_ref": source,
                    "target_ref": incident_stix_id,
                    **creator,
                    **marks,
                }
            )
    objects += marking_objects(tlps)
    return {"type": "bundle", "id": _bundle_id(), "objects": objects}


def check_kinds(kinds: Iterable[str]) -> list[str]:
    """STIX types given to `bundle` (the API's `types`), each checked."""
    out = []
    for kind in kinds:
        kind = kind.strip()
        if not kind:
            continue
        if len(kind) > 64 or not all(c.islower() or c.isdigit() or c == "-" for c in kind):
            raise ValidationFailed("types", f"{kind[:64]!r} is not a STIX type")
        out.append(kind)
    return out
