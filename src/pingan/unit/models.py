"""Units, the places each covers, and the resources each owns."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pingan.db.base import Base, utcnow
from pingan.unit.kinds import RESOURCE_KINDS, RESOURCE_STATUSES, UNIT_TYPES

__all__ = ["RESOURCE_KINDS", "RESOURCE_STATUSES", "UNIT_TYPES", "Resource", "Unit", "UnitCoverage"]


class Unit(Base):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    place_code: Mapped[str] = mapped_column(ForeignKey("place.code"), index=True)
    county_code: Mapped[str | None] = mapped_column(String(24), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    coverage: Mapped[list[UnitCoverage]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", lazy="selectin"
    )


class UnitCoverage(Base):
    """A place a unit answers for (the place and everything under it)."""

    __tablename__ = "unit_coverage"

    unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True
    )
    place_code: Mapped[str] = mapped_column(ForeignKey("place.code"), primary_key=True, index=True)

    unit: Mapped[Unit] = relationship(back_populates="coverage")


class Resource(Base):
    __tablename__ = "resource"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    name: Mapped[str] = mapped_column(String(120))
    call_sign: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="available", index=True)
    capabilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("unit_id", "name"),)
