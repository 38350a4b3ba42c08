"""The feeds benchmark's data: a constituency and Shadowserver "Accessible SMB" (`scan_smb`) reports.

The constituency (`plan`) is 1,000 members holding 2,000 IPv4 prefixes: 1,600 top-level prefixes
(/16 to /24, each in its own /16 of twelve /8 blocks, never overlapping) and 400 more-specific
delegations (/24 to /28) carved out of another member's prefix of /22 or wider — the more specific
one owns its addresses. It is derived from the seed alone, so the IntelMQ side (its own virtual
environment, no csirtnet import) reads the same plan from a JSON file (`write_plan`), and
`populate` writes it into a csirtnet database through the models, set-based.

A report (`write_report`) has Shadowserver's scan_smb columns, every field quoted as Shadowserver
writes them, one day of timestamps. Of its rows 10 % are byte-for-byte copies of an earlier row of
the same chunk (duplicates by any key), 5 % are addresses outside every member (twelve other /8
blocks) and the rest are distinct addresses inside the constituency: row i takes the i-th address
of an affine permutation of the claimed address space, so no two non-copied rows share an address
however many rows are asked for. Everything is vectorised (numpy + polars): 10 million rows take
about a minute and memory stays at one chunk.

Run alone: .venv/bin/python -m benchmarks.feeds_data --rows 1000000 --out /tmp/feeds
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

SCAN_SMB_COLUMNS = [
    "timestamp", "ip", "port", "hostname", "tag", "asn", "geo", "region", "city", "naics", "sic", "sector",
    "smb_implant", "arch", "key", "smbv1_support", "smb_major_number", "smb_minor_number", "smb_revision",
    "smb_version_string",
]  # fmt: skip
REPORT_DAY = "2026-12-05"
REPORT_NAME = f"{REPORT_DAY}-scan_smb-vn-geo.csv"
CLAIMED_BLOCKS = [14, 27, 42, 58, 113, 115, 116, 117, 118, 119, 123, 125]  # /8s the members' prefixes are in
OUTSIDE_BLOCKS = [45, 49, 61, 101, 103, 171, 180, 182, 183, 202, 203, 210]  # /8s nobody claims
PROVINCES = ["Ha Noi", "Ho Chi Minh", "Da Nang", "Hai Phong", "Can Tho", "Quang Ninh", "Nghe An", "Thua Thien Hue"]
CHUNK_ROWS = 500_000


@dataclass(frozen=True)
class Prefix:
    start: int  # first address as an int
    length: int
    member: int  # 0-based member index
    parent: int | None = None  # index in Plan.prefixes of the prefix it is delegated from
    level: int | None = None  # security level of the information system linked to it (None: none)

    @property
    def size(self) -> int:
        return 1 << (32 - self.length)

    @property
    def network(self) -> str:
        s = self.start
        return f"{s >> 24}.{(s >> 16) & 255}.{(s >> 8) & 255}.{s & 255}/{self.length}"


@dataclass
class Plan:
    members: int
    prefixes: list[Prefix] = field(default_factory=list)
    asns: list[int] = field(default_factory=list)  # the ASN of each member

    def member_code(self, member: int) -> str:
        return f"BM-{member + 1:05d}"


@dataclass
class ReportStats:
    rows: int = 0
    copies: int = 0  # byte-for-byte duplicate rows
    outside: int = 0  # rows whose address no member claims
    inside_delegated: int = 0  # distinct rows that fall in a more-specific delegation
    bytes: int = 0
    seconds: float = 0.0


def plan(members: int = 1_000, top_level: int = 1_600, delegations: int = 400, seed: int = 15) -> Plan:
    """The constituency, from the seed alone."""
    rng = np.random.default_rng(seed)
    result = Plan(members=members, asns=[45_000 + m for m in range(members)])
    slots = rng.choice(len(CLAIMED_BLOCKS) * 256, size=top_level, replace=False)
    lengths = rng.choice([16, 18, 20, 22, 24], size=top_level, p=[0.25, 0.10, 0.15, 0.20, 0.30])
    for i, (slot, length) in enumerate(zip(slots.tolist(), lengths.tolist(), strict=True)):
        base = (CLAIMED_BLOCKS[slot // 256] << 24) | ((slot % 256) << 16)
        offset = int(rng.integers(0, 1 << (length - 16))) << (32 - length)
        level = int(rng.integers(1, 6)) if i % 10 == 0 else None
        result.prefixes.append(Prefix(base + offset, length, i % members, level=level))
    wide = [i for i, p in enumerate(result.prefixes) if p.length <= 22]
    seen: set[tuple[int, int]] = set()
    while len(result.prefixes) < top_level + delegations:
        parent_index = int(rng.choice(wide))
        parent = result.prefixes[parent_index]
        length = int(rng.integers(24, 29))
        start = parent.start + (int(rng.integers(0, 1 << (length - parent.length))) << (32 - length))
        if (start, length) in seen:
            continue
        seen.add((start, length))
        member = (parent.member + 1 + int(rng.integers(0, members - 1))) % members  # never the parent's member
        level = 3 if len(seen) % 4 == 0 else None
        result.prefixes.append(Prefix(start, length, member, parent=parent_index, level=level))
    return result


def write_plan(the_plan: Plan, path: Path) -> None:
    """The plan as JSON for the IntelMQ side: [[network, member code, asn], …]."""
    rows = [[p.network, the_plan.member_code(p.member), the_plan.asns[p.member]] for p in the_plan.prefixes]
    path.write_text(json.dumps({"members": the_plan.members, "prefixes": rows}))


def populate(session: Any, the_plan: Plan) -> dict[int, int]:
    """Write the plan's organisations, information systems and claims (set-based); member index → id."""
    from sqlalchemy import insert, select

    from csirtnet.models import ConstituencyClaim, InformationSystem, Organisation
    from csirtnet.organisation.claims import hex128

    session.execute(
        insert(Organisation),
        [
            {
                "name": f"Thành viên đo {m + 1}",
                "member_code": the_plan.member_code(m),
                "kind": "private_enterprise",
                "name_fold": f"thanh vien do {m + 1}",
                "name_sort": f"{m + 1:08d}",
            }
            for m in range(the_plan.members)
        ],
    )
    codes = {the_plan.member_code(m): m for m in range(the_plan.members)}
    ids: dict[int, int] = {}
    for org_id, code in session.execute(select(Organisation.id, Organisation.member_code)):
        if code in codes:
            ids[codes[code]] = org_id
    systems = [(i, p) for i, p in enumerate(the_plan.prefixes) if p.level is not None]
    session.execute(
        insert(InformationSystem),
        [
            {"organisation_id": ids[p.member], "name": f"Hệ thống {p.network}", "security_level": p.level}
            for _, p in systems
        ],
    )
    system_ids = {
        name: system_id
        for system_id, name in session.execute(
            select(InformationSystem.id, InformationSystem.name).where(InformationSystem.name.like("Hệ thống %"))
        )
    }
    now = datetime.now(UTC)

    def row(p: Prefix) -> dict[str, Any]:
        return {
            "organisation_id": ids[p.member],
            "kind": "ipv4",
            "value": p.network,
            "prefix_len": p.length,
            "range_start": hex128(p.start),
            "range_end": hex128(p.start + p.size - 1),
            "status": "active",
            "overlap_accepted_at": now if p.parent is not None else None,
            "information_system_id": system_ids.get(f"Hệ thống {p.network}"),
        }

    top = [p for p in the_plan.prefixes if p.parent is None]
    for start in range(0, len(top), 1_000):
        session.execute(insert(ConstituencyClaim), [row(p) for p in top[start : start + 1_000]])
    claim_ids = {
        value: claim_id for claim_id, value in session.execute(select(ConstituencyClaim.id, ConstituencyClaim.value))
    }
    delegated = [
        {**row(p), "parent_claim_id": claim_ids[the_plan.prefixes[p.parent].network]}
        for p in the_plan.prefixes
        if p.parent is not None
    ]
    session.execute(insert(ConstituencyClaim), delegated)
    return ids


