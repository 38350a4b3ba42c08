"""Keyset indexes on the incident table, found by benchmarks/incidents_load.py (docs/benchmarks.md,
"Incidents at 1,000,000"). Lists are ordered by id and filtered by one or two columns; a single-column
index finds the rows but not in order, so PostgreSQL sorted tens of thousands of matches (a
BitmapAnd of ix_incident_phase and ix_incident_severity: 250 ms) to return 50. With (column, id) it
walks one index backwards and stops after a page (2 ms). Created by migration 0007_incident_indexes.
"""

from __future__ import annotations

from sqlalchemy import Index

from csirtnet.models.incident import Incident

KEYSET_INDEXES = (
    Index("ix_incident_phase_id", Incident.phase, Incident.id),
    Index("ix_incident_severity_id", Incident.severity, Incident.id),
    Index("ix_incident_rsit_class_id", Incident.rsit_class, Incident.id),
    Index("ix_incident_province_id", Incident.province, Incident.id),
    Index("ix_incident_reporting_organisation_id_id", Incident.reporting_organisation_id, Incident.id),
)
