"""Address matching speed on one core: ``python -m bench address``.

Inputs are generated from the gazetteer itself (no eval data): full addresses, addresses with
short forms, and incident descriptions with an address inside, 20–60 characters long.  The
baseline is the name scan alone (finding every candidate mention), run in the same process, so
the ratio shows what resolving the chain costs on top of reading the text.

Against peers, on the NAACL 2019 dev addresses (when the eval folder is there, else "skipped"):
Pingan, ``jionlp.parse_location`` (with towns) and ``cpca.transform`` (one batch) are scored with
the gold of :mod:`pingan.geo.address_eval` — a peer's province/city/county names are read into
Zhejiang county codes by the same name tables (current, short and former names) that read the
gold spans, and its town name within those counties likewise.  cpca gives no town: its town
figure is "n/a".  A small fixed list of addresses written with abolished names shows how each one
handles old names.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from typing import Any

from bench.peers import batch_per_second, eval_file, one_core, per_second, ratio, skipped
from pingan.geo.address import Gazetteer, default_gazetteer
from pingan.geo.address_eval import (
    _level_code,
    _ZhejiangNames,
    evaluate_addresses,
    read_bio_addresses,
)

SEED = 20240501
TEXTS = 20_000
ROUNDS = 3
NAACL = "address_naacl2019_dev.txt"
NOT_PRODUCED = "n/a"
# Addresses written with names that no longer exist, and the county each place is in today.
OLD_NAMES = (
    ("杭州市江干区笕桥街道机场路88号", "上城区"),  # 江干区 split in 2021
    ("杭州市江干区下沙街道", "钱塘区"),  # … and 下沙 went to the new 钱塘区
    ("宁波市江东区百丈街道百丈东路", "鄞州区"),  # 江东区 merged in 2016
    ("下城区武林街道体育场路", "拱墅区"),  # 下城区 merged in 2021
    ("绍兴县柯桥街道", "柯桥区"),  # 绍兴县 became 柯桥区 in 2013
    ("宁波市鄞县邱隘镇", "鄞州区"),  # 鄞县 became 鄞州区 in 2002
    ("萧山市城厢街道", "萧山区"),  # 萧山市 became 萧山区 in 2001
)

_TEMPLATES = (
    "浙江省{city}{county}{town}{village}{road}{number}号",
    "{city_short}{county_short}{town}{road}{number}号{building}幢",
    "报警人称在{county}{town}{road}附近被人打了，要求民警到场处理",
    "群众反映{town}{village}有人在{road}{number}号门口吵架，情绪激动",
    "{county}{town}{road}{number}号{building}幢{room}室",
)
_ROADS = ("人民路", "解放路", "中山路", "环城北路", "工业大道", "文化路", "新华街")


def _texts(count: int) -> list[str]:
    gazetteer = default_gazetteer()
    tree = gazetteer.tree
    rng = random.Random(SEED)
    villages = [r for r in tree.records() if r.level == "village"]
    texts: list[str] = []
    while len(texts) < count:
        village = rng.choice(villages)
        chain = {r.level: r.name for r in (*tree.ancestors(village.code), village)}
        if "town" not in chain:
            continue
        text = rng.choice(_TEMPLATES).format(
            city=chain["city"],
            city_short=chain["city"].removesuffix("市"),
            county=chain["county"],
            county_short=chain["county"][:-1] if len(chain["county"]) > 2 else chain["county"],
            town=chain["town"],
            village=chain["village"],
            road=rng.choice(_ROADS),
            number=rng.randint(1, 999),
            building=rng.randint(1, 30),
            room=rng.randint(101, 2505),
        )
        texts.append(text)
    return texts


def _rate(action: Any, texts: list[str]) -> float:
    best = 0.0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for text in texts:
            action(text)
        best = max(best, len(texts) / (time.perf_counter() - started))
    return best


def run() -> dict[str, Any]:
    started = time.perf_counter()
    default_gazetteer.cache_clear()
    gazetteer = default_gazetteer()
    build_seconds = time.perf_counter() - started
    texts = _texts(TEXTS)
    scan = _rate(gazetteer._find, texts)
    full = _rate(gazetteer.match, texts)
    with_default = _rate(lambda text: gazetteer.match(text, "330624"), texts)
    placed = sum(gazetteer.match(text) is not None for text in texts)
    return {
        "texts": len(texts),
        "mean_length": round(sum(map(len, texts)) / len(texts), 1),
        "build_seconds": round(build_seconds, 2),
        "scan_only_per_second": round(scan),
        "match_per_second": round(full),
        "match_with_default_per_second": round(with_default),
        "match_vs_scan_ratio": round(full / scan, 3),
        "placed_share": round(placed / len(texts), 4),
        "naacl_dev": compare_on_naacl(gazetteer),
        "old_names": old_names(gazetteer),
    }


# A place as a peer names it: province, city, county and town (None where not given).
Named = tuple[str | None, str | None, str | None, str | None]


def _name(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _jionlp(text: str) -> Named:
    import jionlp

    found = jionlp.parse_location(text, town_village=True)
    return (found["province"], found["city"], found["county"], found.get("town"))


def _cpca(texts: Sequence[str]) -> list[Named]:
    import cpca

    frame = cpca.transform(list(texts))
    return [
        (_name(province), _name(city), _name(county), None)
        for province, city, county in zip(frame["省"], frame["市"], frame["区"], strict=True)
    ]


class _Scores:
    """County, town and outside-Zhejiang counts of one matcher, as address_eval counts them."""

    def __init__(self, gives_town: bool) -> None:
        self.gives_town = gives_town
        self.county = self.county_correct = self.town = self.town_correct = 0
        self.outside = self.outside_placed = 0

    def add(
        self,
        *,
        counties: set[str],
        towns: set[str],
        outside: bool,
        county: set[str],
        town: set[str],
        in_zhejiang: bool,
    ) -> None:
        if outside:
            self.outside += 1
            self.outside_placed += in_zhejiang
        if counties:
            self.county += 1
            self.county_correct += bool(county & (counties | {c[:6] for c in towns}))
            if towns:
                self.town += 1
                self.town_correct += bool(town & towns)

    def to_dict(self) -> dict[str, Any]:
        return {
            "county_accuracy": _share(self.county_correct, self.county),
            "town_accuracy": _share(self.town_correct, self.town)
            if self.gives_town
            else NOT_PRODUCED,
            "outside_placed_in_zhejiang": _share(self.outside_placed, self.outside),
        }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _codes(code: str | None) -> set[str]:
    return {code} if code else set()


def _peer_codes(names: _ZhejiangNames, named: Named) -> tuple[set[str], set[str], bool]:
    """Zhejiang county and town codes a peer's names stand for, and whether it said Zhejiang."""
    province, city, county, town = named
    gold_like = {
        key: value
        for key, value in (("province", province), ("city", city), ("district", county))
        if value
    }
    counties = names.county_codes(gold_like) if county else set()
    towns = names.town_codes(town, counties) if town and counties else set()
    in_zhejiang = bool(province and province in names.province) or bool(city and city in names.city)
    return counties, towns, in_zhejiang


