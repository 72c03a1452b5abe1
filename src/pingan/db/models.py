"""Every table, imported in one place so metadata is complete (for Alembic and tests)."""

from pingan.analytics.models import RollupCountyDaily, RollupDaily, RollupTownDaily
from pingan.area.models import Place
from pingan.db.base import Base
from pingan.incident.models import (
    Incident,
    IncidentAssignment,
    IncidentEvent,
    IncidentSequence,
    RoutingDecision,
    RoutingExplanation,
)
from pingan.unit.models import Resource, Unit, UnitCoverage
from pingan.user.models import User

__all__ = [
    "Base",
    "Incident",
    "IncidentAssignment",
    "IncidentEvent",
    "IncidentSequence",
    "Place",
    "Resource",
    "RollupCountyDaily",
    "RollupDaily",
    "RollupTownDaily",
    "RoutingDecision",
    "RoutingExplanation",
    "Unit",
    "UnitCoverage",
    "User",
]
