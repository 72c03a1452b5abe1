"""Derive ``src/pingan/data/places/county_population.csv`` (county code, name, census population)
from the 2020 census table in ``../shared/data/population/`` (see ATTRIBUTION.md there)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "population" / "zj_county_census2020.csv"
TARGET = ROOT / "src" / "pingan" / "data" / "places" / "county_population.csv"


def main(source: Path = SOURCE, target: Path = TARGET) -> int:
    with source.open(encoding="utf-8-sig") as handle:
        rows = [
            (row["区划代码"], row["区县"], row["人口数_合计"])
            for row in csv.DictReader(handle)
            if len(row["区划代码"]) == 6 and not row["区划代码"].endswith("00")
        ]
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name", "population_2020"])
        writer.writerows(sorted(rows))
    print(f"{len(rows)} counties → {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*(Path(a) for a in sys.argv[1:])))
