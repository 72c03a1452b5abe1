"""Build the demo: units for every county of one city, resources, a user for every role.

Everything goes through the same actions a real deployment uses (create_unit, create_user,
create_incident, transition); nothing is written straight into a final state.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pingan.area.models import Place
from pingan.area.queries import get_place_or_raise
from pingan.errors import InvalidInput
from pingan.incident.actions import create_incident
from pingan.incident.schemas import IncidentCreate
from pingan.unit.actions import create_resource, create_unit
from pingan.unit.kinds import GOVERNMENT_DEPARTMENTS, UTILITIES
from pingan.unit.models import Unit
from pingan.unit.schemas import ResourceCreate, UnitCreate
from pingan.user.actions import create_user
from pingan.user.queries import get_user_by_username, to_actor
from pingan.user.schemas import UserCreate

DEMO_PASSWORD = "pingan-demo"  # noqa: S105 - printed to the demo user on purpose

COUNTY_DEPARTMENTS = (
    "traffic_police",
    "fire_rescue",
    *GOVERNMENT_DEPARTMENTS,
    *UTILITIES,
    "tobacco",
    "mediation_centre",
)
DEPARTMENT_NAMES = {
    "traffic_police": "公安局交通警察大队",
    "fire_rescue": "消防救援大队",
    "urban_management": "综合行政执法局",
    "market_regulation": "市场监督管理局",
    "human_resources": "人力资源和社会保障局",
    "ecology_environment": "生态环境分局",
    "housing_construction": "住房和城乡建设局",
    "transport": "交通运输局",
    "health": "卫生健康局",
    "civil_affairs": "民政局",
    "education": "教育体育局",
    "culture_tourism": "文化广电旅游局",
    "agriculture_forestry_water": "农业农村局（林业水利）",
    "emergency_management": "应急管理局",
    "power_supply": "供电公司",
    "water_supply": "水务集团",
    "gas_supply": "燃气公司",
    "telecom": "通信管理（电信、移动、联通）",
    "tobacco": "烟草专卖局",
    "mediation_centre": "社会治理中心（矛调中心）",
}

SAMPLE_INCIDENTS = (
    ("110", "报警人称其停在小区楼下的电瓶车电瓶被偷，价值约800元。", "201000"),
    ("110", "来电称在菜市场门口两人因摊位发生口角，现场推搡，无人受伤。", "200200"),
    ("110", "报警人称家门钥匙丢失，进不了门，要求开锁。", "500300"),
    ("110", "报警人称接到自称客服电话，按对方要求转账2.6万元后发现被骗。", "100600"),
    ("110", "路口两车追尾，无人受伤，双方对责任有争议。", "300100"),
    ("12345", "小区旁边工地夜间施工噪音很大，已经连续一周影响休息，希望相关部门处理。", "600600"),
    ("110", "反映所在村停电两个多小时，要求尽快抢修。", "600200"),
    ("12345", "在厂里干了半年，老板拖欠三个月工资不发，要求帮忙讨薪。", "600300"),
    ("grid", "网格员巡查发现河道有人偷排污水，水面发黑有异味。", "600900"),
    ("110", "报警人称其母亲（78岁，有老年痴呆）早上出门后至今未归。", "500100"),
)


@dataclass
class DemoSummary:
    units: int = 0
    resources: int = 0
    incidents: int = 0
    users: list[tuple[str, str, str]] = field(default_factory=list)


def _near(
    place: Place, rng: random.Random, spread: float = 0.01
) -> tuple[float | None, float | None]:
    if place.lon is None or place.lat is None:
        return None, None
    return (
        round(place.lon + rng.uniform(-spread, spread), 6),
        round(place.lat + rng.uniform(-spread, spread), 6),
    )


def _point(session: Session, place: Place) -> Place:
    """The place itself if it has a point, else its nearest ancestor that has one."""
    current: Place | None = place
    while current is not None and current.lon is None and current.parent_code:
        current = session.get(Place, current.parent_code)
    return current or place


def _unit(session: Session, code: str, name: str, type_: str, seat: str, covers: list[str]) -> Unit:
    return create_unit(
        session, data=UnitCreate(code=code, name=name, type=type_, place_code=seat, covers=covers)
    )


def _resources(
    session: Session,
    unit: Unit,
    place: Place,
    kinds: list[tuple[str, str, int]],
    rng: random.Random,
) -> int:
    anchor = _point(session, place)
    count = 0
    for kind, label, number in kinds:
        for n in range(1, number + 1):
            lon, lat = _near(anchor, rng)
            create_resource(
                session,
                data=ResourceCreate(
                    unit_id=unit.id,
                    kind=kind,
                    name=f"{unit.name}{label}{n}号",
                    lon=lon,
                    lat=lat,
                    call_sign=f"{unit.code}-{kind[:2].upper()}{n}",
                ),
            )
            count += 1
    return count


def _county_units(session: Session, county: Place, rng: random.Random) -> tuple[int, int]:
    units = resources = 0
    towns = list(
        session.scalars(
            select(Place)
            .where(Place.parent_code == county.code, Place.level == "town")
            .order_by(Place.code)
        )
    )
    command = _unit(
        session,
        f"{county.code}-CC",
        f"{county.name}公安局指挥中心",
        "command_centre",
        county.code,
        [county.code],
    )
    units += 1
    resources += _resources(session, command, county, [("drone", "无人机", 2)], rng)
    for index in range(0, len(towns), 2):
        pair = towns[index : index + 2]
        station = _unit(
            session,
            f"{county.code}-PS{index // 2 + 1:02d}",
            f"{county.name}公安局{pair[0].name.removesuffix('街道').removesuffix('镇').removesuffix('乡')}派出所",
            "police_station",
            pair[0].code,
            [t.code for t in pair],
        )
        units += 1
        resources += _resources(
            session, station, pair[0], [("patrol_car", "巡逻车", 2), ("officer", "民警", 4)], rng
        )
    if towns:
        seat = towns[0]
        duty = _unit(
            session,
            f"{county.code}-JD1",
            f"{county.name}{seat.name}联勤警务站",
            "joint_duty_station",
            seat.code,
            [seat.code],
        )
        units += 1
        resources += _resources(
            session,
            duty,
            seat,
            [("patrol_car", "巡逻车", 1), ("auxiliary_officer", "辅警", 3)],
            rng,
        )
    for type_ in COUNTY_DEPARTMENTS:
        dept = _unit(
            session,
            f"{county.code}-{type_}",
            f"{county.name}{DEPARTMENT_NAMES[type_]}",
            type_,
            county.code,
            [county.code],
        )
        units += 1
        if type_ == "fire_rescue":
            resources += _resources(session, dept, county, [("fire_engine", "消防车", 2)], rng)
        elif type_ in ("power_supply", "water_supply", "gas_supply"):
            resources += _resources(session, dept, county, [("work_crew", "抢修队", 2)], rng)
    volunteers = _unit(
        session,
        f"{county.code}-YJ",
        f"{county.name}义警大队",
        "volunteer_team",
        county.code,
        [county.code],
    )
    rescue = _unit(
        session,
        f"{county.code}-RT",
        f"{county.name}蓝天救援队",
        "rescue_team",
        county.code,
        [county.code],
    )
    units += 2
    resources += _resources(session, volunteers, county, [("volunteer", "义警", 6)], rng)
    resources += _resources(session, rescue, county, [("rescue_team", "救援小组", 2)], rng)
    for town in towns:
        _unit(
            session,
            f"{town.code}-GOV",
            f"{town.name}{'办事处' if town.name.endswith('街道') else '人民政府'}",
            "town_government",
            town.code,
            [town.code],
        )
        units += 1
        villages = session.scalars(
            select(Place)
            .where(Place.parent_code == town.code, Place.level == "village")
            .order_by(Place.code)
        )
        for village in villages:
            suffix = "居民委员会" if village.name.endswith("社区") else "村民委员会"
            _unit(
                session,
                f"{village.code}-VC",
                f"{village.name}{suffix}",
                "village_committee",
                village.code,
                [village.code],
            )
            units += 1
    return units, resources


def _users(session: Session, city: Place, county: Place) -> list[tuple[str, str, str]]:
    station = session.scalar(
        select(Unit)
        .where(Unit.county_code == county.code, Unit.type == "police_station")
        .order_by(Unit.id)
    )
    dept = session.scalar(
        select(Unit).where(Unit.county_code == county.code, Unit.type == "urban_management")
    )
    town = session.scalar(
        select(Place)
        .where(Place.parent_code == county.code, Place.level == "town")
        .order_by(Place.code)
    )
    assert station and dept and town
    village = session.scalar(
        select(Place)
        .where(Place.parent_code == town.code, Place.level == "village")
        .order_by(Place.code)
    )
    assert station and dept and town and village
    plan: list[tuple[str, str, str | None, int | None, str]] = [
        ("admin", "admin", "330000", None, "浙江省（全省）"),
        (f"commander_{city.code}", "commander", city.code, None, city.name),
        (f"commander_{county.code}", "commander", county.code, None, county.name),
        (f"call_taker_{county.code}", "call_taker", county.code, None, county.name),
        (f"dispatcher_{county.code}", "dispatcher", county.code, None, county.name),
        (f"handler_{station.code}", "unit_handler", None, station.id, station.name),
        (f"handler_{dept.code}", "unit_handler", None, dept.id, dept.name),
        (f"grid_{village.code}", "grid_worker", village.code, None, village.name),
        (f"mediator_{town.code}", "mediator", town.code, None, town.name),
        (f"analyst_{city.code}", "analyst", city.code, None, city.name),
        ("citizen_demo", "citizen", None, None, "群众"),
    ]
    users = []
    for username, role, place_code, unit_id, where in plan:
        if get_user_by_username(session, username) is None:
            create_user(
                session,
                data=UserCreate(
                    username=username,
                    password=DEMO_PASSWORD,
                    role=role,
                    place_code=place_code,
                    unit_id=unit_id,
                ),
            )
        users.append((username, role, where))
    return users


def _sample_incidents(session: Session, county: Place, rng: random.Random) -> int:
    """A few incidents typed by the county's call-taker; triage and routing do the rest."""
    actor = to_actor(session, get_user_by_username(session, f"call_taker_{county.code}"))  # type: ignore[arg-type]
    towns = list(
        session.scalars(
            select(Place).where(Place.parent_code == county.code, Place.level == "town")
        )
    )
    count = 0
    for channel, text, code in SAMPLE_INCIDENTS:
        town = rng.choice(towns)
        create_incident(
            session,
            actor=actor,
            data=IncidentCreate(
                channel=channel,
                description=text,
                place_code=town.code,
                code=code,
                caller_phone=f"13{rng.randrange(10**8, 10**9)}",
                caller_name=rng.choice("张王李赵陈刘") + "先生",
            ),
        )
        count += 1
    return count


