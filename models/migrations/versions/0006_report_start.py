"""report_start: each community's first report day (days before it are not expected)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 16:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
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


def downgrade():
    op.drop_table('report_start')
