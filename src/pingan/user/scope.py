"""Jurisdiction: what a user may see and touch, decided from role, home place and unit.

Pure: it turns a user into a ``Scope`` description; the queries turn a scope into SQL filters.
"""

from __future__ import annotations

from dataclasses import dataclass

from pingan.errors import Forbidden

# Roles that see caller names and phone numbers in full; everyone else gets them masked.
SEES_PERSONAL_DATA = frozenset({"admin", "commander", "call_taker", "dispatcher", "unit_handler"})

CAN_CREATE_INCIDENTS = frozenset(
    {"admin", "commander", "call_taker", "dispatcher", "grid_worker", "citizen", "mediator"}
)
CAN_MANAGE_UNITS = frozenset({"admin", "commander"})
CAN_MANAGE_USERS = frozenset({"admin"})


@dataclass(frozen=True)
class Actor:
    """The person behind a request (or a command-line operator)."""

    id: int | None
    username: str
    role: str
    place_code: str | None = None
    place_level: str | None = None
    unit_id: int | None = None

    @property
    def sees_personal_data(self) -> bool:
        return self.role in SEES_PERSONAL_DATA

    def home_place(self, default_place: str | None) -> str | None:
        """The place the actor's texts are read against (an address without its county or town
        is looked for there first): the actor's own, else the deployment's default."""
        return self.place_code or default_place


@dataclass(frozen=True)
class Scope:
    """One of: everything; a place subtree; a unit's assignments; one reporter's own incidents."""

    everything: bool = False
    place_level: str | None = None
    place_code: str | None = None
    unit_id: int | None = None
    reporter_id: int | None = None


SYSTEM = Actor(id=None, username="system", role="admin")


def scope_of(actor: Actor) -> Scope:
    if actor.role == "citizen":
        return Scope(reporter_id=actor.id if actor.id is not None else -1)
    if actor.role == "unit_handler":
        if actor.unit_id is None:
            raise Forbidden("处置单位账号未绑定单位")
        return Scope(unit_id=actor.unit_id)
    if actor.place_code and actor.place_level and actor.place_level != "province":
        return Scope(place_level=actor.place_level, place_code=actor.place_code)
    if actor.role == "admin" or actor.place_level == "province":
        return Scope(everything=True)
    raise Forbidden("账号未设置辖区，无法查看警情")


def require_role(actor: Actor, roles: frozenset[str], what: str) -> None:
    if actor.role not in roles:
        raise Forbidden(f"角色 {actor.role} 无权{what}")


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    keep_head = 3 if len(digits) >= 11 else max(1, len(digits) // 4)
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]


def mask_name(name: str | None) -> str | None:
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)
