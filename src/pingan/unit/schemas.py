"""Unit and resource schemas."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pingan.inputs import Input
from pingan.unit.models import RESOURCE_KINDS, RESOURCE_STATUSES, UNIT_TYPES


def _check_choice(value: str, choices: dict[str, str], what: str) -> str:
    if value not in choices:
        raise ValueError(f"未知{what} {value}；可选：{', '.join(choices)}")
    return value


class UnitCreate(Input):
    name: str = Field(min_length=1, max_length=120)
    type: str
    place_code: str = Field(description="The unit's seat (its own division).")
    code: str | None = Field(None, max_length=40, description="The unit's own code, if it has one.")
    phone: str | None = Field(None, max_length=40)
    covers: list[str] = Field(default_factory=list, description="Places the unit answers for.")

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        return _check_choice(value, UNIT_TYPES, "单位类型")


class UnitUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=120)
    phone: str | None = Field(None, max_length=40)
    active: bool | None = None
    covers: list[str] | None = None


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str | None
    name: str
    type: str
    type_name: str
    place_code: str
    county_code: str | None
    phone: str | None
    active: bool
    covers: list[str]


class ResourceCreate(Input):
    unit_id: int
    kind: str
    name: str = Field(min_length=1, max_length=120)
    call_sign: str | None = Field(None, max_length=40)
    status: str = "available"
    capabilities: list[str] = Field(default_factory=list)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return _check_choice(value, RESOURCE_KINDS, "力量类型")

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return _check_choice(value, RESOURCE_STATUSES, "状态")


class ResourceUpdate(Input):
    status: str | None = None
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    capabilities: list[str] | None = None

    @field_validator("status")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        return None if value is None else _check_choice(value, RESOURCE_STATUSES, "状态")


class ResourceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    unit_id: int
    kind: str
    name: str
    call_sign: str | None
    status: str
    capabilities: list[str]
    lon: float | None
    lat: float | None


class ImportReport(BaseModel):
    imported: int
    rejected: list[dict[str, object]]
