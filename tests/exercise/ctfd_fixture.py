"""A small, realistic CTFd 3.7.x admin backup (team mode) for import tests.

The zip holds ``db/<table>.json`` files shaped as CTFd's exporter writes them:
``{"count": n, "results": [rows], "meta": {}}``, compact separators, datetimes as naive UTC
``datetime.isoformat()`` strings (no ``.ffffff`` when the microseconds are zero), and an
empty (0-byte) file for a table without rows. Solves live in two tables (joined inheritance):
``submissions`` holds every attempt with its ``type`` ("correct"/"incorrect") and ``date``;
``solves`` holds only ``id, challenge_id, user_id, team_id`` for the correct ones.
Dynamic challenges keep their parameters in ``dynamic_challenge`` (3.6-3.7 columns), while
``challenges.value`` holds the value CTFd last cached for them. See /work/wt/ctfd_notes.md.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

DAY = "2026-10-10T"
ALEMBIC_VERSION = "4fe3eeed9a9d"  # core head of CTFd 3.7.x ("add attribution to challenges")
FAKE_HASH = "$bcrypt-sha256$v=2,t=2b,r=12$fixturefixturefixture$notarealhashnotarealhash"

# (team id, name, hidden). Team t's members are users 2t and 2t+1; user 1 is the admin.
TEAMS: list[tuple[int, str, bool]] = [
    (1, "Ha Noi", False),
    (2, "Hai Phong", False),
    (3, "Quang Ninh", False),
    (4, "Bac Ninh", False),
    (5, "Hai Duong", False),
    (6, "Hung Yen", True),
]

# (id, name, category, cached value, dynamic (function, initial, decay, minimum) or None).
# The cached values of the dynamic ones are derived in expected_scoreboard()'s docstring.
CHALLENGES: list[tuple[int, str, str, int, tuple[str, int, int, int] | None]] = [
    (1, "Login Bypass", "Web", 100, None),
    (2, "Cookie Monster", "Web", 150, ("linear", 300, 80, 150)),
    (3, "Admin Panel", "Web", 200, None),
    (4, "Pcap Hunt", "Forensics", 150, None),
    (5, "Memory Dump", "Forensics", 499, ("logarithmic", 500, 15, 100)),
    (6, "Disk Image", "Forensics", 230, ("linear", 250, 20, 100)),
    (7, "Caesar Salad", "Crypto", 50, None),
    (8, "RSA Baby", "Crypto", 250, ("logarithmic", 400, 2, 250)),
]

# (id, challenge id, type, content, data): data is "" (case sensitive) or "case_insensitive".
FLAGS: list[tuple[int, int, str, str, str]] = [
    (1, 1, "static", "CSIRT{0r_1=1}", ""),
    (2, 2, "static", "CSIRT{c00k13_m0nst3r}", ""),
    (3, 3, "regex", r"CSIRT\{adm1n_[0-9a-f]{8}\}", ""),
    (4, 4, "static", "CSIRT{dns_tunnel}", "case_insensitive"),
    (5, 5, "static", "CSIRT{volatility_pslist}", ""),
    (6, 6, "static", "CSIRT{alternate_data_stream}", ""),
    (7, 7, "static", "CSIRT{veni_vidi_vici}", ""),
    (8, 8, "static", "CSIRT{sm4ll_e}", ""),
]

# (hint id, challenge id, cost)
HINTS: list[tuple[int, int, int]] = [(1, 3, 50), (2, 5, 100), (3, 7, 0), (4, 8, 30)]

# (time, user id, challenge id, provided, correct)
ATTEMPTS: list[tuple[str, int, int, str, bool]] = [
    ("01:10:00", 12, 1, "CSIRT{0r_1=1}", True),  # Hung Yen (hidden) takes every first blood it can
    ("01:12:30", 13, 2, "CSIRT{c00k13_m0nst3r}", True),
    ("01:15:00", 4, 1, "csirt{0r_1=1}", False),  # wrong case on a case-sensitive flag
    ("01:16:00.250000", 4, 1, "CSIRT{0r_1=1}", True),
    ("01:20:00", 2, 1, "CSIRT{0r_1=1}", True),
    ("01:30:00", 6, 1, "CSIRT{0r_1=1}", True),
    ("01:35:00", 8, 1, "CSIRT{0r_1=1}", True),
    ("01:40:00", 3, 2, "CSIRT{c00k13_m0nst3r}", True),
    ("01:45:00", 5, 7, "CSIRT{veni_vidi_vici}", True),
    ("01:50:00", 10, 1, "CSIRT{0r_1=1}", True),
    ("02:00:00", 4, 2, "CSIRT{c00k13_m0nst3r}", True),
    ("02:05:00", 7, 7, "CSIRT{veni_vidi_vici}", True),
    ("02:10:00", 2, 3, "CSIRT{adm1n_deadbeef}", True),  # regex flag, full match
    ("02:15:00", 9, 7, "CSIRT{veni_vidi_vici}", True),
    ("02:20:00", 5, 4, "csirt{DNS_TUNNEL}", True),  # case-insensitive flag
    ("02:25:00", 6, 2, "CSIRT{c00k13_m0nst3r}", True),
    ("02:30:00", 3, 4, "CSIRT{dns_tunel}", False),
    ("02:35:00", 3, 4, "CSIRT{dns_tunnel}", True),
    ("02:45:00", 8, 4, "CSIRT{Dns_Tunnel}", True),
    ("02:48:00", 12, 5, "CSIRT{volatility_pslist}", True),
    ("02:50:00", 4, 5, "CSIRT{volatility_pslist}", True),
    ("02:54:00", 11, 7, "CSIRT{veni_vidi_vic}", False),
    ("02:55:00", 11, 7, "CSIRT{veni_vidi_vici}", True),
    ("03:00:00", 13, 8, "CSIRT{sm4ll_e}", True),
    ("03:05:00", 2, 5, "CSIRT{volatility_pslist}", True),
    ("03:10:00", 7, 8, "CSIRT{sm4ll_e}", True),
    ("03:20:00", 9, 8, "CSIRT{sm4ll_e}", True),
    ("03:30:00", 5, 8, "CSIRT{sm4ll_e}", True),
    ("03:40:00", 10, 3, "CSIRT{adm1n_DEADBEEF}", False),  # regex is case sensitive: [0-9a-f]
    ("03:45:00", 10, 8, "CSIRT{sm4ll_e}", True),
    ("03:58:00", 6, 6, "CSIRT{ads}", False),
    ("04:00:00", 6, 6, "CSIRT{alternate_data_stream}", True),
    ("04:30:00", 9, 6, "CSIRT{alternate_data_stream}", True),
]

# (time, user id, hint id): each writes an Unlocks row and an Awards row of value -cost.
UNLOCKS: list[tuple[str, int, int]] = [
    ("01:50:00", 2, 1),
    ("01:55:00", 7, 4),
    ("02:40:00", 4, 2),
    ("03:00:00", 11, 4),
    ("05:30:00", 8, 3),  # cost 0: CTFd still writes a value-0 award; the scoreboard ignores it
]

# The one positive award: (time, user id, name, value).
BONUS: tuple[str, int, str, int] = ("05:00:00", 6, "Best incident report", 30)


def _team_of(user_id: int) -> int:
    return user_id // 2


def _table(rows: list[dict[str, Any]]) -> bytes:
    if not rows:
        return b""  # CTFd's serializer writes nothing at all for an empty table
    return json.dumps({"count": len(rows), "results": rows, "meta": {}}, separators=(",", ":")).encode()


def _tables(ctf_name: str, alembic_version: str) -> dict[str, list[dict[str, Any]]]:
    created = DAY + "00:30:00"
    teams = [
        {"id": tid, "oauth_id": None, "name": name, "email": f"team{tid}@ctf.example", "password": FAKE_HASH,
         "secret": None, "website": None, "affiliation": f"CSIRT {name}", "country": "VN", "hidden": hidden,
         "banned": False, "captain_id": 2 * tid, "created": created, "bracket_id": None}
        for tid, name, hidden in TEAMS
    ]  # fmt: skip
    users = [
        {"id": uid, "oauth_id": None, "name": "admin" if uid == 1 else f"player{uid}",
         "password": FAKE_HASH, "email": f"user{uid}@ctf.example", "type": "admin" if uid == 1 else "user",
         "secret": None, "website": None, "affiliation": None, "country": "VN", "hidden": uid == 1,
         "banned": False, "verified": True, "team_id": None if uid == 1 else _team_of(uid),
         "created": created, "language": None, "bracket_id": None}
        for uid in range(1, 2 * len(TEAMS) + 2)
    ]  # fmt: skip
    challenges = [
        {"id": cid, "name": name, "description": f"{name}: find the flag.", "attribution": None,
         "connection_info": None, "next_id": None, "max_attempts": 0, "value": value, "category": category,
         "type": "dynamic" if dyn else "standard", "state": "visible", "requirements": None}
        for cid, name, category, value, dyn in CHALLENGES
    ]  # fmt: skip
    dynamic = [
        {"id": cid, "initial": dyn[1], "minimum": dyn[3], "decay": dyn[2], "function": dyn[0]}
        for cid, _, _, _, dyn in CHALLENGES
        if dyn
    ]
    flags = [{"id": f, "challenge_id": c, "type": t, "content": s, "data": d} for f, c, t, s, d in FLAGS]
    hints = [
        {"id": hid, "type": "standard", "challenge_id": cid, "content": f"Hint {hid}: look closer.", "cost": cost,
         "requirements": None}
        for hid, cid, cost in HINTS
    ]  # fmt: skip
    submissions: list[dict[str, Any]] = []
    solves: list[dict[str, Any]] = []
    for sid, (at, uid, cid, provided, ok) in enumerate(sorted(ATTEMPTS), start=1):
        team = _team_of(uid)
        submissions.append(
            {"id": sid, "challenge_id": cid, "user_id": uid, "team_id": team, "ip": f"10.0.{team}.{uid}",
             "provided": provided, "type": "correct" if ok else "incorrect", "date": DAY + at}
        )  # fmt: skip
        if ok:
            solves.append({"id": sid, "challenge_id": cid, "user_id": uid, "team_id": team})
    names = {cid: name for cid, name, *_ in CHALLENGES}
    hint_of = {hid: (cid, cost) for hid, cid, cost in HINTS}
    unlocks = [
        {"id": n, "user_id": uid, "team_id": _team_of(uid), "target": hid, "date": DAY + at, "type": "hints"}
        for n, (at, uid, hid) in enumerate(sorted(UNLOCKS), start=1)
    ]
    award_events: list[tuple[str, int, str, str, int, str, str | None]] = [
        (at, uid, f"Hint {hid}", f"Hint for {names[hint_of[hid][0]]}", -hint_of[hid][1], "hints", None)
        for at, uid, hid in UNLOCKS
    ]
    at, uid, name, value = BONUS
    award_events.append((at, uid, name, "Clear, timely incident write-up", value, "Bonus", "crown"))
    awards = [
        {"id": n, "user_id": uid, "team_id": _team_of(uid), "type": "standard", "name": name,
         "description": desc, "date": DAY + at, "value": value, "category": cat, "icon": icon,
         "requirements": None}
        for n, (at, uid, name, desc, value, cat, icon) in enumerate(sorted(award_events), start=1)
    ]  # fmt: skip
    settings = {
        "ctf_version": "3.7.4", "ctf_name": ctf_name, "ctf_theme": "core-beta", "user_mode": "teams",
        "team_size": "2", "score_visibility": "public", "account_visibility": "public",
        "start": "1791594000", "end": "1791633600", "setup": "1",
    }  # fmt: skip
    config = [{"id": n, "key": k, "value": v} for n, (k, v) in enumerate(settings.items(), start=1)]
    return {
        "alembic_version": [{"version_num": alembic_version}],
        "teams": teams,
        "users": users,
        "challenges": challenges,
        "dynamic_challenge": dynamic,
        "flags": flags,
        "hints": hints,
        "unlocks": unlocks,
        "awards": awards,
        "submissions": submissions,
        "solves": solves,
        "config": config,
        "tags": [],
        "files": [],
        "notifications": [],
    }


def build_ctfd_zip(path: Path, *, ctf_name: str = "CSIRT Drill 2026", alembic_version: str = ALEMBIC_VERSION) -> Path:
    """Write the backup to ``path`` (a ``.zip``) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, rows in _tables(ctf_name, alembic_version).items():
            archive.writestr(f"db/{table}.json", _table(rows))
    return path