def compare_on_naacl(gazetteer: Gazetteer) -> dict[str, Any]:
    path = eval_file(NAACL)
    if path is None:
        return skipped(NAACL)
    names = _ZhejiangNames(gazetteer)
    addresses = list(read_bio_addresses(path))
    texts = [a.text for a in addresses]
    _jionlp(texts[0])  # jionlp loads its tables on the first call
    with one_core():
        rates = {
            "pingan": per_second(gazetteer.match, texts, rounds=2),
            "jionlp": per_second(_jionlp, texts),
            "cpca": batch_per_second(_cpca, texts, rounds=2),
        }
    answers: dict[str, list[Named] | None] = {
        "pingan": None,
        "jionlp": [_jionlp(t) for t in texts],
        "cpca": _cpca(texts),
    }
    scores = {name: _Scores(gives_town=name != "cpca") for name in answers}
    for index, address in enumerate(addresses):
        counties = names.county_codes(address.gold)
        town = address.gold.get("town")
        towns = names.town_codes(town, counties) if town and counties else set()
        outside = names.is_outside(address.gold)
        match = gazetteer.match(address.text)
        for name, named in answers.items():
            if named is None:
                county = _codes(_level_code(gazetteer, match, "county"))
                found_town = _codes(_level_code(gazetteer, match, "town"))
                in_zhejiang = match is not None
            else:
                county, found_town, in_zhejiang = _peer_codes(names, named[index])
            scores[name].add(
                counties=counties,
                towns=towns,
                outside=outside,
                county=county,
                town=found_town,
                in_zhejiang=in_zhejiang,
            )
    figures = {
        name: {**s.to_dict(), "addresses_per_second": round(rates[name])}
        for name, s in scores.items()
    }
    table: dict[str, Any] = {}
    for figure in ("county_accuracy", "town_accuracy", "addresses_per_second"):
        row: dict[str, Any] = {name: figures[name][figure] for name in figures}
        for peer in ("jionlp", "cpca"):
            value = row[peer]
            row[f"pingan_vs_{peer}"] = (
                ratio(row["pingan"], value) if isinstance(value, int | float) else NOT_PRODUCED
            )
        table[figure] = row
    table["outside_placed_in_zhejiang"] = {
        name: figures[name]["outside_placed_in_zhejiang"] for name in figures
    }
    reference = evaluate_addresses(path, gazetteer=gazetteer)
    pingan = scores["pingan"]
    return {
        "addresses": len(addresses),
        "zhejiang_county_gold": pingan.county,
        "zhejiang_town_gold": pingan.town,
        "outside_gold": pingan.outside,
        "table": table,
        "pingan_address_eval_check": {
            "county_accuracy": reference["county"]["accuracy"],
            "town_accuracy": reference["town"]["accuracy"],
            "gold_town_unknown": reference["town"]["gold_town_unknown"],
        },
        "note": (
            "pingan and jionlp one address at a time, cpca one batch call on all; a peer's county"
            " counts as right when its name (current or former) is the gold county, so an old"
            " name cpca passes through still scores here — see old_names"
        ),
    }


def old_names(gazetteer: Gazetteer) -> dict[str, Any]:
    """What each matcher makes of addresses written with abolished division names."""
    texts = [text for text, _ in OLD_NAMES]
    cpca_answers = _cpca(texts)
    rows: list[dict[str, Any]] = []
    current = {"pingan": 0, "jionlp": 0, "cpca": 0}
    for (text, today), cpca_answer in zip(OLD_NAMES, cpca_answers, strict=True):
        match = gazetteer.match(text)
        given = {
            "pingan": (match.county, match.town) if match else (None, None),
            "jionlp": _jionlp(text)[2:],
            "cpca": cpca_answer[2:],
        }
        row: dict[str, Any] = {"text": text, "county_today": today}
        for name, (county, town) in given.items():
            row[name] = "/".join(part or "-" for part in (county, town))
            current[name] += county == today
        rows.append(row)
    return {
        "current_county_given": {name: f"{n}/{len(OLD_NAMES)}" for name, n in current.items()},
        "examples": rows,
        "note": "county/town as returned ('-': none); cpca never gives a town",
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), ensure_ascii=False, indent=2))
