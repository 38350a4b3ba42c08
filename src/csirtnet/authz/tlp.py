"""TLP 2.0, enforced: who may see an object shared under a TLP marking.

One decision, used by every domain that shares (channels, the knowledge base, later advisories,
indicators and exports), in two forms that must agree:

- `may_see(subject, tlp, audience)` decides for one object in Python;
- `visible_clause(subject, ...)` is the same decision as a SQL condition, for repositories that
  list, search and export.

The rules (docs/adr/0007-tlp-enforcement.md):

- nobody who is not logged in sees anything;
- the author and the named recipients always see the object;
- TLP:RED — nobody else;
- TLP:AMBER+STRICT — members of the space (the community) who belong to the author's organisation;
- TLP:AMBER — members of the space whose organisation is a recipient organisation of the space
  (need to know), or the author's organisation;
- TLP:GREEN — every member of the space;
- TLP:CLEAR — anyone logged in.

"The space" is where the object was shared: a channel, a cluster, the whole network. Its domain
says who belongs (`in_community`) and which organisations it is addressed to
(`recipient_organisation`); this module decides.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, false, literal, or_, true
from sqlalchemy.orm import InstrumentedAttribute

from csirtnet.authz.policy import Subject
from csirtnet.errors import ValidationFailed
from csirtnet.vocabulary import TLP

# From the most to the least restrictive.
ORDER: tuple[TLP, ...] = (TLP.RED, TLP.AMBER_STRICT, TLP.AMBER, TLP.GREEN, TLP.CLEAR)


def parse(value: str, field_name: str = "tlp") -> TLP:
    """Accept "amber+strict", "TLP:AMBER+STRICT", "AMBER_STRICT"…; anything else names the field."""
    text = value.strip().lower().removeprefix("tlp:").replace("_", "+")
    try:
        return TLP(text)
    except ValueError:
        allowed = ", ".join(t.label for t in ORDER)
        raise ValidationFailed(field_name, f"not a TLP marking (one of {allowed})") from None


@dataclass(frozen=True)
class Audience:
    """Who an object was shared with, as seen from one subject.

    `in_community`: the subject is a member of the space the object was shared in.
    `recipient_organisation`: the subject's organisation is one the space is addressed to.
    """

    author_user_id: int | None
    author_organisation_id: int | None
    named_user_ids: frozenset[int] = field(default_factory=frozenset)
    in_community: bool = False
    recipient_organisation: bool = False


def may_see(subject: Subject, tlp: TLP | str, audience: Audience) -> bool:
    """The decision for one object."""
    marking = TLP(tlp)
    if not subject.is_authenticated:
        return False
    if subject.user_id == audience.author_user_id or subject.user_id in audience.named_user_ids:
        return True
    if marking is TLP.CLEAR:
        return True
    if marking is TLP.RED or not audience.in_community:
        return False
    if marking is TLP.GREEN:
        return True
    same_org = subject.organisation_id is not None and subject.organisation_id == audience.author_organisation_id
    if marking is TLP.AMBER_STRICT:
        return same_org
    return same_org or audience.recipient_organisation  # AMBER


def _as_clause(value: ColumnElement[bool] | bool) -> ColumnElement[bool]:
    if isinstance(value, bool):
        return true() if value else false()
    return value


def visible_clause(
    subject: Subject,
    *,
    tlp: InstrumentedAttribute[str],
    author_user_id: InstrumentedAttribute[int] | InstrumentedAttribute[int | None],
    author_organisation_id: InstrumentedAttribute[int] | InstrumentedAttribute[int | None],
    named: ColumnElement[bool] | bool,
    in_community: ColumnElement[bool] | bool,
    recipient_organisation: ColumnElement[bool] | bool,
) -> ColumnElement[bool]:
    """`may_see` as a SQL condition. `named`, `in_community` and `recipient_organisation` are
    conditions (or constants) about the row and this subject, built by the domain's repository."""
    if not subject.is_authenticated:
        return false()
    user_id = subject.user_id
    assert user_id is not None
    same_org = (
        author_organisation_id == literal(subject.organisation_id) if subject.organisation_id is not None else false()
    )
    community = _as_clause(in_community)
    return or_(
        author_user_id == literal(user_id),
        _as_clause(named),
        tlp == TLP.CLEAR.value,
        and_(community, tlp == TLP.GREEN.value),
        and_(community, tlp == TLP.AMBER_STRICT.value, same_org),
        and_(community, tlp == TLP.AMBER.value, or_(same_org, _as_clause(recipient_organisation))),
    )


def allowed_markings(exclude: Collection[TLP] = ()) -> list[TLP]:
    """The markings a form offers, most restrictive first."""
    return [t for t in ORDER if t not in exclude]
