"""drop four indexes that no query needs and every new incident paid for

``channel`` leads the unique (channel, external_id) and ``created_by`` the unique (created_by,
idempotency_key); a query on either column uses those (the source-record look-up of a bulk
import, a citizen's own incidents). ``incident_assignment.active`` and
``routing_decision.unroutable`` are flags no query looks up by: assignments are found by
incident or unit, decisions by incident.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 20:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain DROP INDEX, not a batch (as in 0006).
DROPPED = (
    ("incident", "ix_incident_channel", ["channel"]),
    ("incident", "ix_incident_created_by", ["created_by"]),
    ("incident_assignment", "ix_incident_assignment_active", ["active"]),
    ("routing_decision", "ix_routing_decision_unroutable", ["unroutable"]),
)


def upgrade() -> None:
    for table, name, _columns in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, columns in DROPPED:
        op.create_index(name, table, columns, unique=False)
