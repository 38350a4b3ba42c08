"""`csirtnet demo` in a process of its own loads every domain's demo data (no import-order luck);
`csirtnet serve` links emails to the address it listens on and prints the demo logins every start."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from email import message_from_bytes, policy
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
            for t in (
                "organisation",
                "cluster",
                "constituency_claim",
                "incident",
                "support_request",
                "advisory",
                "exercise",
                "indicator",
                "stix_object",
            )
        }
    engine.dispose()
    assert all(counts.values()), counts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(env: dict[str, str], port: int, until: Callable[[str], bool], log: Path, timeout: float = 180) -> str:
    """Run `csirtnet serve --demo --port PORT` until `until(what it printed)` holds, then stop it."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "csirtnet.cli", "serve", "--demo", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline and process.poll() is None and not until(log.read_text()):
                time.sleep(0.5)
        finally:
            process.terminate()
            process.wait(timeout=60)
    return log.read_text()


def test_serve_links_emails_to_the_port_it_listens_on_and_prints_the_logins_every_start(tmp_path: Path) -> None:
    port = _free_port()
    data = tmp_path / "data"
    outbox = data / "mail-outbox"
    env = {k: v for k, v in os.environ.items() if k != "CSIRTNET_BASE_URL"}
    env.update(
        CSIRTNET_DATA_DIR=str(data),
        CSIRTNET_DATABASE_URL="",
        CSIRTNET_LOG_JSON="false",
        CSIRTNET_SMTP_HOST="",  # mail goes to data_dir/mail-outbox
        CSIRTNET_MAIL_ENABLED="true",
        COLUMNS="200",
    )
    first = _serve(env, port, lambda _out: len(list(outbox.glob("*.eml"))) >= 3, tmp_path / "first.log")
    assert f"open http://127.0.0.1:{port}/ and log in" in first and "dieuphoi@csirtnet.local" in first, first
    messages = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*.eml")]
    # A feed digest is a text with its CSV attached (multipart/mixed): its links are in the text.
    bodies = [m.get_body(preferencelist=("plain", "html")) for m in messages]
    mails = [body.get_content() for body in bodies if body is not None]
    assert len(mails) == len(messages), "every mail has a text"
    links = [line for mail in mails for line in mail.splitlines() if "http://" in line or "https://" in line]
    assert links, "the demo's notifications were mailed with their links"
    assert all(f"http://127.0.0.1:{port}/" in line for line in links), links
    # The next start (the demo already loaded) prints the logins again; a base URL that is set wins.
    env["CSIRTNET_BASE_URL"] = "https://csirt.example.vn"
    second = _serve(env, _free_port(), lambda out: "csirtnet is at" in out, tmp_path / "second.log")
    assert "open https://csirt.example.vn/ and log in" in second, second
    assert "dieuphoi@csirtnet.local" in second and "demo-csirtnet-2025" in second
