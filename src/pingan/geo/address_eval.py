"""How well the address matcher places real addresses, on character/BIO-tagged data.

The format is that of the NAACL 2019 Chinese address parsing corpus: one ``token tag`` per line
(a token is a character, a run of digits or ``_`` for a space), a blank line between addresses,
tags ``B-<label>``/``I-<label>`` with labels such as prov, city, district, town, road, poi.

Gold for an address is the text of its prov, city, district and town spans.  Figures:

* county: on addresses that name a Zhejiang county (the gold district is a Zhejiang county, by
  name, short form or former name, and the gold province and city, if given, are Zhejiang's),
  how often the predicted county is that county;
* town: on those that also name a town the gazetteer knows (current or former, in that county),
  how often the predicted town is it; gold towns it does not know are counted separately;
* outside: on addresses whose gold province or city is outside Zhejiang, how often the matcher
  wrongly returns a Zhejiang place.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pingan.geo.address import Gazetteer, PlaceMatch, default_gazetteer
from pingan.geo.names import short_forms
from pingan.geo.places_file import load_former_divisions

_GOLD_LABELS = {"prov": "province", "city": "city", "district": "district", "town": "town"}
_MAX_ERRORS = 20
_SPACE_MARK = "_"  # the corpus writes a space as an underscore token


@dataclass(frozen=True, slots=True)
class LabelledAddress:
    """One address of the corpus: its text and the first gold span of each labelled level."""

    text: str
    gold: dict[str, str]


def read_bio_addresses(path: Path | str) -> Iterator[LabelledAddress]:
    """Addresses from a ``token tag`` file, blank lines between addresses."""
    tokens: list[tuple[str, str]] = []
    with Path(path).open(encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            if not line.strip():
                if tokens:
                    yield _address(tokens)
                    tokens = []
                continue
            token, _, tag = line.rpartition(" ")
            if not token:  # a line with only one field: the token itself
                token, tag = tag, "O"
            tokens.append((token, tag))
    if tokens:
        yield _address(tokens)


def _address(tokens: list[tuple[str, str]]) -> LabelledAddress:
    text_parts: list[str] = []
    spans: list[tuple[str, list[str]]] = []
    for token, tag in tokens:
        char = " " if token == _SPACE_MARK else token
        text_parts.append(char)
        prefix, _, label = tag.partition("-")
        label = label.lower()
        if prefix in ("B", "S") or not spans or spans[-1][0] != label or prefix == "O":
            spans.append((label if prefix != "O" else "", [char]))
        else:
            spans[-1][1].append(char)
    gold: dict[str, str] = {}
    for label, parts in spans:
        key = _GOLD_LABELS.get(label)
        if key is not None and key not in gold:
            gold[key] = "".join(parts).strip()
    return LabelledAddress(text="".join(text_parts), gold=gold)


class _ZhejiangNames:
    """Zhejiang names by level, for reading gold spans (current, short and former names)."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        tree = gazetteer.tree
        self.tree = tree
        self.province: set[str] = set()
        self.city: dict[str, set[str]] = defaultdict(set)
        self.county: dict[str, set[str]] = defaultdict(set)
        self.town: dict[str, set[str]] = defaultdict(set)
        # Towns that moved or merged: name -> (county it was in, where it is now).
        self.former_town: dict[str, set[tuple[str, str]]] = defaultdict(set)
        tables = {"province": None, "city": self.city, "county": self.county, "town": self.town}
        for record in tree.records():
            if record.level not in tables:
                continue
            for form in short_forms(record.name, record.level):
                table = tables[record.level]
                if table is None:
                    self.province.add(form)
                else:
                    table[form].add(record.code)
        for former in load_former_divisions():
            current = tree.get_or_none(former.current_code)
            if current is None:
                continue
            former_code = former.former_code or ""
            if len(former_code) == 6 and current.level == "county":
                for form in short_forms(former.former_name, "county"):
                    self.county[form].add(current.code)
            elif len(former_code) == 9 and current.level == "town":
                for form in short_forms(former.former_name, "town"):
                    self.former_town[form].add((former_code[:6], current.code))

    def county_codes(self, gold: dict[str, str]) -> set[str]:
        """The Zhejiang counties the gold district can be, or empty."""
        province = gold.get("province")
        if province and province not in self.province:
            return set()
        codes = set(self.county.get(gold.get("district", ""), ()))
        city = gold.get("city")
        if codes and city:
            cities = self.city.get(city)
            if not cities:
                return set()
            codes = {c for c in codes if any(self.tree.is_within(c, city) for city in cities)}
        return codes

    def town_codes(self, town: str, counties: set[str]) -> set[str]:
        """The towns the gold town can be inside the gold counties, including towns that have
        since moved to another county (鄞州区高桥镇 is 海曙区高桥镇 today)."""
        found: set[str] = set()
        for form in _town_spellings(town):
            for code in self.town.get(form, ()):
                if any(self.tree.is_within(code, county) for county in counties):
                    found.add(code)
            for was_in, code in self.former_town.get(form, ()):
                if was_in in counties or any(self.tree.is_within(code, c) for c in counties):
                    found.add(code)
        return found

    def is_outside(self, gold: dict[str, str]) -> bool:
        province = gold.get("province")
        if province:
            return not (
                province in self.province or province in self.city or province in self.county
            )
        city = gold.get("city")
        if city:
            return not (city in self.city or city in self.county or city in self.town)
        return False


