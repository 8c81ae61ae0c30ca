"""discussions and study visits: threads, posts, subscriptions, digest queue; visit plans, itinerary stops, visit reports

Revision ID: 0010_discussions_visits
Revises: 0009_participation_day
Create Date: 2026-11-23 19:52:59.919252

"""
from alembic import op
import sqlalchemy as sa

import lga.db_types


# revision identifiers, used by Alembic.
revision = '0010_discussions_visits'
down_revision = '0009_participation_day'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('discussion_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.CheckConstraint("mode IN ('immediate', 'digest')", name=op.f('ck_discussion_preference_known_mode')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_discussion_preference_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_discussion_preference'))
    )
    op.create_table('discussion_board_subscription',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('created_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_discussion_board_subscription_user_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_discussion_board_subscription_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'workshop_id', name=op.f('pk_discussion_board_subscription'))
    )
    with op.batch_alter_table('discussion_board_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_board_subscription_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('discussion_thread',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('post_count', sa.Integer(), nullable=False),
    sa.Column('created_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_post_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('post_count >= 0', name=op.f('ck_discussion_thread_post_count_not_negative')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_discussion_thread_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_discussion_thread_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_thread'))
    )
    with op.batch_alter_table('discussion_thread', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_thread_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_discussion_thread_board', ['workshop_id', 'pinned', 'last_post_at'], unique=False)

    op.create_table('discussion_post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('edited_at', lga.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_discussion_post_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['user_account.id'], name=op.f('fk_discussion_post_hidden_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['discussion_thread.id'], name=op.f('fk_discussion_post_thread_id_discussion_thread'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_post'))
    )
    with op.batch_alter_table('discussion_post', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_post_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_discussion_post_thread', ['thread_id', 'id'], unique=False)

    op.create_table('discussion_thread_subscription',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('created_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['discussion_thread.id'], name=op.f('fk_discussion_thread_subscription_thread_id_discussion_thread'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_discussion_thread_subscription_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'thread_id', name=op.f('pk_discussion_thread_subscription'))
    )
    with op.batch_alter_table('discussion_thread_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_thread_subscription_thread_id'), ['thread_id'], unique=False)

    op.create_table('visit_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('host_institution', sa.String(length=200), nullable=True),
    sa.Column('host_municipality_id', sa.Integer(), nullable=True),
    sa.Column('meeting_point', sa.String(length=200), nullable=True),
    sa.Column('meeting_at', lga.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('transport', sa.Text(), nullable=True),
    sa.Column('what_to_bring', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('updated_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['host_municipality_id'], ['municipality.id'], name=op.f('fk_visit_plan_host_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['session_id'], ['workshop_session.id'], name=op.f('fk_visit_plan_session_id_workshop_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_plan')),
    sa.UniqueConstraint('session_id', name=op.f('uq_visit_plan_session_id'))
    )
    with op.batch_alter_table('visit_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_plan_host_municipality_id'), ['host_municipality_id'], unique=False)

    op.create_table('visit_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('observed', sa.Text(), nullable=False),
    sa.Column('to_apply', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('submitted_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', lga.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('submitted', 'accepted', 'changes_requested')", name=op.f('ck_visit_report_known_status')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_visit_report_reviewed_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['workshop_session.id'], name=op.f('fk_visit_report_session_id_workshop_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_visit_report_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_report')),
    sa.UniqueConstraint('session_id', 'user_id', name='one_report_per_person')
    )
    with op.batch_alter_table('visit_report', schema=None) as batch_op:
        batch_op.create_index('ix_visit_report_session', ['session_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_report_user_id'), ['user_id'], unique=False)

    op.create_table('discussion_digest_item',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('created_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['discussion_post.id'], name=op.f('fk_discussion_digest_item_post_id_discussion_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_discussion_digest_item_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'post_id', name=op.f('pk_discussion_digest_item'))
    )
    with op.batch_alter_table('discussion_digest_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_digest_item_post_id'), ['post_id'], unique=False)

    op.create_table('visit_stop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['visit_plan.id'], name=op.f('fk_visit_stop_plan_id_visit_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_stop')),
    sa.UniqueConstraint('plan_id', 'position', name=op.f('uq_visit_stop_plan_id_position'))
    )


def downgrade():
    op.drop_table('visit_stop')
    with op.batch_alter_table('discussion_digest_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_digest_item_post_id'))

    op.drop_table('discussion_digest_item')
    with op.batch_alter_table('visit_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_report_user_id'))
        batch_op.drop_index('ix_visit_report_session')

    op.drop_table('visit_report')
    with op.batch_alter_table('visit_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_plan_host_municipality_id'))

    op.drop_table('visit_plan')
    with op.batch_alter_table('discussion_thread_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_thread_subscription_thread_id'))

    op.drop_table('discussion_thread_subscription')
    with op.batch_alter_table('discussion_post', schema=None) as batch_op:
        batch_op.drop_index('ix_discussion_post_thread')
        batch_op.drop_index(batch_op.f('ix_discussion_post_author_id'))

    op.drop_table('discussion_post')
    with op.batch_alter_table('discussion_thread', schema=None) as batch_op:
        batch_op.drop_index('ix_discussion_thread_board')
        batch_op.drop_index(batch_op.f('ix_discussion_thread_author_id'))

    op.drop_table('discussion_thread')
    with op.batch_alter_table('discussion_board_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_board_subscription_workshop_id'))

    op.drop_table('discussion_board_subscription')
    op.drop_table('discussion_preference')
