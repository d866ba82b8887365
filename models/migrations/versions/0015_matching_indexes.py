"""matching indexes: arrivals by time with what the rules read (partial), open findings by filing, findings by batch (partial)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 03:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

ARRIVED = sa.text('arrived_at IS NOT NULL AND anonymised_at IS NULL')
OPEN_OF_FILING = sa.text("status = 'open' AND filing_id IS NOT NULL")
OF_BATCH = sa.text('batch_id IS NOT NULL')


def upgrade():
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.create_index('ix_filing_arrivals', ['arrived_at', 'id', 'id_number_hash', 'status'], unique=False,
                              postgresql_where=ARRIVED, sqlite_where=ARRIVED)
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index('ix_finding_batch')
        batch_op.create_index('ix_finding_batch', ['batch_id'], unique=False,
                              postgresql_where=OF_BATCH, sqlite_where=OF_BATCH)
        batch_op.create_index('ix_finding_open_filing', ['filing_id'], unique=False,
                              postgresql_where=OPEN_OF_FILING, sqlite_where=OPEN_OF_FILING)


def downgrade():
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index('ix_finding_open_filing', postgresql_where=OPEN_OF_FILING, sqlite_where=OPEN_OF_FILING)
        batch_op.drop_index('ix_finding_batch', postgresql_where=OF_BATCH, sqlite_where=OF_BATCH)
        batch_op.create_index('ix_finding_batch', ['batch_id'], unique=False)
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.drop_index('ix_filing_arrivals', postgresql_where=ARRIVED, sqlite_where=ARRIVED)
