"""rollup tables for the dashboard (daily counts at village, town and county grain) and an
index for counting open and overdue incidents

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 23:20:12.140679
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pingan.analytics.rollups import rebuild_rollups

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rollup_county_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("city_code", sa.String(length=24), nullable=False),
        sa.Column("county_code", sa.String(length=24), nullable=False),
        sa.Column("category_group", sa.String(length=2), nullable=False),
        sa.Column("received", sa.Integer(), server_default="0", nullable=False),
        sa.Column("diverted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("closed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("called_back", sa.Integer(), server_default="0", nullable=False),
        sa.Column("solved", sa.Integer(), server_default="0", nullable=False),
        sa.Column("satisfaction_sum", sa.Integer(), server_default="0", nullable=False),
        sa.Column("satisfaction_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("arrival_seconds_sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("arrival_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("returned", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "city_code", "county_code", "category_group", name=op.f("pk_rollup_county_daily")
        ),
    )
    with op.batch_alter_table("rollup_county_daily", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rollup_county_daily_county_day", ["county_code", "day"], unique=False
        )

    op.create_table(
        "rollup_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("city_code", sa.String(length=24), nullable=False),
        sa.Column("county_code", sa.String(length=24), nullable=False),
        sa.Column("town_code", sa.String(length=24), nullable=False),
        sa.Column("village_code", sa.String(length=24), nullable=False),
        sa.Column("category_group", sa.String(length=2), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("police", sa.SmallInteger(), nullable=False),
        sa.Column("received", sa.Integer(), server_default="0", nullable=False),
        sa.Column("diverted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("closed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("called_back", sa.Integer(), server_default="0", nullable=False),
        sa.Column("solved", sa.Integer(), server_default="0", nullable=False),
        sa.Column("satisfaction_sum", sa.Integer(), server_default="0", nullable=False),
        sa.Column("satisfaction_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("arrival_seconds_sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("arrival_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("returned", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "city_code",
            "county_code",
            "town_code",
            "village_code",
            "category_group",
            "channel",
            "police",
            name=op.f("pk_rollup_daily"),
        ),
    )
    with op.batch_alter_table("rollup_daily", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rollup_daily_city_day", ["city_code", "day", "village_code"], unique=False
        )
        batch_op.create_index("ix_rollup_daily_county_day", ["county_code", "day"], unique=False)
        batch_op.create_index("ix_rollup_daily_town_day", ["town_code", "day"], unique=False)
        batch_op.create_index("ix_rollup_daily_village_day", ["village_code", "day"], unique=False)

    op.create_table(
        "rollup_town_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("city_code", sa.String(length=24), nullable=False),
        sa.Column("county_code", sa.String(length=24), nullable=False),
        sa.Column("town_code", sa.String(length=24), nullable=False),
        sa.Column("received", sa.Integer(), server_default="0", nullable=False),
        sa.Column("diverted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("closed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("called_back", sa.Integer(), server_default="0", nullable=False),
        sa.Column("solved", sa.Integer(), server_default="0", nullable=False),
        sa.Column("satisfaction_sum", sa.Integer(), server_default="0", nullable=False),
        sa.Column("satisfaction_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("arrival_seconds_sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("arrival_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("returned", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "city_code", "county_code", "town_code", name=op.f("pk_rollup_town_daily")
        ),
    )
    with op.batch_alter_table("rollup_town_daily", schema=None) as batch_op:
        batch_op.create_index("ix_rollup_town_daily_city_day", ["city_code", "day"], unique=False)
        batch_op.create_index(
            "ix_rollup_town_daily_county_day", ["county_code", "day"], unique=False
        )
        batch_op.create_index("ix_rollup_town_daily_town_day", ["town_code", "day"], unique=False)

    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incident_open_due",
            [
                "state",
                "city_code",
                "county_code",
                "town_code",
                "village_code",
                "paused_at",
                "sign_for_due",
                "arrive_due",
                "finish_due",
            ],
            unique=False,
        )

    # Count the incidents recorded before this revision (nothing to do on a new database).
    rebuild_rollups(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_open_due")

    with op.batch_alter_table("rollup_town_daily", schema=None) as batch_op:
        batch_op.drop_index("ix_rollup_town_daily_town_day")
        batch_op.drop_index("ix_rollup_town_daily_county_day")
        batch_op.drop_index("ix_rollup_town_daily_city_day")

    op.drop_table("rollup_town_daily")
    with op.batch_alter_table("rollup_daily", schema=None) as batch_op:
        batch_op.drop_index("ix_rollup_daily_village_day")
        batch_op.drop_index("ix_rollup_daily_town_day")
        batch_op.drop_index("ix_rollup_daily_county_day")
        batch_op.drop_index("ix_rollup_daily_city_day")

    op.drop_table("rollup_daily")
    with op.batch_alter_table("rollup_county_daily", schema=None) as batch_op:
        batch_op.drop_index("ix_rollup_county_daily_county_day")

    op.drop_table("rollup_county_daily")
