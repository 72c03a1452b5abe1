"""Users. A user has a role, a home place and/or a unit; these decide what they may see."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pingan.db.base import Base, utcnow

ROLES: dict[str, str] = {
    "admin": "系统管理员",
    "commander": "指挥长",
    "call_taker": "接警员",
    "dispatcher": "调度员",
    "unit_handler": "处置单位",
    "grid_worker": "网格员",
    "mediator": "调解员",
    "analyst": "分析员（平安办）",
    "citizen": "群众",
}


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20), index=True)
    place_code: Mapped[str | None] = mapped_column(ForeignKey("place.code"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
