"""Vietnam's provinces grouped into the three regions experts travel within.

Matching gives most points for an expert in the province of an on-site request, fewer for one
in the same region (a short trip), none for the other end of the country. The provinces are the
63 of 2008–2025; the 34 of the 2025 merger all keep one of those names, so both are recognised.
"""

from __future__ import annotations

import re

from csirtnet.kit.text import fold

NORTH = "north"
CENTRAL = "central"
SOUTH = "south"

REGION_NAMES: dict[str, dict[str, str]] = {
    NORTH: {"vi": "miền Bắc", "en": "the North"},
    CENTRAL: {"vi": "miền Trung và Tây Nguyên", "en": "the Centre and Central Highlands"},
    SOUTH: {"vi": "miền Nam", "en": "the South"},
}

_PROVINCES: dict[str, tuple[str, ...]] = {
    NORTH: (
        "Hà Nội", "Hải Phòng", "Quảng Ninh", "Hải Dương", "Hưng Yên", "Bắc Ninh", "Vĩnh Phúc", "Thái Bình",
        "Nam Định", "Hà Nam", "Ninh Bình", "Hà Giang", "Cao Bằng", "Bắc Kạn", "Lạng Sơn", "Tuyên Quang",
        "Thái Nguyên", "Phú Thọ", "Bắc Giang", "Lào Cai", "Yên Bái", "Điện Biên", "Lai Châu", "Sơn La",
        "Hòa Bình",
    ),
    CENTRAL: (
        "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Quảng Bình", "Quảng Trị", "Thừa Thiên Huế", "Huế", "Đà Nẵng",
        "Quảng Nam", "Quảng Ngãi", "Bình Định", "Phú Yên", "Khánh Hòa", "Ninh Thuận", "Bình Thuận", "Kon Tum",
        "Gia Lai", "Đắk Lắk", "Đắk Nông", "Lâm Đồng",
    ),
    SOUTH: (
        "Hồ Chí Minh", "Sài Gòn", "Bình Phước", "Bình Dương", "Đồng Nai", "Tây Ninh", "Bà Rịa Vũng Tàu",
        "Long An", "Tiền Giang", "Bến Tre", "Trà Vinh", "Vĩnh Long", "Đồng Tháp", "An Giang", "Kiên Giang",
        "Cần Thơ", "Hậu Giang", "Sóc Trăng", "Bạc Liêu", "Cà Mau",
    ),
}  # fmt: skip

_PREFIXES = ("thanh pho ", "tp ", "tinh ")
_ALIASES = {"hcm": "ho chi minh", "tphcm": "ho chi minh", "sai gon": "ho chi minh", "thua thien hue": "hue"}


def province_key(name: str | None) -> str | None:
    """The comparable form of a province name: accents, "Tỉnh"/"Thành phố" and punctuation ignored."""
    if not name:
        return None
    key = " ".join(re.sub(r"[^0-9a-z]+", " ", fold(name)).split())
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix) :]
    key = _ALIASES.get(key, key)
    return key or None


_REGION_OF: dict[str, str] = {
    key: region for region, names in _PROVINCES.items() for n in names if (key := province_key(n)) is not None
}


def region_of(province: str | None) -> str | None:
    """ "north", "central", "south", or None for a name that is not a Vietnamese province."""
    key = province_key(province)
    return _REGION_OF.get(key) if key else None


def same_province(a: str | None, b: str | None) -> bool:
    ka, kb = province_key(a), province_key(b)
    return ka is not None and ka == kb


def province_names() -> list[str]:
    """Every province name this module knows, in Vietnamese alphabetical order."""
    from csirtnet.kit.text import sort_key

    return sorted({n for names in _PROVINCES.values() for n in names}, key=sort_key)
