"""Reads behind the dashboard panels: rollups for counts, the incident table for live state.

Every panel is asked about a *target* place: the user's jurisdiction or a place inside it (the
drill-down province → city → county → town → village). Counts come from the coarsest rollup that
answers the question, so a panel reads at most a few tens of thousands of small rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from pingan.analytics.models import MEASURES, RollupCountyDaily, RollupDaily, RollupTownDaily
from pingan.analytics.rollups import SHANGHAI
from pingan.area.models import Place
from pingan.area.queries import get_place_or_raise, is_within, subtree_codes, subtree_filter
from pingan.errors import Forbidden, InvalidInput, NotFound
from pingan.incident.lifecycle import OPEN_STATES, STATES
from pingan.incident.models import Incident, IncidentEvent
from pingan.incident.queries import place_condition, scoped
from pingan.taxonomy import GROUP_NAMES, get_call_type
from pingan.unit.models import RESOURCE_KINDS, RESOURCE_STATUSES, Resource, Unit
from pingan.user.scope import Actor, Scope, scope_of

DAILY = cast(Table, RollupDaily.__table__)
TOWN = cast(Table, RollupTownDaily.__table__)
COUNTY = cast(Table, RollupCountyDaily.__table__)
CHILD_LEVEL = {"province": "city", "city": "county", "county": "town", "town": "village"}
MAX_POINTS = 2000
MAX_LIST = 200
# States in which each time limit is still running (the step is not done yet).
_BEFORE_SIGN_FOR = ("received", "triaged", "assigned", "returned")
_BEFORE_ARRIVE = (*_BEFORE_SIGN_FOR, "signed_for")
_BEFORE_FINISH = (*_BEFORE_ARRIVE, "on_scene")


def today_in_beijing(now: dt.datetime) -> dt.date:
    return now.astimezone(SHANGHAI).date()


def year_before(day: dt.date) -> dt.date:
    """The same calendar day a year earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


# -- the target place ---------------------------------------------------------------------------


def resolve_target_scope(actor: Actor) -> Scope:
    """The user's scope, if it is a place jurisdiction (the dashboard counts by place)."""
    scope = scope_of(actor)
    if scope.unit_id is not None or scope.reporter_id is not None:
        raise Forbidden("大屏按辖区统计：处置单位与群众账号请使用各自的工作台")
    return scope


def resolve_target(session: Session, actor: Actor, place: str | None) -> Place:
    """The place a panel is about: ``place`` if given (it must lie in the user's jurisdiction),
    else the jurisdiction itself. Unit handlers and citizens have no place jurisdiction."""
    scope = resolve_target_scope(actor)
    if scope.everything:
        home = session.scalar(select(Place).where(Place.level == "province").limit(1))
        if home is None:
            raise NotFound("尚未导入行政区划", field="place")
    else:
        assert scope.place_code is not None
        home = get_place_or_raise(session, scope.place_code)
    if place is None or place == home.code:
        target = home
    else:
        found = session.get(Place, place)
        if found is None or not (scope.everything or is_within(found, home)):
            raise NotFound(f"地区 {place} 不存在或不在您的辖区内", field="place")
        target = found
    if target.level == "grid":
        raise InvalidInput("大屏统计最细到村（社区），请选择所属村社", field="place")
    return target


def _source(target: Place) -> tuple[Table, ColumnElement[bool]]:
    """The coarsest rollup grain that can answer for the target, and its filter."""
    if target.level == "province":
        return COUNTY, true()
    if target.level == "city":
        return COUNTY, COUNTY.c.city_code == target.code
    if target.level == "county":
        return COUNTY, COUNTY.c.county_code == target.code
    if target.level == "town":
        return TOWN, TOWN.c.town_code == target.code
    return DAILY, DAILY.c.village_code == target.code


def _fine_condition(target: Place) -> ColumnElement[bool]:
    if target.level == "province":
        return true()
    column: ColumnElement[str] = DAILY.c[f"{target.level}_code"]
    return column == target.code


def _days(table: Table, since: dt.date, until: dt.date) -> ColumnElement[bool]:
    return and_(table.c.day >= since, table.c.day <= until)


# -- figures ------------------------------------------------------------------------------------


def _ratio(part: int, whole: int, digits: int = 3) -> float | None:
    return round(part / whole, digits) if whole else None


