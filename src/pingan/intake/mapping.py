"""How a source system's export maps onto Pingan's incident fields (a small TOML file).

Pingan's own format needs no mapping: columns ``external_id, channel, reported_at, text, address,
lon, lat`` (optionally ``caller_name, caller_phone, code, place_code, coord_system``).

Example for a 110 export::

    [columns]
    external_id = "接警单编号"
    reported_at = "报警时间"
    text = "报警内容"
    address = "案发地址"
    caller_phone = "报警电话"
    lon = "经度"
    lat = "纬度"

    [defaults]
    channel = "110"
    coord_system = "gcj02"

    [formats]
    reported_at = ["%Y/%m/%d %H:%M"]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pingan.errors import InvalidInput

FIELDS = (
    "external_id",
    "channel",
    "reported_at",
    "text",
    "address",
    "lon",
    "lat",
    "caller_name",
    "caller_phone",
    "code",
    "place_code",
    "coord_system",
)
REQUIRED = ("text",)


@dataclass(frozen=True)
class SourceMapping:
    """Pingan field → the source's column name, plus defaults and extra time formats."""

    columns: dict[str, str] = field(default_factory=lambda: {f: f for f in FIELDS})
    defaults: dict[str, str] = field(default_factory=dict)
    time_formats: tuple[str, ...] = ()

    def check_header(self, header: list[str]) -> None:
        """Fail early, naming what is missing, when the file lacks a required column."""
        present = set(header)
        missing = [
            f"{name}（列名 {self.columns.get(name, name)}）"
            for name in REQUIRED
            if self.columns.get(name, name) not in present
        ]
        if missing:
            raise InvalidInput(
                f"文件缺少必需的列：{'、'.join(missing)}；文件中的列：{'、'.join(header)}"
            )


def load_mapping(path: Path | None) -> SourceMapping:
    if path is None:
        return SourceMapping()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"映射文件 {path} 无法读取：{exc}") from exc
    unknown_sections = set(data) - {"columns", "defaults", "formats"}
    if unknown_sections:
        raise InvalidInput(f"映射文件中有未知的节：{', '.join(sorted(unknown_sections))}")
    columns = {str(k): str(v) for k, v in data.get("columns", {}).items()}
    defaults = {str(k): str(v) for k, v in data.get("defaults", {}).items()}
    for name in (*columns, *defaults):
        if name not in FIELDS:
            raise InvalidInput(f"映射文件中的字段 {name} 未知；可用字段：{', '.join(FIELDS)}")
    merged = {f: f for f in FIELDS if f not in columns} | columns
    formats = data.get("formats", {}).get("reported_at", [])
    return SourceMapping(columns=merged, defaults=defaults, time_formats=tuple(formats))
