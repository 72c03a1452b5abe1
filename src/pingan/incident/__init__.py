"""Incidents (警情/工单) and their append-only history."""
