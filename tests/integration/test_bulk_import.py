"""Bulk import of exports: good rows in through the pipeline, bad rows reported, no repeats."""

from __future__ import annotations

import datetime as dt
import gc
import json
import multiprocessing
import threading
import tracemalloc
from multiprocessing.context import BaseContext
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pingan.errors import InvalidInput
from pingan.incident.history import events_of
from pingan.incident.models import Incident
from pingan.intake.bulk import import_incidents, write_rejected
from pingan.intake.mapping import SourceMapping, load_mapping
from pingan.intake.parse import RowError, parse_time
from pingan.intake.rejected import KEEP_IN_MEMORY
from pingan.tabular import count_rows, read_rows
from pingan.user.scope import SYSTEM

GOOD_AND_BAD = """external_id,channel,reported_at,text,address,lon,lat
A-1,110,2024-05-01 08:30:00,报警人称电动车被盗,新昌县南明街道七星路,,
A-2,110,2024/5/1 9:05,两车追尾无人受伤,新昌县羽林街道,120.91,29.51
A-3,110,not a date,有人打架,新昌县,,
A-4,110,2024-05-01 10:00:00,,新昌县,,
A-5,110,2024-05-01 11:00:00,路灯不亮,新昌县,116.40,39.90
A-1,110,2024-05-01 12:00:00,重复编号的一行,新昌县,,
A-6,12345,2024年5月2日14时20分,小区噪音扰民多次反映无果,新昌县七星街道,,
A-7,110,2024-05-01 13:00:00,坐标写错的一行,新昌县,500,900
A-8,110,2024-05-01 14:00:00,经纬度填反的一行,新昌县,29.51,120.91
"""


def _read_all(path: Path) -> tuple[int, dict[str, object], int]:
    """Every row of the file read: how many, the last one, and the peak memory meanwhile."""
    tracemalloc.start()
    try:
        count, last = 0, {}
        for _number, row in read_rows(path):
            count, last = count + 1, row
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, last, peak


def _count(session: Session) -> int:
    return len(session.scalars(select(Incident.id)).all())


