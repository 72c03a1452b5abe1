"""Password hashing (Argon2id) and signed bearer tokens (JWT, HS256)."""

from __future__ import annotations

import datetime as dt
import time
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


def read_token(token: str, *, secret: str) -> tuple[int, float]:
    """(user id, expiry as a Unix time) of a valid token; raises ``Unauthenticated`` otherwise."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"]})
        return int(claims["sub"]), float(claims["exp"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
        raise Unauthenticated("登录已失效或令牌无效，请重新登录") from exc


class VerifiedTokens:
    """Tokens whose signature was checked, remembered until they expire: a client sends the
    same token with every request, and checking it again each time is a good part of a small
    request's cost. An unknown or expired token is checked again (and refused)."""

    def __init__(self, secret: str, size: int = 10_000) -> None:
        self._secret = secret
        self._size = size
        self._known: dict[str, tuple[int, float]] = {}

    def user_id(self, token: str) -> int:
        known = self._known.get(token)
        if known is not None and known[1] > time.time():
            return known[0]
        user_id, expires = read_token(token, secret=self._secret)
        if len(self._known) >= self._size:
            self._known.clear()  # many tokens at once: start again rather than grow
        self._known[token] = (user_id, expires)
        return user_id
