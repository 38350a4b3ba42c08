"""THE place that decides what a subject may see and do.

Repositories ask `visible_organisation_ids` (and the domain helpers in this package) which rows a
subject may see; endpoints and views ask `require` whether it may act. Nothing else filters by
tenant (docs/adr/0002-tenancy-and-authz.md). Permissions are typed constants declared in
authz.permissions.
"""

from csirtnet.authz.permissions import ROLE_GRANTS, SCOPES, Permission, Scope
from csirtnet.authz.policy import (
    ANONYMOUS,
    Subject,
    can,
    can_manage_organisation,
    grantable_scopes,
    require,
    require_org_access,
    visible_organisation_ids,
)

__all__ = [
    "ANONYMOUS",
    "ROLE_GRANTS",
    "SCOPES",
    "Permission",
    "Scope",
    "Subject",
    "can",
    "can_manage_organisation",
    "grantable_scopes",
    "require",
    "require_org_access",
    "visible_organisation_ids",
]
