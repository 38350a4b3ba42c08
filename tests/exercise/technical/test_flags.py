"""Flag comparison: CTFd's rules, checked against their definition for any text (hypothesis)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from csirtnet.exercise.technical import flags
from csirtnet.models import ChallengeFlag

text = st.text(min_size=1, max_size=40)


def _flag(content: str, *, case_insensitive: bool = False, kind: str = "static") -> ChallengeFlag:
    flag = ChallengeFlag(kind=kind, case_insensitive=case_insensitive)
    flags.seal(flag, content)
    return flag


@given(text, text)
def test_a_case_sensitive_flag_matches_exactly_the_stripped_text(content: str, answer: str) -> None:
    flag = _flag(content)
    assert flags.matches(flag, answer) == (answer.strip() == content.strip())


@given(text, text)
def test_a_case_insensitive_flag_compares_lower_cased(content: str, answer: str) -> None:
    flag = _flag(content, case_insensitive=True)
    assert flags.matches(flag, answer) == (answer.strip().lower() == content.strip().lower())


@given(text, st.sampled_from([str.upper, str.lower, str.swapcase, str.title]), st.sampled_from(["", " ", "\n", "\t "]))
def test_case_and_surrounding_space_never_matter_to_a_case_insensitive_flag(content: str, change, pad: str) -> None:  # type: ignore[no-untyped-def]
    flag = _flag(content, case_insensitive=True)
    answer = pad + change(content) + pad
    assert flags.matches(flag, answer) == (change(content).strip().lower() == content.strip().lower())


@given(text)
def test_the_flag_is_never_stored_in_clear(content: str) -> None:
    flag = _flag("CSIRT{" + content + "}")
    assert flag.pattern is None and len(flag.digest) == 64 and len(flag.salt) == 32
    assert ("CSIRT{" + content + "}") not in flag.digest
    assert _flag("CSIRT{" + content + "}").salt != flag.salt  # salted: the same flag, another digest


@given(st.from_regex(r"CSIRT\{[0-9a-f]{8}\}", fullmatch=True), text)
def test_a_regex_flag_must_match_the_whole_answer(answer: str, extra: str) -> None:
    flag = _flag(r"CSIRT\{[0-9a-f]{8}\}", kind="regex")
    assert flags.matches(flag, answer)
    assert flags.matches(flag, answer + extra) == (
        re.fullmatch(r"CSIRT\{[0-9a-f]{8}\}", (answer + extra).strip()) is not None
    )


def test_a_submission_keeps_only_a_digest_of_what_was_typed() -> None:
    assert flags.answer_digest(" wrong guess ") == flags.answer_digest("wrong guess")
    assert "wrong" not in flags.answer_digest("wrong guess")
