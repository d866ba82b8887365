"""healthcode rules: staff overrides on a code, the code_state feed of other provinces

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 03:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('health_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('override_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('override_until', sa.DateTime(), nullable=True))

    op.create_table('feed_code_state',
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=True),
    sa.Column('id_number_enc', sa.Text(), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=False),
    sa.Column('id_number_masked', sa.String(length=32), nullable=False),
    sa.Column('colour', sa.String(length=6), nullable=False),
    sa.Column('as_of', sa.DateTime(), nullable=False),
    sa.Column('province', sa.String(length=20), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=19), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['feed_batch.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feed_code_state', schema=None) as batch_op:
        batch_op.create_index('ix_feed_code_state_batch', ['batch_id'], unique=False)
        batch_op.create_index('ix_feed_code_state_person', ['id_number_hash', 'as_of'], unique=False)


def downgrade():
    with op.batch_alter_table('feed_code_state', schema=None) as batch_op:
        batch_op.drop_index('ix_feed_code_state_person')
        batch_op.drop_index('ix_feed_code_state_batch')
    op.drop_table('feed_code_state')

    with op.batch_alter_table('health_code', schema=None) as batch_op:
        batch_op.drop_column('override_until')
        batch_op.drop_column('override_at')
