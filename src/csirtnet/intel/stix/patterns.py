"""Checking STIX 2.1 patterns fast, with the OASIS parser as the authority.

The OASIS `stix2-patterns` parser (ANTLR, in Python) takes 2 to 5 ms a pattern: a 50,000-object
bundle would spend most of its import there. Most patterns are of a small regular shape, so they
are recognised here first by a tokenizer and a small parser that accept a strict subset of the
grammar:

    observation (AND | OR | FOLLOWEDBY observation)*
    observation := "[" comparison ((AND | OR) comparison)* "]" [WITHIN n SECONDS | REPEATS n TIMES]
    comparison  := path (= | == | != | < | <= | > | >=) (string | non-negative integer)
                 | path (LIKE | MATCHES | ISSUBSET | ISSUPERSET) string
    path        := type ":" step ("." step | "[" (integer | "*") "]")*   (steps without hyphens or quoted)

Anything else (parentheses, NOT, IN, EXISTS, START/STOP, other literals, comments, lower-case
keywords…) goes to the OASIS parser. On what the fast path accepts it reports what the OASIS
validator reports, hash values included (tests/intel/test_stix_objects.py checks the two agree on
generated patterns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from csirtnet.errors import ValidationFailed

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>'(?:[^'\\]|\\['\\])*')
    | (?P<int>(?:0|[1-9][0-9]*)(?![0-9.A-Za-z_]))
    | (?P<word>[A-Za-z_][A-Za-z0-9_-]*)
    | (?P<op>!=|<=|>=|==|=|<|>)
    | (?P<punct>[\[\]:.*])
    )""",
    re.VERBOSE,
)
_KEYWORDS = frozenset(
    {"AND", "OR", "NOT", "FOLLOWEDBY", "LIKE", "MATCHES", "ISSUPERSET", "ISSUBSET", "EXISTS", "LAST", "IN"}
    | {"START", "STOP", "SECONDS", "true", "false", "WITHIN", "REPEATS", "TIMES"}
)
_STEP = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TYPE = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$")
_STRING_OPS = frozenset({"LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"})
_ORDER_OPS = frozenset({"=", "==", "!=", "<", "<=", ">", ">="})

# The OASIS validator's hash checks (stix2patterns.v21.object_validator), by normalised name.
_HASH_TEXT = {
    "MD5": r"^[a-fA-F0-9]{32}$",
    "MD6": r"^[a-fA-F0-9]{32}|[a-fA-F0-9]{40}|[a-fA-F0-9]{56}|[a-fA-F0-9]{64}|[a-fA-F0-9]{96}|[a-fA-F0-9]{128}$",
    "RIPEMD160": r"^[a-fA-F0-9]{40}$",
    "SHA1": r"^[a-fA-F0-9]{40}$",
    "SHA224": r"^[a-fA-F0-9]{56}$",
    "SHA256": r"^[a-fA-F0-9]{64}$",
    "SHA384": r"^[a-fA-F0-9]{96}$",
    "SHA512": r"^[a-fA-F0-9]{128}$",
    "SHA3224": r"^[a-fA-F0-9]{56}$",
    "SHA3256": r"^[a-fA-F0-9]{64}$",
    "SHA3384": r"^[a-fA-F0-9]{96}$",
    "SHA3512": r"^[a-fA-F0-9]{128}$",
    "SSDEEP": r"^[a-zA-Z0-9/+:.]{1,128}$",
    "WHIRLPOOL": r"^[a-fA-F0-9]{128}$",
}
_HASHES = {name: re.compile(text) for name, text in _HASH_TEXT.items()}
_UNESCAPE = re.compile(r"\\(['\\])")
# The commonest shape, `[type:path = 'string']`, in one regular expression (a subset of the parser's).
_ONE = re.compile(
    r"^\[\s*([a-z][a-z0-9-]*[a-z0-9]):"
    r"((?:[A-Za-z_][A-Za-z0-9_]*|'[^'\\]+')(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|'[^'\\]+'))*)"
    r"\s*=\s*('(?:[^'\\]|\\['\\])*')\s*\]$"
)
_STEPS = re.compile(r"'([^']+)'|([^.]+)")


@dataclass(frozen=True)
class Comparison:
    object_type: str
    path: tuple[str, ...]  # steps unquoted; list indexes as "[0]" / "[*]"
    op: str
    literal: str  # as written: a quoted string or an integer

    @property
    def value(self) -> str | None:
        """The string literal's value (unescaped), or the integer's digits."""
        if self.literal.startswith("'"):
            return _UNESCAPE.sub(r"\1", self.literal[1:-1])
        return self.literal


@dataclass(frozen=True)
class Parsed:
    """A pattern the fast path understood: its comparisons and whether it is one observation of one
    comparison without qualifier."""

    comparisons: tuple[Comparison, ...]
    simple: bool


class _NotFast(Exception):
    pass


