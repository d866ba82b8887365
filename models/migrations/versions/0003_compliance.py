"""compliance: the daily-report summary per county and day, kept in step by the writes

The cache ``report_compliance`` (on-time reports per county and day, frozen once the
configured deadline had passed and filled by the readers) becomes a summary kept in step
by every write of a report (app.reporting.compliance): reports prepared, on time, late.
The summary is derived data: it is counted anew from the reports here.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

RECOUNT = """
INSERT INTO report_compliance (region_code, day, reports, on_time, late)
SELECT substr(region_code, 1, 6), report_date, count(*),
       sum(CASE WHEN status = 'submitted' AND NOT late THEN 1 ELSE 0 END),
       sum(CASE WHEN status = 'submitted' AND late THEN 1 ELSE 0 END)
FROM daily_report GROUP BY substr(region_code, 1, 6), report_date
"""


def upgrade():
    op.drop_table('report_compliance')
    op.create_table('report_compliance',
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('region_code', 'day')
    )
    op.execute(RECOUNT)


def downgrade():
    # The cache of the release before fills itself when read.
    op.drop_table('report_compliance')
    op.create_table('report_compliance',
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('level', 'region_code', 'day')
    )
