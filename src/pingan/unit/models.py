"""Units, the places each covers, and the resources each owns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pingan.db.base import Base, utcnow

UNIT_TYPES: dict[str, str] = {
    "police_station": "派出所",
    "joint_duty_station": "联勤警务站",
    "traffic_police": "交警",
    "fire_rescue": "消防救援",
    "command_centre": "指挥中心",
    "urban_management": "综合行政执法（城管）",
    "market_regulation": "市场监管",
    "human_resources": "人力社保",
    "ecology_environment": "生态环境",
    "housing_construction": "住房城乡建设",
    "transport": "交通运输",
    "health": "卫生健康",
    "civil_affairs": "民政",
    "education": "教育",
    "culture_tourism": "文化广电旅游体育",
    "agriculture_forestry_water": "农业农村/林业水利",
    "emergency_management": "应急管理",
    "power_supply": "供电",
    "water_supply": "供水",
    "gas_supply": "燃气",
    "telecom": "通信",
    "tobacco": "烟草专卖",
    "town_government": "乡镇人民政府/街道办事处",
    "village_committee": "村（居）民委员会",
    "volunteer_team": "义警队",
    "rescue_team": "救援队",
    "mediation_centre": "矛调中心",
}

RESOURCE_KINDS: dict[str, str] = {
    "patrol_car": "巡逻车",
    "officer": "民警",
    "auxiliary_officer": "辅警",
    "volunteer": "义警",
    "drone": "无人机",
    "rescue_team": "救援队",
    "fire_engine": "消防车",
    "ambulance": "救护车",
    "work_crew": "抢修队",
}

RESOURCE_STATUSES: dict[str, str] = {
    "available": "空闲",
    "dispatched": "已派出",
    "on_scene": "在现场",
    "off_duty": "休息",
    "maintenance": "维护",
}


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

    def extra(self) -> dict[str, Any]:
        return {"capabilities": list(self.capabilities or [])}
