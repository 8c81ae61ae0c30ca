"""attendance: one record per person and session (roll call, check-in, online reports), certificates

Revision ID: 0004_attendance
Revises: 0003_mail_outbox
Create Date: 2026-11-23 15:53:11.769168

"""
from alembic import op
import sqlalchemy as sa

import lga.db_types


# revision identifiers, used by Alembic.
revision = '0004_attendance'
down_revision = '0003_mail_outbox'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('minutes_online', sa.Integer(), nullable=True),
    sa.Column('checked_in_at', lga.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('checkin_ticket', sa.String(length=32), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('roll_call', 'qr', 'zoom', 'teams')", name=op.f('ck_attendance_known_source')),
    sa.CheckConstraint("status IN ('present', 'late', 'partial', 'excused', 'absent')", name=op.f('ck_attendance_known_status')),
    sa.CheckConstraint('minutes_online IS NULL OR minutes_online >= 0', name=op.f('ck_attendance_minutes_not_negative')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_attendance_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['workshop_session.id'], name=op.f('fk_attendance_session_id_workshop_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_attendance_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('session_id', 'user_id', name='one_per_session'),
    sa.UniqueConstraint('checkin_ticket', name=op.f('uq_attendance_checkin_ticket'))
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_user_id'), ['user_id'], unique=False)
    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', lga.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_certificate_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'], name=op.f('fk_certificate_revoked_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('code', name=op.f('uq_certificate_code')),
    sa.UniqueConstraint('enrolment_id', name=op.f('uq_certificate_enrolment_id'))
    )
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('online_share', sa.Integer(), nullable=True))
        batch_op.create_check_constraint('online_share_percent',
                                         'online_share IS NULL OR (online_share BETWEEN 1 AND 100)')
        batch_op.add_column(sa.Column('completion_share', sa.Integer(), nullable=True))
        batch_op.create_check_constraint('completion_share_percent',
                                         'completion_share IS NULL OR (completion_share BETWEEN 1 AND 100)')
    with op.batch_alter_table('workshop_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_opens_at', lga.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('checkin_closes_at', lga.db_types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_table('certificate')
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_workshop_completion_share_percent'), type_='check')
        batch_op.drop_column('completion_share')
        batch_op.drop_constraint(batch_op.f('ck_workshop_online_share_percent'), type_='check')
        batch_op.drop_column('online_share')
    with op.batch_alter_table('workshop_session', schema=None) as batch_op:
        batch_op.drop_column('checkin_closes_at')
        batch_op.drop_column('checkin_opens_at')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_user_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_session_id'))

    op.drop_table('attendance')
