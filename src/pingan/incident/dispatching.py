"""Who should go (派警推荐): nearby available resources ranked for one incident."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pingan.area.models import Place
from pingan.db.base import utcnow
from pingan.incident.models import Incident, IncidentAssignment
from pingan.routing.dispatch import Resource as ResourceView
from pingan.routing.dispatch import default_dispatch_config, rank_resources
from pingan.unit.models import Resource

SEARCH_RADIUS_KM = 30.0


def area_type_of(session: Session, incident: Incident) -> str:
    """Urban for streets and communities, suburban for towns, rural for townships and villages."""
    village = session.get(Place, incident.village_code) if incident.village_code else None
    if village is not None:
        return "urban" if village.name.endswith("社区") else "rural"
    town = session.get(Place, incident.town_code) if incident.town_code else None
    if town is None:
        return "suburban"
    if town.name.endswith("街道"):
        return "urban"
    return "rural" if town.name.endswith("乡") else "suburban"


def recommend(session: Session, incident: Incident, *, limit: int = 5) -> dict[str, Any]:
    """The best resources to send, each with its ETA, score parts and reason."""
    if incident.lon is None or incident.lat is None:
        return {"area_type": None, "recommendations": [], "note": "警情没有坐标，无法推荐"}
    dlat = SEARCH_RADIUS_KM / 111.0
    dlon = dlat / max(0.1, math.cos(math.radians(incident.lat)))
    workload = dict(
        (unit_id, count)
        for unit_id, count in session.execute(
            select(IncidentAssignment.unit_id, func.count())
            .where(IncidentAssignment.active.is_(True))
            .group_by(IncidentAssignment.unit_id)
        )
    )
    rows = session.scalars(
        select(Resource).where(
            Resource.lon.between(incident.lon - dlon, incident.lon + dlon),
            Resource.lat.between(incident.lat - dlat, incident.lat + dlat),
        )
    )
    views = [
        ResourceView(
            id=r.id,
            unit_id=r.unit_id,
            kind=r.kind,
            status=r.status,
            lon=r.lon,
            lat=r.lat,
            capabilities=tuple(r.capabilities or ()),
            workload=int(workload.get(r.unit_id, 0)),
            name=r.name,
        )
        for r in rows
    ]
    area = area_type_of(session, incident)
    ranked = rank_resources(
        (incident.lon, incident.lat),
        area,
        views,
        config=default_dispatch_config(),
        now=utcnow(),
        code=incident.final_code or "999900",
        limit=limit,
    )
    return {"area_type": area, "recommendations": [r.to_dict() for r in ranked]}
