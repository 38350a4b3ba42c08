"""The JSON API of exercises: the exercise, its staff and teams, the scoreboard (/api/v1/exercises)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/exercises", tags=["exercises"])
