"""The ``pingan`` command on a fresh database, as a new user would run it."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.durability import _free_port
from pingan.cli import app
from tests.conftest import BACKENDS, _drop_pg_database, new_database_url

runner = CliRunner()


@pytest.fixture(scope="module", params=BACKENDS)
def fresh_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    url, pg_name = new_database_url(request.param, tmp_path_factory.mktemp("cli"))
    yield url
    if pg_name:
        _drop_pg_database(pg_name)


@pytest.fixture
def env(fresh_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PINGAN_DATABASE_URL", fresh_db)
    monkeypatch.setenv("PINGAN_DATA_DIR", str(tmp_path))
    return fresh_db


def run(*args: str, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_demo_builds_the_database_and_the_places_are_all_there(env: str) -> None:
    out = runner.invoke(app, ["demo", "--no-serve", "--days", "2", "--volume", "0.01"])
    assert out.exit_code == 0, out.output
    assert "admin" in out.output and "pingan-demo" in out.output
    assert "模拟警情：新增" in out.output and "0 起未能登记" in out.output
    simulated = json.loads(run("incident", "list", "--limit", "5", "--json"))
    assert len(simulated) == 5
    stats = json.loads(run("places", "stats", "--json"))
    assert stats["province"] == 1 and stats["city"] == 11 and stats["county"] == 90
    assert stats["town"] >= 1360 and stats["village"] >= 25000
    counties = json.loads(run("places", "list", "--level", "county", "--under", "330600", "--json"))
    assert len(counties) == 6 and {c["name"] for c in counties} >= {"新昌县", "柯桥区"}
    units = json.loads(
        run("units", "list", "--under", "330624", "--type", "police_station", "--json")
    )
    assert len(units) >= 6 and all("派出所" in u["name"] for u in units)
    # Running the demo again adds nothing.
    again = runner.invoke(app, ["demo", "--no-serve", "--days", "2", "--volume", "0.01"])
    assert again.exit_code == 0
    assert len(
        json.loads(run("units", "list", "--under", "330624", "--type", "police_station", "--json"))
    ) == len(units)


def test_route_prints_the_decision_and_replay_counts_what_new_rules_would_move(
    env: str, tmp_path: Path
) -> None:
    run("demo", "--no-serve", "--days", "0")
    decision = json.loads(run("route", "--code", "600200", "--place", "330624001", "--json"))
    assert decision["lead"]["type"] == "power_supply" and decision["rules_version"]
    lines = runner.invoke(
        app,
        ["route"],
        input='{"id": 1, "code": "100100", "place": "330624001"}\n'
        '{"id": 2, "code": "x", "place": "1"}\n',
    )
    results = [json.loads(line) for line in lines.stdout.splitlines()]
    assert results[0]["id"] == 1 and results[0]["lead"]["type"] == "police_station"
    assert results[1]["id"] == 2 and "error" in results[1]
    # New rules: 电力抢修 led by the town government instead of the power company.
    from importlib import resources

    shipped = resources.files("pingan.data.routing").joinpath("rules.toml").read_text("utf-8")
    changed = tmp_path / "rules.toml"
    changed.write_text(
        shipped + '\n[[rule]]\nname = "电力抢修（试行：镇街主办）"\nmatch = { code = "600200" }\n'
        'places = ["330624"]\nlead = "town_government"\n',
        encoding="utf-8",
    )
    run("rules", "check", str(changed))
    report = json.loads(
        run("rules", "replay", "--rules", str(changed), "--since", "2000-01-01", "--json")
    )
    assert report["incidents"] >= 10 and report["old_version"] != report["new_version"]
    # The demo's power-cut call moves from the power company to a town government.
    assert report["changed"] >= 1
    assert all("供电" in m["from"] and m["examples"] for m in report["moves"])
    broken = tmp_path / "broken.toml"
    broken.write_text(shipped.replace('lead = "power_supply"', 'lead = "powr_supply"', 1), "utf-8")
    result = runner.invoke(app, ["rules", "check", str(broken)])
    assert result.exit_code == 2 and "行" in result.output and "powr_supply" in result.output


def test_user_add_reads_the_password_from_stdin_and_can_sign_in(env: str) -> None:
    run("db", "upgrade")
    run(
        "user", "add", "zhou_xc", "--role", "call_taker", "--place", "330624", stdin="s3cret-pass\n"
    )
    short = runner.invoke(
        app, ["user", "add", "weak", "--role", "analyst", "--place", "330624"], input="123\n"
    )
    assert short.exit_code != 0 and "password" in short.output
    made = json.loads(
        run(
            "incident",
            "create",
            "--as",
            "zhou_xc",
            "--text",
            "报警人称手机被盗",
            "--place",
            "330624001",
            "--phone",
            "13812345678",
        )
    )
    assert made["number"].startswith("330624") and made["state"] in ("triaged", "assigned")
    assert made["final_code"][:2] in ("10", "20")  # a theft, coded by triage
    listed = json.loads(run("incident", "list", "--as", "zhou_xc", "--json"))
    assert made["number"] in [i["number"] for i in listed]


def test_import_incidents_prints_a_summary_and_saves_the_rejected_rows(
    env: str, tmp_path: Path
) -> None:
    run("db", "upgrade")
    source = tmp_path / "export.jsonl"
    source.write_text(
        '{"external_id": "X1", "channel": "110", "text": "报警人称钱包被偷",'
        ' "address": "新昌县南明街道"}\n'
        '{"external_id": "X2", "channel": "110", "text": ""}\n'
        "{broken\n",
        encoding="utf-8",
    )
    rejected = tmp_path / "rejected.csv"
    result = runner.invoke(app, ["import", "incidents", str(source), "--rejected", str(rejected)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["imported"] == 1 and summary["rejected"] == 2
    # and, for the person at the terminal, in words
    assert "导入完成：新增 1 起，此前已导入 0 起，未导入 2 行；共 3 行" in result.stderr
    assert "seconds" in summary and summary["rows_per_second"] > 0  # for a log with no bar
    assert [r["row"] for r in summary["rejected_rows"]] == [2, 3]
    with rejected.open(encoding="utf-8-sig", newline="") as handle:
        saved = list(csv.DictReader(handle))
    # Each rejected row keeps what the file said, so nothing is lost and it can be corrected.
    assert [(r["原行号"], r["external_id"], r["原始行"]) for r in saved] == [
        ("2", "X2", ""),
        ("3", "", "{broken"),
    ]
    assert "text" in saved[0]["未导入原因"] and "JSON" in saved[1]["未导入原因"]
    again = json.loads(run("import", "incidents", str(source)))
    assert again["imported"] == 0 and again["already_imported"] == 1
    # The corrected rejected file imports as it is (its extra columns are ignored).
    saved[0]["text"] = "报警人称电动车被偷"
    saved[0]["address"] = "新昌县南明街道"
    with rejected.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(saved[0]))
        writer.writeheader()
        writer.writerow(saved[0])
    fixed = json.loads(run("import", "incidents", str(rejected)))
    assert fixed["imported"] == 1 and fixed["rejected"] == 0


def test_bad_arguments_get_a_clear_message(env: str) -> None:
    run("db", "upgrade")
    result = runner.invoke(app, ["places", "list", "--level", "planet"])
    assert result.exit_code == 2 and "planet" in result.output
    result = runner.invoke(app, ["incident", "create", "--text", "x", "--place", "999999"])
    assert result.exit_code == 2 and "999999" in result.output


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_a_database_out_of_reach_is_said_plainly_with_its_password_hidden(
    kind: str, tmp_path: Path
) -> None:
    """The server down or the address wrong (or a file that is no database): one line saying
    so and where Pingan looked, exit code 1, no traceback and no password."""
    if kind == "postgresql":  # nothing listens on a free port
        url = f"postgresql://pingan:s3cret@127.0.0.1:{_free_port()}/pingan"
    else:
        (tmp_path / "pingan.db").write_bytes(b"not a database " * 100)
        url = f"sqlite:///{tmp_path}/pingan.db"
    env = {**os.environ, "PINGAN_DATABASE_URL": url, "PINGAN_DATA_DIR": str(tmp_path)}
    pingan = str(Path(sys.executable).with_name("pingan"))

    done = subprocess.run(
        [pingan, "places", "stats"], env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 1
    said = " ".join(done.stderr.split())
    assert said.startswith("错误：数据库无法使用（") and "PINGAN_DATABASE_URL" in said
    assert "Traceback" not in said and "s3cret" not in said + done.stdout
    assert ("127.0.0.1" if kind == "postgresql" else "file is not a database") in said
