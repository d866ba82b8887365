"""import_jobs: ledger imports run off the web request (ledger_import_job)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 16:49:40.304195

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ledger_import_job',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('ledger', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('jurisdiction', sa.String(length=19), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('problems', sa.Text(), nullable=True),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ledger_import_job', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_import_job_status', ['status', 'heartbeat_at'], unique=False)



def downgrade():
    with op.batch_alter_table('ledger_import_job', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_import_job_status')

    op.drop_table('ledger_import_job')
