"""Reads over users."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pingan.area.models import Place
from pingan.area.queries import get_place_or_raise, is_within
from pingan.errors import Forbidden, Unauthenticated
from pingan.user.models import User
from pingan.user.scope import Actor
from pingan.user.security import verify_password


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


def authenticate(session: Session, username: str, password: str) -> User:
    user = get_user_by_username(session, username)
    if user is None or not user.active or not verify_password(password, user.password_hash):
        raise Unauthenticated("用户名或密码错误")
    return user


def actor_for(session: Session, user_id: int) -> Actor:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise Unauthenticated("账号不存在或已停用")
    return to_actor(session, user)


def to_actor(session: Session, user: User) -> Actor:
    level = None
    if user.place_code:
        place = session.get(Place, user.place_code)
        level = place.level if place else None
    return Actor(
        id=user.id,
        username=user.username,
        role=user.role,
        place_code=user.place_code,
        place_level=level,
        unit_id=user.unit_id,
    )


def require_within_jurisdiction(session: Session, actor: Actor, place_code: str) -> Place:
    """The place, if it lies inside the actor's home place (admins and citizens: anywhere)."""
    place = get_place_or_raise(session, place_code)
    if actor.role in ("admin", "citizen") or not actor.place_code:
        return place
    if not is_within(place, get_place_or_raise(session, actor.place_code)):
        raise Forbidden(f"地点 {place.name}（{place.code}）不在您的辖区内", field="place_code")
    return place