def expected_scoreboard() -> list[tuple[int, str, int]]:
    """The public scoreboard CTFd 3.7 shows for this backup, worked out by hand.

    Dynamic values use the visible, unbanned teams' solve count n (hidden Hung Yen's solves do
    not count), then n-1 (the first solver keeps the initial value), ceil, then the minimum floor:
      linear: ceil(initial - decay*(n-1));  logarithmic: ceil(initial + (minimum-initial)/decay**2 * (n-1)**2)
      #2 Cookie Monster, linear 300/80/min 150, n=3 (HN, HP, QN): 300 - 80*2 = 140 -> floor -> 150
      #5 Memory Dump, log 500/15/min 100, n=2 (HP, HN): 500 - 400/225*1 = 498.22 -> ceil -> 499
         (counting hidden Hung Yen would give n-1=2: 500 - 400*4/225 = 492.89 -> 493: wrong)
      #6 Disk Image, linear 250/20/min 100, n=2 (QN, BN): 250 - 20*1 = 230
      #8 RSA Baby, log 400/2/min 250, n=4 (QN, BN, HP, HD): 400 - 150/4*9 = 62.5 -> 63 -> floor -> 250
    Every solve scores the challenge's current value; hint unlocks are awards of -cost.
      Ha Noi:     100 + 150 + 200 + 150 + 499 = 1099, hint 1: -50          -> 1049
      Hai Phong:  100 + 50 + 150 + 150 + 499 + 250 = 1199, hint 2: -100    -> 1099
      Quang Ninh: 100 + 50 + 150 + 250 + 230 = 780, hint 4: -30, bonus +30 -> 780
      Bac Ninh:   100 + 50 + 150 + 250 + 230 = 780, hint 3 costs 0         -> 780
      Hai Duong:  100 + 50 + 250 = 400, hint 4: -30                        -> 370
      Hung Yen:   100 + 150 + 499 + 250 = 999, but hidden                  -> not listed
    Tie at 780: the earlier "last score change" wins, i.e. the latest date among the team's
    solves and its awards of non-zero value. Bac Ninh: last solve 04:30, its 05:30 award is
    worth 0 and is ignored -> 04:30. Quang Ninh: last solve 04:00, but the +30 bonus at 05:00
    -> 05:00. So Bac Ninh (04:30) ranks above Quang Ninh (05:00).
    """
    return [
        (1, "Hai Phong", 1099),
        (2, "Ha Noi", 1049),
        (3, "Bac Ninh", 780),
        (4, "Quang Ninh", 780),
        (5, "Hai Duong", 370),
    ]
