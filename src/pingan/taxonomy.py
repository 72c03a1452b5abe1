"""The 110 call-type code table and the government message categories (shipped data)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

GROUP_NAMES: dict[str, str] = {
    "10": "刑事案件",
    "20": "治安案件",
    "30": "交通类警情",
    "40": "消防救援",
    "50": "群众求助",
    "60": "社会联动",
    "65": "警种协助",
    "70": "群体性事件",
    "80": "灾害事故",
    "90": "举报线索",
    "95": "投诉监督",
    "99": "其它",
}

NON_POLICE_GROUPS = frozenset({"60"})


@dataclass(frozen=True)
class CallType:
    code: str
    name: str
    note: str

    @property
    def group(self) -> str:
        return self.code[:2]

    @property
    def group_name(self) -> str:
        return GROUP_NAMES[self.group]

    @property
    def police(self) -> bool:
        """Whether the type is police business; 60xxxx (社会联动) belongs to other bodies."""
        return self.group not in NON_POLICE_GROUPS


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("pingan.data.taxonomy").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def call_types() -> dict[str, CallType]:
    """Code → type, in table order; the first name wins for a repeated code."""
    table: dict[str, CallType] = {}
    for row in _read("police110_call_type_codes.csv"):
        code = row["bjlxdm"].strip()
        if code not in table:
            table[code] = CallType(code=code, name=row["bjlxmc"].strip(), note=row["sm"].strip())
    return table


def get_call_type(code: str) -> CallType | None:
    return call_types().get(code)


@cache
def gov_categories() -> dict[str, dict[str, list[str]]]:
    """First-level category → second-level → third-level names."""
    tree: dict[str, dict[str, list[str]]] = {}
    for row in _read("gov_message_categories_tipdm2020.csv"):
        first, second, third = row["一级分类"], row["二级分类"], row["三级分类"]
        tree.setdefault(first, {}).setdefault(second, []).append(third)
    return tree
