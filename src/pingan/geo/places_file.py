"""The shipped Zhejiang jurisdiction tree (province → city → county → town → village).

Files live in ``pingan/data/places/`` and are built by ``scripts/build_places.py``; see
``ATTRIBUTION.md`` there.  Everything here is pure Python and read lazily: nothing is loaded until
a ``load_*`` function is called, and each file is read once per process.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pingan.geo.names import display_name, normalise_name, short_forms

LEVELS = ("province", "city", "county", "town", "village", "grid")

PLACES_DIR = Path(__file__).resolve().parent.parent / "data" / "places"
PLACES_FILE = PLACES_DIR / "zhejiang_places.csv.gz"
BOUNDARIES_FILE = PLACES_DIR / "zhejiang_boundaries.geojson.gz"
FORMER_DIVISIONS_FILE = PLACES_DIR / "former_divisions.csv"


class UnknownPlaceError(KeyError):
    """A division code that is not in the gazetteer."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        return f"no division with code {self.code!r} in the gazetteer"


@dataclass(frozen=True, slots=True)
class PlaceRecord:
    """One division.  ``code`` is the MCA code (6 or 9 digits) down to towns and the NBS code
    (12 digits) for villages; ``nbs_code`` is the NBS 2023 code of a town when it differs.
    ``lon``/``lat`` are WGS-84, or None when unknown."""

    code: str
    parent_code: str | None
    level: str
    name: str
    nbs_code: str | None = None
    lon: float | None = None
    lat: float | None = None

    @property
    def point(self) -> tuple[float, float] | None:
        """``(lon, lat)`` in WGS-84, or None."""
        if self.lon is None or self.lat is None:
            return None
        return self.lon, self.lat


@dataclass(frozen=True, slots=True)
class FormerDivision:
    """An abolished or renamed division that people still write, and where it is today."""

    former_name: str
    former_code: str | None
    current_code: str
    changed: str
    note: str


def _optional_float(text: str) -> float | None:
    return float(text) if text else None


def _parse_places(text: str) -> Iterator[PlaceRecord]:
    for row in csv.DictReader(io.StringIO(text)):
        yield PlaceRecord(
            code=row["code"],
            parent_code=row["parent_code"] or None,
            level=row["level"],
            name=row["name"],
            nbs_code=row["nbs_code"] or None,
            lon=_optional_float(row["lon"]),
            lat=_optional_float(row["lat"]),
        )


@cache
def _read_places(path: Path) -> tuple[PlaceRecord, ...]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return tuple(_parse_places(handle.read()))


def load_places(path: Path | None = None) -> list[PlaceRecord]:
    """All divisions from the shipped file (or ``path``), sorted by code; read once per path."""
    return list(_read_places(path or PLACES_FILE))


@cache
def load_place_tree() -> PlaceTree:
    """The shipped gazetteer as a :class:`PlaceTree`, built once per process."""
    return PlaceTree(_read_places(PLACES_FILE))


