"""health codes: the public API's holders (health_code_holder: an opaque id, the person's
keyed hash and the hash of the token that reads their code).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'health_code_holder',
        sa.Column('holder', sa.String(length=32), nullable=False),
        sa.Column('person_hash', sa.String(length=64), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('holder'),
    )
    op.create_index('ix_health_code_holder_person', 'health_code_holder', ['person_hash'], unique=False)


def downgrade():
    op.drop_index('ix_health_code_holder_person', table_name='health_code_holder')
    op.drop_table('health_code_holder')
