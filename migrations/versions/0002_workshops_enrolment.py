"""workshops and enrolment: scheduling fields, places, waitlists, calendar feeds, staff imports

Revision ID: 0002_workshops_enrolment
Revises: 0001_foundation
Create Date: 2026-11-23 14:24:41.862633

"""
from alembic import op
import sqlalchemy as sa

import lga.db_types


# revision identifiers, used by Alembic.
revision = '0002_workshops_enrolment'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feed',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_calendar_feed_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_feed_token'))
    )
    op.create_table('enrolment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('requested_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', lga.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('cancelled_at', lga.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminder_sent_at', lga.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('calendar_revision', sa.Integer(), nullable=False),
    sa.Column('updated_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('self', 'staff', 'import')", name=op.f('ck_enrolment_known_source')),
    sa.CheckConstraint("status IN ('requested', 'enrolled', 'waitlisted', 'rejected', 'cancelled', 'completed')", name=op.f('ck_enrolment_known_status')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_enrolment_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_enrolment_user_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_enrolment_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment')),
    sa.UniqueConstraint('workshop_id', 'user_id', name='one_per_person')
    )
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.create_index('ix_enrolment_person', ['user_id', 'status'], unique=False)
        batch_op.create_index('ix_enrolment_queue', ['workshop_id', 'status', 'requested_at'], unique=False)
        batch_op.create_index('ix_enrolment_status', ['status', 'requested_at'], unique=False)

    op.create_table('staff_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_staff_import_created_by_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_staff_import_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_import')),
    sa.UniqueConstraint('token', name=op.f('uq_staff_import_token'))
    )
    with op.batch_alter_table('staff_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_import_created_by_id'), ['created_by_id'], unique=False)

    op.create_table('workshop_target_institution',
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('institution_type_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['institution_type_id'], ['institution_type.id'], name=op.f('fk_workshop_target_institution_institution_type_id_institution_type'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_workshop_target_institution_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workshop_id', 'institution_type_id', name=op.f('pk_workshop_target_institution'))
    )
    # New NOT NULL columns are filled for the workshops that already exist, then tightened.
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('enrol_opens_at', lga.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('enrol_closes_at', lga.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('requires_approval', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('cancel_until', lga.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', lga.db_types.UTCDateTime(timezone=True), nullable=True))
    workshop = sa.table('workshop', sa.column('requires_approval', sa.Boolean()), sa.column('sequence', sa.Integer()),
                        sa.column('updated_at'), sa.column('created_at'))
    op.execute(workshop.update().values(requires_approval=sa.false(), sequence=0, updated_at=workshop.c.created_at))
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.alter_column('requires_approval', existing_type=sa.Boolean(), nullable=False)
        batch_op.alter_column('sequence', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('updated_at', existing_type=lga.db_types.UTCDateTime(timezone=True), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_workshop_created_by_id_user_account'), 'user_account', ['created_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(
            'enrolment_window_in_order',
            'enrol_closes_at IS NULL OR enrol_opens_at IS NULL OR enrol_closes_at > enrol_opens_at')
        batch_op.create_check_constraint('sequence_not_negative', 'sequence >= 0')

    with op.batch_alter_table('workshop_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_url', sa.String(length=500), nullable=True))



def downgrade():
    with op.batch_alter_table('workshop_session', schema=None) as batch_op:
        batch_op.drop_column('meeting_url')

    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_workshop_sequence_not_negative'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_workshop_enrolment_window_in_order'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_workshop_created_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('sequence')
        batch_op.drop_column('cancel_until')
        batch_op.drop_column('requires_approval')
        batch_op.drop_column('enrol_closes_at')
        batch_op.drop_column('enrol_opens_at')
        batch_op.drop_column('description')

    op.drop_table('workshop_target_institution')
    with op.batch_alter_table('staff_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_import_created_by_id'))

    op.drop_table('staff_import')
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_index('ix_enrolment_status')
        batch_op.drop_index('ix_enrolment_queue')
        batch_op.drop_index('ix_enrolment_person')

    op.drop_table('enrolment')
    op.drop_table('calendar_feed')
