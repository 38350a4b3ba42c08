"""The JSON API of the tabletop part of exercises, under /api/v1/exercises."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/exercises", tags=["exercises"])
