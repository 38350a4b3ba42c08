"""Vietnamese-aware text folding and sorting.

`fold` gives the accent-insensitive form used for search ("Bắc Kạn" and "bac kan" match).
`sort_key` gives a string whose plain byte order is the Vietnamese alphabetical order
(a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y), tones breaking ties, so both
SQLite and PostgreSQL sort correctly by comparing the stored key with the "C" collation.
"""

from __future__ import annotations

import unicodedata

_ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()  # noqa: SIM905
_LETTER_RANK = {letter: index for index, letter in enumerate(_ALPHABET)}
# Combining marks that are tones (secondary weight); the others belong to the base letter.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn


def fold(text: str) -> str:
    """Lower-case, strip every diacritic (đ becomes d) and collapse whitespace."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def _letters(text: str) -> list[tuple[str, int]]:
    """Split into (base letter with its letter marks, tone) pairs."""
    out: list[tuple[str, int]] = []
    for ch in unicodedata.normalize("NFD", text.lower()):
        if unicodedata.combining(ch):
            if not out:
                continue
            base, tone = out[-1]
            if ch in _TONES:
                out[-1] = (base, _TONES[ch])
            elif ch in _LETTER_MARKS:
                out[-1] = (unicodedata.normalize("NFC", base + ch), tone)
            continue
        out.append((ch, 0))
    return out


def sort_key(text: str) -> str:
    """A key whose byte order is Vietnamese collation order (letters first, tones second)."""
    letters = _letters(" ".join(text.split()))
    primary: list[str] = []
    for base, _tone in letters:
        rank = _LETTER_RANK.get(base)
        if rank is not None:
            primary.append(chr(0x41 + rank))  # 'A'.. for letters, in Vietnamese order
        elif base.isdigit():
            primary.append("0" + base)
        elif base.isspace():
            primary.append(" ")
        else:
            primary.append("~" + f"{ord(base):05x}")
    secondary = "".join(str(tone) for _base, tone in letters)
    return "".join(primary) + "\x01" + secondary
