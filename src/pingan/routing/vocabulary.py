"""The unit types and resource kinds that routing files may name, and how sentences name them.

The vocabulary itself is ``pingan.unit.kinds`` (pure data, shared with the unit tables).
"""

from __future__ import annotations

from pingan.unit.kinds import (
    GOVERNMENT_DEPARTMENTS,
    RESOURCE_KINDS,
    RESOURCE_STATUSES,
    UNIT_TYPES,
    UTILITIES,
)

__all__ = ["RESOURCE_KINDS", "RESOURCE_STATUSES", "UNIT_TYPES"]


def unit_type_name(unit_type: str) -> str:
    """The Chinese name of a unit type, e.g. ``power_supply`` → ``供电``."""
    return UNIT_TYPES.get(unit_type, unit_type)


def resource_kind_name(kind: str) -> str:
    return RESOURCE_KINDS.get(kind, kind)


def unit_type_phrase(unit_type: str) -> str:
    """How a sentence names a unit type: ``供电单位``, ``市场监管部门``, ``派出所``."""
    name = unit_type_name(unit_type)
    if unit_type in GOVERNMENT_DEPARTMENTS:
        return f"{name}部门"
    if unit_type in UTILITIES:
        return f"{name}单位"
    if unit_type == "tobacco":
        return "烟草专卖局"
    return name
