"""The ``pingan`` command: serve, migrate, places, users, units, incidents, demo."""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text
from sqlalchemy.orm import Session

from pingan.config import Settings, load_settings
from pingan.errors import PinganError, describe_validation
from pingan.geo import commands as geo_commands
from pingan.triage import commands as triage_commands

app = typer.Typer(help="Pingan 平安：基层平安治理指挥平台", no_args_is_help=True)
db_app = typer.Typer(help="数据库：迁移", no_args_is_help=True)
places_app = typer.Typer(help="区划：统计、列表、查询、导入网格", no_args_is_help=True)
user_app = typer.Typer(help="用户", no_args_is_help=True)
units_app = typer.Typer(help="处置单位与力量", no_args_is_help=True)
incident_app = typer.Typer(help="警情", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(places_app, name="places")
app.add_typer(user_app, name="user")
app.add_typer(units_app, name="units")
app.add_typer(incident_app, name="incident")
rules_app = typer.Typer(help="分派规则：检查、回放", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
import_app = typer.Typer(help="批量导入", no_args_is_help=True)
app.add_typer(import_app, name="import")
eval_app = typer.Typer(help="评测：在真实标注数据上测准确率", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

# Triage and address understanding live in pure packages; their commands are mounted here.
app.command("triage", help="逐行研判：stdin 读 JSON 行 {id,text,address?}，stdout 写结果")(
    triage_commands.triage_command
)
app.command("train", help="用自有标注数据训练分类模型（CSV/JSONL：text、code）")(
    triage_commands.train_command
)
app.command("geocode", help="逐行地址解析：stdin 读 JSON 行 {id,address}，stdout 写 place")(
    geo_commands.geocode
)
eval_app.command("triage", help="评测研判：准确率、宏F1、各类查准查全、混淆、校准")(
    triage_commands.eval_command
)
eval_app.command("address", help="评测地址解析（NAACL 字符/BIO 格式）")(geo_commands.eval_address)

console = Console(stderr=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]


class RateColumn(ProgressColumn):
    """Items per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f}/s" if speed else "–/s", style="cyan")


# The demo builds a city's real volume. The latest DEMO_READY_DAYS days are built before the
# server starts (a new user waits for them: about 80 s for 绍兴市 on two cores);
# the rest of the year is filled in behind it, newest first, by a separate process.
DEMO_VOLUME = 1.0
DEMO_READY_DAYS = 30


def progress_bar() -> Progress:
    """A progress bar on stderr with count, rate and time left (hidden when not a terminal)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    )


@contextmanager
def cli_session(settings: Settings | None = None) -> Iterator[Session]:
    """The command's unit of work: commit on success, roll back on error."""
    from pingan.db.engine import make_engine
    from pingan.db.session import make_sessionmaker, session_scope

    settings = settings or load_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            yield session
    finally:
        engine.dispose()


def emit(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=str) + "\n")


def fail(message: str, code: int = 2) -> NoReturn:
    console.print(f"[red]错误：[/red]{message}")
    raise typer.Exit(code)


def ensure_database(settings: Settings) -> dict[str, int]:
    """Migrate to the newest schema and load the shipped divisions if they are not there."""
    from pingan.area.actions import load_divisions
    from pingan.area.queries import count_by_level
    from pingan.db.migrate import upgrade
    from pingan.geo.places_file import load_places

    upgrade(settings.resolved_database_url)
    with cli_session(settings) as session:
        counts = count_by_level(session)
        if counts["county"] == 0:
            records = load_places()
            with progress_bar() as bar:
                task = bar.add_task("载入浙江区划", total=len(records))
                load_divisions(session, records, progress=lambda n: bar.advance(task, n))
            counts = count_by_level(session)
    return counts


@db_app.command("upgrade")
def db_upgrade() -> None:
    """迁移数据库到最新结构，并在首次运行时载入浙江全省区划。"""
    settings = load_settings()
    counts = ensure_database(settings)
    console.print(f"数据库已就绪：{settings.resolved_database_url.split('@')[-1]}  区划 {counts}")


@places_app.command("stats")
def places_stats(as_json: JsonFlag = False) -> None:
    """各层级区划数量。"""
    from pingan.area.queries import count_by_level

    with cli_session() as session:
        counts = count_by_level(session)
    if as_json:
        emit(counts)
    else:
        for level, count in counts.items():
            typer.echo(f"{level:10s}{count:>8d}")


def _place_dict(place: Any) -> dict[str, Any]:
    from pingan.area.schemas import PlaceRead

    return PlaceRead.model_validate(place).model_dump()


@places_app.command("list")
def places_list(
    level: Annotated[
        str | None, typer.Option(help="province/city/county/town/village/grid")
    ] = None,
    under: Annotated[str | None, typer.Option(help="只列出该区划之下的")] = None,
    name: Annotated[str | None, typer.Option(help="名称（全称或简称）")] = None,
    as_json: JsonFlag = False,
) -> None:
    """列出区划。"""
    from pingan.area.queries import list_places

    with cli_session() as session:
        try:
            places, _ = list_places(session, level=level, under=under, name=name)
        except PinganError as exc:
            fail(exc.message)
        rows = [_place_dict(p) for p in places]
    if as_json:
        emit(rows)
    else:
        for row in rows:
            typer.echo(f"{row['code']}\t{row['level']}\t{row['name']}")


@places_app.command("get")
def places_get(code: str, as_json: JsonFlag = False) -> None:
    """按代码查看区划及其全部上级。"""
    from pingan.area.queries import ancestors, get_place_or_raise

    with cli_session() as session:
        try:
            place = get_place_or_raise(session, code)
            chain = [_place_dict(p) for p in ancestors(session, code)]
        except PinganError as exc:
            fail(exc.message)
        row = _place_dict(place)
    if as_json:
        emit({**row, "ancestors": chain})
    else:
        typer.echo(" > ".join([p["name"] for p in chain] + [row["name"]]) + f"  ({row['code']})")


@places_app.command("find")
def places_find(
    name: str,
    under: Annotated[str | None, typer.Option(help="只在该区划之下查找")] = None,
    as_json: JsonFlag = False,
) -> None:
    """按名称查找区划（新昌县 或 新昌）。"""
    from pingan.area.queries import find_by_name

    with cli_session() as session:
        rows = [_place_dict(p) for p in find_by_name(session, name, under=under)]
    if as_json:
        emit(rows)
    else:
        for row in rows:
            typer.echo(f"{row['code']}\t{row['level']}\t{row['name']}")


@places_app.command("import-grids")
def places_import_grids(path: Path) -> None:
    """从 GeoJSON 导入网格（每个要素需 code、name、parent_code）。"""
    from pingan.area.actions import import_grids
    from pingan.tabular import decode

    try:
        geojson = json.loads(decode(path.read_bytes()))
        with cli_session() as session:
            count = import_grids(session, geojson)
    except (PinganError, json.JSONDecodeError, OSError) as exc:
        fail(getattr(exc, "message", str(exc)))
    console.print(f"已导入 {count} 个网格")


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option(help="admin/commander/call_taker/dispatcher/unit_handler/…")],
    place: Annotated[str | None, typer.Option(help="辖区区划代码")] = None,
    unit: Annotated[int | None, typer.Option(help="所属单位编号")] = None,
    display_name: Annotated[str | None, typer.Option(help="姓名")] = None,
) -> None:
    """新建用户；密码从标准输入读取（一行）。"""
    from pydantic import ValidationError

    from pingan.user.actions import create_user
    from pingan.user.schemas import UserCreate

    password = sys.stdin.readline().rstrip("\r\n")
    try:
        data = UserCreate(
            username=username,
            password=password,
            role=role,
            place_code=place,
            unit_id=unit,
            display_name=display_name,
        )
        with cli_session() as session:
            user = create_user(session, data=data)
            user_id = user.id
    except ValidationError as exc:
        fail(describe_validation(exc))
    except PinganError as exc:
        fail(exc.message)
    console.print(f"已创建用户 {username}（id {user_id}，角色 {role}）")