class _Space:
    """Disjoint ranges of addresses, indexed 0…size-1, visited in a fixed pseudo-random order."""

    def __init__(self, starts: list[int], sizes: list[int], seed: int) -> None:
        order = np.argsort(starts)
        self.starts = np.asarray(starts, dtype=np.int64)[order]
        sizes_sorted = np.asarray(sizes, dtype=np.int64)[order]
        self.offsets = np.concatenate([[0], np.cumsum(sizes_sorted)])
        self.size = int(self.offsets[-1])
        rng = np.random.default_rng(seed)
        step = int(rng.integers(self.size // 3, self.size // 2))
        while math.gcd(step, self.size) != 1:
            step += 1
        self.step = step  # i → (step * i + shift) mod size is a permutation of 0…size-1
        self.shift = int(rng.integers(0, self.size))

    def addresses(self, first: int, count: int) -> np.ndarray[Any, np.dtype[np.int64]]:
        if first + count > self.size:
            raise ValueError(f"rows: only {self.size:,} distinct addresses in this space")
        i = np.arange(first, first + count, dtype=np.int64)
        index = (i * self.step + self.shift) % self.size  # < 2**31 * 2**26: no overflow in int64
        slot = np.searchsorted(self.offsets, index, side="right") - 1
        return np.asarray(self.starts[slot] + (index - self.offsets[slot]), dtype=np.int64)


def _ip_text(column: str) -> pl.Expr:
    ip = pl.col(column)
    parts = [((ip // (1 << shift)) % 256).cast(pl.String) for shift in (24, 16, 8, 0)]
    return pl.concat_str(parts, separator=".")


def chunks(the_plan: Plan, rows: int, seed: int = 15, chunk_rows: int = CHUNK_ROWS) -> Iterator[pl.DataFrame]:
    """The report's rows as string frames of at most `chunk_rows` rows (see the module's note)."""
    top = [p for p in the_plan.prefixes if p.parent is None]
    inside = _Space([p.start for p in top], [p.size for p in top], seed)
    outside = _Space([b << 24 for b in OUTSIDE_BLOCKS], [1 << 24] * len(OUTSIDE_BLOCKS), seed + 1)
    asn_starts = np.asarray([p.start for p in top], dtype=np.int64)
    order = np.argsort(asn_starts)
    asn_starts = asn_starts[order]
    asn_of = np.asarray([the_plan.asns[p.member] for p in top], dtype=np.int64)[order]
    rng = np.random.default_rng(seed + 2)
    day = int(datetime.fromisoformat(REPORT_DAY).replace(tzinfo=UTC).timestamp())
    used_in = used_out = 0
    done = 0
    while done < rows:
        n = min(chunk_rows, rows - done)
        n_copy = n // 10
        n_out = n // 20
        n_in = n - n_copy - n_out
        ips = np.concatenate([inside.addresses(used_in, n_in), outside.addresses(used_out, n_out)])
        used_in += n_in
        used_out += n_out
        position = np.clip(np.searchsorted(asn_starts, ips, side="right") - 1, 0, len(asn_starts) - 1)
        asn = np.where(np.arange(len(ips)) < n_in, asn_of[position], rng.integers(7_000, 140_000, len(ips)))
        distinct = n_in + n_out
        smb3 = rng.random(distinct) < 0.6
        frame = pl.DataFrame(
            {
                "ts": rng.integers(day, day + 86_400, distinct),
                "ipn": ips,
                "port": np.where(rng.random(distinct) < 0.9, 445, 139),
                "asn": asn,
                "has_host": rng.random(distinct) < 0.7,
                "province": rng.integers(0, len(PROVINCES), distinct),
                "smb3": smb3,
                "minor": np.where(smb3, rng.choice([0, 1], distinct), rng.choice([0, 1], distinct)),
            }
        )
        ip = _ip_text("ipn")
        text = frame.select(
            pl.from_epoch("ts").dt.strftime("%Y-%m-%d %H:%M:%S").alias("timestamp"),
            ip.alias("ip"),
            pl.col("port").cast(pl.String),
            pl.when(pl.col("has_host"))
            .then(pl.concat_str([ip.str.replace_all(".", "-", literal=True), pl.lit(".static.example.vn")]))
            .otherwise(pl.lit(""))
            .alias("hostname"),
            pl.lit("smb").alias("tag"),
            pl.col("asn").cast(pl.String),
            pl.lit("VN").alias("geo"),
            pl.col("province").replace_strict(list(range(len(PROVINCES))), PROVINCES).alias("region"),
            pl.col("province").replace_strict(list(range(len(PROVINCES))), PROVINCES).alias("city"),
            pl.lit("0").alias("naics"),
            pl.lit("0").alias("sic"),
            pl.lit("Communications, Service Provider, and Hosting Service").alias("sector"),
            pl.lit("N").alias("smb_implant"),
            pl.lit("").alias("arch"),
            pl.lit("").alias("key"),
            pl.when(pl.col("smb3")).then(pl.lit("N")).otherwise(pl.lit("Y")).alias("smbv1_support"),
            pl.when(pl.col("smb3")).then(pl.lit("3")).otherwise(pl.lit("2")).alias("smb_major_number"),
            pl.col("minor").cast(pl.String).alias("smb_minor_number"),
            pl.lit("0").alias("smb_revision"),
            pl.concat_str(
                [pl.lit("SMB "), pl.when(pl.col("smb3")).then(pl.lit("3.")).otherwise(pl.lit("2.")), "minor"]
            ).alias("smb_version_string"),
        )
        copies = text[rng.integers(0, distinct, n_copy).tolist()]
        yield pl.concat([text, copies]).sample(fraction=1.0, shuffle=True, seed=int(rng.integers(0, 2**31)))
        done += n


def write_report(the_plan: Plan, rows: int, path: Path, seed: int = 15) -> ReportStats:
    """Write a scan_smb report of `rows` rows at `path` (see the module's note); its statistics."""
    stats = ReportStats()
    t0 = time.perf_counter()
    delegated = sorted((p.start, p.start + p.size) for p in the_plan.prefixes if p.parent is not None)
    d_starts = np.asarray([d[0] for d in delegated], dtype=np.int64)
    d_ends = np.asarray([d[1] for d in delegated], dtype=np.int64)
    with path.open("wb") as out:
        for i, chunk in enumerate(chunks(the_plan, rows, seed)):
            chunk.write_csv(out, include_header=i == 0, quote_style="always")
            n = chunk.height
            stats.rows += n
            stats.copies += n // 10
            stats.outside += n // 20
            ips = chunk.unique().select(_ip_number("ip")).to_series().to_numpy()
            k = np.searchsorted(d_starts, ips, side="right") - 1
            stats.inside_delegated += int(np.count_nonzero((k >= 0) & (ips < d_ends[np.maximum(k, 0)])))
    stats.bytes = path.stat().st_size
    stats.seconds = time.perf_counter() - t0
    return stats


def _ip_number(column: str) -> pl.Expr:
    parts = pl.col(column).str.split_exact(".", 3)
    return sum(
        (parts.struct.field(f"field_{i}").cast(pl.Int64) * (1 << (24 - 8 * i)) for i in range(4)),
        start=pl.lit(0, dtype=pl.Int64),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/csirtnet-feeds-bench"))  # noqa: S108
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    the_plan = plan(seed=args.seed)
    write_plan(the_plan, args.out / "plan.json")
    stats = write_report(the_plan, args.rows, args.out / REPORT_NAME, args.seed)
    print(
        f"{stats.rows:,} rows ({stats.copies:,} copies, {stats.outside:,} outside, "
        f"{stats.inside_delegated:,} in delegations), {stats.bytes / 1e6:,.0f} MB in {stats.seconds:.1f} s "
        f"→ {args.out / REPORT_NAME}"
    )


if __name__ == "__main__":
    main()
