"""Helpers for the members tests: API headers carrying every scope a user's roles grant."""

from __future__ import annotations

from typing import Any

from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token, grantable_scopes


def api(db: Any, user: Any) -> dict[str, str]:
    who = subject_for(user)
    issued = create_token(db, who, user, name="test", scopes=grantable_scopes(who), expires_in_days=1)
    db.flush()
    return {"Authorization": f"Bearer {issued.token}"}