def _print_report(report: Any) -> None:
    emit(report.model_dump())
    if report.rejected:
        console.print(f"[yellow]{len(report.rejected)} 行未导入[/yellow]（原因见输出 rejected）")


@units_app.command("import")
def units_import(path: Path) -> None:
    """导入处置单位（CSV/JSON/JSONL：name,type,place_code,code,phone,covers）。"""
    from pingan.unit.actions import import_units

    try:
        with cli_session() as session:
            report = import_units(session, path)
    except PinganError as exc:
        fail(exc.message)
    _print_report(report)


@units_app.command("import-resources")
def units_import_resources(path: Path) -> None:
    """导入力量（CSV/JSON/JSONL：unit,kind,name,call_sign,status,lon,lat,capabilities）。"""
    from pingan.unit.actions import import_resources

    try:
        with cli_session() as session:
            report = import_resources(session, path)
    except PinganError as exc:
        fail(exc.message)
    _print_report(report)


@units_app.command("list")
def units_list(
    type: Annotated[str | None, typer.Option(help="单位类型")] = None,
    under: Annotated[str | None, typer.Option(help="区划代码")] = None,
    as_json: JsonFlag = False,
) -> None:
    """列出处置单位。"""
    from pingan.unit.queries import list_units, unit_read
    from pingan.user.scope import Scope

    with cli_session() as session:
        units, _ = list_units(
            session, Scope(everything=True), type=type, under=under, limit=100_000
        )
        rows = [unit_read(u).model_dump() for u in units]
    if as_json:
        emit(rows)
    else:
        for row in rows:
            typer.echo(f"{row['id']}\t{row['type_name']}\t{row['name']}")


