"""filer access: the filer's phone finds their filings, one-time codes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('filer_code',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.SmallInteger(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('filer_code', schema=None) as batch_op:
        batch_op.create_index('ix_filer_code_phone', ['phone_hash', 'id_number_hash'], unique=False)

    # Filings of before keep no hash of the filer's phone: found by their own phone only.
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proxy_phone_hash', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_filing_phone_hash', ['phone_hash'], unique=False)
        batch_op.create_index('ix_filing_proxy_phone_hash', ['proxy_phone_hash'], unique=False, postgresql_where=sa.text('proxy_phone_hash IS NOT NULL'), sqlite_where=sa.text('proxy_phone_hash IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.drop_index('ix_filing_proxy_phone_hash', postgresql_where=sa.text('proxy_phone_hash IS NOT NULL'), sqlite_where=sa.text('proxy_phone_hash IS NOT NULL'))
        batch_op.drop_index('ix_filing_phone_hash')
        batch_op.drop_column('proxy_phone_hash')

    with op.batch_alter_table('filer_code', schema=None) as batch_op:
        batch_op.drop_index('ix_filer_code_phone')

    op.drop_table('filer_code')
