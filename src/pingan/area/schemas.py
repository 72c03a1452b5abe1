"""Place schemas."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PlaceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    parent_code: str | None
    level: str
    name: str
    short_name: str | None
    nbs_code: str | None
    lon: float | None
    lat: float | None


class PlaceStats(BaseModel):
    province: int = 0
    city: int = 0
    county: int = 0
    town: int = 0
    village: int = 0
    grid: int = 0
