"""Mobilisation: who may ask members for experts, answer for an organisation, release an expert,
and which support requests and deployments each subject sees.

- Raising a support request on an incident: the coordinator's staff on any incident they can
  see; the admins of a cluster's current lead organisation on an incident shared with that
  cluster (csirtnet.authz.cluster.led_cluster_ids; the right ends with the lead term).
- Managing a request (cancel, release its experts): the coordinator, or whoever leads the
  request's cluster today (a handover passes the requests on with the lead).
- Answering: the admins of the organisation the request was sent to, for that organisation only.
- Releasing an expert and recording hours: whoever manages the request, and the admins of the
  expert's organisation.
- Seeing a request: those who see its incident, the requesting organisation, and the
  organisations it was sent to (they see what is asked, not the incident, until one of their
  experts is deployed on it).
- Seeing a deployment: those who see its incident, the expert's organisation, and the expert.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from csirtnet.authz.cluster import can_coordinate_cluster, led_cluster_ids, organisation_ids_in_cluster
from csirtnet.authz.incident import visible_incidents_clause
from csirtnet.authz.permissions import Permission
from csirtnet.authz.policy import Subject, can, require
from csirtnet.errors import Forbidden
from csirtnet.models import (
    Deployment,
    Incident,
    RequestStatus,
    SupportRequest,
    SupportRequestTarget,
    TargetStatus,
)
from csirtnet.vocabulary import Role


def is_coordinating(who: Subject) -> bool:
    """The coordinating body's staff and platform admins act for the whole network."""
    return who.sees_everything and (who.is_platform_admin or who.has_role(Role.COORDINATOR))


def request_authority(session: Session, who: Subject, incident: Incident) -> int | None:
    """May `who` raise a support request on `incident`? Returns the cluster it acts for (None:
    as the coordinator); raises Forbidden otherwise. The caller has already checked visibility."""
    require(who, Permission.MOBILISATION_REQUEST)
    if is_coordinating(who):
        return None
    cluster_id = incident.shared_with_cluster_id
    if cluster_id is not None and cluster_id in led_cluster_ids(session, who):
        return cluster_id
    raise Forbidden(
        "Only the coordinator, or the lead of the cluster the incident is shared with, may ask members for experts"
    )


def can_raise_request(session: Session, who: Subject, incident: Incident) -> bool:
    """Whether the subject may ask members for experts on the incident (the page offers the form)."""
    if not can(who, Permission.MOBILISATION_REQUEST):
        return False
    try:
        request_authority(session, who, incident)
    except Forbidden:
        return False
    return True


def can_manage_request(session: Session, who: Subject, request: SupportRequest) -> bool:
    if not can(who, Permission.MOBILISATION_MANAGE):
        return False
    if is_coordinating(who):
        return True
    return request.cluster_id is not None and can_coordinate_cluster(session, who, request.cluster_id)


def require_manage_request(session: Session, who: Subject, request: SupportRequest) -> None:
    if not can_manage_request(session, who, request):
        raise Forbidden("Only the coordinator or the cluster lead who asked may change this support request")


def can_respond(who: Subject, target: SupportRequestTarget) -> bool:
    return can(who, Permission.MOBILISATION_RESPOND) and who.organisation_id == target.organisation_id


def can_answer_now(who: Subject, target: SupportRequestTarget | None, request: SupportRequest) -> bool:
    """The subject's organisation was asked, has not answered yet, and the request is still open:
    the request's page offers it the accept and decline forms."""
    return (
        target is not None
        and can_respond(who, target)
        and target.status == TargetStatus.PENDING.value
        and request.status == RequestStatus.OPEN.value
    )


def require_respond(who: Subject, target: SupportRequestTarget) -> None:
    if not can_respond(who, target):
        raise Forbidden("Only your organisation's admins may answer its support requests")


def can_release(session: Session, who: Subject, deployment: Deployment, request: SupportRequest | None) -> bool:
    if not can(who, Permission.MOBILISATION_MANAGE):
        return False
    if is_coordinating(who):
        return True
    if who.has_role(Role.ORG_ADMIN) and who.organisation_id == deployment.organisation_id:
        return True
    return request is not None and can_manage_request(session, who, request)


def require_release(session: Session, who: Subject, deployment: Deployment, request: SupportRequest | None) -> None:
    if not can_release(session, who, deployment, request):
        raise Forbidden("Only the requester and the expert's organisation may release an expert or record hours")


def visible_requests_clause(who: Subject) -> ColumnElement[bool]:
    """A WHERE clause on SupportRequest: the requests `who` may see."""
    require(who, Permission.MOBILISATION_READ)
    if who.user_id is None and who.is_platform_admin:
        return SupportRequest.id.is_not(None)
    incidents = select(Incident.id).where(visible_incidents_clause(who))
    clauses: list[ColumnElement[bool]] = [SupportRequest.incident_id.in_(incidents)]
    if who.organisation_id is not None:
        clauses.append(SupportRequest.requesting_organisation_id == who.organisation_id)
        if can(who, Permission.MOBILISATION_RESPOND):
            targeted = select(SupportRequestTarget.support_request_id).where(
                SupportRequestTarget.organisation_id == who.organisation_id
            )
            clauses.append(SupportRequest.id.in_(targeted))
    return or_(*clauses)


def visible_deployments_clause(who: Subject) -> ColumnElement[bool]:
    """A WHERE clause on Deployment: the deployments `who` may see."""
    require(who, Permission.MOBILISATION_READ)
    if who.user_id is None and who.is_platform_admin:
        return Deployment.id.is_not(None)
    incidents = select(Incident.id).where(visible_incidents_clause(who))
    clauses: list[ColumnElement[bool]] = [Deployment.incident_id.in_(incidents), Deployment.user_id == who.user_id]
    if who.organisation_id is not None:
        clauses.append(Deployment.organisation_id == who.organisation_id)
    return or_(*clauses)


def statistics_organisation_ids(session: Session, who: Subject) -> set[int] | None:
    """Whose deployments count in the statistics `who` asks for: None for the whole network
    (coordinator), else its own organisation and the organisations of clusters it leads."""
    require(who, Permission.MOBILISATION_READ)
    if who.sees_everything:
        return None
    ids: set[int] = set() if who.organisation_id is None else {who.organisation_id}
    for cluster_id in led_cluster_ids(session, who):
        ids |= organisation_ids_in_cluster(session, cluster_id)
    return ids
