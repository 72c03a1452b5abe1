"""routing explanations stored once

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 03:40:00

Each routing decision kept its whole explanation (the rule, every unit considered and why), the
largest thing an incident stores, though incidents of one kind at one place are routed alike.
Explanations move to their own table, one row per distinct explanation (found by the SHA-256
of its JSON with keys sorted), and each decision points at its own.
"""

import hashlib
from collections.abc import Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 10_000
_decisions = sa.table(
    "routing_decision",
    sa.column("id", sa.Integer),
    sa.column("trace", sa.JSON),
    sa.column("explanation_id", sa.Integer),
)
_explanations = sa.table(
    "routing_explanation",
    sa.column("id", sa.Integer),
    sa.column("digest", sa.String),
    sa.column("trace", sa.JSON),
)


def _digest(trace: Any) -> str:
    text = orjson.dumps(trace, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.sha256(text).hexdigest()


def upgrade() -> None:
    op.create_table(
        "routing_explanation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("trace", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_explanation")),
        sa.UniqueConstraint("digest", name=op.f("uq_routing_explanation_digest")),
    )
    with op.batch_alter_table("routing_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("explanation_id", sa.Integer(), nullable=True))
    bind = op.get_bind()
    known: dict[str, int] = {}
    last = 0
    while rows := bind.execute(
        sa.select(_decisions.c.id, _decisions.c.trace)
        .where(_decisions.c.id > last)
        .order_by(_decisions.c.id)
        .limit(_CHUNK)
    ).all():
        pointers = []
        for decision, trace in rows:
            digest = _digest(trace)
            if digest not in known:
                known[digest] = bind.execute(
                    sa.insert(_explanations)
                    .values(digest=digest, trace=trace)
                    .returning(_explanations.c.id)
                ).scalar_one()
            pointers.append({"decision": decision, "explanation": known[digest]})
        bind.execute(
            sa.update(_decisions)
            .where(_decisions.c.id == sa.bindparam("decision"))
            .values(explanation_id=sa.bindparam("explanation")),
            pointers,
        )
        last = rows[-1][0]
    with op.batch_alter_table("routing_decision", schema=None) as batch_op:
        batch_op.alter_column("explanation_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_routing_decision_explanation_id_routing_explanation"),
            "routing_explanation",
            ["explanation_id"],
            ["id"],
        )
        batch_op.drop_column("trace")


def downgrade() -> None:
    with op.batch_alter_table("routing_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trace", sa.JSON(), nullable=True))
    op.execute(
        "UPDATE routing_decision SET trace = (SELECT e.trace FROM routing_explanation AS e"
        " WHERE e.id = routing_decision.explanation_id)"
    )
    with op.batch_alter_table("routing_decision", schema=None) as batch_op:
        batch_op.alter_column("trace", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_constraint(
            batch_op.f("fk_routing_decision_explanation_id_routing_explanation"),
            type_="foreignkey",
        )
        batch_op.drop_column("explanation_id")
    op.drop_table("routing_explanation")
