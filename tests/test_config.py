"""Every setting an operator can give is in the README's settings table, by its variable name."""

from __future__ import annotations

from pathlib import Path

from csirtnet.config import Settings
from csirtnet.organisation.settings import MemberSettings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_lists_every_setting() -> None:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("## Running it for real") :]
    names = [f"CSIRTNET_{field.upper()}" for model in (Settings, MemberSettings) for field in model.model_fields]
    missing = [name for name in names if f"`{name}`" not in table]
    assert missing == [], "settings missing from the README's table"
    assert "--workers" in table, "serve --workers is explained"