def _operator(session: Session, username: str | None) -> Any:
    from pingan.user.queries import get_user_by_username, to_actor
    from pingan.user.scope import SYSTEM

    if username is None:
        return SYSTEM
    user = get_user_by_username(session, username)
    if user is None:
        fail(f"用户 {username} 不存在")
    return to_actor(session, user)


@incident_app.command("create")
def incident_create(
    text: Annotated[str, typer.Option("--text", help="警情描述")],
    place: Annotated[str, typer.Option(help="事发地区划代码")],
    channel: Annotated[str, typer.Option(help="110/12345/grid/app/iot/walk_in")] = "110",
    address: Annotated[str | None, typer.Option(help="地址")] = None,
    code: Annotated[str | None, typer.Option(help="警情类别代码")] = None,
    phone: Annotated[str | None, typer.Option(help="报警人电话")] = None,
    as_user: Annotated[str | None, typer.Option("--as", help="以该用户身份登记")] = None,
) -> None:
    """登记一起警情。"""
    from pydantic import ValidationError

    from pingan.incident.actions import create_incident
    from pingan.incident.queries import incident_read
    from pingan.incident.schemas import IncidentCreate

    try:
        data = IncidentCreate(
            channel=channel,
            description=text,
            place_code=place,
            address=address,
            code=code,
            caller_phone=phone,
        )
        with cli_session() as session:
            actor = _operator(session, as_user)
            incident, _ = create_incident(session, actor=actor, data=data)
            row = incident_read(incident, actor).model_dump(mode="json")
    except ValidationError as exc:
        fail(describe_validation(exc))
    except PinganError as exc:
        fail(exc.message)
    emit(row)


