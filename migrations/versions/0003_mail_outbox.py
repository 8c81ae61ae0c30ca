"""mail outbox: emails stored with the change they report, sent after commit or by send-mail

Revision ID: 0003_mail_outbox
Revises: 0002_workshops_enrolment
Create Date: 2026-11-23 15:03:23.188576

"""
from alembic import op
import sqlalchemy as sa

import lga.db_types


# revision identifiers, used by Alembic.
revision = '0003_mail_outbox'
down_revision = '0002_workshops_enrolment'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outgoing_email',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sender', sa.String(length=320), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('message', sa.LargeBinary(), nullable=False),
    sa.Column('sent_at', lga.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_email'))
    )
    with op.batch_alter_table('outgoing_email', schema=None) as batch_op:
        batch_op.create_index('ix_outgoing_email_pending', ['sent_at', 'next_attempt_at'], unique=False)



def downgrade():
    with op.batch_alter_table('outgoing_email', schema=None) as batch_op:
        batch_op.drop_index('ix_outgoing_email_pending')

    op.drop_table('outgoing_email')
