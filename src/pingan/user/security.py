"""Password hashing (Argon2id) and signed bearer tokens (JWT, HS256)."""

from __future__ import annotations

import datetime as dt
from functools import cache

import jwt
from pwdlib import PasswordHash

from pingan.errors import Unauthenticated

MIN_PASSWORD_LENGTH = 8


@cache
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _hasher().verify(password, password_hash)


def issue_token(*, user_id: int, secret: str, minutes: int) -> str:
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": str(user_id), "iat": now, "exp": now + dt.timedelta(minutes=minutes)}
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(token: str, *, secret: str) -> int:
    """The user id a valid token names; raises ``Unauthenticated`` otherwise."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"]})
        return int(claims["sub"])
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise Unauthenticated("登录已失效或令牌无效，请重新登录") from exc
