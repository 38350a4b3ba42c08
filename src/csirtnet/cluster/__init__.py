"""Clusters of the national response network: membership, rotating leads and handovers, yearly
plans, members' readiness, discussion channels, events and the knowledge base (docs/clusters.md)."""
