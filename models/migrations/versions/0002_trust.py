"""trust: sessions, lockout, second factor, audit chain, anonymising

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_seal',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        # Existing accounts start at version 0, as new ones do.
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('failed_login_since', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_secret_enc', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain_seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_audit_log_unsealed', ['id'], unique=False, postgresql_where=sa.text('chain_seq IS NULL'), sqlite_where=sa.text('chain_seq IS NULL'))
        batch_op.create_index('uq_audit_log_chain_seq', ['chain_seq'], unique=True, postgresql_where=sa.text('chain_seq IS NOT NULL'), sqlite_where=sa.text('chain_seq IS NOT NULL'))

    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_filing_anonymised_at', ['anonymised_at'], unique=False, postgresql_where=sa.text('anonymised_at IS NOT NULL'), sqlite_where=sa.text('anonymised_at IS NOT NULL'))

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filing_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))



def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('filing_id')

    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.drop_index('ix_filing_anonymised_at', postgresql_where=sa.text('anonymised_at IS NOT NULL'), sqlite_where=sa.text('anonymised_at IS NOT NULL'))
        batch_op.drop_column('anonymised_at')

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('uq_audit_log_chain_seq', postgresql_where=sa.text('chain_seq IS NOT NULL'), sqlite_where=sa.text('chain_seq IS NOT NULL'))
        batch_op.drop_index('ix_audit_log_unsealed', postgresql_where=sa.text('chain_seq IS NULL'), sqlite_where=sa.text('chain_seq IS NULL'))
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('chain_seq')

    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret_enc')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_login_since')
        batch_op.drop_column('session_version')

    op.drop_table('audit_seal')
