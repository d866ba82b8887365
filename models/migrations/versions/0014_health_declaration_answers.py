"""health declarations: the declaration page's answers (document type, address, travel and
contact questions, who declared for whom); the purpose of an SMS code (我的报备, 我的健康码)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 03:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('health_declaration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_type', sa.String(length=20), nullable=False, server_default='resident_id'))
        batch_op.add_column(sa.Column('residence_address', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('close_contact_14d', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('abroad_14d', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('risk_area_14d', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('proxy_name', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('proxy_relation', sa.String(length=20), nullable=True))
    with op.batch_alter_table('filer_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=16), nullable=False, server_default='filer-code'))


def downgrade():
    with op.batch_alter_table('filer_code', schema=None) as batch_op:
        batch_op.drop_column('purpose')
    with op.batch_alter_table('health_declaration', schema=None) as batch_op:
        for name in ('proxy_relation', 'proxy_name', 'risk_area_14d', 'abroad_14d', 'close_contact_14d',
                     'residence_address', 'id_type'):
            batch_op.drop_column(name)