def test_good_rows_go_in_bad_rows_are_reported_and_a_second_run_adds_nothing(
    session_factory: sessionmaker[Session], session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(GOOD_AND_BAD.encode("gb18030"))  # old systems export GBK
    done: list[int] = []
    summary = import_incidents(
        session_factory,
        path,
        actor=SYSTEM,
        mapping=SourceMapping(),
        batch_size=2,
        progress=done.append,
    )
    assert summary.total == 9 and summary.imported == 3
    assert sum(done) == count_rows(path) == 9  # the progress bar ends full, bad rows and all
    reasons = {r["row"]: r["reason"] for r in summary.rejected}
    assert set(reasons) == {4, 5, 6, 7, 9, 10}
    assert "not a date" in reasons[4]
    assert "text" in reasons[5]
    assert "浙江" in reasons[6]  # a Beijing coordinate
    assert "第 2 行重复" in reasons[7]
    assert reasons[9] == "lon：不能大于 180；lat：不能大于 90"  # absurd coordinates, in Chinese
    assert reasons[10].startswith("经纬度疑似填反")
    imported = session.scalars(select(Incident).order_by(Incident.external_id)).all()
    assert [i.external_id for i in imported] == ["A-1", "A-2", "A-6"]
    assert all(i.county_code == "330624" and i.state == "triaged" for i in imported)
    # create, triage, and routing — here no unit covers the place, so it waits for a dispatcher.
    histories = [[e.action for e in events_of(session, i.id)] for i in imported]
    assert histories == [["create", "triage", "unroutable"]] * 3
    assert imported[0].reported_at == dt.datetime(2024, 5, 1, 0, 30, tzinfo=dt.UTC)

    again = import_incidents(session_factory, path, actor=SYSTEM, mapping=SourceMapping())
    assert again.imported == 0 and again.already == 3
    assert _count(session) == 3
    assert gc.isenabled()  # collection is paused only while an import runs


@pytest.mark.parametrize("another_thread", [False, True], ids=["forked", "spawned"])
def test_a_triage_worker_process_gives_the_same_incidents(
    session_factory: sessionmaker[Session],
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    another_thread: bool,
) -> None:
    """Forked from this process when it runs no other thread, else spawned (a fresh
    interpreter that loads the shipped model itself): either way, the incidents of an inline
    import."""
    lines = ["external_id,channel,reported_at,text,address"]
    texts = (
        "电动车被盗价值两千元",
        "小区门口两人打架有人受伤",
        "路灯不亮好几天了",
        "钥匙丢了要开锁",
    )
    for n in range(40):
        lines.append(f"W-{n},110,2024-05-01 08:{n:02d}:00,{texts[n % 4]},新昌县南明街道")
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    started: list[str] = []
    get_context = multiprocessing.get_context

    def noted(method: str | None = None) -> BaseContext:
        started.append(str(method))
        return get_context(method)

    monkeypatch.setattr(multiprocessing, "get_context", noted)
    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    if another_thread:
        other.start()
    try:
        summary = import_incidents(
            session_factory, path, actor=SYSTEM, mapping=SourceMapping(), batch_size=7, workers=1
        )
    finally:
        release.set()
    assert started == ["spawn" if another_thread else "fork"]
    assert summary.imported == 40 and not summary.rejected
    ahead = {
        i.external_id: (i.initial_code, i.place_code, i.urgency)
        for i in session.scalars(select(Incident).where(Incident.external_id.like("W-%")))
    }
    again = tmp_path / "again.csv"
    again.write_text("\n".join(lines).replace(",W-", ",V-").replace("\nW-", "\nV-"), "utf-8")
    import_incidents(session_factory, again, actor=SYSTEM, mapping=SourceMapping(), batch_size=7)
    inline = {
        i.external_id.replace("V-", "W-"): (i.initial_code, i.place_code, i.urgency)
        for i in session.scalars(select(Incident).where(Incident.external_id.like("V-%")))
    }
    assert ahead == inline and len(ahead) == 40


def test_an_interrupted_import_resumes_where_it_stopped(
    session_factory: sessionmaker[Session], session: Session, tmp_path: Path
) -> None:
    header = "external_id,text,address\n"
    rows = [f"R-{n},报警人称手机被盗 第{n}起,新昌县南明街道\n" for n in range(12)]
    partial = tmp_path / "partial.csv"
    partial.write_text(header + "".join(rows[:5]), encoding="utf-8")
    import_incidents(session_factory, partial, actor=SYSTEM, mapping=SourceMapping(), batch_size=2)
    full = tmp_path / "full.csv"
    full.write_text(header + "".join(rows), encoding="utf-8")
    summary = import_incidents(
        session_factory, full, actor=SYSTEM, mapping=SourceMapping(), batch_size=4
    )
    assert summary.imported == 7 and summary.already == 5
    assert _count(session) == 12


def test_an_excel_export_with_its_own_column_names(
    session_factory: sessionmaker[Session], session: Session, tmp_path: Path
) -> None:
    mapping_file = tmp_path / "zj110.toml"
    mapping_file.write_text(
        '[columns]\nexternal_id = "接警单编号"\nreported_at = "报警时间"\ntext = "报警内容"\n'
        'address = "案发地址"\ncaller_phone = "报警电话"\n[defaults]\nchannel = "110"\n',
        encoding="utf-8",
    )
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["接警单编号", "报警时间", "报警内容", "案发地址", "报警电话"])
    sheet.append(
        [
            "JJ001",
            dt.datetime(2024, 6, 1, 21, 15),
            "邻居吵架声音很大",
            "新昌县南明街道",
            13800001111,
        ]
    )
    sheet.append(["JJ002", "2024-06-01 22:40", "钥匙锁屋里了要开锁", "新昌县南明街道", None])
    path = tmp_path / "export.xlsx"
    book.save(path)
    assert count_rows(path) == 2  # the progress bar knows the size of a workbook too
    summary = import_incidents(
        session_factory, path, actor=SYSTEM, mapping=load_mapping(mapping_file)
    )
    assert summary.imported == 2 and not summary.rejected
    first = session.scalar(select(Incident).where(Incident.external_id == "JJ001"))
    assert first is not None and first.caller_phone == "13800001111" and first.channel == "110"


