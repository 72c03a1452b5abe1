"""Routes: sign in, who am I, user administration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from pingan.deps import ActorDep, SessionDep, SettingsDep
from pingan.user.actions import create_user
from pingan.user.models import User
from pingan.user.queries import authenticate, list_users
from pingan.user.schemas import Token, UserCreate, UserRead
from pingan.user.scope import CAN_MANAGE_USERS, require_role
from pingan.user.security import issue_token

router = APIRouter(tags=["用户与认证"])
PUBLIC_ROUTES = frozenset({("POST", "/api/auth/token")})


@router.post("/api/auth/token", response_model=Token, summary="登录，换取访问令牌")
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    user = authenticate(session, form.username, form.password)
    token = issue_token(
        user_id=user.id, secret=settings.resolved_secret_key, minutes=settings.token_minutes
    )
    return Token(access_token=token, expires_in=settings.token_minutes * 60)


@router.get("/api/users/me", response_model=UserRead, summary="当前用户")
def me(actor: ActorDep, session: SessionDep) -> User:
    user = session.get(User, actor.id)
    assert user is not None
    return user


@router.get("/api/users", response_model=list[UserRead], summary="用户列表（管理员）")
def users(actor: ActorDep, session: SessionDep) -> list[User]:
    require_role(actor, CAN_MANAGE_USERS, "查看用户")
    return list_users(session)


@router.post("/api/users", response_model=UserRead, status_code=201, summary="新建用户（管理员）")
def add_user(data: UserCreate, actor: ActorDep, session: SessionDep) -> User:
    require_role(actor, CAN_MANAGE_USERS, "新建用户")
    return create_user(session, data=data)
