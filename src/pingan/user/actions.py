"""Writes to users."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pingan.area.queries import get_place_or_raise
from pingan.errors import Conflict, InvalidInput
from pingan.unit.models import Unit
from pingan.user.models import User
from pingan.user.queries import get_user_by_username
from pingan.user.schemas import UserCreate
from pingan.user.security import hash_password

NEEDS_PLACE = frozenset(
    {"commander", "call_taker", "dispatcher", "grid_worker", "mediator", "analyst"}
)


def create_user(session: Session, *, data: UserCreate) -> User:
    if get_user_by_username(session, data.username):
        raise Conflict(f"用户名 {data.username} 已存在", field="username")
    place_code = data.place_code
    if place_code:
        get_place_or_raise(session, place_code)
    if data.unit_id is not None:
        unit = session.get(Unit, data.unit_id)
        if unit is None:
            raise InvalidInput(f"单位 {data.unit_id} 不存在", field="unit_id")
        place_code = place_code or unit.place_code
    if data.role == "unit_handler" and data.unit_id is None:
        raise InvalidInput("处置单位账号须指定 --unit", field="unit_id")
    if data.role in NEEDS_PLACE and not place_code:
        raise InvalidInput(f"{data.role} 账号须指定辖区 --place", field="place_code")
    user = User(
        username=data.username,
        display_name=data.display_name,
        role=data.role,
        place_code=place_code,
        unit_id=data.unit_id,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    session.flush()
    return user
