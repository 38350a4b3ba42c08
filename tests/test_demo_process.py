"""`csirtnet demo` in a process of its own loads every domain's demo data (no import-order luck)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text


def test_demo_in_a_fresh_process_loads_every_domain(tmp_path: Path) -> None:
    env = {**os.environ, "CSIRTNET_DATA_DIR": str(tmp_path), "CSIRTNET_DATABASE_URL": "", "CSIRTNET_LOG_JSON": "false"}
    run = subprocess.run(
        [sys.executable, "-m", "csirtnet.cli", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    engine = create_engine(f"sqlite:///{tmp_path / 'csirtnet.db'}")
    with engine.connect() as conn:
        counts = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()  # noqa: S608 - fixed names
            for t in ("organisation", "cluster", "constituency_claim", "incident", "support_request")
        }
    engine.dispose()
    assert all(counts.values()), counts
