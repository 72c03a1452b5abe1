"""The place table. Each row stores its ancestors' codes, so a subtree read is one filter."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pingan.db.base import Base

PLACE_LEVELS = ("province", "city", "county", "town", "village", "grid")
LEVEL_DEPTH = {level: depth for depth, level in enumerate(PLACE_LEVELS)}
ANCESTOR_COLUMNS = {"city": "city_code", "county": "county_code", "town": "town_code"}


class Place(Base):
    __tablename__ = "place"

    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(String(24), index=True)
    level: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    short_name: Mapped[str | None] = mapped_column(String(100), index=True)
    nbs_code: Mapped[str | None] = mapped_column(String(24))
    city_code: Mapped[str | None] = mapped_column(String(24), index=True)
    county_code: Mapped[str | None] = mapped_column(String(24), index=True)
    town_code: Mapped[str | None] = mapped_column(String(24), index=True)
    village_code: Mapped[str | None] = mapped_column(String(24), index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    # Grid polygons (GeoJSON geometry) imported by users; divisions keep their shapes in files.
    geometry: Mapped[dict[str, Any] | None] = mapped_column()
    source: Mapped[str] = mapped_column(Text, default="mca2025")

    __table_args__ = (Index("ix_place_level_name", "level", "name"),)
