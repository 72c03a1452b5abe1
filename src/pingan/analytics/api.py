"""Routes: dashboard figures."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/dashboard", tags=["大屏"])
