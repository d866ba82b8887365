"""venues: venue codes (场所码) and their scans

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 03:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('venue',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('medical', sa.Boolean(), nullable=False),
    sa.Column('community_code', sa.String(length=12), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('contact_name', sa.String(length=50), nullable=True),
    sa.Column('phone_enc', sa.Text(), nullable=True),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_masked', sa.String(length=32), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('venue', schema=None) as batch_op:
        batch_op.create_index('ix_venue_community', ['community_code', 'name'], unique=False)

    op.create_table('venue_scan',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('venue_id', BIG_ID, nullable=False),
    sa.Column('person_hash', sa.String(length=64), nullable=False),
    sa.Column('scanned_at', sa.DateTime(), nullable=False),
    sa.Column('colour', sa.String(length=6), nullable=False),
    sa.Column('admitted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('venue_scan', schema=None) as batch_op:
        batch_op.create_index('ix_venue_scan_venue_time', ['venue_id', 'scanned_at'], unique=False)
        batch_op.create_index('ix_venue_scan_person_time', ['person_hash', 'scanned_at'], unique=False)


def downgrade():
    with op.batch_alter_table('venue_scan', schema=None) as batch_op:
        batch_op.drop_index('ix_venue_scan_person_time')
        batch_op.drop_index('ix_venue_scan_venue_time')
    op.drop_table('venue_scan')
    with op.batch_alter_table('venue', schema=None) as batch_op:
        batch_op.drop_index('ix_venue_community')
    op.drop_table('venue')
