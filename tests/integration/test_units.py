"""Units and resources: import, coverage, bad rows reported with the reason."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from pingan.area.queries import get_place_or_raise, list_places
from pingan.unit.actions import import_resources, import_units
from pingan.unit.queries import list_resources, units_covering
from pingan.user.scope import Scope

UNITS_CSV = """name,type,place_code,code,phone,covers
新昌县公安局南明派出所,police_station,330624001,PS-NM,0575-86000001,330624001;330624002
新昌县市场监督管理局,market_regulation,330624,MR-XC,,
坏单位,spaceship,330624,BAD-1,,
无处单位,police_station,999999,BAD-2,,
新昌县公安局南明派出所（重复编码）,police_station,330624,PS-NM,,
"""


def test_units_import_reports_each_bad_row_and_keeps_the_good(
    session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "units.csv"
    path.write_text(UNITS_CSV, encoding="utf-8")
    report = import_units(session, path)
    assert report.imported == 2
    rejected = {r["row"]: r["reason"] for r in report.rejected}
    assert set(rejected) == {4, 5, 6}
    assert "spaceship" in str(rejected[4]) and "999999" in str(rejected[5])
    assert "PS-NM" in str(rejected[6])
    town = get_place_or_raise(session, "330624002")
    assert [u.code for u in units_covering(session, town, type="police_station")] == ["PS-NM"]


def test_a_gbk_file_from_an_old_system_is_read(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "units_gbk.csv"
    path.write_bytes("name,type,place_code\n新昌县供电公司,power_supply,330624\n".encode("gbk"))
    assert import_units(session, path).imported == 1


def test_resources_import_attaches_to_units_by_code(session: Session, tmp_path: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text(UNITS_CSV, encoding="utf-8")
    import_units(session, units)
    resources = tmp_path / "resources.jsonl"
    resources.write_text(
        '{"unit": "PS-NM", "kind": "patrol_car", "name": "浙D1234警", "lon": 120.9, "lat": 29.5}\n'
        '{"unit": "PS-NM", "kind": "drone", "name": "无人机1号", "capabilities": ["thermal"]}\n'
        '{"unit": "NOPE", "kind": "drone", "name": "无人机2号"}\n'
        "not json\n",
        encoding="utf-8",
    )
    report = import_resources(session, resources)
    assert report.imported == 2
    assert [r["row"] for r in report.rejected] == [3, 4]
    items, total = list_resources(session, Scope(everything=True))
    assert total == 2 and {r.kind for r in items} == {"patrol_car", "drone"}


def test_coverage_prefers_the_most_specific_unit(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text(
        "name,type,place_code,code,covers\n"
        "县局巡特警,police_station,330624,XC-ALL,330624\n"
        "南明派出所,police_station,330624001,XC-NM,330624001\n",
        encoding="utf-8",
    )
    import_units(session, path)
    villages, _ = list_places(session, level="village", under="330624001", limit=1)
    covering = units_covering(session, villages[0], type="police_station")
    assert [u.code for u in covering] == ["XC-NM", "XC-ALL"]