@incident_app.command("list")
def incident_list(
    place: Annotated[str | None, typer.Option(help="区划代码")] = None,
    state: Annotated[str | None, typer.Option(help="状态")] = None,
    limit: Annotated[int, typer.Option(help="最多条数")] = 50,
    as_user: Annotated[str | None, typer.Option("--as", help="以该用户身份查看")] = None,
    as_json: JsonFlag = False,
) -> None:
    """列出警情（按用户辖区）。"""
    from pingan.incident.queries import incident_read, list_incidents
    from pingan.incident.schemas import IncidentFilter

    with cli_session() as session:
        actor = _operator(session, as_user)
        try:
            items, _ = list_incidents(
                session, actor, IncidentFilter(place=place, state=state), offset=0, limit=limit
            )
        except PinganError as exc:
            fail(exc.message)
        rows = [incident_read(i, actor).model_dump(mode="json") for i in items]
    if as_json:
        emit(rows)
    else:
        for row in rows:
            typer.echo(f"{row['number']}\t{row['state_name']}\t{row['description'][:40]}")


@import_app.command("incidents")
def import_incidents_command(
    path: Path,
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="列映射文件（TOML），或内置映射名：110、12345、grid；Pingan 自有格式无需"
        ),
    ] = None,
    as_user: Annotated[str | None, typer.Option("--as", help="以该用户身份导入")] = None,
    default_place: Annotated[str | None, typer.Option(help="地址无法解析时的默认区划")] = None,
    batch: Annotated[int, typer.Option(help="每批行数（每批一个事务）")] = 1000,
    rejected: Annotated[Path | None, typer.Option(help="把未导入的行及原因写入此 CSV")] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="提前研判下一批的进程数（0：在本进程内研判；默认有空闲核时为 1）"),
    ] = None,
) -> None:
    """导入警情（CSV/JSONL/JSON/Excel），逐行经过研判、定位、编号与流转记录；可重复执行、可续传。"""
    from pingan.db.engine import make_engine
    from pingan.db.session import make_sessionmaker
    from pingan.intake.ahead import default_workers
    from pingan.intake.bulk import ImportInterrupted, import_incidents, write_rejected
    from pingan.intake.mapping import load_mapping
    from pingan.tabular import count_rows

    settings = load_settings()
    ensure_database(settings)
    interrupted: ImportInterrupted | None = None
    try:
        source = load_mapping(mapping)
        engine = make_engine(settings.resolved_database_url)
        factory = make_sessionmaker(engine)
        with cli_session(settings) as session:
            actor = _operator(session, as_user)
        started = time.perf_counter()
        with progress_bar() as bar:
            task = bar.add_task(f"导入 {path.name}", total=count_rows(path))
            summary = import_incidents(
                factory,
                path,
                actor=actor,
                mapping=source,
                default_place=default_place or settings.default_place,
                batch_size=batch,
                progress=lambda n: bar.advance(task, n),
                workers=default_workers() if workers is None else workers,
            )
            # The count is of lines, cheaply: a CSV row over several lines (a quoted line break)
            # is one row. The bar ends full, at the rows read.
            bar.update(task, total=summary.total, completed=summary.total)
    except PinganError as exc:
        fail(exc.message)
    except ImportInterrupted as stopped:  # report what was committed, then stop
        summary, interrupted = stopped.summary, stopped
    seconds = time.perf_counter() - started
    engine.dispose()
    if rejected is not None:
        write_rejected(rejected, summary.rejected)
    # How long the file took, and its rows (rejected ones too) a second: the progress bar's last
    # figures, for a log where there is no bar.
    timing = {
        "seconds": round(seconds, 2),
        "rows_per_second": round(summary.total / max(seconds, 1e-6), 1),
    }
    emit({**summary.as_dict(), **timing, "rejected_rows": summary.reasons(50)})
    if interrupted is None:
        console.print(
            f"导入完成：新增 {summary.imported} 起，此前已导入 {summary.already} 起，"
            f"未导入 {len(summary.rejected)} 行；共 {summary.total} 行，"
            f"用时 {seconds:.1f} 秒（每秒 {timing['rows_per_second']:,.0f} 行）",
            soft_wrap=True,
        )
    if summary.rejected:
        console.print(
            f"[yellow]{len(summary.rejected)} 行未导入[/yellow]"
            + (f"，明细见 {rejected}" if rejected else "（加 --rejected FILE 保存明细）")
        )
    summary.rejected.close()
    if interrupted is not None:
        committed = f"已提交 {summary.imported} 起（每批一个事务，中断时正在写的一批未写入）"
        if interrupted.cause is None:  # Ctrl-C
            console.print(
                f"[yellow]导入已中断[/yellow]：{committed}；再次运行同一命令即可从中断处继续",
                soft_wrap=True,
            )
            raise typer.Exit(130)
        console.print(
            f"[red]导入已中断[/red]（{escape(interrupted.cause)}）：{committed}；"
            "排除故障后再次运行同一命令即可从中断处继续",
            soft_wrap=True,
        )
        raise typer.Exit(1)


