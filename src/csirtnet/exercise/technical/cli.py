"""Commands of this part, on `csirtnet exercise`."""

from __future__ import annotations

from csirtnet.exercise.cli_app import app  # noqa: F401
