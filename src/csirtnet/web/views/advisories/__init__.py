"""The advisory pages: the list and a new draft, an advisory with its actions, the tracking view,
and the vulnerability and vendor CSAF catalogues."""
