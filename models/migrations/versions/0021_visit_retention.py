"""privacy by retention of the health codes' declarations and the checkpoints' passes:
when each was anonymised (app.healthcode.retention).

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-27 07:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('health_declaration', sa.Column('anonymised_at', sa.DateTime(), nullable=True))
    op.add_column('checkpoint_pass', sa.Column('anonymised_at', sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column('checkpoint_pass', 'anonymised_at')
    op.drop_column('health_declaration', 'anonymised_at')
