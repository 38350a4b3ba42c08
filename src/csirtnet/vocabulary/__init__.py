"""Documented enums: every value the platform stores for a controlled vocabulary."""

from csirtnet.vocabulary.enums import PAP, TLP, Language, Role, SecurityLevel, Severity

__all__ = ["PAP", "TLP", "Language", "Role", "SecurityLevel", "Severity"]
