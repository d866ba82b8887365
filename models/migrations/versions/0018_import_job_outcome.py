"""import jobs of other kinds: what the job made (a feed import's batch)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27 04:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    with op.batch_alter_table('ledger_import_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome_id', BIG_ID, nullable=True))


def downgrade():
    with op.batch_alter_table('ledger_import_job', schema=None) as batch_op:
        batch_op.drop_column('outcome_id')
