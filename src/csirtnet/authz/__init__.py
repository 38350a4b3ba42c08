"""THE place that decides what a subject may see and do.

Repositories ask `visible_organisation_ids` (and, as domains arrive, their own scoping helpers
here) which rows a subject may see; endpoints and views ask `require` whether it may act.
Nothing else filters by tenant (docs/adr/0002-tenancy-and-authz.md).
"""

from csirtnet.authz.policy import (
    ANONYMOUS,
    PERMISSIONS,
    ROLE_PERMISSIONS,
    SCOPES,
    Subject,
    can,
    can_manage_organisation,
    register_permissions,
    require,
    require_org_access,
    visible_organisation_ids,
)

__all__ = [
    "ANONYMOUS",
    "PERMISSIONS",
    "ROLE_PERMISSIONS",
    "SCOPES",
    "Subject",
    "can",
    "can_manage_organisation",
    "register_permissions",
    "require",
    "require_org_access",
    "visible_organisation_ids",
]

# Each domain registers its permissions and scopes when its authz module is imported; importing
# them here means every process (web, worker, CLI, scripts) knows every scope before it checks one.
import csirtnet.authz.cluster
import csirtnet.authz.incident
import csirtnet.authz.mobilisation
import csirtnet.authz.organisation
import csirtnet.authz.tlp  # noqa: F401
