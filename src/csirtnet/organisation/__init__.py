"""Member organisations: applications, profiles, contacts, capabilities (FIRST CSIRT Services
Framework), experts, constituency (IP prefixes, ASNs, domains), the directory and bulk import."""

import csirtnet.authz.organisation  # noqa: F401 - registers the domain's permissions