def build_demo(
    session: Session,
    *,
    city_code: str = "330600",
    county_code: str | None = None,
    progress: Callable[[], AbstractContextManager[Any]] | None = None,
    seed: int = 2026,
) -> DemoSummary:
    """Build (once) the demo units, resources and users for ``city_code``."""
    city = get_place_or_raise(session, city_code)
    if city.level != "city":
        raise InvalidInput(f"{city_code} 不是地级市代码")
    counties = list(
        session.scalars(
            select(Place)
            .where(Place.parent_code == city.code, Place.level == "county")
            .order_by(Place.code)
        )
    )
    home = next((c for c in counties if c.code == county_code), None) or next(
        (c for c in counties if c.name == "新昌县"), counties[0]
    )
    rng = random.Random(seed)
    summary = DemoSummary()
    already = session.scalar(select(Unit.id).where(Unit.code == f"{home.code}-CC")) is not None
    if not already:
        bar_cm = progress() if progress else None
        bar = bar_cm.__enter__() if bar_cm else None
        task = bar.add_task(f"建立{city.name}各县单位", total=len(counties)) if bar else None
        for county in counties:
            units, resources = _county_units(session, county, rng)
            summary.units += units
            summary.resources += resources
            if bar:
                bar.advance(task)
        if bar_cm:
            bar_cm.__exit__(None, None, None)
    summary.users = _users(session, city, home)
    if not already:
        summary.incidents = _sample_incidents(session, home, rng)
    session.flush()
    return summary


__all__ = ["DEMO_PASSWORD", "DemoSummary", "build_demo"]
