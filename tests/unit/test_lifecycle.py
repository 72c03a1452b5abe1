"""The incident state machine, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pingan.incident.lifecycle import (
    STATES,
    TRANSITIONS,
    IllegalTransition,
    MissingField,
    Snapshot,
    allowed_actions,
    apply,
    next_state,
    replay,
)

PAYLOADS = {
    "triage": {"code": "100100", "police": True, "urgency": 2},
    "assign": {"units": [7, 9]},
    "progress": {"note": "正在调查"},
    "finish": {"result": "已调解"},
    "call_back": {"satisfaction": 4, "solved": True},
    "return_incident": {"reason": "不属本单位职责"},
    "reopen": {"reason": "群众不满意"},
    "merge": {"into": "3306242026010100001"},
    "cancel": {"reason": "误拨"},
    "unroutable": {"reason": "无覆盖该地的单位"},
    "escalate": {"step": "sign_for", "stage": "warning"},
    "pause": {"reason": "等待群众提供材料"},
}


def test_the_ordinary_path_reaches_called_back_with_satisfaction() -> None:
    steps = ["create", "triage", "assign", "sign_for", "arrive", "finish", "close", "call_back"]
    snapshot = replay((a, PAYLOADS.get(a, {})) for a in steps)
    assert snapshot.state == "called_back"
    assert snapshot.satisfaction == 4 and snapshot.solved is True
    assert snapshot.unit_ids == [7, 9]
    assert snapshot.result == "已调解"


def test_illegal_transition_names_the_allowed_ones() -> None:
    with pytest.raises(IllegalTransition) as caught:
        next_state("received", "sign_for", {})
    message = str(caught.value)
    assert "sign_for" in message and "已接报" in message
    assert "triage" in message and "cancel" in message
    assert caught.value.allowed == allowed_actions("received")


def test_return_needs_a_reason_and_clears_the_units() -> None:
    snapshot = replay([("create", {}), ("triage", {}), ("assign", {"units": [3]})])
    with pytest.raises(MissingField):
        apply(snapshot, "return_incident", {"reason": ""})
    snapshot = apply(snapshot, "return_incident", {"reason": "地址不在本辖区"})
    assert snapshot.state == "returned" and snapshot.unit_ids == [] and snapshot.return_count == 1


def test_final_states_accept_nothing_but_reopen() -> None:
    assert allowed_actions("merged") == []
    assert allowed_actions("cancelled") == []
    assert allowed_actions("called_back") == ["reopen"]


def test_time_limit_escalation_and_pauses_leave_the_state_alone() -> None:
    snapshot = replay([("create", {}), ("triage", {}), ("assign", {"units": [1]})])
    for action in ("escalate", "pause", "resume"):
        snapshot = apply(snapshot, action, PAYLOADS.get(action, {}))
        assert snapshot.state == "assigned"


def test_every_transition_targets_a_known_state() -> None:
    for transition in TRANSITIONS.values():
        assert transition.sources <= set(STATES)
        assert transition.target in STATES or transition.target == ""


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(sorted(TRANSITIONS)), max_size=25))
def test_replaying_any_accepted_history_gives_the_same_snapshot(actions: list[str]) -> None:
    """Walk random actions, keep the legal ones; folding the kept history agrees step by step."""
    snapshot = replay([("create", {"initial_code": "200200"})])
    kept: list[tuple[str, dict[str, object]]] = [("create", {"initial_code": "200200"})]
    for action in actions:
        payload = PAYLOADS.get(action, {})
        try:
            snapshot = apply(snapshot, action, payload)
        except IllegalTransition:
            assert action not in allowed_actions(snapshot.state)
            continue
        kept.append((action, payload))
        assert snapshot.state in STATES
    assert replay(kept) == snapshot
    assert isinstance(snapshot, Snapshot)