def _route_one(session: Session, code: str, place_code: str, rules: Any = None) -> dict[str, Any]:
    from pingan.area.queries import get_place_or_raise
    from pingan.db.base import utcnow
    from pingan.incident.assignment import decide, load_directory
    from pingan.incident.schemas import check_code

    try:
        check_code(code)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    place = get_place_or_raise(session, place_code)
    decision = decide(load_directory(session, [place]), code, place, utcnow(), rules=rules)
    return decision.to_dict()


@app.command("route")
def route_command(
    code: Annotated[
        str | None, typer.Option(help="警情类别代码；不给时从 stdin 逐行读 JSON")
    ] = None,
    place: Annotated[str | None, typer.Option(help="事发地区划代码")] = None,
    text: Annotated[str | None, typer.Option(help="警情描述（未给 --code 时由研判定类）")] = None,
    as_json: JsonFlag = False,
) -> None:
    """分派：某类警情在某地由哪个单位主办、哪些协办，以及依据（规则、版本、逐单位说明）。"""
    from pingan.triage import triage

    with cli_session() as session:
        if code is None and text is not None:
            code = triage(text).code
        if code is not None:
            if place is None:
                fail("需要 --place")
            try:
                decision = _route_one(session, code, place)
            except PinganError as exc:
                fail(exc.message)
            if as_json:
                emit(decision)
            else:
                lead = decision["lead"]
                typer.echo(f"主办：{lead['name'] if lead else '无（转调度员）'}")
                typer.echo(decision["reason"])
            return
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                emit(
                    {
                        "id": item.get("id"),
                        **_route_one(session, str(item["code"]), str(item["place"])),
                    }
                )
            except (
                json.JSONDecodeError,
                KeyError,
                TypeError,
                PinganError,
                typer.BadParameter,
            ) as exc:
                ident = item.get("id") if isinstance(locals().get("item"), dict) else None
                emit({"id": ident, "error": getattr(exc, "message", str(exc))})


@rules_app.command("check")
def rules_check(path: Path) -> None:
    """检查规则文件：逐条指出行号和问题。"""
    from pingan.routing.rules import load_rules
    from pingan.routing.tomlfile import ConfigError

    try:
        rules = load_rules(path)
    except ConfigError as exc:
        fail(str(exc))
    console.print(f"规则文件有效：版本 {rules.version}，{len(rules.rules)} 条规则")