def _tokens(pattern: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    end = len(pattern.rstrip())
    while pos < end:
        match = _TOKEN.match(pattern, pos)
        if match is None or match.end() == pos:
            raise _NotFast
        kind = match.lastgroup
        assert kind is not None
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, kind: str, text: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (text is not None and token[1] != text):
            raise _NotFast
        self.at += 1
        return token[1]

    def accept(self, kind: str, text: str) -> bool:
        token = self.peek()
        if token is not None and token == (kind, text):
            self.at += 1
            return True
        return False

    def pattern(self) -> Parsed:
        comparisons, qualified = self.observation()
        observations = 1
        while self.peek() is not None:
            op = self.take("word")
            if op not in ("AND", "OR", "FOLLOWEDBY"):
                raise _NotFast
            more, more_qualified = self.observation()
            comparisons += more
            qualified = qualified or more_qualified
            observations += 1
        return Parsed(tuple(comparisons), observations == 1 and len(comparisons) == 1 and not qualified)

    def observation(self) -> tuple[list[Comparison], bool]:
        self.take("punct", "[")
        comparisons = [self.comparison()]
        while not self.accept("punct", "]"):
            op = self.take("word")
            if op not in ("AND", "OR"):
                raise _NotFast
            comparisons.append(self.comparison())
        if self.accept("word", "WITHIN"):
            self.take("int")
            self.take("word", "SECONDS")
            return comparisons, True
        if self.accept("word", "REPEATS"):
            self.take("int")
            self.take("word", "TIMES")
            return comparisons, True
        return comparisons, False

    def step(self) -> str:
        token = self.peek()
        if token is not None and token[0] == "str":
            self.at += 1
            return _UNESCAPE.sub(r"\1", token[1][1:-1])
        word = self.take("word")
        if not _STEP.match(word) or word in _KEYWORDS:
            raise _NotFast
        return word

    def comparison(self) -> Comparison:
        object_type = self.take("word")
        if not _TYPE.match(object_type) or object_type in _KEYWORDS:
            raise _NotFast
        self.take("punct", ":")
        path = [self.step()]
        while True:
            if self.accept("punct", "."):
                path.append(self.step())
            elif self.accept("punct", "["):
                index = "*" if self.accept("punct", "*") else self.take("int")
                self.take("punct", "]")
                path.append(f"[{index}]")
            else:
                break
        token = self.peek()
        if token is None:
            raise _NotFast
        if token[0] == "op" and token[1] in _ORDER_OPS:
            self.at += 1
            literal_token = self.peek()
            if literal_token is None or literal_token[0] not in ("str", "int"):
                raise _NotFast
            self.at += 1
            return Comparison(object_type, tuple(path), token[1], literal_token[1])
        if token[0] == "word" and token[1] in _STRING_OPS:
            self.at += 1
            return Comparison(object_type, tuple(path), token[1], self.take("str"))
        raise _NotFast


def _check_hashes(comparisons: tuple[Comparison, ...]) -> None:
    for c in comparisons:
        if "hashes" not in c.path or c.path[-1].startswith("["):
            continue
        name = c.path[-1].upper().replace("-", "").replace("'", "")
        regex = _HASHES.get(name)
        if regex is not None and not regex.match(c.literal.replace("'", "")):
            raise ValidationFailed(
                "pattern",
                f"is not a valid STIX pattern: '{c.literal.replace(chr(39), '')}' is not a valid {c.path[-1]} hash",
            )


def fast(pattern: str) -> Parsed | None:
    """The pattern parsed by the fast path, None when it is outside its subset; ValidationFailed
    when it is inside but invalid (a hash that is not one)."""
    one = _ONE.match(pattern)
    if one is not None:
        object_type, path, literal = one.groups()
        steps = tuple(quoted or plain for quoted, plain in _STEPS.findall(path))
        if object_type not in _KEYWORDS and not any(step in _KEYWORDS for step in steps if _STEP.match(step)):
            parsed = Parsed((Comparison(object_type, steps, "=", literal),), True)
            _check_hashes(parsed.comparisons)
            return parsed
    try:
        parsed = _Parser(_tokens(pattern)).pattern()
    except _NotFast:
        return None
    _check_hashes(parsed.comparisons)
    return parsed


def oasis(pattern: str) -> Parsed:
    """The pattern through the OASIS parser (STIX 2.1 grammar, hash values, duplicate qualifiers);
    ValidationFailed with its message."""
    from stix2patterns.exceptions import ParseException  # type: ignore[import-untyped]
    from stix2patterns.v21 import object_validator  # type: ignore[import-untyped]
    from stix2patterns.v21.pattern import Pattern  # type: ignore[import-untyped]
    from stix2patterns.v21.validator import (  # type: ignore[import-untyped]
        DuplicateQualifierTypeError,
        ValidationListener,
    )

    try:
        compiled = Pattern(pattern)
    except ParseException as exc:
        raise ValidationFailed("pattern", f"is not a valid STIX pattern: {exc}") from None
    data = compiled.inspect()
    try:
        errors = object_validator.verify_object(data)
    except AttributeError:  # its hash check fails on a list index after `hashes`: not a hash
        errors = []
    if errors:
        raise ValidationFailed("pattern", f"is not a valid STIX pattern: {errors[0].removeprefix('FAIL: ')}")
    try:
        compiled.walk(ValidationListener())
    except DuplicateQualifierTypeError as exc:
        raise ValidationFailed("pattern", f"is not a valid STIX pattern: {exc}") from None
    comparisons = tuple(
        Comparison(object_type, tuple(str(step) for step in path), op, str(literal))
        for object_type, items in data.comparisons.items()
        for path, op, literal in items
    )
    simple = not data.observation_ops and not data.qualifiers and len(comparisons) == 1
    return Parsed(comparisons, simple)


def parse(pattern: str) -> Parsed:
    """The pattern's comparisons (fast path, else the OASIS parser); ValidationFailed (field
    "pattern") when it is not a valid STIX 2.1 pattern."""
    return fast(pattern) or oasis(pattern)
