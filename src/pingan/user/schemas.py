"""User schemas."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pingan.inputs import Input
from pingan.user.models import ROLES
from pingan.user.security import MIN_PASSWORD_LENGTH


class UserCreate(Input):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)
    role: str
    display_name: str | None = Field(None, max_length=64)
    place_code: str | None = None
    unit_id: int | None = None

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"未知角色 {value}；可选：{', '.join(ROLES)}")
        return value


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str | None
    role: str
    place_code: str | None
    unit_id: int | None
    active: bool


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int
