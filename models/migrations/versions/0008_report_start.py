"""report_start: each community's first report day (days before it are not expected);
report_reminder: the 催报 sent, one per community and report day

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 16:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_start',
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('region_code')
    )
    op.execute("INSERT INTO report_start (region_code, day) "
               "SELECT region_code, MIN(report_date) FROM daily_report GROUP BY region_code")

    op.create_table('report_reminder',
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(), nullable=False),
    sa.Column('reminded_by_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('region_code', 'report_date')
    )


def downgrade():
    op.drop_table('report_reminder')
    op.drop_table('report_start')
