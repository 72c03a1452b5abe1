"""The unit types and resource kinds that routing files may name.

A copy of ``pingan.unit.models.UNIT_TYPES`` and ``RESOURCE_KINDS``: those live beside SQLAlchemy
tables, and this package stays pure.  ``tests/unit/routing/test_vocabulary.py`` fails when the two
drift apart.
"""

from __future__ import annotations

UNIT_TYPES: dict[str, str] = {
    "police_station": "派出所",
    "joint_duty_station": "联勤警务站",
    "traffic_police": "交警",
    "fire_rescue": "消防救援",
    "command_centre": "指挥中心",
    "urban_management": "综合行政执法（城管）",
    "market_regulation": "市场监管",
    "human_resources": "人力社保",
    "ecology_environment": "生态环境",
    "housing_construction": "住房城乡建设",
    "transport": "交通运输",
    "health": "卫生健康",
    "civil_affairs": "民政",
    "education": "教育",
    "culture_tourism": "文化广电旅游体育",
    "agriculture_forestry_water": "农业农村/林业水利",
    "emergency_management": "应急管理",
    "power_supply": "供电",
    "water_supply": "供水",
    "gas_supply": "燃气",
    "telecom": "通信",
    "tobacco": "烟草专卖",
    "town_government": "乡镇人民政府/街道办事处",
    "village_committee": "村（居）民委员会",
    "volunteer_team": "义警队",
    "rescue_team": "救援队",
    "mediation_centre": "矛调中心",
}

RESOURCE_KINDS: dict[str, str] = {
    "patrol_car": "巡逻车",
    "officer": "民警",
    "auxiliary_officer": "辅警",
    "volunteer": "义警",
    "drone": "无人机",
    "rescue_team": "救援队",
    "fire_engine": "消防车",
    "ambulance": "救护车",
    "work_crew": "抢修队",
}

RESOURCE_STATUSES: dict[str, str] = {
    "available": "空闲",
    "dispatched": "已派出",
    "on_scene": "在现场",
    "off_duty": "休息",
    "maintenance": "维护",
}


def unit_type_name(unit_type: str) -> str:
    """The Chinese name of a unit type, e.g. ``power_supply`` → ``供电``."""
    return UNIT_TYPES.get(unit_type, unit_type)


def resource_kind_name(kind: str) -> str:
    return RESOURCE_KINDS.get(kind, kind)


_DEPARTMENTS = frozenset(
    {
        "urban_management",
        "market_regulation",
        "human_resources",
        "ecology_environment",
        "housing_construction",
        "transport",
        "health",
        "civil_affairs",
        "education",
        "culture_tourism",
        "agriculture_forestry_water",
        "emergency_management",
    }
)
_UTILITIES = frozenset({"power_supply", "water_supply", "gas_supply", "telecom"})


def unit_type_phrase(unit_type: str) -> str:
    """How a sentence names a unit type: ``供电单位``, ``市场监管部门``, ``派出所``."""
    name = unit_type_name(unit_type)
    if unit_type in _DEPARTMENTS:
        return f"{name}部门"
    if unit_type in _UTILITIES:
        return f"{name}单位"
    if unit_type == "tobacco":
        return "烟草专卖局"
    return name
