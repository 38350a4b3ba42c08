"""csirtnet: the coordination platform of a national cybersecurity incident-response network."""

import os

__version__ = "0.1.0"

# polars' bundled jemalloc (its own, symbols prefixed `_rjem_`) keeps freed pages for 10 s by default,
# in an arena per thread. The feed engine frees a batch's tens of megabytes every few hundred
# milliseconds from another thread than the one that allocated them, so the default held on to a
# couple of hundred megabytes it no longer used: one arena and a one-second decay took the peak of a
# 1,000,000-row run from about 860 MB to about 735 MB at the same speed (docs/benchmarks.md,
# "Feeds"); 100 ms, shorter than a batch, takes 10-15 MB more off the peak and levels the peaks of
# long and short runs to within 1 %, for about 10 % more CPU (ADR 0028, "Memory"). It is read when
# polars is first loaded, so it is set here, before any module imports polars; an operator's own
# setting wins.
os.environ.setdefault("_RJEM_MALLOC_CONF", "narenas:1,dirty_decay_ms:100,muzzy_decay_ms:0")
