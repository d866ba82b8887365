"""findings: what the person hash is of (an ID number, or a phone when only that is known)

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-27 07:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_known_by', sa.String(length=10), nullable=False,
                                      server_default='id_number'))
    # The findings raised before from a feed row that gave a phone and no ID number.
    for feed in ('feed_contact', 'feed_arrival_push'):
        op.execute(f"UPDATE finding SET person_known_by = 'phone' WHERE batch_id IS NOT NULL AND EXISTS ("
                   f"SELECT 1 FROM {feed} WHERE {feed}.batch_id = finding.batch_id "
                   f"AND {feed}.id_number_hash IS NULL AND {feed}.phone_hash = finding.person_hash)")


def downgrade():
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_column('person_known_by')