def test_title_rows_above_the_header_are_passed_over_in_a_workbook_and_a_csv(
    session_factory: sessionmaker[Session], session: Session, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["新昌县公安局接警登记表"])  # a title across merged cells, as exports have
    sheet.merge_cells("A1:C1")
    sheet.append(["导出时间：2024-06-02", None, None])
    sheet.append(["external_id", "text", "address"])
    sheet.append(["T-1", "邻居吵架声音很大", "新昌县南明街道"])
    sheet.append(["T-2", "钥匙锁屋里了要开锁", "新昌县"])
    sheet.append(["T-3", None, "新昌县"])
    workbook = tmp_path / "titled.xlsx"
    book.save(workbook)
    csv_file = tmp_path / "titled.csv"
    titled = "新昌县公安局接警登记表,,\n\nexternal_id,text,address\n"
    csv_file.write_bytes((titled + "T-4,两车追尾,新昌县\n\nT-5,,新昌县\n").encode("gbk"))
    summary = import_incidents(session_factory, workbook, actor=SYSTEM, mapping=SourceMapping())
    assert summary.imported == 2
    assert [(r["row"], r["reason"]) for r in summary.rejected] == [(6, "缺少警情内容（text）")]
    summary = import_incidents(session_factory, csv_file, actor=SYSTEM, mapping=SourceMapping())
    assert summary.imported == 1
    assert [r["row"] for r in summary.rejected] == [6]  # as a spreadsheet numbers it
    stored = session.scalars(select(Incident.external_id).order_by(Incident.external_id)).all()
    assert stored == ["T-1", "T-2", "T-4"]


def test_a_file_of_one_column_has_its_header_first(tmp_path: Path) -> None:
    path = tmp_path / "texts.csv"
    path.write_text("text\n有人打架\n电动车被盗\n", encoding="utf-8")
    assert [row for _, row in read_rows(path)] == [{"text": "有人打架"}, {"text": "电动车被盗"}]


def test_a_file_missing_the_text_column_is_refused_before_anything_is_written(
    session_factory: sessionmaker[Session], session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("编号,时间\n1,2024-01-01\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="text"):
        import_incidents(session_factory, path, actor=SYSTEM, mapping=SourceMapping())
    assert _count(session) == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T08:30:00+08:00", dt.datetime(2024, 5, 1, 0, 30, tzinfo=dt.UTC)),
        ("20240501083000", dt.datetime(2024, 5, 1, 0, 30, tzinfo=dt.UTC)),
        ("2024年5月1日 8时30分", dt.datetime(2024, 5, 1, 0, 30, tzinfo=dt.UTC)),
        (45413.5, dt.datetime(2024, 5, 1, 4, 0, tzinfo=dt.UTC)),  # Excel serial: noon Beijing
        # Excel with a Chinese locale, SQL Server and Oracle exports, hand-kept ledgers
        ("2024/5/1 下午 3:05", dt.datetime(2024, 5, 1, 7, 5, tzinfo=dt.UTC)),
        ("2024/5/1 3:05 PM", dt.datetime(2024, 5, 1, 7, 5, tzinfo=dt.UTC)),
        ("2024/05/01 08:30:00.000", dt.datetime(2024, 5, 1, 0, 30, tzinfo=dt.UTC)),
        ("2024.05.01", dt.datetime(2024, 4, 30, 16, 0, tzinfo=dt.UTC)),
        ("2024年5月1日 8:30:15", dt.datetime(2024, 5, 1, 0, 30, 15, tzinfo=dt.UTC)),
        ("2024年5月1日中午1点", dt.datetime(2024, 5, 1, 5, 0, tzinfo=dt.UTC)),
        ("2024年5月1日凌晨12点20分", dt.datetime(2024, 4, 30, 16, 20, tzinfo=dt.UTC)),
        ("2024-05-01 8时30分15秒", dt.datetime(2024, 5, 1, 0, 30, 15, tzinfo=dt.UTC)),
    ],
)
def test_times_in_the_formats_exports_use(value: object, expected: dt.datetime) -> None:
    assert parse_time(value) == expected


def test_an_impossible_time_is_refused() -> None:
    with pytest.raises(RowError):
        parse_time("2024-02-30 10:00")
    with pytest.raises(RowError):
        parse_time("1970-01-01 00:00:00")
    with pytest.raises(RowError, match="时刻"):
        parse_time("2024/5/1 25:00")
    with pytest.raises(RowError, match="无法识别"):
        parse_time("5/1/2024 8:30")  # month or day first? not guessed


