"""drop indexes that a wider index already covers

Each of these was the leading column of another index (ix_incident_county_reported,
ix_incident_open_due, uq_incident_event_incident_id_seq), which every query using it can use
instead; every incident written paid for the extra index.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 06:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain DROP INDEX, not a batch (a batch could rebuild incident_event without its triggers).
DROPPED = (
    ("incident", "ix_incident_county_code", ["county_code"]),
    ("incident", "ix_incident_state", ["state"]),
    ("incident_event", "ix_incident_event_incident_id", ["incident_id"]),
)


def upgrade() -> None:
    for table, name, _columns in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, columns in DROPPED:
        op.create_index(name, table, columns, unique=False)
