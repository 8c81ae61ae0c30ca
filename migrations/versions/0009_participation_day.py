"""participation_day: a summary of the participations per person, workshop and Kosovo day (outreach)

Revision ID: 0009_participation_day
Revises: 0008_api_tokens
Create Date: 2026-11-23 20:10:00

The table is filled here from the attendance already recorded; from then on
lga.attendance.participation keeps it in step in the same transactions that change its sources.
"""
from collections import defaultdict
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa

import lga.db_types


revision = '0009_participation_day'
down_revision = '0008_api_tokens'
branch_labels = None
depends_on = None

KOSOVO = ZoneInfo("Europe/Belgrade")


def upgrade():
    table = op.create_table('participation_day',
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('participations', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_participation_day_user_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_participation_day_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workshop_id', 'user_id', 'day', name=op.f('pk_participation_day'))
    )
    op.create_index('ix_participation_day_day_workshop', 'participation_day', ['day', 'workshop_id'], unique=False)
    _backfill(table)


def _backfill(table):
    """The summary of the attendance recorded so far (the rule of lga.attendance.participation)."""
    session = sa.table('workshop_session', sa.column('id', sa.Integer), sa.column('workshop_id', sa.Integer),
                       sa.column('starts_at', lga.db_types.UTCDateTime()), sa.column('ends_at', lga.db_types.UTCDateTime()))
    attendance = sa.table('attendance', sa.column('session_id', sa.Integer), sa.column('user_id', sa.Integer),
                          sa.column('status', sa.String), sa.column('minutes_online', sa.Integer))
    enrolment = sa.table('enrolment', sa.column('workshop_id', sa.Integer), sa.column('user_id', sa.Integer),
                         sa.column('status', sa.String))
    rows = op.get_bind().execute(
        sa.select(session.c.workshop_id, attendance.c.user_id, session.c.starts_at, session.c.ends_at,
                  attendance.c.status, attendance.c.minutes_online)
        .select_from(attendance)
        .join(session, session.c.id == attendance.c.session_id)
        .join(enrolment, sa.and_(enrolment.c.workshop_id == session.c.workshop_id,
                                 enrolment.c.user_id == attendance.c.user_id))
        .where(attendance.c.status.in_(("present", "late", "partial")),
               enrolment.c.status.in_(("enrolled", "completed"))))
    sums = defaultdict(lambda: [0, 0.0])
    for workshop_id, user_id, starts_at, ends_at, status, minutes_online in rows:
        length = (ends_at - starts_at).total_seconds() / 60.0
        minutes = length if status in ("present", "late") else min(float(minutes_online or 0), length)
        hit = sums[(workshop_id, user_id, starts_at.astimezone(KOSOVO).date())]
        hit[0] += 1
        hit[1] += minutes
    values = [{"workshop_id": w, "user_id": u, "day": d, "participations": n, "minutes": round(m, 4)}
              for (w, u, d), (n, m) in sums.items()]
    for start in range(0, len(values), 5000):
        op.bulk_insert(table, values[start:start + 5000])


def downgrade():
    op.drop_index('ix_participation_day_day_workshop', table_name='participation_day')
    op.drop_table('participation_day')
