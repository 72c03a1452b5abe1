"""Which kind of body owns a non-police matter, and how urgent each call type is by default.

Both are data: the owning unit type (``department``) of each 社会联动 code, the owner of each
first-level government category where the code does not say, and a default urgency per code
or group that danger rules can only raise (urgency 1 is the most urgent).
"""

from __future__ import annotations

import re

from pingan.unit.kinds import GOVERNMENT_DEPARTMENTS, UTILITIES

DEPARTMENTS = (*GOVERNMENT_DEPARTMENTS, *UTILITIES, "tobacco", "town_government")

CODE_DEPARTMENT: dict[str, str] = {
    "600100": "health",
    "600200": "power_supply",
    "600300": "human_resources",
    "600400": "agriculture_forestry_water",
    "600500": "market_regulation",
    "600600": "urban_management",
    "600700": "telecom",
    "600800": "culture_tourism",
    "600900": "ecology_environment",
    "601000": "market_regulation",
    "601100": "tobacco",
    "601200": "civil_affairs",
    "601300": "water_supply",  # gas_supply when the text is about gas, see department_for
    "601400": "market_regulation",
    "601500": "emergency_management",
    "601600": "culture_tourism",
    "609900": "town_government",
}

GOV_CATEGORY_DEPARTMENT: dict[str, str] = {
    "城乡建设": "housing_construction",
    "劳动和社会保障": "human_resources",
    "教育文体": "education",
    "卫生计生": "health",
    "交通运输": "transport",
    "商贸旅游": "market_regulation",
    "环境保护": "ecology_environment",
    "农村农业": "agriculture_forestry_water",
    "民政": "civil_affairs",
    "国土资源": "town_government",
    "科技与信息产业": "telecom",
    "经济管理": "market_regulation",
    "党务政务": "town_government",
    "政法": "town_government",
    "纪检监察": "town_government",
}

_GAS = re.compile(r"燃气|煤气|天然气|液化气|气表|气管|管道气")
_TOURISM = re.compile(r"景区|旅游|旅行社|导游|酒店|民宿")


def department_for(code: str, gov_category: str | None, text: str) -> str:
    """The owning unit type of a non-police matter."""
    if code == "601300":
        return "gas_supply" if _GAS.search(text) else "water_supply"
    owner = CODE_DEPARTMENT.get(code)
    if owner is not None and code != "609900":
        return owner
    if gov_category == "商贸旅游" and _TOURISM.search(text):
        return "culture_tourism"
    if gov_category in GOV_CATEGORY_DEPARTMENT:
        return GOV_CATEGORY_DEPARTMENT[gov_category]
    return owner or "town_government"


# Urgency 1: life or safety at risk now … 4: no hurry.  Codes first, then the 2-digit group.
CODE_URGENCY: dict[str, int] = {
    "100200": 2,
    "100300": 2,
    "100400": 2,
    "100500": 2,
    "100800": 2,
    "100900": 2,
    "101000": 2,
    "101100": 2,
    "101400": 2,
    "101500": 2,
    "101600": 2,
    "101700": 2,
    "101800": 2,
    "200100": 2,
    "200600": 2,
    "300100": 2,
    "300300": 2,
    "400100": 2,
    "400200": 2,
    "500100": 2,
    "500400": 2,
    "500500": 2,
    "500600": 2,
    "500700": 2,
    "500800": 2,
    "600200": 3,
    "601300": 3,
    "700400": 2,
    "700500": 2,
}
GROUP_URGENCY: dict[str, int] = {
    "10": 3,
    "20": 3,
    "30": 3,
    "40": 2,
    "50": 3,
    "60": 4,
    "65": 3,
    "70": 2,
    "80": 2,
    "90": 4,
    "95": 4,
    "99": 3,
}


def default_urgency(code: str) -> int:
    return CODE_URGENCY.get(code, GROUP_URGENCY.get(code[:2], 3))
