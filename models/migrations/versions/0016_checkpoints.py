"""checkpoints: checkpoints, the accounts posted at them, the pass log

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 03:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('checkpoint',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('checkpoint', schema=None) as batch_op:
        batch_op.create_index('ix_checkpoint_region', ['region_code'], unique=False)

    op.create_table('checkpoint_staff',
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['checkpoint.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('checkpoint_id', 'user_id')
    )
    with op.batch_alter_table('checkpoint_staff', schema=None) as batch_op:
        batch_op.create_index('ix_checkpoint_staff_user', ['user_id'], unique=False)

    op.create_table('checkpoint_pass',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('passed_at', sa.DateTime(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('transit', sa.Boolean(), nullable=False),
    sa.Column('person_hash', sa.String(length=64), nullable=False),
    sa.Column('filing_id', BIG_ID, nullable=True),
    sa.Column('without_filing', sa.Boolean(), nullable=False),
    sa.Column('colour', sa.String(length=6), nullable=True),
    sa.Column('name_masked', sa.String(length=50), nullable=True),
    sa.Column('destination_region_code', sa.String(length=12), nullable=True),
    sa.Column('logged_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['checkpoint.id'], ),
    sa.ForeignKeyConstraint(['filing_id'], ['filing.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('checkpoint_pass', schema=None) as batch_op:
        batch_op.create_index('ix_checkpoint_pass_checkpoint_day', ['checkpoint_id', 'day'], unique=False)
        batch_op.create_index('ix_checkpoint_pass_person', ['person_hash', 'passed_at'], unique=False)
        batch_op.create_index('ix_checkpoint_pass_region_day', ['region_code', 'day'], unique=False)


def downgrade():
    op.drop_table('checkpoint_pass')
    op.drop_table('checkpoint_staff')
    op.drop_table('checkpoint')
