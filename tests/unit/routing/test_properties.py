"""Properties over random call types, places and unit populations of a fake province."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from pingan.routing.engine import route
from pingan.routing.rules import default_rules
from pingan.routing.vocabulary import UNIT_TYPES
from pingan.taxonomy import call_types

from .geography import FakeUnits, fake_geography

GEO = fake_geography()
CODES = sorted(call_types())
PLACES = sorted(GEO.villages + GEO.towns + GEO.counties)
ALL_PLACES = sorted(GEO.places)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
moments = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),
    max_value=dt.datetime(2027, 12, 31),
    timezones=st.just(SHANGHAI),
)
codes = st.one_of(st.sampled_from(CODES), st.from_regex(r"\A[0-9]{6}\Z"))
populations = st.sets(
    st.tuples(st.sampled_from(sorted(UNIT_TYPES)), st.sampled_from(ALL_PLACES)), max_size=60
)


@settings(max_examples=300, deadline=None)
@given(code=codes, place=st.sampled_from(PLACES), population=populations, at=moments)
def test_every_decision_has_a_lead_or_is_unroutable_with_a_reason(
    code: str, place: str, population: set[tuple[str, str]], at: dt.datetime
) -> None:
    units = FakeUnits()
    for unit_type, unit_place in sorted(population):
        units.add(unit_type, unit_place, f"{unit_place}-{unit_type}")
    chain = GEO.chain(place)
    decision = route(code, chain, at=at, rules=default_rules(), units_for=units)
    assert decision.reason
    if decision.unroutable:
        assert decision.lead is None and decision.assists == ()
    else:
        assert decision.lead is not None
        assert decision.lead.type == decision.lead_type
        assert decision.matched_place in chain
        assert decision.lead in units.by_key[(decision.lead.type, decision.matched_place.code)]
    assert decision.trace[-1].kind == "result"


@settings(max_examples=40, deadline=None)
@given(county=st.sampled_from(GEO.counties), pick=st.integers(0, 8), at=moments)
def test_with_every_unit_type_at_county_level_every_call_type_routes(
    county: str, pick: int, at: dt.datetime
) -> None:
    units = FakeUnits()
    for unit_type in UNIT_TYPES:
        units.add(unit_type, county, f"{county}-{unit_type}")
    villages = [v for v in GEO.villages if v.startswith(county)]
    chain = GEO.chain(villages[pick])
    for code in CODES:
        decision = route(code, chain, at=at, rules=default_rules(), units_for=units)
        assert not decision.unroutable, decision.reason
        assert decision.matched_place is not None and decision.matched_place.code == county
        rule = next(r for r in default_rules().rules if r.name == decision.rule)
        assert [unit.type for unit in decision.assists] == list(rule.assists)
