"""How a source system's export maps onto Pingan's incident fields (a small TOML file).

Pingan's own format needs no mapping: columns ``external_id, channel, reported_at, text, address,
lon, lat`` (optionally ``caller_name, caller_phone, code, place_code, coord_system``).

Example for a 110 export::

    [columns]
    external_id = "接警单编号"
    reported_at = "报警时间"
    text = ["报警内容", "警情描述"]   # whichever of these the file has (the first it has)
    address = "案发地址"
    caller_phone = "报警电话"
    lon = "经度"
    lat = "纬度"

    [defaults]
    channel = "110"
    coord_system = "gcj02"

    [formats]
    reported_at = ["%Y/%m/%d %H:%M"]

Mappings for the usual exports of 110, 12345 and grid systems ship with Pingan
(``data/mappings``) and are named by their file's stem: ``--mapping 12345``.
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


SHIPPED = Path(__file__).resolve().parents[1] / "data" / "mappings"


@dataclass(frozen=True)
class SourceMapping:
    """Pingan field → the source's column name, plus defaults and extra time formats.
    ``choices`` keeps, for a field given several names, the names in order of preference:
    :meth:`for_header` picks the one a file has."""

    columns: dict[str, str] = field(default_factory=lambda: {f: f for f in FIELDS})
    defaults: dict[str, str] = field(default_factory=dict)
    time_formats: tuple[str, ...] = ()
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def for_header(self, header: list[str]) -> SourceMapping:
        """This mapping for a file with these columns: each field given several names reads
        the first of them the file has (its first name when it has none), and a required column
        the file lacks fails here, before any row is read."""
        present = set(header)
        columns = dict(self.columns)
        for name, names in self.choices.items():
            columns[name] = next((n for n in names if n in present), names[0])
        chosen = SourceMapping(columns, self.defaults, self.time_formats)
        chosen.check_header(header)
        return chosen

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


def shipped_mappings() -> list[str]:
    """The names of the mappings that ship with Pingan (``--mapping NAME``)."""
    return sorted(path.stem for path in SHIPPED.glob("*.toml"))


def load_mapping(path: Path | None) -> SourceMapping:
    """The mapping in a TOML file, or the shipped one of that name (``12345``); Pingan's own
    format when ``path`` is None."""
    if path is None:
        return SourceMapping()
    if not path.exists() and path.name == str(path) and (SHIPPED / f"{path}.toml").exists():
        path = SHIPPED / f"{path}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InvalidInput(
            f"映射文件 {path} 不存在；内置映射：{'、'.join(shipped_mappings())}"
        ) from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"映射文件 {path} 无法读取：{exc}") from exc
    unknown_sections = set(data) - {"columns", "defaults", "formats"}
    if unknown_sections:
        raise InvalidInput(f"映射文件中有未知的节：{', '.join(sorted(unknown_sections))}")
    choices = {str(k): _names(k, v) for k, v in data.get("columns", {}).items()}
    defaults = {str(k): str(v) for k, v in data.get("defaults", {}).items()}
    for name in (*choices, *defaults):
        if name not in FIELDS:
            raise InvalidInput(f"映射文件中的字段 {name} 未知；可用字段：{', '.join(FIELDS)}")
    columns = {f: f for f in FIELDS} | {name: names[0] for name, names in choices.items()}
    formats = data.get("formats", {}).get("reported_at", [])
    return SourceMapping(
        columns=columns,
        defaults=defaults,
        time_formats=tuple(formats),
        choices={name: names for name, names in choices.items() if len(names) > 1},
    )


def _names(name: str, value: object) -> tuple[str, ...]:
    """A field's column name, or its names in order of preference."""
    names = tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)
    if not names or not all(n.strip() for n in names):
        raise InvalidInput(f"映射文件中字段 {name} 的列名为空")
    return names
