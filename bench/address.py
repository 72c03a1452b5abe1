"""Address matching speed on one core: ``python -m bench address``.

Inputs are generated from the gazetteer itself (no eval data): full addresses, addresses with
short forms, and incident descriptions with an address inside, 20–60 characters long.  The
baseline is the name scan alone (finding every candidate mention), run in the same process, so
the ratio shows what resolving the chain costs on top of reading the text.
"""

from __future__ import annotations

import random
import time
from typing import Any

from pingan.geo.address import default_gazetteer

SEED = 20240501
TEXTS = 20_000
ROUNDS = 3

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
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), ensure_ascii=False, indent=2))
