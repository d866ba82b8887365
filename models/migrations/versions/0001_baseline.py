"""baseline: the schema of the release before migrations

The tables as create_all made them at commit 4625d04; app.core.migrations stamps a database
of that release with this revision before upgrading it.

Revision ID: 0001
Revises: 
Create Date: 2026-11-26

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ab_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('label', sa.String(length=150), nullable=True),
    sa.Column('description', sa.String(length=512), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('ab_permission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('ab_register_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=64), nullable=False),
    sa.Column('last_name', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=128), nullable=False),
    sa.Column('password', sa.String(length=256), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('registration_date', sa.DateTime(), nullable=True),
    sa.Column('registration_hash', sa.String(length=256), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email'),
    sa.UniqueConstraint('username')
    )
    op.create_table('ab_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('ab_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=64), nullable=False),
    sa.Column('last_name', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=128), nullable=False),
    sa.Column('password', sa.String(length=256), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('last_login', sa.DateTime(), nullable=True),
    sa.Column('login_count', sa.Integer(), nullable=True),
    sa.Column('fail_login_count', sa.Integer(), nullable=True),
    sa.Column('created_on', sa.DateTime(), nullable=True),
    sa.Column('changed_on', sa.DateTime(), nullable=True),
    sa.Column('created_by_fk', sa.Integer(), nullable=True),
    sa.Column('changed_by_fk', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=19), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_fk'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['created_by_fk'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email'),
    sa.UniqueConstraint('username')
    )
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ab_user_region_code'), ['region_code'], unique=False)

    op.create_table('ab_view_menu',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=250), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=128), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('entity', sa.String(length=64), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=True),
    sa.Column('region_code', sa.String(length=19), nullable=True),
    sa.Column('changes', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_entity', ['entity', 'entity_id'], unique=False)
        batch_op.create_index('ix_audit_log_region_at', ['region_code', 'at'], unique=False)

    op.create_table('daily_report',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('new_filings', sa.Integer(), nullable=False),
    sa.Column('arrivals', sa.Integer(), nullable=False),
    sa.Column('checks', sa.Integer(), nullable=False),
    sa.Column('risk_area_arrivals', sa.Integer(), nullable=False),
    sa.Column('under_control', sa.Integer(), nullable=False),
    sa.Column('zero_report', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('prepared_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('region_code', 'report_date', name='uq_daily_report_region_date')
    )
    with op.batch_alter_table('daily_report', schema=None) as batch_op:
        batch_op.create_index('ix_daily_report_date_region', ['report_date', 'region_code'], unique=False)
        batch_op.create_index('ix_daily_report_status_due', ['status', 'due_at'], unique=False)

    op.create_table('distribution_round',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('window_end', sa.DateTime(), nullable=False),
    sa.Column('ran_at', sa.DateTime(), nullable=False),
    sa.Column('communities', sa.Integer(), nullable=False),
    sa.Column('filings', sa.Integer(), nullable=False),
    sa.Column('notifications', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('window_start')
    )
    with op.batch_alter_table('distribution_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_distribution_round_window_end'), ['window_end'], unique=False)

    op.create_table('escalation',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('subject_type', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('subject_ref', sa.String(length=32), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('target_region_code', sa.String(length=12), nullable=False),
    sa.Column('deadline_at', sa.DateTime(), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subject_type', 'subject_id', 'level', name='uq_escalation_subject_level')
    )
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.create_index('ix_escalation_region_raised', ['region_code', 'raised_at'], unique=False)
        batch_op.create_index('ix_escalation_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_index('ix_escalation_target_status', ['target_region_code', 'status'], unique=False)

    op.create_table('filing',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('receipt', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('batch_id', sa.String(length=32), nullable=True),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_type', sa.String(length=20), nullable=False),
    sa.Column('id_number_enc', sa.Text(), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=False),
    sa.Column('id_number_masked', sa.String(length=32), nullable=False),
    sa.Column('phone_enc', sa.Text(), nullable=True),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_masked', sa.String(length=32), nullable=True),
    sa.Column('gender', sa.String(length=6), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('origin_country', sa.String(length=2), nullable=False),
    sa.Column('origin_region_code', sa.String(length=6), nullable=True),
    sa.Column('origin_address', sa.String(length=200), nullable=True),
    sa.Column('departure_at', sa.DateTime(), nullable=True),
    sa.Column('expected_arrival_at', sa.DateTime(), nullable=False),
    sa.Column('arrival_day', sa.Date(), nullable=True),
    sa.Column('transport_mode', sa.String(length=10), nullable=False),
    sa.Column('transport_no', sa.String(length=30), nullable=True),
    sa.Column('transit', sa.String(length=100), nullable=True),
    sa.Column('destination_region_code', sa.String(length=12), nullable=False),
    sa.Column('destination_address', sa.String(length=200), nullable=False),
    sa.Column('work_unit', sa.String(length=100), nullable=True),
    sa.Column('fever', sa.Boolean(), nullable=False),
    sa.Column('cough', sa.Boolean(), nullable=False),
    sa.Column('fatigue', sa.Boolean(), nullable=False),
    sa.Column('other_symptoms', sa.String(length=200), nullable=True),
    sa.Column('risk_area_14d', sa.Boolean(), nullable=False),
    sa.Column('abroad_14d', sa.Boolean(), nullable=False),
    sa.Column('close_contact_14d', sa.Boolean(), nullable=False),
    sa.Column('commitment', sa.Boolean(), nullable=False),
    sa.Column('proxy_name', sa.String(length=50), nullable=True),
    sa.Column('proxy_phone_enc', sa.Text(), nullable=True),
    sa.Column('proxy_phone_masked', sa.String(length=32), nullable=True),
    sa.Column('proxy_relation', sa.String(length=20), nullable=True),
    sa.Column('late_notice', sa.Boolean(), nullable=False),
    sa.Column('is_backfill', sa.Boolean(), nullable=False),
    sa.Column('arrived_at', sa.DateTime(), nullable=True),
    sa.Column('edit_count', sa.SmallInteger(), nullable=False),
    sa.Column('filed_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('check_count', sa.SmallInteger(), nullable=False),
    sa.Column('last_checked_at', sa.DateTime(), nullable=True),
    sa.Column('test_result', sa.String(length=10), nullable=True),
    sa.Column('control_measure', sa.String(length=20), nullable=True),
    sa.Column('control_start', sa.DateTime(), nullable=True),
    sa.Column('control_end', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('receipt')
    )
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.create_index('ix_filing_dest_arrival', ['destination_region_code', 'expected_arrival_at'], unique=False)
        batch_op.create_index('ix_filing_dest_status', ['destination_region_code', 'status'], unique=False)
        batch_op.create_index('ix_filing_filed_at', ['filed_at'], unique=False)
        batch_op.create_index('ix_filing_id_hash_arrival', ['id_number_hash', 'expected_arrival_at'], unique=False)
        batch_op.create_index('ix_filing_open_dest_arrival', ['destination_region_code', 'expected_arrival_at'], unique=False, postgresql_where=sa.text("status IN ('submitted', 'not_arrived')"), sqlite_where=sa.text("status IN ('submitted', 'not_arrived')"))
        batch_op.create_index('ix_filing_status_arrival', ['status', 'expected_arrival_at'], unique=False)
        batch_op.create_index('uq_filing_person_day', ['id_number_hash', 'arrival_day'], unique=True, postgresql_where=sa.text("status <> 'cancelled'"), sqlite_where=sa.text("status <> 'cancelled'"))

    op.create_table('job_run',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('run_key', sa.String(length=40), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('job', 'run_key', name='uq_job_run_job_key')
    )
    op.create_table('ledger_grid',
    sa.Column('code', sa.String(length=14), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('community_code', sa.String(length=12), nullable=False),
    sa.Column('number', sa.SmallInteger(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('community_code', 'name', name='uq_ledger_grid_name')
    )
    with op.batch_alter_table('ledger_grid', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_grid_community_code'), ['community_code'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.Text(), nullable=True),
    sa.Column('recipient_masked', sa.String(length=32), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('error', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_region_code', ['region_code'], unique=False)
        batch_op.create_index('ix_notification_status_id', ['status', 'id'], unique=False)

    op.create_table('region',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('parent_code', sa.String(length=12), nullable=True),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.create_index('ix_region_parent_code', ['parent_code'], unique=False)

    op.create_table('report_compliance',
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('level', 'region_code', 'day')
    )
    op.create_table('stats_breakdown',
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=1), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('value', sa.String(length=12), nullable=False),
    sa.Column('filings', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('level', 'region_code', 'kind', 'day', 'value')
    )
    op.create_table('stats_daily',
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('filings', sa.Integer(), nullable=False),
    sa.Column('cancelled', sa.Integer(), nullable=False),
    sa.Column('submitted', sa.Integer(), nullable=False),
    sa.Column('arrived', sa.Integer(), nullable=False),
    sa.Column('not_arrived', sa.Integer(), nullable=False),
    sa.Column('closed', sa.Integer(), nullable=False),
    sa.Column('checked', sa.Integer(), nullable=False),
    sa.Column('risk_area', sa.Integer(), nullable=False),
    sa.Column('late_notice', sa.Integer(), nullable=False),
    sa.Column('under_control', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('level', 'region_code', 'day')
    )
    op.create_table('stats_pending',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('destination_region_code', sa.String(length=12), nullable=False),
    sa.Column('expected_arrival_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('check_count', sa.SmallInteger(), nullable=False),
    sa.Column('risk_area_14d', sa.Boolean(), nullable=False),
    sa.Column('late_notice', sa.Boolean(), nullable=False),
    sa.Column('control_measure', sa.String(length=20), nullable=True),
    sa.Column('origin_country', sa.String(length=2), nullable=False),
    sa.Column('origin_region_code', sa.String(length=6), nullable=True),
    sa.Column('transport_mode', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('ab_api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('key_hash', sa.String(length=256), nullable=False),
    sa.Column('lookup_hash', sa.String(length=256), nullable=True),
    sa.Column('key_prefix', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('scopes', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_on', sa.DateTime(), nullable=True),
    sa.Column('expires_on', sa.DateTime(), nullable=True),
    sa.Column('revoked_on', sa.DateTime(), nullable=True),
    sa.Column('last_used_on', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('lookup_hash'),
    sa.UniqueConstraint('uuid')
    )
    with op.batch_alter_table('ab_api_key', schema=None) as batch_op:
        batch_op.create_index('idx_api_key_lookup_hash', ['lookup_hash'], unique=True)
        batch_op.create_index('idx_api_key_prefix', ['key_prefix'], unique=False)
        batch_op.create_index('idx_api_key_user_id', ['user_id'], unique=False)

    op.create_table('ab_group_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('role_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['ab_group.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role_id'], ['ab_role.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('group_id', 'role_id')
    )
    with op.batch_alter_table('ab_group_role', schema=None) as batch_op:
        batch_op.create_index('idx_group_id', ['group_id'], unique=False)
        batch_op.create_index('idx_group_role_id', ['role_id'], unique=False)

    op.create_table('ab_permission_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permission_id', sa.Integer(), nullable=False),
    sa.Column('view_menu_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['permission_id'], ['ab_permission.id'], ),
    sa.ForeignKeyConstraint(['view_menu_id'], ['ab_view_menu.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('permission_id', 'view_menu_id')
    )
    with op.batch_alter_table('ab_permission_view', schema=None) as batch_op:
        batch_op.create_index('idx_permission_id', ['permission_id'], unique=False)
        batch_op.create_index('idx_view_menu_id', ['view_menu_id'], unique=False)

    op.create_table('ab_user_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['ab_group.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'group_id')
    )
    with op.batch_alter_table('ab_user_group', schema=None) as batch_op:
        batch_op.create_index('idx_user_group_id', ['group_id'], unique=False)
        batch_op.create_index('idx_user_id', ['user_id'], unique=False)

    op.create_table('ab_user_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('role_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['role_id'], ['ab_role.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'role_id')
    )
    op.create_table('filing_check',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('filing_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('arrived', sa.Boolean(), nullable=False),
    sa.Column('arrived_at', sa.DateTime(), nullable=True),
    sa.Column('actual_transport_mode', sa.String(length=10), nullable=True),
    sa.Column('tested', sa.Boolean(), nullable=False),
    sa.Column('test_at', sa.DateTime(), nullable=True),
    sa.Column('test_result', sa.String(length=10), nullable=True),
    sa.Column('control_measure', sa.String(length=20), nullable=True),
    sa.Column('control_start', sa.DateTime(), nullable=True),
    sa.Column('control_end', sa.DateTime(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['filing_id'], ['filing.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('filing_check', schema=None) as batch_op:
        batch_op.create_index('ix_filing_check_filing', ['filing_id'], unique=False)

    op.create_table('filing_revision',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('filing_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('changes', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['filing_id'], ['filing.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('filing_revision', schema=None) as batch_op:
        batch_op.create_index('ix_filing_revision_filing', ['filing_id'], unique=False)

    op.create_table('filing_transfer',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('filing_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_region_code', sa.String(length=12), nullable=False),
    sa.Column('to_region_code', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['filing_id'], ['filing.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('filing_transfer', schema=None) as batch_op:
        batch_op.create_index('ix_filing_transfer_filing', ['filing_id'], unique=False)

    op.create_table('ledger_building',
    sa.Column('code', sa.String(length=17), nullable=False),
    sa.Column('grid_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('community_code', sa.String(length=12), nullable=False),
    sa.Column('number', sa.SmallInteger(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['ledger_grid.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('grid_id', 'name', name='uq_ledger_building_name')
    )
    with op.batch_alter_table('ledger_building', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_building_community_code'), ['community_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_building_grid_id'), ['grid_id'], unique=False)

    op.create_table('staff_member',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('region_code', sa.String(length=19), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=50), nullable=True),
    sa.Column('phone_enc', sa.Text(), nullable=True),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_masked', sa.String(length=32), nullable=True),
    sa.Column('dedicated_phone', sa.String(length=20), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('region_code', 'role', 'name', name='uq_staff_member_place_role_name')
    )
    op.create_table('ab_permission_view_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permission_view_id', sa.Integer(), nullable=True),
    sa.Column('role_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['permission_view_id'], ['ab_permission_view.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role_id'], ['ab_role.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('permission_view_id', 'role_id')
    )
    with op.batch_alter_table('ab_permission_view_role', schema=None) as batch_op:
        batch_op.create_index('idx_permission_view_id', ['permission_view_id'], unique=False)
        batch_op.create_index('idx_role_id', ['role_id'], unique=False)

    op.create_table('device',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('community_code', sa.String(length=12), nullable=False),
    sa.Column('imei', sa.String(length=15), nullable=False),
    sa.Column('model', sa.String(length=50), nullable=True),
    sa.Column('sim_number', sa.String(length=20), nullable=True),
    sa.Column('holder_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['holder_id'], ['staff_member.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('imei')
    )
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.create_index('ix_device_community', ['community_code', 'status'], unique=False)

    op.create_table('ledger_unit',
    sa.Column('code', sa.String(length=19), nullable=False),
    sa.Column('building_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('community_code', sa.String(length=12), nullable=False),
    sa.Column('number', sa.SmallInteger(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['ledger_building.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('building_id', 'name', name='uq_ledger_unit_name'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('ledger_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_unit_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_unit_community_code'), ['community_code'], unique=False)

    op.create_table('reward_penalty',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('region_code', sa.String(length=19), nullable=False),
    sa.Column('target', sa.String(length=8), nullable=False),
    sa.Column('staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('reason_category', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('source_type', sa.String(length=16), nullable=True),
    sa.Column('source_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('auto_key', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('proposed_at', sa.DateTime(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('auto_key')
    )
    with op.batch_alter_table('reward_penalty', schema=None) as batch_op:
        batch_op.create_index('ix_reward_penalty_region', ['region_code', 'status'], unique=False)

    op.create_table('device_service',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('device_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('serviced_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=True),
    sa.Column('provider', sa.String(length=100), nullable=True),
    sa.Column('cost', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['device.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('device_service', schema=None) as batch_op:
        batch_op.create_index('ix_device_service_device', ['device_id'], unique=False)
        batch_op.create_index('ix_device_service_region', ['region_code'], unique=False)

    op.create_table('ledger_household',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('region_code', sa.String(length=19), nullable=False),
    sa.Column('community_code', sa.String(length=12), nullable=False),
    sa.Column('grid_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('building_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('door_number', sa.String(length=50), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('head_name', sa.String(length=50), nullable=True),
    sa.Column('phone_enc', sa.Text(), nullable=True),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_masked', sa.String(length=32), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['ledger_building.id'], ),
    sa.ForeignKeyConstraint(['grid_id'], ['ledger_grid.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['ledger_unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('region_code', 'door_number', name='uq_ledger_household_door')
    )
    op.create_table('ledger_resident',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('household_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=19), nullable=False),
    sa.Column('community_code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_type', sa.String(length=20), nullable=False),
    sa.Column('id_number_enc', sa.Text(), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=False),
    sa.Column('id_number_masked', sa.String(length=32), nullable=False),
    sa.Column('gender', sa.String(length=6), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('phone_enc', sa.Text(), nullable=True),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_masked', sa.String(length=32), nullable=True),
    sa.Column('relation_to_head', sa.String(length=12), nullable=False),
    sa.Column('category', sa.String(length=10), nullable=False),
    sa.Column('away_location', sa.String(length=100), nullable=True),
    sa.Column('expected_return', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['ledger_household.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('community_code', 'id_number_hash', name='uq_ledger_resident_id')
    )
    with op.batch_alter_table('ledger_resident', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_resident_household', ['household_id'], unique=False)
        batch_op.create_index('ix_ledger_resident_id_hash', ['id_number_hash'], unique=False)
        batch_op.create_index('ix_ledger_resident_region', ['region_code', 'category'], unique=False)



def downgrade():
    with op.batch_alter_table('ledger_resident', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_resident_region')
        batch_op.drop_index('ix_ledger_resident_id_hash')
        batch_op.drop_index('ix_ledger_resident_household')

    op.drop_table('ledger_resident')
    op.drop_table('ledger_household')
    with op.batch_alter_table('device_service', schema=None) as batch_op:
        batch_op.drop_index('ix_device_service_region')
        batch_op.drop_index('ix_device_service_device')

    op.drop_table('device_service')
    with op.batch_alter_table('reward_penalty', schema=None) as batch_op:
        batch_op.drop_index('ix_reward_penalty_region')

    op.drop_table('reward_penalty')
    with op.batch_alter_table('ledger_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_unit_community_code'))
        batch_op.drop_index(batch_op.f('ix_ledger_unit_building_id'))

    op.drop_table('ledger_unit')
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_index('ix_device_community')

    op.drop_table('device')
    with op.batch_alter_table('ab_permission_view_role', schema=None) as batch_op:
        batch_op.drop_index('idx_role_id')
        batch_op.drop_index('idx_permission_view_id')

    op.drop_table('ab_permission_view_role')
    op.drop_table('staff_member')
    with op.batch_alter_table('ledger_building', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_building_grid_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_building_community_code'))

    op.drop_table('ledger_building')
    with op.batch_alter_table('filing_transfer', schema=None) as batch_op:
        batch_op.drop_index('ix_filing_transfer_filing')

    op.drop_table('filing_transfer')
    with op.batch_alter_table('filing_revision', schema=None) as batch_op:
        batch_op.drop_index('ix_filing_revision_filing')

    op.drop_table('filing_revision')
    with op.batch_alter_table('filing_check', schema=None) as batch_op:
        batch_op.drop_index('ix_filing_check_filing')

    op.drop_table('filing_check')
    op.drop_table('ab_user_role')
    with op.batch_alter_table('ab_user_group', schema=None) as batch_op:
        batch_op.drop_index('idx_user_id')
        batch_op.drop_index('idx_user_group_id')

    op.drop_table('ab_user_group')
    with op.batch_alter_table('ab_permission_view', schema=None) as batch_op:
        batch_op.drop_index('idx_view_menu_id')
        batch_op.drop_index('idx_permission_id')

    op.drop_table('ab_permission_view')
    with op.batch_alter_table('ab_group_role', schema=None) as batch_op:
        batch_op.drop_index('idx_group_role_id')
        batch_op.drop_index('idx_group_id')

    op.drop_table('ab_group_role')
    with op.batch_alter_table('ab_api_key', schema=None) as batch_op:
        batch_op.drop_index('idx_api_key_user_id')
        batch_op.drop_index('idx_api_key_prefix')
        batch_op.drop_index('idx_api_key_lookup_hash')

    op.drop_table('ab_api_key')
    op.drop_table('stats_pending')
    op.drop_table('stats_daily')
    op.drop_table('stats_breakdown')
    op.drop_table('report_compliance')
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.drop_index('ix_region_parent_code')

    op.drop_table('region')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_status_id')
        batch_op.drop_index('ix_notification_region_code')

    op.drop_table('notification')
    with op.batch_alter_table('ledger_grid', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_grid_community_code'))

    op.drop_table('ledger_grid')
    op.drop_table('job_run')
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.drop_index('uq_filing_person_day', postgresql_where=sa.text("status <> 'cancelled'"), sqlite_where=sa.text("status <> 'cancelled'"))
        batch_op.drop_index('ix_filing_status_arrival')
        batch_op.drop_index('ix_filing_open_dest_arrival', postgresql_where=sa.text("status IN ('submitted', 'not_arrived')"), sqlite_where=sa.text("status IN ('submitted', 'not_arrived')"))
        batch_op.drop_index('ix_filing_id_hash_arrival')
        batch_op.drop_index('ix_filing_filed_at')
        batch_op.drop_index('ix_filing_dest_status')
        batch_op.drop_index('ix_filing_dest_arrival')

    op.drop_table('filing')
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.drop_index('ix_escalation_target_status')
        batch_op.drop_index('ix_escalation_status_due')
        batch_op.drop_index('ix_escalation_region_raised')

    op.drop_table('escalation')
    with op.batch_alter_table('distribution_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_distribution_round_window_end'))

    op.drop_table('distribution_round')
    with op.batch_alter_table('daily_report', schema=None) as batch_op:
        batch_op.drop_index('ix_daily_report_status_due')
        batch_op.drop_index('ix_daily_report_date_region')

    op.drop_table('daily_report')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_region_at')
        batch_op.drop_index('ix_audit_log_entity')

    op.drop_table('audit_log')
    op.drop_table('ab_view_menu')
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ab_user_region_code'))

    op.drop_table('ab_user')
    op.drop_table('ab_role')
    op.drop_table('ab_register_user')
    op.drop_table('ab_permission')
    op.drop_table('ab_group')
