"""Incidents: intake of reports (UI, API, public form, email), triage, classification, the response
workflow with regulatory deadlines, timeline, tasks, discussion, observables and correlation,
search and export (docs/incidents.md)."""
