"""Who sees what, and how personal data is masked."""

from __future__ import annotations

import pytest

from pingan.errors import Forbidden
from pingan.user.scope import Actor, mask_name, mask_phone, scope_of


def test_a_county_commander_is_scoped_to_the_county() -> None:
    scope = scope_of(Actor(1, "lin", "commander", place_code="330624", place_level="county"))
    assert scope.place_level == "county" and scope.place_code == "330624"
    assert not scope.everything


def test_a_unit_handler_sees_only_the_unit_and_needs_one() -> None:
    assert scope_of(Actor(2, "wu", "unit_handler", unit_id=5)).unit_id == 5
    with pytest.raises(Forbidden):
        scope_of(Actor(3, "lost", "unit_handler"))


def test_a_citizen_sees_only_their_own_reports() -> None:
    assert (
        scope_of(
            Actor(9, "zhang", "citizen", place_code="330624", place_level="county")
        ).reporter_id
        == 9
    )


def test_a_user_without_jurisdiction_sees_nothing() -> None:
    with pytest.raises(Forbidden):
        scope_of(Actor(4, "nobody", "analyst"))


def test_phone_and_name_masks_keep_only_what_identifies_the_call() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0575-8612345")[-4:] == "2345" and "*" in mask_phone("0575-8612345")
    assert mask_name("张三丰") == "张**"
    assert mask_phone(None) is None
