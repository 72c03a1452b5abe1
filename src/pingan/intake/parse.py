"""Turning one exported row into an incident to create, or a reason it cannot be."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from pydantic import ValidationError

from pingan.errors import describe_validation
from pingan.geo.coords import in_zhejiang_bbox
from pingan.incident.schemas import SHANGHAI, IncidentCreate
from pingan.intake.mapping import SourceMapping
from pingan.tabular import ERROR

# Dates written without separators (every date with them is _GENERAL_TIME's).
COMMON_FORMATS = ("%Y%m%d%H%M%S", "%Y%m%d %H:%M:%S")
# Half of the day named before or after the time, as Chinese exports write it (Excel with a
# Chinese locale writes 2024/5/1 下午 3:05), and as English ones do.
_HALF = r"(上午|早上|早晨|凌晨|中午|下午|傍晚|晚上|AM|PM|am|pm)"
# A date (2024-05-01, 2024/5/1, 2024.05.01, 2024年5月1日) and, if given, a time: 8:30, 08:30:15,
# 08:30:00.000, 8时30分, 8点, 8时30分15秒, with the half of the day before or after it.
_GENERAL_TIME = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    rf"(?:[\sT]*{_HALF}?\s*(\d{{1,2}})\s*[:：时点]\s*(?:(\d{{1,2}})\s*分?)?"
    r"\s*(?:[:：]\s*(\d{1,2})(?:\.\d+)?|(\d{1,2})\s*秒)?"
    rf"\s*{_HALF}?)?$"
)
_AFTER_NOON = {"下午", "傍晚", "晚上", "PM", "pm"}
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# The record number given to a row whose source gave none (see ``fingerprint``).
FINGERPRINT = "指纹-"


class RowError(ValueError):
    """Why a row was not imported (shown to the user with its row number)."""


def parse_time(value: Any, formats: tuple[str, ...] = ()) -> dt.datetime | None:
    """A reported time from the many ways exports write it; naive times are Beijing time."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:  # an Excel serial date
            parsed = EXCEL_EPOCH + dt.timedelta(days=float(value))
        else:
            raise RowError(f"时间 {value!r} 无法识别")
    else:
        parsed = _parse_text_time(str(value).strip(), formats)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SHANGHAI)
    if (
        not dt.datetime(1990, 1, 1, tzinfo=SHANGHAI)
        <= parsed
        <= dt.datetime.now(SHANGHAI) + dt.timedelta(days=1)
    ):
        raise RowError(f"时间 {value!r} 不合理（早于1990年或晚于今天）")
    return parsed


def _parse_text_time(text: str, formats: tuple[str, ...]) -> dt.datetime:
    iso = text.replace("T", " ", 1) if "T" in text[:11] else text
    try:
        return dt.datetime.fromisoformat(iso)
    except ValueError:
        pass
    for fmt in formats:  # the mapping's own, first
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    match = _GENERAL_TIME.match(text)
    if match:
        return _general_time(text, match)
    for fmt in COMMON_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise RowError(
        f"时间 {text!r} 无法识别（支持如 2024-05-01 08:30:00、2024/5/1 下午 3:05、"
        "2024年5月1日8时30分、20240501083000）"
    )


def _general_time(text: str, match: re.Match[str]) -> dt.datetime:
    year, month, day, before, hour, minute, second, seconds, after = match.groups()
    half = before or after
    clock = int(hour or 0)
    # 中午1点 is 13:00; 中午12点 and 中午11点 are as said.
    if (half in _AFTER_NOON and clock < 12) or (half == "中午" and clock < 6):
        clock += 12
    elif half == "凌晨" and clock == 12:
        clock = 0
    try:
        return dt.datetime(
            int(year), int(month), int(day), clock, int(minute or 0), int(second or seconds or 0)
        )
    except ValueError as exc:
        raise RowError(f"时间 {text!r} 不是有效的日期或时刻") from exc


def _number(value: Any, name: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise RowError(f"{name} {value!r} 不是数字") from exc


def to_incident(row: dict[str, Any], mapping: SourceMapping) -> IncidentCreate:
    """The incident a row describes; raises ``RowError`` naming the problem. A row without a
    record number gets its ``fingerprint`` as one."""
    if ERROR in row:
        raise RowError(str(row[ERROR]))

    def get(name: str) -> Any:
        value = row.get(mapping.columns.get(name, name))
        if value is None or (isinstance(value, str) and not value.strip()):
            return mapping.defaults.get(name)
        return value.strip() if isinstance(value, str) else value

    text = get("text")
    if not text:
        raise RowError("缺少警情内容（text）")
    fields: dict[str, Any] = {
        "channel": str(get("channel") or "110"),
        "description": str(text),
        "reported_at": parse_time(get("reported_at"), mapping.time_formats),
        "address": get("address"),
        "lon": _number(get("lon"), "经度"),
        "lat": _number(get("lat"), "纬度"),
        "coord_system": get("coord_system") or "wgs84",
        "caller_name": get("caller_name"),
        "caller_phone": str(get("caller_phone")) if get("caller_phone") is not None else None,
        "code": str(get("code")) if get("code") is not None else None,
        "place_code": str(get("place_code")) if get("place_code") is not None else None,
        "external_id": str(get("external_id")) if get("external_id") is not None else None,
    }
    _swapped(fields["lon"], fields["lat"])
    try:
        data = IncidentCreate(**fields)
    except ValidationError as exc:
        raise RowError(describe_validation(exc)) from exc
    if data.external_id is None:
        data.external_id = fingerprint(data)
    return data


def _swapped(lon: float | None, lat: float | None) -> None:
    """Longitude and latitude given the wrong way round (a column mapping with the two
    exchanged): every row of the file would be refused as a latitude over 90, so say why."""
    if lon is not None and lat is not None and in_zhejiang_bbox(lat, lon):
        raise RowError(f"经纬度疑似填反：经度 {lon}、纬度 {lat}（请检查经度、纬度两列的映射）")


def fingerprint(data: IncidentCreate) -> str:
    """A record number made from what a row says — channel, time, text, address, caller,
    coordinates, codes — for exports that carry none (grid and hotline systems often do not):
    imported again, or resumed after an interruption, the same row is recognised instead of
    recorded twice. Two rows saying exactly the same are one incident written twice."""
    said = [
        data.channel,
        data.reported_at.astimezone(dt.UTC).isoformat() if data.reported_at else None,
        data.description,
        data.address,
        data.caller_name,
        data.caller_phone,
        data.lon,
        data.lat,
        data.coord_system,
        data.code,
        data.place_code,
    ]
    text = json.dumps(said, ensure_ascii=False, separators=(",", ":"))
    return FINGERPRINT + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
