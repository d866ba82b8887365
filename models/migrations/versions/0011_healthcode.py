"""healthcode: one colour per person, its history, self-declarations

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 19:01:02.564040

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('health_code',
    sa.Column('person_hash', sa.String(length=64), nullable=False),
    sa.Column('colour', sa.String(length=6), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('manual', sa.Boolean(), nullable=False),
    sa.Column('region_code', sa.String(length=19), nullable=True),
    sa.PrimaryKeyConstraint('person_hash')
    )
    with op.batch_alter_table('health_code', schema=None) as batch_op:
        batch_op.create_index('ix_health_code_region', ['region_code'], unique=False)

    op.create_table('health_code_change',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_hash', sa.String(length=64), nullable=False),
    sa.Column('colour', sa.String(length=6), nullable=False),
    sa.Column('previous_colour', sa.String(length=6), nullable=True),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('inputs', sa.Text(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('health_code_change', schema=None) as batch_op:
        batch_op.create_index('ix_health_code_change_person', ['person_hash', 'changed_at'], unique=False)

    op.create_table('health_declaration',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_number_enc', sa.Text(), nullable=False),
    sa.Column('id_number_masked', sa.String(length=32), nullable=False),
    sa.Column('phone_enc', sa.Text(), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('phone_masked', sa.String(length=32), nullable=False),
    sa.Column('declarant_phone_hash', sa.String(length=64), nullable=False),
    sa.Column('residence_region_code', sa.String(length=12), nullable=True),
    sa.Column('fever', sa.Boolean(), nullable=False),
    sa.Column('cough', sa.Boolean(), nullable=False),
    sa.Column('declared_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('health_declaration', schema=None) as batch_op:
        batch_op.create_index('ix_health_declaration_declarant', ['declarant_phone_hash'], unique=False)
        batch_op.create_index('ix_health_declaration_person', ['person_hash', 'declared_at'], unique=False)



def downgrade():
    with op.batch_alter_table('health_declaration', schema=None) as batch_op:
        batch_op.drop_index('ix_health_declaration_person')
        batch_op.drop_index('ix_health_declaration_declarant')

    op.drop_table('health_declaration')
    with op.batch_alter_table('health_code_change', schema=None) as batch_op:
        batch_op.drop_index('ix_health_code_change_person')

    op.drop_table('health_code_change')
    with op.batch_alter_table('health_code', schema=None) as batch_op:
        batch_op.drop_index('ix_health_code_region')

    op.drop_table('health_code')
