"""What every model of user input shares: no NUL character in any of its text.

PostgreSQL cannot store NUL (0x00) in text, and it comes from damaged exports and from clients
that send ``"\\u0000"``. Refused here, with the field named, it is bad input like any other (a
422, a rejected row) instead of a database error after the work was done.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, model_validator

NUL_TEXT = "含有空字符（NUL），多为导出文件损坏"


def holds_nul(value: Any) -> bool:
    """True when ``value`` — text, or a list or mapping of them, however nested — holds NUL."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return any(holds_nul(v) for v in value)
    return False


class Input(BaseModel):
    """Base of the models that read what users send or import."""

    @model_validator(mode="after")
    def _no_nul(self) -> Input:
        for name, value in self.__dict__.items():
            if holds_nul(value):
                raise ValueError(f"{name}：{NUL_TEXT}")
        return self
