"""accounts: the e-mail is optional (ab_user.email nullable). Addresses already stored stay
as they are (the ``<username>@example.invalid`` that account creation wrote for want of
one included: an admin may clear them on the user form).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27 03:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

PLACEHOLDER_DOMAIN = "@example.invalid"


def upgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=320), nullable=True)


def downgrade():
    # NOT NULL again: an account without e-mail gets the placeholder it had before 0017.
    op.execute(sa.text("UPDATE ab_user SET email = username || :domain WHERE email IS NULL")
               .bindparams(domain=PLACEHOLDER_DOMAIN))
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=320), nullable=False)
