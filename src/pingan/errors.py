"""Errors a user can cause. ``app.py`` maps each kind to an HTTP status; nothing else does."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError


class PinganError(Exception):
    """Base class: a message for the user, and optional structured detail."""

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class NotFound(PinganError):
    """The thing does not exist, or is outside the user's jurisdiction (never say which)."""


class InvalidInput(PinganError):
    """The request names something impossible: an unknown code, a bad coordinate, a bad file."""


class Conflict(PinganError):
    """The request is well formed but not allowed in the current state (e.g. a transition)."""


class Forbidden(PinganError):
    """The user's role may not do this."""


class Unauthenticated(PinganError):
    """No valid credentials."""


# Pydantic's error types in Chinese ({...}: the error's context, e.g. the bound). A type not
# listed keeps pydantic's own (English) message; a validator's own message is shown as written.
_MESSAGES = {
    "missing": "必填",
    "less_than_equal": "不能大于 {le}",
    "less_than": "须小于 {lt}",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "须大于 {gt}",
    "string_too_short": "至少 {min_length} 个字",
    "string_too_long": "最多 {max_length} 个字",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "string_type": "应为文本",
    "string_pattern_mismatch": "格式不对",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_parsing": "应为是或否（true/false）",
    "bool_type": "应为是或否（true/false）",
    "datetime_parsing": "时间无法识别",
    "datetime_type": "时间无法识别",
    "datetime_from_date_parsing": "时间无法识别",
    "date_parsing": "日期无法识别",
    "date_type": "日期无法识别",
    "literal_error": "应为 {expected} 之一",
    "enum": "应为 {expected} 之一",
    "extra_forbidden": "不认识的字段",
    "json_invalid": "不是有效的 JSON",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "list_type": "应为列表",
    "timezone_aware": "须带时区",
}


def _message(error: Mapping[str, Any]) -> str:
    context = error.get("ctx") or {}
    if error["type"] in ("value_error", "assertion_error") and "error" in context:
        return str(context["error"])  # the validator's own words
    template = _MESSAGES.get(error["type"])
    if template is None:
        return str(error["msg"])
    # 180.0 reads as 180; a list of choices without quotes
    shown = {
        k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in context.items()
    }
    try:
        return template.format(**shown).replace("'", "")
    except (KeyError, IndexError):
        return str(error["msg"])


def validation_problems(
    errors: Iterable[Mapping[str, Any]], *, skip: tuple[str, ...] = ()
) -> list[dict[str, str]]:
    """Pydantic's errors as ``{"field", "message"}`` in Chinese (``skip``: location parts left
    out of the field, like ``body`` in a request)."""
    return [
        {
            "field": ".".join(str(p) for p in error["loc"] if p not in skip),
            "message": _message(error),
        }
        for error in errors
    ]


def describe_problems(problems: Iterable[Mapping[str, str]]) -> str:
    """One line for a person: ``lon：不能大于 180；…``."""
    return "；".join(
        f"{p['field']}：{p['message']}" if p["field"] else p["message"] for p in problems
    )


def describe_validation(error: ValidationError) -> str:
    return describe_problems(validation_problems(error.errors()))