def test_damaged_rows_are_reported_on_every_database(
    session_factory: sessionmaker[Session], session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "damaged.csv"
    path.write_text(
        "external_id,channel,text,address\n"
        f"D-1,110,{'很长' * 70_000},新昌县\n"  # a field past the CSV reader's limit
        "D-2,110,邻居家里传出呼救声,新昌县南明街道\n"
        "D-3,110,有人\x00打架,新昌县\n",  # PostgreSQL refuses NUL in text
        encoding="utf-8",
    )
    summary = import_incidents(session_factory, path, actor=SYSTEM, mapping=SourceMapping())
    reasons = {r["row"]: r["reason"] for r in summary.rejected}
    assert summary.imported == 1 and set(reasons) == {2, 4}
    assert "CSV" in reasons[2] and "NUL" in reasons[4]
    assert session.scalars(select(Incident.external_id)).all() == ["D-2"]


def test_a_csv_row_with_a_quote_left_open_is_reported_and_the_rows_after_it_still_go_in(
    session_factory: sessionmaker[Session], session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "quotes.csv"
    lines = [
        "external_id,channel,text,address,lon,lat",
        'Q-1,110,"报警称电动车被盗，\n车是新买的",新昌县南明街道,,',  # two lines, quoted: one row
        'Q-2,110,"有人打架,新昌县,,',  # the quote never closes
        "Q-3,110,邻居家里传出呼救声,新昌县南明街道,,",
        'Q-4,110,他说"快来"了,新昌县,,',  # a quote inside a value: read as it is
        'Q-5,110,"门口有人吵架",新昌县,,',  # the next quote in the file
        "Q-6,110,两车追尾,一人受伤,新昌县,120.91,29.51",  # a comma in the text, unquoted
        '="007",110,\t路灯不亮,新昌县,,',  # written so that a spreadsheet keeps it as text
        'Q-7,110,"最后一行断了',
    ]
    path.write_bytes("\n".join(lines).encode("gbk"))
    summary = import_incidents(session_factory, path, actor=SYSTEM, mapping=SourceMapping())
    reasons = {r["row"]: r["reason"] for r in summary.rejected}
    assert set(reasons) == {3, 7, 9}  # the header is row 1
    assert reasons[3].startswith("引号未闭合") and reasons[9].startswith("引号未闭合")
    assert reasons[7].startswith("列数多于表头")
    stored = dict(session.execute(select(Incident.external_id, Incident.description)).all())
    assert stored == {
        "Q-1": "报警称电动车被盗，\n车是新买的",
        "Q-3": "邻居家里传出呼救声",
        "Q-4": '他说"快来"了',
        "Q-5": "门口有人吵架",
        "007": "路灯不亮",
    }
    rejected = tmp_path / "rejected.csv"
    write_rejected(rejected, summary.rejected)
    kept = rejected.read_text(encoding="utf-8-sig")
    assert 'Q-2,110,""有人打架' in kept  # the broken line as the file gave it, to correct


@pytest.mark.parametrize(
    "lines",
    [
        ['external_id,channel,text,address,"备注', "Q-1,110,有人打架,新昌县,x"],
        ['"某派出所警情登记表', "external_id,channel,text,address", "Q-1,110,有人打架,新昌县"],
    ],
)
def test_a_quote_left_open_in_the_header_or_a_title_says_so_and_imports_nothing(
    session_factory: sessionmaker[Session], session: Session, tmp_path: Path, lines: list[str]
) -> None:
    """The file's first line runs on to its end: the columns cannot be known."""
    path = tmp_path / "header.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="表头（第 1 行）无法读取，多为引号未闭合"):
        import_incidents(session_factory, path, actor=SYSTEM, mapping=SourceMapping())
    with pytest.raises(InvalidInput, match="引号未闭合"):
        list(read_rows(path))
    assert session.scalars(select(Incident.id)).all() == []


def test_a_large_export_is_read_a_row_at_a_time_whatever_its_encoding(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    ascii_rows = [f"B-{n},110,theft reported at gate {n:06d},addr\n" for n in range(40_000)]
    assert sum(map(len, ascii_rows)) > 1 << 20  # the GBK row comes a megabyte in
    path.write_bytes(
        b"external_id,channel,text,address\n"
        + "".join(ascii_rows).encode()
        + "B-last,110,有人在门口打架,新昌县\n".encode("gbk")
    )
    count, last, peak = _read_all(path)
    assert count == 40_001 and last["text"] == "有人在门口打架"
    assert peak < path.stat().st_size / 4  # never the whole file in memory


def test_a_json_array_export_is_read_element_by_element_and_a_broken_tail_is_reported(
    session_factory: sessionmaker[Session], session: Session, tmp_path: Path
) -> None:
    elements = [
        {"external_id": "J-1", "text": "报警人称电动车被盗", "address": "新昌县南明街道"},
        "不是对象的一个元素",
        {"external_id": "J-2", "text": "两车追尾", "address": "新昌县", "lon": 120.9, "lat": 29.5},
    ]
    whole = json.dumps(elements, ensure_ascii=False)
    path = tmp_path / "export.json"
    # GBK, as old systems write it, and cut off inside a fourth element.
    path.write_bytes((whole[:-1] + ', {"external_id": "J-3", "text": "有人打').encode("gbk"))
    done: list[int] = []
    summary = import_incidents(
        session_factory, path, actor=SYSTEM, mapping=SourceMapping(), progress=done.append
    )
    assert summary.imported == 2 and sum(done) == summary.total == 4
    reasons = {r["row"]: r["reason"] for r in summary.rejected}
    assert set(reasons) == {2, 4}
    assert "JSON 对象" in reasons[2]
    assert reasons[4].startswith("JSON 自第 4 个元素起无法解析")
    stored = session.scalars(select(Incident).order_by(Incident.external_id)).all()
    assert [(i.external_id, i.lon) for i in stored][1] == ("J-2", 120.9)
    assert [i.external_id for i in stored] == ["J-1", "J-2"]

    complete = tmp_path / "complete.json"
    complete.write_text(whole, encoding="utf-8-sig")  # with a byte-order mark
    assert count_rows(complete) == 3
    again = import_incidents(session_factory, complete, actor=SYSTEM, mapping=SourceMapping())
    assert again.already == 2 and again.imported == 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [('{"external_id": "X-1"}', "对象数组"), ("nonsense", "无法解析"), ("", "无法解析")],
)
def test_a_json_file_that_is_no_array_is_refused_before_anything_is_read(
    tmp_path: Path, text: str, reason: str
) -> None:
    path = tmp_path / "export.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=reason):
        list(read_rows(path))


def test_a_large_json_array_is_never_held_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    elements = [
        {"external_id": f"B-{n}", "text": f"有人在门口打架 第{n:06d}起", "address": "新昌县"}
        for n in range(100_000)
    ]
    path.write_text(json.dumps(elements, ensure_ascii=False), encoding="gb18030")
    del elements
    count, last, peak = _read_all(path)
    assert count == 100_000 and last["external_id"] == "B-99999"
    assert peak < path.stat().st_size / 4


def test_an_export_rejected_throughout_is_reported_row_by_row(
    session_factory: sessionmaker[Session], session: Session, tmp_path: Path
) -> None:
    # Every date in a form nobody expected: past the rows kept in memory, the rest on disk.
    path = tmp_path / "export.csv"
    rows = [f"T-{n},110,第{n}天,有人打架,新昌县\n" for n in range(KEEP_IN_MEMORY + 500)]
    path.write_text("external_id,channel,reported_at,text,address\n" + "".join(rows), "utf-8")
    summary = import_incidents(session_factory, path, actor=SYSTEM, mapping=SourceMapping())
    assert summary.imported == 0 and len(summary.rejected) == KEEP_IN_MEMORY + 500
    assert [r["row"] for r in summary.reasons(3)] == [2, 3, 4]
    assert "第0天" in summary.reasons(1)[0]["reason"]
    out = tmp_path / "rejected.csv"
    write_rejected(out, summary.rejected)
    numbers = [int(row["原行号"]) for _, row in read_rows(out)]
    assert numbers == list(range(2, KEEP_IN_MEMORY + 502))
    assert _count(session) == 0
    summary.rejected.close()


def test_an_export_without_record_numbers_is_still_imported_once(
    session_factory: sessionmaker[Session], session: Session, tmp_path: Path
) -> None:
    header = "channel,reported_at,text,address\n"
    rows = [f"12345,2024-05-0{n + 1} 09:00:00,路灯不亮第{n}处,新昌县\n" for n in range(6)]
    partial = tmp_path / "partial.csv"
    partial.write_text(header + "".join(rows[:2]), encoding="utf-8")
    import_incidents(session_factory, partial, actor=SYSTEM, mapping=SourceMapping())
    full = tmp_path / "grid.csv"
    full.write_text(header + "".join(rows) + rows[0], encoding="utf-8")  # the first row twice
    summary = import_incidents(session_factory, full, actor=SYSTEM, mapping=SourceMapping())
    assert summary.imported == 4 and summary.already == 2  # resumed: only what was missing
    assert [(r["row"], r["reason"]) for r in summary.reasons(5)] == [
        (8, "与第 2 行内容完全相同（文件未给记录编号，按内容识别）")
    ]
    again = import_incidents(session_factory, full, actor=SYSTEM, mapping=SourceMapping())
    assert again.imported == 0 and again.already == 6
    assert _count(session) == 6


def test_a_repeated_record_number_is_found_after_the_numbers_moved_to_disk(
    session_factory: sessionmaker[Session],
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("pingan.intake.record_numbers.KEEP_IN_MEMORY", 5)
    lines = [f"R-{n},110,2024-05-01 08:{n:02d}:00,手机被盗 第{n}起,新昌县\n" for n in range(20)]
    lines.append("R-1,110,2024-05-02 09:00:00,另一起警情却用了同一编号,新昌县\n")
    path = tmp_path / "export.csv"
    path.write_text("external_id,channel,reported_at,text,address\n" + "".join(lines))

    summary = import_incidents(
        session_factory, path, actor=SYSTEM, mapping=SourceMapping(), batch_size=4
    )

    assert summary.imported == 20 and len(summary.rejected) == 1
    assert summary.reasons(1) == [{"row": 22, "reason": "记录编号 R-1 与第 3 行重复"}]
    assert _count(session) == 20


@pytest.mark.parametrize(
    ("name", "header", "channel"),
    [
        ("110", "警情编号,接警时间,警情描述,事发地址,报警人,联系电话", "110"),
        ("12345", "工单号,受理时间,工单内容,诉求地址,联系人,来电号码", "12345"),
        ("grid", "事件单号,发现时间,事件内容,发生地点", "grid"),
    ],
)
def test_a_shipped_mapping_reads_its_systems_export_under_other_column_names(
    session_factory: sessionmaker[Session],
    session: Session,
    tmp_path: Path,
    name: str,
    header: str,
    channel: str,
) -> None:
    """Exports of one kind of system name their columns a little differently from place to
    place: a shipped mapping lists the usual names, and a file with any of them imports."""
    values = [
        "N-0001",
        "2024/5/1 8:30",
        "小区门口有人打架，一人头部流血",
        "新昌县南明街道人民路1号",
    ]
    values += ["王某", "13800001111"][: header.count(",") - 3]
    path = tmp_path / f"{name}.csv"
    path.write_bytes(f"{header}\n{','.join(values)}\n".encode("gb18030"))

    summary = import_incidents(
        session_factory, path, actor=SYSTEM, mapping=load_mapping(Path(name))
    )

    assert summary.imported == 1, summary.reasons(5)
    incident = session.scalars(select(Incident).where(Incident.external_id == "N-0001")).one()
    assert incident.channel == channel and incident.description.startswith("小区门口")
    assert incident.address == "新昌县南明街道人民路1号" and incident.county_code == "330624"
    assert incident.reported_at.astimezone(dt.UTC) == dt.datetime(2024, 5, 1, 0, 30, tzinfo=dt.UTC)
    assert incident.caller_phone == ("13800001111" if name != "grid" else None)


def test_a_mapping_naming_several_columns_says_which_it_wanted_when_none_is_there(
    tmp_path: Path,
) -> None:
    mapping_file = tmp_path / "mine.toml"
    mapping_file.write_text('[columns]\ntext = ["诉求内容", "工单内容"]\n', encoding="utf-8")
    path = tmp_path / "export.csv"
    path.write_text("编号,内容\n1,路灯不亮\n", encoding="utf-8")

    with pytest.raises(InvalidInput, match="缺少必需的列：text（列名 诉求内容）"):
        import_incidents(sessionmaker(), path, actor=SYSTEM, mapping=load_mapping(mapping_file))
    with pytest.raises(InvalidInput, match="内置映射：110、12345、grid"):
        load_mapping(Path("99999"))
