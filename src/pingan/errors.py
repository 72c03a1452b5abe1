"""Errors a user can cause. ``app.py`` maps each kind to an HTTP status; nothing else does."""

from __future__ import annotations

from typing import Any


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