def describe(sums: dict[str, int]) -> dict[str, Any]:
    """Measures summed over some rows → the figures people read."""
    return {
        "received": sums["received"],
        "diverted": sums["diverted"],
        "diverted_share": _ratio(sums["diverted"], sums["received"]),
        "closed": sums["closed"],
        "called_back": sums["called_back"],
        "solved": sums["solved"],
        "solved_rate": _ratio(sums["solved"], sums["called_back"]),
        "satisfaction": (
            round(sums["satisfaction_sum"] / sums["satisfaction_count"], 2)
            if sums["satisfaction_count"]
            else None
        ),
        "arrival_minutes": (
            round(sums["arrival_seconds_sum"] / sums["arrival_count"] / 60, 1)
            if sums["arrival_count"]
            else None
        ),
        "returned": sums["returned"],
    }


def _summed(table: Table) -> list[Any]:
    return [func.coalesce(func.sum(table.c[m]), 0).label(m) for m in MEASURES]


def sum_measures(session: Session, target: Place, since: dt.date, until: dt.date) -> dict[str, int]:
    table, condition = _source(target)
    row = session.execute(
        select(*_summed(table)).where(condition, _days(table, since, until))
    ).one()
    return {m: int(getattr(row, m)) for m in MEASURES}


def open_and_overdue(
    session: Session, actor: Actor, target: Place, now: dt.datetime
) -> tuple[int, int]:
    """Open incidents now, and those of them past a time limit whose step is not done."""
    overdue = and_(
        Incident.paused_at.is_(None),
        or_(
            and_(Incident.sign_for_due < now, Incident.state.in_(_BEFORE_SIGN_FOR)),
            and_(Incident.arrive_due < now, Incident.state.in_(_BEFORE_ARRIVE)),
            and_(Incident.finish_due < now, Incident.state.in_(_BEFORE_FINISH)),
        ),
    )
    query = scoped(
        select(
            func.count(),
            func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
        ).where(
            Incident.state.in_(sorted(OPEN_STATES)), place_condition(target.level, target.code)
        ),
        actor,
    )
    total, late = session.execute(query).one()
    return int(total or 0), int(late or 0)


def key_figures(
    session: Session, actor: Actor, target: Place, *, now: dt.datetime, days: int = 1
) -> dict[str, Any]:
    today = today_in_beijing(now)
    since = today - dt.timedelta(days=days - 1)
    figures = describe(sum_measures(session, target, since, today))
    open_now, overdue = open_and_overdue(session, actor, target, now)
    return {
        "place": place_brief(target),
        "since": since.isoformat(),
        "until": today.isoformat(),
        **figures,
        "open": open_now,
        "overdue": overdue,
    }


