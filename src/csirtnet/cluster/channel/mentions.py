"""Finding mentions in a message: @email, @[Full Name] or @Full Name, among the channel's members."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from csirtnet.kit.text import fold
from csirtnet.models import User

_EMAIL = re.compile(r"(?<![\w.@])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")
_BRACKET = re.compile(r"(?<![\w.@])@\[([^\]\n]{1,200})\]")
_BARE = re.compile(r"(?<![\w.@])@(\w[\w'-]*(?:[ \t]+\w[\w'-]*){0,5})")
MAX_NAME_WORDS = 6


@dataclass
class Mentions:
    users: list[User] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, user: User) -> None:
        if all(u.id != user.id for u in self.users):
            self.users.append(user)


def find(body: str, members: Sequence[User]) -> Mentions:
    """Resolve mentions against `members`. An @email or @[Name] that matches no member is an
    error (so nobody is silently left out); a bare @Word that matches no name is just text."""
    out = Mentions()
    by_email = {u.email.lower(): u for u in members}
    by_name: dict[str, list[User]] = {}
    for u in members:
        by_name.setdefault(fold(u.full_name), []).append(u)
    rest = body
    for match in _EMAIL.finditer(body):
        user = by_email.get(match.group(1).lower())
        if user is None:
            out.errors.append(f"@{match.group(1)} is not a member of this channel")
        else:
            out.add(user)
    rest = _EMAIL.sub(" ", rest)
    for match in _BRACKET.finditer(rest):
        found = by_name.get(fold(match.group(1)), [])
        if not found:
            out.errors.append(f"@[{match.group(1)}] is not a member of this channel")
        elif len(found) > 1:
            out.errors.append(f"@[{match.group(1)}] matches several members; mention them by email")
        else:
            out.add(found[0])
    rest = _BRACKET.sub(" ", rest)
    for match in _BARE.finditer(rest):
        words = [w.strip(".,;:!?'\"-") for w in match.group(1).split()][:MAX_NAME_WORDS]
        for n in range(len(words), 0, -1):
            found = by_name.get(fold(" ".join(words[:n])), [])
            if len(found) == 1:
                out.add(found[0])
                break
            if len(found) > 1:
                out.errors.append(f"@{' '.join(words[:n])} matches several members; mention them by email")
                break
    return out