def _town_spellings(town: str) -> list[str]:
    spellings = [town]
    for suffix in ("街道", "镇", "乡"):
        if town.endswith(suffix) and len(town) > len(suffix) + 1:
            stem = town[: -len(suffix)]
            spellings += [stem + other for other in ("街道", "镇", "乡") if other != suffix]
            break
    return spellings


def _level_code(gazetteer: Gazetteer, match: PlaceMatch | None, level: str) -> str | None:
    if match is None:
        return None
    for record in [*gazetteer.tree.ancestors(match.code), gazetteer.tree.get(match.code)]:
        if record.level == level:
            return record.code
    return None


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def evaluate_addresses(path: Path | str, *, gazetteer: Gazetteer | None = None) -> dict[str, Any]:
    """County, town and outside-Zhejiang figures of the matcher on a BIO address file."""
    gazetteer = gazetteer or default_gazetteer()
    names = _ZhejiangNames(gazetteer)
    counts: defaultdict[str, int] = defaultdict(int)
    errors: list[dict[str, Any]] = []
    elapsed = 0.0
    for address in read_bio_addresses(path):
        counts["addresses"] += 1
        started = time.perf_counter()
        match = gazetteer.match(address.text)
        elapsed += time.perf_counter() - started
        problem = None
        if names.is_outside(address.gold):
            counts["outside"] += 1
            if match is not None:
                counts["outside_placed"] += 1
                problem = "outside placed in Zhejiang"
        counties = names.county_codes(address.gold)
        if counties:
            town = address.gold.get("town")
            towns = names.town_codes(town, counties) if town else set()
            counts["county"] += 1
            today = counties | {c[:6] for c in towns}
            if _level_code(gazetteer, match, "county") in today:
                counts["county_correct"] += 1
            else:
                problem = "county"
            if town:
                if not towns:
                    counts["town_unknown"] += 1
                else:
                    counts["town"] += 1
                    if _level_code(gazetteer, match, "town") in towns:
                        counts["town_correct"] += 1
                    elif problem is None:
                        problem = "town"
        if problem and len(errors) < _MAX_ERRORS:
            errors.append(
                {
                    "problem": problem,
                    "text": address.text,
                    "gold": address.gold,
                    "predicted": None
                    if match is None
                    else {k: match.to_dict()[k] for k in ("city", "county", "town", "village")},
                }
            )
    return {
        "addresses": counts["addresses"],
        "county": {
            "total": counts["county"],
            "correct": counts["county_correct"],
            "accuracy": _rate(counts["county_correct"], counts["county"]),
        },
        "town": {
            "total": counts["town"],
            "correct": counts["town_correct"],
            "accuracy": _rate(counts["town_correct"], counts["town"]),
            "gold_town_unknown": counts["town_unknown"],
        },
        "outside": {
            "total": counts["outside"],
            "placed_in_zhejiang": counts["outside_placed"],
            "rate": _rate(counts["outside_placed"], counts["outside"]),
        },
        "addresses_per_second": round(counts["addresses"] / elapsed) if elapsed else None,
        "errors": errors,
    }


def format_evaluation(result: dict[str, Any]) -> str:
    """The figures of :func:`evaluate_addresses` as a few readable lines."""

    def percent(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1%}"

    county, town, outside = result["county"], result["town"], result["outside"]
    lines = [
        f"addresses:                    {result['addresses']}",
        f"county correct (Zhejiang):    {county['correct']}/{county['total']} "
        f"= {percent(county['accuracy'])}",
        f"town correct (Zhejiang):      {town['correct']}/{town['total']} "
        f"= {percent(town['accuracy'])}  (gold town unknown to gazetteer: "
        f"{town['gold_town_unknown']})",
        f"outside placed in Zhejiang:   {outside['placed_in_zhejiang']}/{outside['total']} "
        f"= {percent(outside['rate'])}",
        f"speed:                        {result['addresses_per_second']} addresses/s",
    ]
    if result["errors"]:
        lines.append("errors (first ones):")
        for error in result["errors"]:
            predicted = error["predicted"]
            shown = "none" if predicted is None else "/".join(str(v) for v in predicted.values())
            gold = "/".join(
                error["gold"].get(k, "-") for k in ("province", "city", "district", "town")
            )
            lines.append(f"  [{error['problem']}] {error['text']}  gold {gold}  got {shown}")
    return "\n".join(lines)
