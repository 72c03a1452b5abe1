"""Import a whole export through the real pipeline, in batches, idempotently and resumably.

Every row goes through ``create_incident`` (triage, place, number, history) exactly as an incident
typed by a call-taker. Rows are committed batch by batch; a bad row is reported (row number and
reason) and never half-written, because each row runs in its own savepoint. Importing the same
file again adds nothing: rows whose source record number (``channel`` + ``external_id``) is
already stored are counted as already imported, which is also how an interrupted import resumes.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from pingan.db.session import session_scope
from pingan.incident.creation import NewIncident, create_incidents
from pingan.incident.schemas import IncidentCreate
from pingan.intake.mapping import SourceMapping
from pingan.intake.parse import RowError, to_incident
from pingan.tabular import header_of, read_rows
from pingan.user.scope import Actor


@dataclass
class ImportSummary:
    total: int = 0
    imported: int = 0
    already: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "imported": self.imported,
            "already_imported": self.already,
            "rejected": len(self.rejected),
        }


def _write_batch(
    factory: sessionmaker[Session],
    batch: list[tuple[int, IncidentCreate]],
    actor: Actor,
    default_place: str | None,
    summary: ImportSummary,
) -> None:
    """One transaction for the batch; each row's outcome counted or its error reported."""
    items = [NewIncident(data) for _, data in batch]
    try:
        with session_scope(factory) as session:
            outcomes = create_incidents(
                session, actor=actor, items=items, default_place=default_place
            )
    except IntegrityError:
        # Another writer stored some of these rows meanwhile: go row by row.
        with session_scope(factory) as session:
            outcomes = []
            for item in items:
                with session.begin_nested():
                    outcomes += create_incidents(
                        session, actor=actor, items=[item], default_place=default_place
                    )
    for (number, _), outcome in zip(batch, outcomes, strict=True):
        if outcome.error is not None:
            summary.rejected.append({"row": number, "reason": outcome.error.message})
        elif outcome.created:
            summary.imported += 1
        else:
            summary.already += 1


def import_incidents(
    factory: sessionmaker[Session],
    path: Path,
    *,
    actor: Actor,
    mapping: SourceMapping,
    default_place: str | None = None,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import ``path`` (CSV, JSONL, JSON or Excel); see the module docstring."""
    mapping.check_header(header_of(path))
    summary = ImportSummary()
    batch: list[tuple[int, IncidentCreate]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in read_rows(path):
        summary.total += 1
        try:
            data = to_incident(row, mapping)
            key = (data.channel, data.external_id or "")
            if data.external_id and key in seen:
                raise RowError(f"记录编号 {data.external_id} 与第 {seen[key]} 行重复")
            if data.external_id:
                seen[key] = number
            batch.append((number, data))
        except RowError as exc:
            summary.rejected.append({"row": number, "reason": str(exc)})
        if len(batch) >= batch_size:
            _write_batch(factory, batch, actor, default_place, summary)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        _write_batch(factory, batch, actor, default_place, summary)
        if progress:
            progress(len(batch))
    summary.rejected.sort(key=lambda r: int(r["row"]))
    return summary


def write_rejected(path: Path, rejected: list[dict[str, Any]]) -> None:
    """The rejected rows as CSV (row number and reason), for the person fixing the file."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["row", "reason"])
        writer.writeheader()
        writer.writerows(rejected)