def trends(session: Session, target: Place, *, now: dt.datetime, days: int) -> dict[str, Any]:
    """Daily received, diverted and closed for the last ``days`` days, with the same days a
    year earlier (同比)."""
    today = today_in_beijing(now)
    window = [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    earlier = [year_before(d) for d in window]
    table, condition = _source(target)
    rows = session.execute(
        select(table.c.day, *_summed(table))
        .where(
            condition,
            or_(_days(table, window[0], window[-1]), _days(table, earlier[0], earlier[-1])),
        )
        .group_by(table.c.day)
    ).all()
    by_day = {r.day: r for r in rows}

    def value(day: dt.date, measure: str) -> int:
        row = by_day.get(day)
        return int(getattr(row, measure)) if row is not None else 0

    current = sum(value(d, "received") for d in window)
    last_year = sum(value(d, "received") for d in earlier)
    return {
        "place": place_brief(target),
        "days": [d.isoformat() for d in window],
        "received": [value(d, "received") for d in window],
        "diverted": [value(d, "diverted") for d in window],
        "closed": [value(d, "closed") for d in window],
        "received_last_year": [value(d, "received") for d in earlier],
        "total": current,
        "total_last_year": last_year,
        "year_on_year": _ratio(current - last_year, last_year),
    }


def place_brief(place: Place) -> dict[str, Any]:
    return {
        "code": place.code,
        "name": place.name,
        "level": place.level,
        "parent_code": place.parent_code,
        "lon": place.lon,
        "lat": place.lat,
    }


def by_place(session: Session, target: Place, *, now: dt.datetime, days: int) -> dict[str, Any]:
    """Figures for each child of the target (the next level of the drill-down)."""
    today = today_in_beijing(now)
    since = today - dt.timedelta(days=days - 1)
    child_level = CHILD_LEVEL.get(target.level)
    children: list[Place] = []
    sums: dict[str, dict[str, int]] = {}
    if child_level is not None:
        children = list(
            session.scalars(
                select(Place)
                .where(Place.parent_code == target.code, Place.level == child_level)
                .order_by(Place.code)
            )
        )
        table, condition = {
            "city": (COUNTY, true()),
            "county": (COUNTY, COUNTY.c.city_code == target.code),
            "town": (TOWN, TOWN.c.county_code == target.code),
            "village": (DAILY, DAILY.c.town_code == target.code),
        }[child_level]
        column = table.c[f"{child_level}_code"]
        rows = session.execute(
            select(column.label("code"), *_summed(table))
            .where(condition, _days(table, since, today))
            .group_by(column)
        ).all()
        sums = {r.code: {m: int(getattr(r, m)) for m in MEASURES} for r in rows if r.code}
    empty = dict.fromkeys(MEASURES, 0)
    items = [{**place_brief(child), **describe(sums.get(child.code, empty))} for child in children]
    items.sort(key=lambda item: -int(item["received"]))
    # Incidents placed at the target itself, not in any child (e.g. an address naming no town).
    total = sum_measures(session, target, since, today)
    rest = {m: total[m] - sum(s[m] for s in sums.values()) for m in MEASURES}
    return {
        "place": place_brief(target),
        "level": child_level,
        "unlocated": describe(rest),
        "since": since.isoformat(),
        "until": today.isoformat(),
        "items": items,
    }


def density(session: Session, target: Place, *, now: dt.datetime, days: int) -> dict[str, Any]:
    """Incident counts per town (province, city) or village (county, town) with their points,
    for a heat layer."""
    today = today_in_beijing(now)
    since = today - dt.timedelta(days=days - 1)
    if target.level in ("province", "city"):
        level = "town"
        condition = true() if target.level == "province" else TOWN.c.city_code == target.code
        column = TOWN.c.town_code
        query = select(column.label("code"), func.sum(TOWN.c.received).label("n")).where(
            condition, _days(TOWN, since, today)
        )
    else:
        level = "village"
        column = DAILY.c.village_code
        query = select(column.label("code"), func.sum(DAILY.c.received).label("n")).where(
            _fine_condition(target), _days(DAILY, since, today)
        )
    counts = {r.code: int(r.n) for r in session.execute(query.group_by(column)) if r.code and r.n}
    points = _locate(session, counts)
    points.sort(key=lambda p: -int(p["n"]))
    return {
        "place": place_brief(target),
        "level": level,
        "since": since.isoformat(),
        "until": today.isoformat(),
        "max": max(counts.values(), default=0),
        "points": points,
    }


def _locate(session: Session, counts: dict[str, int]) -> list[dict[str, Any]]:
    """Counts per place → points. A place without coordinates (most villages) lends its count
    to its town's point."""
    located: dict[str, dict[str, Any]] = {}
    homeless: dict[str, int] = {}
    codes = list(counts)
    for start in range(0, len(codes), 900):
        chunk = codes[start : start + 900]
        for code, name, lon, lat, town in session.execute(
            select(Place.code, Place.name, Place.lon, Place.lat, Place.town_code).where(
                Place.code.in_(chunk)
            )
        ):
            if lon is not None and lat is not None:
                located[code] = {"code": code, "name": name, "lon": lon, "lat": lat, "n": 0}
                located[code]["n"] += counts[code]
            elif town:
                homeless[town] = homeless.get(town, 0) + counts[code]
    if homeless:
        for code, name, lon, lat in session.execute(
            select(Place.code, Place.name, Place.lon, Place.lat).where(
                Place.code.in_(list(homeless))
            )
        ):
            if lon is None or lat is None:
                continue
            point = located.setdefault(
                code, {"code": code, "name": name, "lon": lon, "lat": lat, "n": 0}
            )
            point["n"] += homeless[code]
    return list(located.values())


def categories(session: Session, target: Place, *, now: dt.datetime, days: int) -> dict[str, Any]:
    """Incidents by category group (first two digits of the final 110 code)."""
    today = today_in_beijing(now)
    since = today - dt.timedelta(days=days - 1)
    table = DAILY if target.level in ("town", "village") else COUNTY
    condition = _fine_condition(target) if table is DAILY else _source(target)[1]
    rows = session.execute(
        select(table.c.category_group, func.sum(table.c.received).label("n"))
        .where(condition, _days(table, since, today))
        .group_by(table.c.category_group)
    ).all()
    items = [
        {
            "group": r.category_group,
            "name": GROUP_NAMES.get(r.category_group, "未分类"),
            "n": int(r.n),
        }
        for r in rows
        if r.n
    ]
    items.sort(key=lambda item: -int(item["n"]))
    return {"place": place_brief(target), "since": since.isoformat(), "items": items}


def incident_points(
    session: Session, actor: Actor, target: Place, *, limit: int
) -> list[dict[str, Any]]:
    """The latest incidents with a position: number, time, state and category. Nothing about
    the caller, and no text."""
    query = cast(
        "Select[Any]",
        select(
            Incident.number,
            Incident.reported_at,
            Incident.state,
            Incident.final_code,
            Incident.police,
            Incident.urgency,
            Incident.lon,
            Incident.lat,
        ).where(place_condition(target.level, target.code), Incident.lon.is_not(None)),
    )
    rows = session.execute(
        scoped(query, actor)
        .order_by(Incident.reported_at.desc(), Incident.id.desc())
        .limit(min(limit, MAX_POINTS))
    ).all()
    points = []
    for r in rows:
        call_type = get_call_type(r.final_code) if r.final_code else None
        points.append(
            {
                "number": r.number,
                "reported_at": r.reported_at.isoformat(),
                "state": r.state,
                "state_name": STATES.get(r.state, r.state),
                "open": r.state in OPEN_STATES,
                "category": call_type.name if call_type else None,
                "group": r.final_code[:2] if r.final_code else None,
                "police": r.police,
                "urgency": r.urgency,
                "lon": r.lon,
                "lat": r.lat,
            }
        )
    return points


def resources(session: Session, target: Place) -> dict[str, Any]:
    """Resources of the units seated in the target, counted by kind and status, with positions."""
    in_target = Unit.place_code.in_(subtree_codes(target.level, target.code))
    counts = session.execute(
        select(Resource.kind, Resource.status, func.count())
        .join(Unit, Unit.id == Resource.unit_id)
        .where(in_target, Unit.active.is_(True))
        .group_by(Resource.kind, Resource.status)
    ).all()
    by_kind: dict[str, dict[str, int]] = {}
    by_status: dict[str, int] = dict.fromkeys(RESOURCE_STATUSES, 0)
    for kind, status, n in counts:
        by_kind.setdefault(kind, dict.fromkeys(RESOURCE_STATUSES, 0))[status] = int(n)
        by_status[status] = by_status.get(status, 0) + int(n)
    listed = session.execute(
        select(
            Resource.id, Resource.kind, Resource.name, Resource.status, Resource.lon, Resource.lat
        )
        .join(Unit, Unit.id == Resource.unit_id)
        .where(in_target, Unit.active.is_(True))
        .order_by(Resource.id)
        .limit(MAX_POINTS)
    ).all()
    return {
        "place": place_brief(target),
        "statuses": RESOURCE_STATUSES,
        "kinds": [
            {"kind": kind, "name": RESOURCE_KINDS.get(kind, kind), "by_status": statuses}
            for kind, statuses in sorted(by_kind.items())
        ],
        "by_status": by_status,
        "total": sum(by_status.values()),
        "items": [
            {
                "id": r.id,
                "kind": r.kind,
                "kind_name": RESOURCE_KINDS.get(r.kind, r.kind),
                "name": r.name,
                "status": r.status,
                "status_name": RESOURCE_STATUSES.get(r.status, r.status),
                "lon": r.lon,
                "lat": r.lat,
            }
            for r in listed
        ],
    }


def incident_free_villages(
    session: Session, target: Place, *, now: dt.datetime, days: int
) -> dict[str, Any]:
    """Villages and communities in the target with no incident in the period (无警情村社)."""
    today = today_in_beijing(now)
    since = today - dt.timedelta(days=days - 1)
    villages = and_(Place.level == "village", subtree_filter(target.level, target.code))
    # A village is free when the fine rollup has no row for it in the period: one probe of the
    # (village_code, day) index per village, inside the database.
    had_incident = (
        select(DAILY.c.village_code)
        .where(DAILY.c.village_code == Place.code, _days(DAILY, since, today))
        .exists()
    )
    free = and_(villages, ~had_incident)
    total = session.scalar(select(func.count()).select_from(Place).where(villages)) or 0
    free_count = session.scalar(select(func.count()).select_from(Place).where(free)) or 0
    listed = session.execute(
        select(Place.code, Place.name, Place.town_code, Place.county_code)
        .where(free)
        .order_by(Place.code)
        .limit(MAX_LIST)
    ).all()
    parents = {
        code: name
        for code, name in session.execute(
            select(Place.code, Place.name).where(
                Place.code.in_({c for r in listed for c in (r.town_code, r.county_code) if c})
            )
        )
    }
    return {
        "place": place_brief(target),
        "since": since.isoformat(),
        "until": today.isoformat(),
        "villages": int(total),
        "free": int(free_count),
        "share": _ratio(int(free_count), int(total)),
        "items": [
            {
                "code": r.code,
                "name": r.name,
                "town": parents.get(r.town_code or ""),
                "county": parents.get(r.county_code or ""),
            }
            for r in listed
        ],
    }


def boundaries_for(target: Place, collection: dict[str, Any]) -> dict[str, Any]:
    """The boundary features to draw for the target: its cities (province), its counties
    (city), or its county (county and below)."""
    features = collection.get("features", [])
    if target.level == "province":
        chosen = [f for f in features if f["properties"].get("level") == "city"]
    elif target.level == "city":
        chosen = [
            f
            for f in features
            if f["properties"].get("level") == "county"
            and str(f["properties"].get("code", "")).startswith(target.code[:4])
        ]
    else:
        county = target.county_code or target.code
        chosen = [f for f in features if f["properties"].get("code") == county[:6]]
    return {"type": "FeatureCollection", "features": chosen}


def feed_events(
    session: Session,
    actor: Actor,
    *,
    after_id: int,
    limit: int = 100,
    since: dt.datetime | None = None,
    up_to_id: int | None = None,
) -> list[dict[str, Any]]:
    """New incidents and state changes after event ``after_id`` (up to ``up_to_id``), in the
    user's scope; with ``since``, only what happened since then (history written now about the
    past — an import of last year's records, the demo's year — is not news)."""
    query = cast(
        "Select[Any]",
        select(
            IncidentEvent.id,
            IncidentEvent.at,
            IncidentEvent.action,
            IncidentEvent.from_state,
            IncidentEvent.to_state,
            Incident.number,
            Incident.final_code,
            Incident.state,
            Incident.lon,
            Incident.lat,
            Incident.town_code,
            Incident.county_code,
        )
        .join(Incident, Incident.id == IncidentEvent.incident_id)
        .where(
            IncidentEvent.id > after_id,
            or_(
                IncidentEvent.action == "create",
                IncidentEvent.from_state.is_(None),
                IncidentEvent.from_state != IncidentEvent.to_state,
            ),
        ),
    )
    if up_to_id is not None:
        query = query.where(IncidentEvent.id <= up_to_id)
    if since is not None:
        query = query.where(IncidentEvent.at >= since)
    rows = session.execute(scoped(query, actor).order_by(IncidentEvent.id).limit(limit)).all()
    names = {
        code: name
        for code, name in session.execute(
            select(Place.code, Place.name).where(
                Place.code.in_({c for r in rows for c in (r.town_code, r.county_code) if c})
            )
        )
    }
    items = []
    for r in rows:
        call_type = get_call_type(r.final_code) if r.final_code else None
        items.append(
            {
                "id": r.id,
                "at": r.at.isoformat(),
                "action": r.action,
                "number": r.number,
                "to_state": r.to_state,
                "state_name": STATES.get(r.to_state, r.to_state),
                "state": r.state,
                "category": call_type.name if call_type else None,
                "place": names.get(r.town_code or "") or names.get(r.county_code or ""),
                "lon": r.lon,
                "lat": r.lat,
            }
        )
    return items


def last_event_id(session: Session) -> int:
    return int(session.scalar(select(func.max(IncidentEvent.id))) or 0)
