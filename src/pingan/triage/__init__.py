"""Triage (分诊): incident text + address → call type, police or not, owner, urgency, place.

Pure: numpy at inference, no web framework, no database.  The shipped model is loaded on the
first call and kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pingan.triage.decide import Triage

__all__ = ["Triage", "triage", "triage_many"]


def triage(
    text: str, address: str | None = None, default_place: str | None = None, **options: Any
) -> Triage:
    """Triage one incident text; see :mod:`pingan.triage.decide`."""
    from pingan.triage.decide import triage as run

    return run(text, address, default_place, **options)


def triage_many(
    texts: Sequence[str],
    addresses: Sequence[str | None] | None = None,
    default_place: str | None = None,
    **options: Any,
) -> list[Triage]:
    """Triage a batch of texts (bulk intake); see :mod:`pingan.triage.decide`."""
    from pingan.triage.decide import triage_many as run

    return run(texts, addresses, default_place, **options)


def __getattr__(name: str) -> Any:
    if name == "Triage":
        from pingan.triage.decide import Triage

        return Triage
    raise AttributeError(name)
