"""Pages of the incident domain, one module per part, each with its own `router` (listed in
app.PAGE_MODULES, the static paths before `/incidents/{incident_id}`): `lists` (incident list and
search, the province table), `reports` (reporting and the triage queue), `tasks` (my tasks across
incidents), `profiles` (deadline profiles), `detail` (the incident page and its exports), `actions` (the
incident page's forms); `common` holds the labels and helpers they share. Every page calls the
same services and repository as the API."""
