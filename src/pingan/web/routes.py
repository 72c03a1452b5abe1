"""Page routes. Pages are public shells; the data behind them comes from authenticated APIs."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset()
