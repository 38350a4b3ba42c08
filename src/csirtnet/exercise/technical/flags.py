"""Flags: how a typed answer is compared with what is stored.

A static flag is kept as a salted SHA-256 of its normalised text, never in clear; a CTFd regex flag
keeps its pattern (a pattern cannot be hashed), which organisers alone see. The rules are CTFd's
(plugins/flags): the answer is stripped of surrounding whitespace; a case-insensitive flag compares
both sides lower-cased; a regex must match the whole answer (`fullmatch`), case-insensitively when
the flag says so. Digests are compared in constant time. What a team typed is kept only as an
unsalted SHA-256 (`answer_digest`), so a wrong answer is never stored in clear."""

from __future__ import annotations

import re
import secrets

from csirtnet.kit.hashing import constant_time_equal, sha256_hex
from csirtnet.models import ChallengeFlag

STATIC = "static"
REGEX = "regex"
KINDS = (STATIC, REGEX)
MAX_ANSWER = 1000  # characters: a longer answer is refused before any comparison


def normalise(text: str, case_insensitive: bool) -> str:
    """The text as it is hashed and compared: stripped, lower-cased for a case-insensitive flag."""
    stripped = text.strip()
    return stripped.lower() if case_insensitive else stripped


def digest(salt: str, text: str) -> str:
    return sha256_hex(salt + text)


def answer_digest(answer: str) -> str:
    """What a submission keeps of the typed answer."""
    return sha256_hex(answer.strip())


def seal(flag: ChallengeFlag, content: str) -> None:
    """Store `content` in `flag` as its kind requires: a salted digest, or a checked pattern."""
    if flag.kind == REGEX:
        re.compile(content)  # the caller turned re.error into a field error
        flag.pattern = content
        flag.salt, flag.digest = "", ""
        return
    flag.pattern = None
    flag.salt = secrets.token_hex(16)
    flag.digest = digest(flag.salt, normalise(content, flag.case_insensitive))


def pattern_error(pattern: str) -> str | None:
    """Why a regex flag cannot be used, or None."""
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"not a regular expression: {exc.msg}"
    return None


def matches(flag: ChallengeFlag, answer: str) -> bool:
    """Whether `answer` is this flag (CTFd's comparison)."""
    provided = answer.strip()
    if flag.kind == REGEX:
        if flag.pattern is None:
            return False
        found = re.fullmatch(flag.pattern, provided, re.IGNORECASE if flag.case_insensitive else 0)
        return found is not None
    text = provided.lower() if flag.case_insensitive else provided
    return constant_time_equal(digest(flag.salt, text), flag.digest)
