"""A fake province for routing tests: 2 cities × 2 counties × 3 towns × 3 villages, and units."""

from __future__ import annotations

from dataclasses import dataclass, field

from pingan.routing.engine import PlaceRef, UnitRef

PROVINCE = PlaceRef("330000", "浙江省")
CITIES = [PlaceRef("330600", "绍兴市"), PlaceRef("330100", "杭州市")]
COUNTY_NAMES = {"330600": ["新昌县", "诸暨市"], "330100": ["上城区", "西湖区"]}
TOWN_NAMES = ["南明街道", "七星街道", "城南乡"]
VILLAGE_NAMES = ["东村", "西村", "南村"]


@dataclass
class FakeGeography:
    places: dict[str, PlaceRef] = field(default_factory=dict)
    parent: dict[str, str] = field(default_factory=dict)
    counties: list[str] = field(default_factory=list)
    towns: list[str] = field(default_factory=list)
    villages: list[str] = field(default_factory=list)

    def add(self, place: PlaceRef, parent: str | None) -> None:
        self.places[place.code] = place
        if parent is not None:
            self.parent[place.code] = parent

    def chain(self, code: str) -> list[PlaceRef]:
        """The place and its ancestors, most specific first."""
        chain = [self.places[code]]
        while chain[-1].code in self.parent:
            chain.append(self.places[self.parent[chain[-1].code]])
        return chain


def fake_geography() -> FakeGeography:
    geo = FakeGeography()
    geo.add(PROVINCE, None)
    for city in CITIES:
        geo.add(city, PROVINCE.code)
        for c, county_name in enumerate(COUNTY_NAMES[city.code], start=1):
            county = PlaceRef(f"{city.code[:4]}{c + 23:02d}", county_name)
            geo.add(county, city.code)
            geo.counties.append(county.code)
            for t, town_name in enumerate(TOWN_NAMES, start=1):
                town = PlaceRef(f"{county.code}{t:03d}", f"{county_name}{town_name}")
                geo.add(town, county.code)
                geo.towns.append(town.code)
                for v, village_name in enumerate(VILLAGE_NAMES, start=1):
                    village = PlaceRef(f"{town.code}{v:03d}", f"{town.name}{village_name}")
                    geo.add(village, town.code)
                    geo.villages.append(village.code)
    return geo


class FakeUnits:
    """``units_for`` backed by a dictionary; records every question it was asked."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str], list[UnitRef]] = {}
        self.asked: list[tuple[str, str]] = []
        self._next = 1

    def add(self, unit_type: str, place_code: str, name: str) -> UnitRef:
        unit = UnitRef(self._next, name, unit_type)
        self._next += 1
        self.by_key.setdefault((unit_type, place_code), []).append(unit)
        return unit

    def __call__(self, unit_type: str, place_code: str) -> list[UnitRef]:
        self.asked.append((unit_type, place_code))
        return self.by_key.get((unit_type, place_code), [])
