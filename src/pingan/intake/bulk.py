"""Import a whole export through the real pipeline, in batches, idempotently and resumably.

Every row goes through ``create_incident`` (triage, place, number, history) exactly as an incident
typed by a call-taker. Rows are committed batch by batch; a bad row is reported (row number and
reason) and never half-written, because each row runs in its own savepoint. Importing the same
file again adds nothing: rows whose source record number (``channel`` + ``external_id``) is
already stored are counted as already imported, which is also how an interrupted import resumes.
A rejected row keeps its values as the file gave them, so that the rejected-rows file can be
corrected and imported again with the same mapping.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pingan.db.failure import database_message
from pingan.db.session import session_scope
from pingan.incident.creation import NewIncident, create_incidents
from pingan.incident.schemas import IncidentCreate
from pingan.intake.ahead import GONE, Answer, TriageAhead
from pingan.intake.collection import collected_between_batches
from pingan.intake.interrupt import CtrlC
from pingan.intake.mapping import SourceMapping
from pingan.intake.parse import FINGERPRINT, RowError, to_incident
from pingan.intake.record_numbers import RecordNumbers
from pingan.intake.rejected import RejectedRows
from pingan.tabular import ERROR, LINE, header_of, read_rows
from pingan.triage import Triage
from pingan.triage.decide import warm_up
from pingan.user.scope import Actor


@dataclass
class ImportSummary:
    total: int = 0
    imported: int = 0
    already: int = 0
    # {"row", "reason", "values"}: the row number in the file, why, and the row as read.
    rejected: RejectedRows = field(default_factory=RejectedRows)

    def reject(self, number: int, reason: str, values: dict[str, Any]) -> None:
        self.rejected.add(number, reason, values)

    def reasons(self, limit: int) -> list[dict[str, Any]]:
        """The first ``limit`` rejected rows, number and reason only."""
        return self.rejected.first(limit)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "imported": self.imported,
            "already_imported": self.already,
            "rejected": len(self.rejected),
        }


class ImportInterrupted(Exception):
    """The import stopped between or inside batches: stopped by the user (Ctrl-C; ``cause`` is
    None) or by a failure outside the file (the database failing or gone, the triage worker
    dying; ``cause`` says which, in words for the user). ``summary`` counts what was committed:
    the batch being written was rolled back whole, or, if a Ctrl-C came once its commit had
    begun, finished and counted first; running the import again resumes."""

    def __init__(self, summary: ImportSummary, cause: str | None = None) -> None:
        super().__init__(cause or "import interrupted")
        self.summary = summary
        self.cause = cause


def _cause(error: Exception) -> str:
    """What stopped an import, for the user: the database's own message, without the statement
    and its values (a row's text, a caller's phone) that SQLAlchemy's message carries."""
    if isinstance(error, OperationalError):
        return f"数据库出错：{database_message(error)}"
    return GONE


# (row number, the incident it describes, the row as read)
Batch = list[tuple[int, IncidentCreate, dict[str, Any]]]


def _write_batch(
    factory: sessionmaker[Session],
    batch: Batch,
    actor: Actor,
    default_place: str | None,
    summary: ImportSummary,
    ctrl_c: CtrlC,
    suggestions: Sequence[Triage] | None = None,
) -> None:
    """One transaction for the batch; each row's outcome counted or its error reported. A
    Ctrl-C from the commit on waits until the batch is counted (``interrupt``)."""
    items = [NewIncident(data) for _, data, _ in batch]
    with ctrl_c.holdable() as held:
        try:
            with session_scope(factory) as session:
                outcomes = create_incidents(
                    session,
                    actor=actor,
                    items=items,
                    default_place=default_place,
                    suggestions=suggestions,
                )
                held.hold()  # the commit, at the end of this block, and the count go together
        except IntegrityError:
            # Another writer stored some of these rows meanwhile: go row by row.
            with session_scope(factory) as session:
                outcomes = []
                for k, item in enumerate(items):
                    with session.begin_nested():
                        outcomes += create_incidents(
                            session,
                            actor=actor,
                            items=[item],
                            default_place=default_place,
                            suggestions=suggestions[k : k + 1] if suggestions else None,
                        )
                held.hold()
        for (number, _, row), outcome in zip(batch, outcomes, strict=True):
            if outcome.error is not None:
                summary.reject(number, outcome.error.message, row)
            elif outcome.created:
                summary.imported += 1
            else:
                summary.already += 1


