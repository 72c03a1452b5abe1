"""Incident schemas. Limits here are documented in docs/data-formats.md."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from pingan.incident.models import CHANNELS
from pingan.inputs import Input
from pingan.taxonomy import get_call_type

MAX_DESCRIPTION = 4000
MAX_ADDRESS = 300
SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def check_code(value: str | None) -> str | None:
    if value is not None and get_call_type(value) is None:
        raise ValueError(f"未知警情类别代码 {value}（见 110 警情类别代码表）")
    return value


class IncidentCreate(Input):
    channel: str = Field(description="110, 12345, grid, app, iot or walk_in")
    description: str = Field(min_length=1, max_length=MAX_DESCRIPTION)
    reported_at: dt.datetime | None = Field(
        None, description="When the report came in; a time without zone is read as Beijing time."
    )
    caller_name: str | None = Field(None, max_length=64)
    caller_phone: str | None = Field(None, max_length=32, pattern=r"^[0-9+\-() ]{3,32}$")
    address: str | None = Field(None, max_length=MAX_ADDRESS)
    place_code: str | None = Field(None, description="Resolved division or grid code.")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    coord_system: Literal["wgs84", "gcj02", "bd09"] = "wgs84"
    code: str | None = Field(None, description="Category code from the 110 table.")
    police: bool | None = None
    urgency: int | None = Field(None, ge=1, le=4)
    external_id: str | None = Field(None, max_length=80, description="The source's record number.")

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if value not in CHANNELS:
            raise ValueError(f"未知渠道 {value}；可选：{', '.join(CHANNELS)}")
        return value

    @field_validator("code")
    @classmethod
    def _code(cls, value: str | None) -> str | None:
        return check_code(value)

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("警情描述不能为空")
        return value.strip()

    @field_validator("reported_at")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=SHANGHAI)
        return value

    @model_validator(mode="after")
    def _both_coordinates(self) -> IncidentCreate:
        if (self.lon is None) != (self.lat is None):
            raise ValueError("经度和纬度须同时提供")
        return self


class TriageRequest(Input):
    """What the call-taker has typed so far."""

    text: str = Field(min_length=1, max_length=MAX_DESCRIPTION)
    address: str | None = Field(None, max_length=MAX_ADDRESS)
    caller_phone: str | None = Field(None, max_length=32)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    coord_system: Literal["wgs84", "gcj02", "bd09"] = "wgs84"

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("文本不能为空")
        return value


class RouteRequest(Input):
    code: str = Field(description="Category code from the 110 table.")
    place: str = Field(description="Division code of the place.")

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        check_code(value)
        return value


class TransitionRequest(Input):
    """An action on an incident with what it needs, e.g. ``{"reason": "不属本单位职责"}``."""

    payload: dict[str, Any] = Field(default_factory=dict)


class AssignmentRead(BaseModel):
    unit_id: int
    unit_name: str
    role: str
    active: bool
    assigned_at: dt.datetime


class EventRead(BaseModel):
    seq: int
    at: dt.datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str
    payload: dict[str, Any]
    hash: str


class IncidentRead(BaseModel):
    id: int
    number: str
    external_id: str | None
    channel: str
    reported_at: dt.datetime
    created_at: dt.datetime
    caller_name: str | None
    caller_phone: str | None
    address: str | None
    description: str
    place_code: str | None
    city_code: str | None
    county_code: str | None
    town_code: str | None
    village_code: str | None
    lon: float | None
    lat: float | None
    state: str
    state_name: str
    allowed_actions: list[str]
    initial_code: str | None
    final_code: str | None
    category_name: str | None
    police: bool | None
    urgency: int | None
    result: str | None
    satisfaction: int | None
    solved: bool | None
    merged_into: str | None
    return_count: int
    sign_for_due: dt.datetime | None
    arrive_due: dt.datetime | None
    finish_due: dt.datetime | None
    call_back_due: dt.datetime | None
    assignments: list[AssignmentRead] = Field(default_factory=list)


class IncidentFilter(Input):
    state: str | None = None
    channel: str | None = None
    code: str | None = None
    police: bool | None = None
    place: str | None = Field(None, description="Only incidents in this division's subtree.")
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    q: str | None = Field(None, max_length=100, description="Text in the description or address.")
