"""health codes: when each person's colour may next change with the clock
(health_code_recheck) and the runs of the province's job with the last input ids they saw
(health_code_run), so the nightly job decides again only those due and those with new
inputs.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-27 07:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'health_code_recheck',
        sa.Column('person_hash', sa.String(length=64), nullable=False),
        sa.Column('recheck_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('person_hash'),
    )
    op.create_index('ix_health_code_recheck_at', 'health_code_recheck', ['recheck_at'], unique=False)
    op.create_table(
        'health_code_run',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('as_of', sa.DateTime(), nullable=False),
        sa.Column('full', sa.Boolean(), nullable=False),
        sa.Column('changed', sa.Integer(), nullable=False),
        sa.Column('marks', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade():
    op.drop_table('health_code_run')
    op.drop_index('ix_health_code_recheck_at', table_name='health_code_recheck')
    op.drop_table('health_code_recheck')