def _batches(
    path: Path, mapping: SourceMapping, batch_size: int, summary: ImportSummary
) -> Iterator[Batch]:
    """The file's good rows in batches; bad rows go to ``summary.rejected`` with the reason."""
    batch: Batch = []
    # The row each record number was first seen on, keyed by one string (channel, a separator
    # no channel holds, the number): half the memory of a pair; past a million, on disk.
    with closing(RecordNumbers()) as seen:
        for number, row in read_rows(path):
            summary.total += 1
            try:
                data = to_incident(row, mapping)
                if data.external_id:
                    first = seen.first_row(f"{data.channel}\x1f{data.external_id}", number)
                    if first is not None:
                        raise RowError(_repeat(data.external_id, first))
                batch.append((number, data, row))
            except RowError as exc:
                summary.reject(number, str(exc), row)
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch


def _repeat(external_id: str, first: int) -> str:
    if external_id.startswith(FINGERPRINT):
        return f"与第 {first} 行内容完全相同（文件未给记录编号，按内容识别）"
    return f"记录编号 {external_id} 与第 {first} 行重复"


def import_incidents(
    factory: sessionmaker[Session],
    path: Path,
    *,
    actor: Actor,
    mapping: SourceMapping,
    default_place: str | None = None,
    batch_size: int = 1000,
    progress: Callable[[int], None] | None = None,
    workers: int = 0,
) -> ImportSummary:
    """Import ``path`` (CSV, JSONL, JSON or Excel); see the module docstring.

    With ``workers`` > 0, that many processes triage the next batches while this one writes
    (``pingan.intake.ahead``); the result is the same. ``progress`` is called after each batch
    with the number of the file's rows done since its last call (rejected rows included), so
    that it adds up to the file's row count. Interrupted (Ctrl-C), or stopped by the database
    failing (disk full, the server gone) or the triage worker dying, it raises
    :class:`ImportInterrupted` with what was committed; running it again resumes.
    """
    mapping = mapping.for_header(header_of(path))
    warm_up()
    summary = ImportSummary()
    home = actor.home_place(default_place)
    # Each batch with its triage (when a worker does it) and how many rows of the file had been
    # read when it was formed: progress counts rows done, rejected ones included.
    pending: deque[tuple[Batch, Answer | None, int]] = deque()
    done = 0
    ctrl_c = CtrlC()

    def write_oldest() -> None:
        nonlocal done
        ctrl_c.stop_if_pressed()
        batch, triaged, read = pending.popleft()
        suggestions = triaged.result() if triaged is not None else None
        _write_batch(factory, batch, actor, default_place, summary, ctrl_c, suggestions)
        if progress:
            progress(read - done)
        done = read

    try:
        with ctrl_c, TriageAhead(workers) as ahead, collected_between_batches() as collect:
            for batch in _batches(path, mapping, batch_size, summary):
                collect()
                ctrl_c.stop_if_pressed()
                triaged = ahead.submit([data for _, data, _ in batch], home)
                pending.append((batch, triaged, summary.total))
                if len(pending) > ahead.workers:
                    write_oldest()
            while pending:
                write_oldest()
    except KeyboardInterrupt as exc:
        raise ImportInterrupted(summary) from exc
    except (OperationalError, BrokenProcessPool) as exc:
        raise ImportInterrupted(summary, _cause(exc)) from exc
    if progress and summary.total > done:  # rejected rows after the last good one
        progress(summary.total - done)
    return summary


ROW_COLUMN = "原行号"
REASON_COLUMN = "未导入原因"
LINE_COLUMN = "原始行"


def write_rejected(path: Path, rejected: RejectedRows) -> None:
    """The rejected rows as CSV, for the person fixing the file: the row number and the reason,
    then the row's own columns as the file gave them (a JSON line that could not be read: the
    line itself). Corrected, the file imports with the same mapping (extra columns are ignored).
    The rows are read twice, never held together: once for the columns, once to write them.
    """
    columns: dict[str, None] = {ROW_COLUMN: None, REASON_COLUMN: None}
    for entry in rejected:
        columns.update((_column(name), None) for name in entry["values"] if name != ERROR)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        for entry in rejected:
            writer.writerow(
                {ROW_COLUMN: entry["row"], REASON_COLUMN: entry["reason"]}
                | {_column(name): v for name, v in entry["values"].items() if name != ERROR}
            )


def _column(name: str) -> str:
    return LINE_COLUMN if name == LINE else name