@rules_app.command("replay")
def rules_replay(
    rules: Annotated[Path, typer.Option("--rules", help="新的规则文件")],
    since: Annotated[str, typer.Option(help="起始日期 YYYY-MM-DD")],
    examples: Annotated[int, typer.Option(help="每种变化列出的示例数")] = 3,
    as_json: JsonFlag = False,
) -> None:
    """回放：过去的警情在新规则下会分给谁——单位间的流转数量与示例。"""
    import datetime as dt

    from pingan.incident.replay import replay_rules
    from pingan.routing.rules import load_rules
    from pingan.routing.tomlfile import ConfigError

    try:
        new_rules = load_rules(rules)
        start = dt.datetime.fromisoformat(since).replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    except ConfigError as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(f"--since 日期无效：{exc}")
    with cli_session() as session:
        report = replay_rules(session, new_rules, since=start, examples=examples)
    if as_json:
        emit(report)
        return
    typer.echo(
        f"回放 {report['incidents']} 起警情：{report['changed']} 起会改派"
        f"（旧规则 {report['old_version']} → 新规则 {report['new_version']}）"
    )
    for move in report["moves"]:
        typer.echo(f"  {move['from']} → {move['to']}：{move['count']} 起")
        for example in move["examples"]:
            typer.echo(f"      {example['number']}  {example['description'][:30]}")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    workers: Annotated[int, typer.Option(help="进程数")] = 1,
) -> None:
    """启动 API 与页面服务。"""
    from pingan.server import serve as run_server

    ensure_database(load_settings())
    console.print(f"Pingan 已启动：打开 http://{host}:{port}/login 登录（API 文档：/docs）")
    run_server(host, port, workers)


@app.command("demo")
def demo(
    city: Annotated[str, typer.Option(help="演示城市区划代码")] = "330600",
    scale: Annotated[
        str, typer.Option(help="模拟范围：city（一个城市）或 province（全省 11 市）")
    ] = "city",
    days: Annotated[int, typer.Option(help="模拟警情的天数（截至此刻）")] = 365,
    volume: Annotated[
        float, typer.Option(help="警情量相对真实水平的比例（1 = 全量，约每万人每天 4.8 起）")
    ] = DEMO_VOLUME,
    live: Annotated[
        bool, typer.Option("--live/--no-live", help="服务期间持续产生新警情，让大屏动起来")
    ] = True,
    live_per_minute: Annotated[float, typer.Option(help="实时模式每分钟新警情数")] = 12.0,
    ready_days: Annotated[
        int, typer.Option(help="启动服务前先建好的最近天数（其余在服务期间由后台进程补建）")
    ] = DEMO_READY_DAYS,
    workers: Annotated[
        int | None, typer.Option(help="提前研判的进程数（默认有空闲核时为 1）")
    ] = None,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="建好后是否启动服务（不启动则一次建完）")
    ] = True,
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
) -> None:
    """建立演示库：浙江全省区划，一个城市（或全省）的单位、力量和各角色用户，一年的模拟警情
    （逐起经过研判、分派、处置、回访与时限），然后启动服务并持续产生新警情。"""
    import threading

    from pingan.db.engine import make_engine
    from pingan.db.session import make_sessionmaker
    from pingan.demo.build import DEMO_PASSWORD, build_demo
    from pingan.demo.year import build_year, live_calls
    from pingan.intake.ahead import default_workers

    if scale not in ("city", "province"):
        raise typer.BadParameter("scale 只能是 city 或 province", param_hint="--scale")
    if days < 0 or volume < 0 or ready_days < 0:
        raise typer.BadParameter("days、volume 与 ready-days 不能为负数")
    settings = load_settings()
    ensure_database(settings)
    area = "330000" if scale == "province" else city
    with cli_session(settings) as session:
        try:
            cities = (
                [code for (code,) in session.execute(_city_codes())]
                if scale == "province"
                else [city]
            )
            summaries = [
                build_demo(session, city_code=code, progress=progress_bar) for code in cities
            ]
        except PinganError as exc:
            fail(exc.message)
    engine = make_engine(settings.resolved_database_url)
    factory = make_sessionmaker(engine)
    workers = default_workers() if workers is None else workers
    first = min(days, ready_days) if serve_after else days
    if first and volume:
        with progress_bar() as bar:
            task = bar.add_task(f"模拟最近 {first} 天警情（研判、分派、处置、回访）", total=first)
            year = build_year(
                factory,
                area,
                days=first,
                scale=volume,
                workers=workers,
                progress=lambda n: bar.advance(task, n),
            )
        console.print(f"模拟警情：新增 {year.created} 起（已有的跳过），{year.refused} 起未能登记")
    rest = None
    if serve_after and volume and days > first:
        rest = multiprocessing.get_context("spawn").Process(
            target=_build_rest_of_year,
            args=(settings.resolved_database_url, area, days, volume, workers),
            name="pingan-demo-year",
        )
        rest.start()
        console.print(
            f"其余 {days - first} 天的警情由后台进程补建（由近及远），大屏的同比数据随之补齐"
        )
    units = sum(s.units for s in summaries)
    resources = sum(s.resources for s in summaries)
    console.print(f"演示数据已就绪：{units} 个单位，{resources} 个力量")
    console.print("登录用户（密码均为 " + DEMO_PASSWORD + "）：")
    for username, role, where in summaries[0].users:
        console.print(f"  {username:24s} {role:14s} {where}")
    if serve_after:
        stop = threading.Event()
        if live:
            threading.Thread(
                target=live_calls,
                args=(factory, area, stop),
                kwargs={"per_minute": live_per_minute},
                daemon=True,
                name="pingan-demo-live",
            ).start()
            console.print(f"实时模式：每分钟约 {live_per_minute:g} 起新警情")
        try:
            serve(host=host, port=port, workers=1)
        finally:
            stop.set()
            if rest is not None and rest.is_alive():
                rest.terminate()  # the day being written is rolled back; a rerun resumes
                rest.join(timeout=30)
    engine.dispose()


