"""crossmatch: feed batches and rows, risk areas, findings; phone-hash indexes for matching

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 15:36:34.596487

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feed_batch',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('file_hash', sa.String(length=64), nullable=False),
    sa.Column('region_code', sa.String(length=19), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('rejected_count', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Text(), nullable=True),
    sa.Column('findings_raised', sa.Integer(), nullable=False),
    sa.Column('undone_at', sa.DateTime(), nullable=True),
    sa.Column('undone_by_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feed_batch', schema=None) as batch_op:
        batch_op.create_index('ix_feed_batch_region', ['region_code', 'imported_at'], unique=False)
        batch_op.create_index('ix_feed_batch_source_hash', ['source', 'file_hash'], unique=False)

    op.create_table('finding',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('priority', sa.SmallInteger(), nullable=False),
    sa.Column('person_hash', sa.String(length=64), nullable=False),
    sa.Column('episode', sa.String(length=32), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('filing_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('resident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('name_masked', sa.String(length=50), nullable=True),
    sa.Column('id_masked', sa.String(length=32), nullable=True),
    sa.Column('event_at', sa.DateTime(), nullable=True),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'person_hash', 'episode', name='uq_finding_person_kind_episode')
    )
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.create_index('ix_finding_batch', ['batch_id'], unique=False)
        batch_op.create_index('ix_finding_region_status', ['region_code', 'status'], unique=False)
        batch_op.create_index('ix_finding_status_raised', ['status', 'raised_at'], unique=False)

    op.create_table('feed_arrival_push',
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.Column('origin_region_code', sa.String(length=12), nullable=True),
    sa.Column('id_number_enc', sa.Text(), nullable=True),
    sa.Column('id_number_hash', sa.String(length=64), nullable=True),
    sa.Column('id_number_masked', sa.String(length=32), nullable=True),
    sa.Column('phone_enc', sa.Text(), nullable=True),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_masked', sa.String(length=32), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=19), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['feed_batch.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feed_arrival_push', schema=None) as batch_op:
        batch_op.create_index('ix_feed_arrival_push_batch', ['batch_id'], unique=False)
        batch_op.create_index('ix_feed_arrival_push_id_hash', ['id_number_hash'], unique=False)
        batch_op.create_index('ix_feed_arrival_push_phone_hash', ['phone_hash'], unique=False)

    op.create_table('feed_contact',
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('exposed_on', sa.Date(), nullable=False),
    sa.Column('case_ref', sa.String(length=50), nullable=True),
    sa.Column('id_number_enc', sa.Text(), nullable=True),
    sa.Column('id_number_hash', sa.String(length=64), nullable=True),
    sa.Column('id_number_masked', sa.String(length=32), nullable=True),
    sa.Column('phone_enc', sa.Text(), nullable=True),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_masked', sa.String(length=32), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=19), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['feed_batch.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feed_contact', schema=None) as batch_op:
        batch_op.create_index('ix_feed_contact_batch', ['batch_id'], unique=False)
        batch_op.create_index('ix_feed_contact_id_hash', ['id_number_hash'], unique=False)
        batch_op.create_index('ix_feed_contact_phone_hash', ['phone_hash'], unique=False)

    op.create_table('feed_test_result',
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=True),
    sa.Column('id_number_enc', sa.Text(), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=False),
    sa.Column('id_number_masked', sa.String(length=32), nullable=False),
    sa.Column('sampled_at', sa.DateTime(), nullable=False),
    sa.Column('sampled_day', sa.Date(), nullable=False),
    sa.Column('result', sa.String(length=10), nullable=False),
    sa.Column('lab', sa.String(length=100), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=19), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['feed_batch.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feed_test_result', schema=None) as batch_op:
        batch_op.create_index('ix_feed_test_result_batch', ['batch_id'], unique=False)
        batch_op.create_index('ix_feed_test_result_person', ['id_number_hash', 'sampled_at'], unique=False)

    op.create_table('risk_area',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('line', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('effective_from', sa.DateTime(), nullable=False),
    sa.Column('effective_until', sa.DateTime(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['feed_batch.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('risk_area', schema=None) as batch_op:
        batch_op.create_index('ix_risk_area_region', ['region_code', 'effective_from'], unique=False)

    with op.batch_alter_table('ledger_resident', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_resident_phone_hash', ['phone_hash'], unique=False)



def downgrade():
    with op.batch_alter_table('ledger_resident', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_resident_phone_hash')

    with op.batch_alter_table('risk_area', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_area_region')

    op.drop_table('risk_area')
    with op.batch_alter_table('feed_test_result', schema=None) as batch_op:
        batch_op.drop_index('ix_feed_test_result_person')
        batch_op.drop_index('ix_feed_test_result_batch')

    op.drop_table('feed_test_result')
    with op.batch_alter_table('feed_contact', schema=None) as batch_op:
        batch_op.drop_index('ix_feed_contact_phone_hash')
        batch_op.drop_index('ix_feed_contact_id_hash')
        batch_op.drop_index('ix_feed_contact_batch')

    op.drop_table('feed_contact')
    with op.batch_alter_table('feed_arrival_push', schema=None) as batch_op:
        batch_op.drop_index('ix_feed_arrival_push_phone_hash')
        batch_op.drop_index('ix_feed_arrival_push_id_hash')
        batch_op.drop_index('ix_feed_arrival_push_batch')

    op.drop_table('feed_arrival_push')
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index('ix_finding_status_raised')
        batch_op.drop_index('ix_finding_region_status')
        batch_op.drop_index('ix_finding_batch')

    op.drop_table('finding')
    with op.batch_alter_table('feed_batch', schema=None) as batch_op:
        batch_op.drop_index('ix_feed_batch_source_hash')
        batch_op.drop_index('ix_feed_batch_region')

    op.drop_table('feed_batch')