@cache
def load_boundaries() -> dict[str, Any]:
    """City and county boundaries as a GeoJSON FeatureCollection (CGCS2000 ≈ WGS-84).

    Feature properties: ``code`` (6 digits), ``name``, ``level`` (city or county).  The dict is
    shared between callers: treat it as read-only.
    """
    with gzip.open(BOUNDARIES_FILE, "rt", encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@cache
def _read_former_divisions(path: Path) -> tuple[FormerDivision, ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(
            FormerDivision(
                former_name=row["former_name"],
                former_code=row["former_code"] or None,
                current_code=row["current_code"],
                changed=row["changed"],
                note=row["note"],
            )
            for row in csv.DictReader(handle)
        )


def load_former_divisions(path: Path | None = None) -> list[FormerDivision]:
    """Abolished or renamed divisions (江干区, 绍兴县, merged towns …) and their current codes.

    A former name may appear more than once when its area was split; the first row is where
    most of it went.
    """
    return list(_read_former_divisions(path or FORMER_DIVISIONS_FILE))


class PlaceTree:
    """The division hierarchy with lookups by code and by name."""

    def __init__(self, records: Iterable[PlaceRecord]) -> None:
        self._by_code: dict[str, PlaceRecord] = {}
        self._by_nbs_code: dict[str, PlaceRecord] = {}
        self._children: dict[str, list[PlaceRecord]] = defaultdict(list)
        self._full_names: dict[str, list[PlaceRecord]] = defaultdict(list)
        self._short_names: dict[str, list[PlaceRecord]] = defaultdict(list)
        self._forms: dict[str, tuple[str, ...]] = {}
        for record in sorted(records, key=lambda r: r.code):
            if record.level not in LEVELS:
                raise ValueError(f"{record.code}: unknown level {record.level!r}")
            self._by_code[record.code] = record
            if record.nbs_code:
                self._by_nbs_code[record.nbs_code] = record
            if record.parent_code:
                self._children[record.parent_code].append(record)
            forms = self._forms[record.code] = tuple(short_forms(record.name, record.level))
            self._full_names[forms[0]].append(record)
            for form in forms[1:]:
                self._short_names[form].append(record)

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> PlaceRecord:
        """The division with this code; raises :class:`UnknownPlaceError` when there is none."""
        record = self._by_code.get(code)
        if record is None:
            raise UnknownPlaceError(code)
        return record

    def get_or_none(self, code: str) -> PlaceRecord | None:
        return self._by_code.get(code)

    def forms(self, code: str) -> tuple[str, ...]:
        """``short_forms`` of the division's name, made once when the tree was built."""
        return self._forms[code]

    def get_by_nbs_code(self, code: str) -> PlaceRecord | None:
        """The division whose NBS 2023 code is ``code``.

        About 420 towns were recoded by MCA, some by swapping codes within a county (NBS
        330624002 is 南明街道, MCA 330624002 is 羽林街道), so the NBS code wins over the MCA code.
        """
        recoded = self._by_nbs_code.get(code)
        if recoded is not None:
            return recoded
        record = self._by_code.get(code)
        return record if record is not None and record.nbs_code is None else None

    def parent(self, code: str) -> PlaceRecord | None:
        record = self.get(code)
        return self._by_code.get(record.parent_code) if record.parent_code else None

    def ancestors(self, code: str) -> list[PlaceRecord]:
        """The divisions above ``code``, the province first; empty for the province."""
        chain: list[PlaceRecord] = []
        current = self.parent(code)
        while current is not None:
            chain.append(current)
            current = self.parent(current.code)
        chain.reverse()
        return chain

    def children(self, code: str) -> list[PlaceRecord]:
        self.get(code)
        return list(self._children.get(code, ()))

    def descendants(self, code: str, level: str | None = None) -> list[PlaceRecord]:
        """Everything below ``code`` (depth first, by code), optionally only one level."""
        found: list[PlaceRecord] = []
        stack = list(reversed(self.children(code)))
        while stack:
            record = stack.pop()
            if level is None or record.level == level:
                found.append(record)
            stack.extend(reversed(self._children.get(record.code, ())))
        return found

    def is_within(self, code: str, ancestor_code: str) -> bool:
        """True when ``code`` is ``ancestor_code`` or lies below it."""
        if code == ancestor_code:
            return code in self._by_code
        return any(a.code == ancestor_code for a in self.ancestors(code))

    def find_by_name(
        self, name: str, *, under: str | None = None, level: str | None = None
    ) -> list[PlaceRecord]:
        """Every division called ``name``, by full name or a short form (新昌 → 新昌县, 新昌乡).

        Full-name matches come first, then short-form matches; within each, higher levels
        first, then by code.  ``under`` keeps only places within that division (inclusive);
        ``level`` keeps only one level.  A village committee title (高钱村村委会) is also tried
        as the village name.
        """
        key = normalise_name(name)
        if level is not None and level not in LEVELS:
            raise ValueError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
        if under is not None:
            self.get(under)
        results: list[PlaceRecord] = []
        seen: set[str] = set()
        keys = [key]
        village_name = normalise_name(display_name(name, "village"))
        if village_name != key:
            keys.append(village_name)
        for index in (self._full_names, self._short_names):
            tier = [r for k in keys for r in index.get(k, ()) if r.code not in seen]
            tier.sort(key=lambda r: (LEVELS.index(r.level), r.code))
            for record in tier:
                if record.code in seen:
                    continue
                if level is not None and record.level != level:
                    continue
                if under is not None and not self.is_within(record.code, under):
                    continue
                seen.add(record.code)
                results.append(record)
        return results

    def records(self) -> list[PlaceRecord]:
        """Every division, sorted by code."""
        return list(self._by_code.values())

    def stats(self) -> dict[str, int]:
        """Number of divisions per level, in :data:`LEVELS` order (levels with none are 0)."""
        counts = dict.fromkeys(LEVELS, 0)
        for record in self._by_code.values():
            counts[record.level] += 1
        return counts
