"""Likely duplicates among open incidents, and repeat callers and addresses.

A duplicate is the same event reported again: near in place (within a radius) and time (within a
window), with similar words. Each candidate carries a score and the reason in words. Repeats
(the same phone or address N times in M days) feed dispute detection later.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pingan.geo.coords import haversine_m
from pingan.incident.lifecycle import OPEN_STATES
from pingan.incident.models import Incident
from pingan.incident.queries import scoped
from pingan.user.scope import Actor

DEFAULT_RADIUS_M = 500.0
DEFAULT_WINDOW = dt.timedelta(hours=2)
MIN_SCORE = 0.45
# A degree of latitude is ~111 km; used for a cheap bounding box before exact distances.
_METRES_PER_DEGREE = 111_000.0


def bigrams(text: str) -> set[str]:
    chars = [c for c in text if not c.isspace() and c not in "，。、！？；：,.!?;:（）()“”\"'"]
    return {a + b for a, b in itertools.pairwise(chars)} or set(chars)


def text_similarity(a: str, b: str) -> float:
    """Dice coefficient over character bigrams (0 = nothing shared, 1 = same words)."""
    left, right = bigrams(a), bigrams(b)
    if not left or not right:
        return 0.0
    return 2 * len(left & right) / (len(left) + len(right))


@dataclass(frozen=True)
class DuplicateCandidate:
    number: str
    state: str
    description: str
    reported_at: dt.datetime
    distance_m: float | None
    minutes_apart: float
    similarity: float
    same_category: bool
    score: float
    reason: str


def score_candidate(
    *,
    distance_m: float | None,
    minutes_apart: float,
    similarity: float,
    same_category: bool,
    radius_m: float,
    window_minutes: float,
) -> float:
    """Blend nearness in place and time with text similarity; 0–1."""
    place = 0.5 if distance_m is None else max(0.0, 1 - distance_m / radius_m)
    time = max(0.0, 1 - minutes_apart / window_minutes)
    score = 0.35 * place + 0.2 * time + 0.35 * similarity + (0.1 if same_category else 0.0)
    return round(min(1.0, score), 3)


def find_duplicates(
    session: Session,
    actor: Actor,
    *,
    text: str,
    at: dt.datetime,
    lon: float | None = None,
    lat: float | None = None,
    place_code: str | None = None,
    code: str | None = None,
    exclude_id: int | None = None,
    radius_m: float = DEFAULT_RADIUS_M,
    window: dt.timedelta = DEFAULT_WINDOW,
    limit: int = 5,
) -> list[DuplicateCandidate]:
    """Open incidents in the user's scope that are probably the same event."""
    query = scoped(select(Incident), actor).where(
        Incident.state.in_(OPEN_STATES),
        Incident.reported_at >= at - window,
        Incident.reported_at <= at + window,
    )
    if exclude_id is not None:
        query = query.where(Incident.id != exclude_id)
    if lon is not None and lat is not None:
        dlat = radius_m / _METRES_PER_DEGREE
        dlon = dlat / max(0.1, math.cos(math.radians(lat)))
        query = query.where(
            Incident.lon.between(lon - dlon, lon + dlon),
            Incident.lat.between(lat - dlat, lat + dlat),
        )
    elif place_code is not None:
        query = query.where(Incident.place_code == place_code)
    else:
        return []
    window_minutes = window.total_seconds() / 60
    found = []
    for incident in session.scalars(query.limit(500)):
        distance = None
        if None not in (lon, lat, incident.lon, incident.lat):
            distance = haversine_m(lon, lat, incident.lon, incident.lat)  # type: ignore[arg-type]
            if distance > radius_m:
                continue
        minutes = abs((incident.reported_at - at).total_seconds()) / 60
        similarity = text_similarity(text, incident.description)
        same = (
            code is not None
            and incident.final_code is not None
            and (code[:2] == incident.final_code[:2])
        )
        score = score_candidate(
            distance_m=distance,
            minutes_apart=minutes,
            similarity=similarity,
            same_category=same,
            radius_m=radius_m,
            window_minutes=window_minutes,
        )
        if score < MIN_SCORE:
            continue
        where = f"相距{distance:.0f}米" if distance is not None else "同一地点"
        reason = f"{where}，相隔{minutes:.0f}分钟，描述相似度{similarity:.2f}"
        if same:
            reason += "，同类警情"
        found.append(
            DuplicateCandidate(
                number=incident.number,
                state=incident.state,
                description=incident.description,
                reported_at=incident.reported_at,
                distance_m=None if distance is None else round(distance),
                minutes_apart=round(minutes, 1),
                similarity=round(similarity, 3),
                same_category=same,
                score=score,
                reason=reason,
            )
        )
    found.sort(key=lambda c: c.score, reverse=True)
    return found[:limit]


@dataclass(frozen=True)
class Repeat:
    kind: str  # "phone" or "address"
    value: str
    count: int
    days: int
    numbers: list[str]
    reason: str


def find_repeats(
    session: Session,
    actor: Actor,
    *,
    at: dt.datetime,
    phone: str | None = None,
    address: str | None = None,
    days: int = 30,
    threshold: int = 3,
    exclude_id: int | None = None,
) -> list[Repeat]:
    """The caller or address seen ``threshold`` times or more in ``days`` (counting this one)."""
    since = at - dt.timedelta(days=days)
    repeats = []
    for kind, column, value in (
        ("phone", Incident.caller_phone, phone),
        ("address", Incident.address, address),
    ):
        if not value:
            continue
        query = scoped(select(Incident.number), actor).where(
            column == value, Incident.reported_at >= since, Incident.reported_at <= at
        )
        if exclude_id is not None:
            query = query.where(Incident.id != exclude_id)
        rows = session.scalars(query.order_by(Incident.reported_at.desc()).limit(50)).all()
        count = len(rows) + 1
        if count >= threshold:
            label = "同一来电号码" if kind == "phone" else "同一地址"
            repeats.append(
                Repeat(
                    kind=kind,
                    value=value,
                    count=count,
                    days=days,
                    numbers=list(rows),
                    reason=f"{label}{days}天内第{count}次报警",
                )
            )
    return repeats
