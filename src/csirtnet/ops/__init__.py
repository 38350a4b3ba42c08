"""Operations: health, readiness, metrics, jobs administration, backup and restore."""
