"""The address evaluation on a tiny character/BIO sample written here."""

import json
from pathlib import Path

from typer.testing import CliRunner

from pingan.geo.address_eval import evaluate_addresses, format_evaluation, read_bio_addresses
from pingan.geo.commands import geo_app


def _bio(*addresses: list[tuple[str, str]]) -> str:
    blocks = []
    for tokens in addresses:
        blocks.append("\n".join(f"{token} {tag}" for token, tag in tokens))
    return "\n\n".join(blocks) + "\n"


def _span(text: str, label: str) -> list[tuple[str, str]]:
    return [(char, ("B-" if i == 0 else "I-") + label) for i, char in enumerate(text)]


SAMPLE = _bio(
    # Zhejiang, county and town named: both found.
    _span("浙江省", "prov")
    + _span("绍兴市", "city")
    + _span("新昌县", "district")
    + _span("南明街道", "town")
    + _span("七星路", "road")
    + [("88", "B-roadno"), ("号", "I-roadno")],
    # A former district: 江干区 is counted right when today's 上城区 is found.
    _span("杭州市", "city") + _span("江干区", "district") + _span("九堡街道", "town"),
    # Same district name in another province: must not be placed in Zhejiang.
    _span("江西省", "prov") + _span("南昌市", "city") + _span("西湖区", "district"),
    # A space token and a county without a town.
    [*_span("宁波", "city"), ("_", "B-redundant"), *_span("北仑区", "district")],
)


def test_bio_reader_rebuilds_text_and_gold(tmp_path: Path) -> None:
    path = tmp_path / "sample.txt"
    path.write_text(SAMPLE, encoding="utf-8")

    addresses = list(read_bio_addresses(path))

    assert len(addresses) == 4
    assert addresses[0].text == "浙江省绍兴市新昌县南明街道七星路88号"
    assert addresses[0].gold == {
        "province": "浙江省",
        "city": "绍兴市",
        "district": "新昌县",
        "town": "南明街道",
    }
    assert addresses[3].text == "宁波 北仑区"


def test_evaluation_counts_county_town_and_outside(tmp_path: Path) -> None:
    path = tmp_path / "sample.txt"
    path.write_text(SAMPLE, encoding="utf-8")

    result = evaluate_addresses(path)

    assert result["addresses"] == 4
    assert result["county"] == {"total": 3, "correct": 3, "accuracy": 1.0}
    assert result["town"]["total"] == 2
    assert result["town"]["correct"] == 2
    assert result["outside"] == {"total": 1, "placed_in_zhejiang": 0, "rate": 0.0}
    assert result["errors"] == []
    assert "county correct (Zhejiang):    3/3 = 100.0%" in format_evaluation(result)


def test_evaluation_lists_a_wrong_county_as_an_error(tmp_path: Path) -> None:
    # Two counties in one text, the gold one second: the matcher takes the first.
    path = tmp_path / "wrong.txt"
    path.write_text(_bio(_span("新昌县", "poi") + _span("嵊州市", "district")), encoding="utf-8")

    result = evaluate_addresses(path)

    assert result["county"] == {"total": 1, "correct": 0, "accuracy": 0.0}
    assert result["errors"][0]["problem"] == "county"
    assert result["errors"][0]["predicted"]["county"] == "新昌县"
    assert "[county] 新昌县嵊州市" in format_evaluation(result)


def test_cli_eval_address_prints_figures_and_json(tmp_path: Path) -> None:
    path = tmp_path / "sample.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    runner = CliRunner()

    text = runner.invoke(geo_app, ["eval-address", "--data", str(path)])
    as_json = runner.invoke(geo_app, ["eval-address", "--data", str(path), "--json"])

    assert text.exit_code == 0, text.output
    assert "county correct (Zhejiang):    3/3 = 100.0%" in text.stdout
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout)["outside"]["total"] == 1


def test_cli_geocode_answers_every_line_and_reports_bad_ones(tmp_path: Path) -> None:
    lines = "\n".join(
        [
            json.dumps({"id": "a", "address": "杭州市江干区九堡街道"}, ensure_ascii=False),
            "this is not json",
            json.dumps({"id": "c", "address": "七星路某小区"}, ensure_ascii=False),
            json.dumps({"id": "d", "address": 12}),
            json.dumps({"id": "e", "address": "城东街道", "default_place": "331081"}),
            json.dumps({"id": "f", "address": "江西省南昌市西湖区"}, ensure_ascii=False),
        ]
    )
    result = CliRunner().invoke(
        geo_app, ["geocode", "--default-place", "330624"], input=lines + "\n"
    )

    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in rows] == ["a", None, "c", "d", "e", "f"]
    assert rows[0]["place"]["county"] == "上城区"
    assert "error" in rows[1]
    assert rows[2]["place"]["county"] == "新昌县"
    assert rows[2]["place"]["evidence"] == ["默认辖区"]
    assert rows[3]["error"] == "address must be a string"
    assert rows[4]["place"]["county"] == "温岭市"
    assert rows[5]["place"] is None


def test_cli_geocode_rejects_an_unknown_default_place() -> None:
    result = CliRunner().invoke(geo_app, ["geocode", "--default-place", "999"], input="")

    assert result.exit_code != 0
    assert "999" in result.output
