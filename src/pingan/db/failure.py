"""What the database said when a statement failed, fit to show a user or write to a log."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError


def database_message(error: DBAPIError) -> str:
    """The driver's own message (or the name of its error when it gave none), without the
    statement and its values (a row's text, a caller's phone) that SQLAlchemy's message adds."""
    return str(error.orig).strip() or type(error.orig).__name__
