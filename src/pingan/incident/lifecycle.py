"""The incident state machine, pure: which action moves which state where.

The current state of an incident is never edited in place; it is the fold of its events. ``replay``
rebuilds it from the history, and the tests prove the stored snapshot equals the rebuilt one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

STATES: dict[str, str] = {
    "received": "已接报",
    "triaged": "已研判",
    "assigned": "已派单",
    "signed_for": "已签收",
    "on_scene": "已到场",
    "handled": "已处置",
    "closed": "已办结",
    "called_back": "已回访",
    "returned": "已退单",
    "merged": "已合并",
    "cancelled": "已作废",
}

FINAL_STATES = frozenset({"called_back", "merged", "cancelled"})
OPEN_STATES = frozenset(STATES) - FINAL_STATES - {"closed"}


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    required: tuple[str, ...] = ()
    system: bool = False  # done by Pingan itself (routing, time limits), not offered to people


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "triage", "研判", frozenset({"received", "triaged", "assigned", "returned"}), "triaged"
        ),
        Transition(
            "assign", "派单", frozenset({"triaged", "returned", "assigned"}), "assigned", ("units",)
        ),
        Transition("sign_for", "签收", frozenset({"assigned"}), "signed_for"),
        Transition("arrive", "到场", frozenset({"signed_for"}), "on_scene"),
        Transition("progress", "进展", frozenset({"signed_for", "on_scene"}), "", ("note",)),
        Transition(
            "finish", "处置完毕", frozenset({"signed_for", "on_scene"}), "handled", ("result",)
        ),
        Transition("close", "办结", frozenset({"handled"}), "closed"),
        Transition(
            "call_back",
            "回访",
            frozenset({"closed"}),
            "called_back",
            ("satisfaction", "solved"),
        ),
        Transition(
            "return_incident",
            "退单",
            frozenset({"assigned", "signed_for"}),
            "returned",
            ("reason",),
        ),
        Transition(
            "reopen", "重新办理", frozenset({"closed", "called_back"}), "assigned", ("reason",)
        ),
        Transition(
            "merge",
            "合并（重复警情）",
            frozenset({"received", "triaged", "assigned", "returned"}),
            "merged",
            ("into",),
        ),
        Transition(
            "unroutable",
            "无法自动分派",
            frozenset({"triaged", "returned"}),
            "",
            ("reason",),
            system=True,
        ),
        Transition(
            "escalate",
            "时限提醒/督办/通报",
            frozenset(
                {"triaged", "assigned", "signed_for", "on_scene", "handled", "closed", "returned"}
            ),
            "",
            ("step", "stage"),
            system=True,
        ),
        Transition(
            "pause",
            "挂起（等待群众）",
            frozenset({"assigned", "signed_for", "on_scene"}),
            "",
            ("reason",),
        ),
        Transition("resume", "恢复办理", frozenset({"assigned", "signed_for", "on_scene"}), ""),
        Transition(
            "cancel",
            "作废（无效警情）",
            frozenset({"received", "triaged", "assigned", "returned"}),
            "cancelled",
            ("reason",),
        ),
    )
}


class IllegalTransition(Exception):
    """The action is not allowed from the current state."""

    def __init__(self, action: str, state: str) -> None:
        self.action = action
        self.state = state
        self.allowed = allowed_actions(state)
        allowed = "、".join(f"{a}（{TRANSITIONS[a].label}）" for a in self.allowed) or "无"
        super().__init__(
            f"警情当前状态为“{STATES.get(state, state)}”（{state}），不能执行 {action}；"
            f"允许的操作：{allowed}"
        )


class MissingField(Exception):
    def __init__(self, action: str, missing: list[str]) -> None:
        self.action = action
        self.missing = missing
        super().__init__(f"{action} 需要字段：{', '.join(missing)}")


def allowed_actions(state: str, *, include_system: bool = False) -> list[str]:
    """The actions a person may take in ``state`` (and Pingan's own, when asked)."""
    return [
        a for a, t in TRANSITIONS.items() if state in t.sources and (include_system or not t.system)
    ]


def next_state(state: str, action: str, payload: Mapping[str, Any]) -> str:
    """The state after ``action``; raises if the action is unknown, illegal or incomplete."""
    transition = TRANSITIONS.get(action)
    if transition is None or state not in transition.sources:
        raise IllegalTransition(action, state)
    missing = [name for name in transition.required if payload.get(name) in (None, "", [])]
    if missing:
        raise MissingField(action, missing)
    return transition.target or state


@dataclass
class Snapshot:
    """What the history says about an incident now."""

    state: str = "received"
    initial_code: str | None = None
    final_code: str | None = None
    police: bool | None = None
    urgency: int | None = None
    unit_ids: list[int] = field(default_factory=list)
    result: str | None = None
    satisfaction: int | None = None
    solved: bool | None = None
    merged_into: str | None = None
    return_count: int = 0


def apply(snapshot: Snapshot, action: str, payload: Mapping[str, Any]) -> Snapshot:
    """Fold one event into the snapshot (``create`` starts it)."""
    if action == "create":
        return Snapshot(
            state="received",
            initial_code=payload.get("initial_code"),
            final_code=payload.get("final_code") or payload.get("initial_code"),
            police=payload.get("police"),
            urgency=payload.get("urgency"),
        )
    target = next_state(snapshot.state, action, payload)
    previous, snapshot.state = snapshot.state, target
    if action == "triage" and previous == "assigned":
        snapshot.unit_ids = []  # a new category is routed afresh
    if action == "triage":
        if "code" in payload:
            snapshot.final_code = payload["code"]
            if snapshot.initial_code is None:
                snapshot.initial_code = payload.get("suggested_code", payload["code"])
        for key in ("police", "urgency"):
            if key in payload:
                setattr(snapshot, key, payload[key])
    elif action == "assign":
        snapshot.unit_ids = [int(u) for u in payload["units"]]
    elif action == "finish":
        snapshot.result = payload["result"]
    elif action == "call_back":
        snapshot.satisfaction = int(payload["satisfaction"])
        snapshot.solved = bool(payload["solved"])
    elif action == "return_incident":
        snapshot.return_count += 1
        snapshot.unit_ids = []
    elif action == "merge":
        snapshot.merged_into = str(payload["into"])
    return snapshot


def replay(events: Iterable[tuple[str, Mapping[str, Any]]]) -> Snapshot:
    """Rebuild the snapshot from ``(action, payload)`` pairs in order."""
    snapshot = Snapshot()
    for action, payload in events:
        snapshot = apply(snapshot, action, payload)
    return snapshot
