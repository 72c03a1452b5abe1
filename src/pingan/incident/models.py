"""Incidents, their assignments, their append-only events and the per-county number sequence."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pingan.db.base import Base, utcnow

CHANNELS: dict[str, str] = {
    "110": "110报警",
    "12345": "12345热线",
    "grid": "网格上报",
    "app": "群众APP/网页",
    "iot": "物联感知",
    "walk_in": "来所报案",
}


class Incident(Base):
    """A 接警单. Its state columns are a snapshot of its events, never written on their own."""

    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(80))
    # The client's Idempotency-Key: a retried request returns the incident made the first time;
    # the SHA-256 of that request (``creation.request_hash``) tells a retry from another request
    # that reuses the key.
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(12))  # leads uq_incident_channel_external_id
    reported_at: Mapped[dt.datetime] = mapped_column(index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Leads the unique (created_by, idempotency_key), which a query by it uses.
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    caller_name: Mapped[str | None] = mapped_column(String(64))
    caller_phone: Mapped[str | None] = mapped_column(String(32), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    place_code: Mapped[str | None] = mapped_column(ForeignKey("place.code"))
    city_code: Mapped[str | None] = mapped_column(String(24), index=True)
    county_code: Mapped[str | None] = mapped_column(String(24))  # ix_incident_county_reported
    town_code: Mapped[str | None] = mapped_column(String(24), index=True)
    village_code: Mapped[str | None] = mapped_column(String(24), index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    # Snapshot of the history (rebuilt by ``lifecycle.replay``).
    state: Mapped[str] = mapped_column(String(16), default="received")  # ix_incident_open_due
    initial_code: Mapped[str | None] = mapped_column(String(6))
    final_code: Mapped[str | None] = mapped_column(String(6), index=True)
    police: Mapped[bool | None] = mapped_column(Boolean)
    urgency: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    solved: Mapped[bool | None] = mapped_column(Boolean)
    merged_into: Mapped[str | None] = mapped_column(String(32))
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    # Time limits (set by the routing and time-limit policies).
    sign_for_due: Mapped[dt.datetime | None] = mapped_column()
    arrive_due: Mapped[dt.datetime | None] = mapped_column()
    finish_due: Mapped[dt.datetime | None] = mapped_column()
    call_back_due: Mapped[dt.datetime | None] = mapped_column()
    # Waiting for the citizen stops the clock: paused_at is set while paused.
    paused_at: Mapped[dt.datetime | None] = mapped_column()
    # Indexed: the time-limit engine picks up changed incidents by it every second.
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        UniqueConstraint("created_by", "idempotency_key"),
        Index("ix_incident_county_reported", "county_code", "reported_at"),
    )


class IncidentAssignment(Base):
    """A unit the incident is (or was) sent to: one lead, any number assisting."""

    __tablename__ = "incident_assignment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="lead")
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # found by incident or unit
    assigned_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IncidentEvent(Base):
    """One change, appended and never altered: triggers refuse UPDATE and DELETE.

    Each row carries the hash of the previous event of the same incident, so an edit made behind
    the database's back shows as a broken chain (``verify_history``).
    """

    __tablename__ = "incident_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Looked up through uq_incident_event_incident_id_seq (incident_id first).
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("incident_id", "seq"),)


class IncidentSequence(Base):
    """The last number handed out per county per day (for 接警单 numbers)."""

    __tablename__ = "incident_sequence"

    county_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class RoutingExplanation(Base):
    """A routing decision's full explanation (the rule, every unit considered and why), stored
    once however many decisions give it: incidents of one kind at one place are routed alike,
    and the explanation is the largest thing an incident stores. ``digest`` is the SHA-256 of
    its canonical JSON (keys sorted)."""

    __tablename__ = "routing_explanation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    trace: Mapped[dict[str, Any]] = mapped_column(JSON)


class RoutingDecision(Base):
    """Who an incident was sent to and why: the rule, the rule-set version and the full trace
    (its explanation, shared with the decisions that give the same one)."""

    __tablename__ = "routing_decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    rules_version: Mapped[str] = mapped_column(String(80))
    rule: Mapped[str | None] = mapped_column(String(120))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    assist_unit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    unroutable: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text)
    explanation_id: Mapped[int] = mapped_column(ForeignKey("routing_explanation.id"))
    explanation: Mapped[RoutingExplanation] = relationship(lazy="joined")

    @property
    def trace(self) -> dict[str, Any]:
        return self.explanation.trace