def _build_rest_of_year(url: str, area: str, days: int, volume: float, workers: int) -> None:
    """The demo's background process: the days not built yet, newest first, with a line of
    progress every 30 days."""
    import signal

    from pingan.db.engine import make_engine
    from pingan.db.session import make_sessionmaker
    from pingan.demo.year import build_year
    from pingan.lifeline import follow_parent

    # Ctrl-C reaches the whole terminal group: the server stops this process itself (SIGTERM),
    # which leaves through the with-blocks so that the triage worker stops too.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # And when the server ends without stopping it (a SIGTERM, which uvicorn passes on once it
    # has shut down, or a SIGKILL), it stops the same way rather than write on alone.
    follow_parent("pingan-demo-parent")
    engine = make_engine(url)
    written = 0

    def progress(n: int) -> None:
        nonlocal written
        written += n
        if written % 30 == 0 or written == days:
            console.print(f"[后台补建] 已完成 {written}/{days} 天")

    year = build_year(
        make_sessionmaker(engine), area, days=days, scale=volume, workers=workers, progress=progress
    )
    console.print(f"[后台补建] 一年警情已建完：新增 {year.created} 起，{year.refused} 起未能登记")
    engine.dispose()


def _city_codes() -> Any:
    from sqlalchemy import select

    from pingan.area.models import Place

    return select(Place.code).where(Place.level == "city").order_by(Place.code)


def main() -> None:
    from sqlalchemy.exc import DatabaseError, OperationalError

    from pingan.db.failure import database_message

    try:
        app()
    except DatabaseError as exc:
        # The database out of reach or unusable (the server down, a wrong address, a file that
        # is no database): say so, and where Pingan looked, instead of a traceback. Any other
        # database error (a constraint, bad data: a subclass) is a fault in Pingan and keeps
        # its traceback.
        if type(exc) not in (OperationalError, DatabaseError):
            raise
        console.print(
            f"[red]错误：[/red]数据库无法使用（{escape(_database_shown())}）："
            f"{escape(database_message(exc))}；请检查 PINGAN_DATABASE_URL 与数据库是否在运行",
            soft_wrap=True,
        )
        raise SystemExit(1) from None


def _database_shown() -> str:
    """The database address in use, its password hidden."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(load_settings().resolved_database_url).render_as_string(hide_password=True)
    except Exception:  # settings that cannot be read: the address is not the point here
        return "PINGAN_DATABASE_URL"
