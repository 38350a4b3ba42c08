"""Members' yearly readiness records, and the coverage the coordinator and cluster leads see."""
