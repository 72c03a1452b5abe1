"""The kinds of handling unit and of resource, and resource statuses (pure data, no tables).

Routing rules, dispatch settings, imports and the API all name units and resources by these keys.
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

# County government departments that own non-police matters (部门主责), and the utilities.
GOVERNMENT_DEPARTMENTS: tuple[str, ...] = (
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
)
UTILITIES: tuple[str, ...] = ("power_supply", "water_supply", "gas_supply", "telecom")
