from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from csirtnet.kit.text import fold, sort_key


def test_fold_strips_vietnamese_diacritics() -> None:
    assert fold("Bắc Kạn") == "bac kan"
    assert fold("  ĐỒNG   Tháp ") == "dong thap"
    assert fold("Mã độc tống tiền") == "ma doc tong tien"


def test_vietnamese_alphabetical_order() -> None:
    names = [
        "Yên Bái",
        "Đà Nẵng",
        "Ân Thi",
        "Ấp Bắc",
        "An Giang",
        "Dương Minh",
        "Ê Đê",
        "Ơn",
        "Ô Môn",
        "Ông",
        "Bắc Kạn",
    ]
    ordered = sorted(names, key=sort_key)
    # a < ă < â, d < đ, e < ê, o < ô < ơ: whole letters, not accents, decide first.
    assert ordered == [
        "An Giang",
        "Ân Thi",
        "Ấp Bắc",
        "Bắc Kạn",
        "Dương Minh",
        "Đà Nẵng",
        "Ê Đê",
        "Ô Môn",
        "Ông",
        "Ơn",
        "Yên Bái",
    ]


def test_tones_break_ties_only() -> None:
    assert sorted(["mả", "ma", "má", "mà"], key=sort_key) == ["ma", "mà", "mả", "má"]
    assert sort_key("mạ") > sort_key("má")
    assert sort_key("mb") > sort_key("mạ")  # the letter after the tone-marked one still wins


@given(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặ ", max_size=20))
def test_fold_is_idempotent_and_ascii_for_vietnamese(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert all(ord(ch) < 128 for ch in folded)


@given(st.text(max_size=30))
def test_sort_key_same_for_nfc_and_nfd(text: str) -> None:
    assert sort_key(unicodedata.normalize("NFC", text)) == sort_key(unicodedata.normalize("NFD", text))
