"""attendance_upload: a meeting report waiting between preview (matching by hand) and confirmation

Revision ID: 0005_attendance_upload
Revises: 0004_attendance
Create Date: 2026-11-23 17:20:00

"""
from alembic import op
import sqlalchemy as sa

import lga.db_types


# revision identifiers, used by Alembic.
revision = '0005_attendance_upload'
down_revision = '0004_attendance'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attendance_upload',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_attendance_upload_created_by_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['workshop_session.id'], name=op.f('fk_attendance_upload_session_id_workshop_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_upload')),
    sa.UniqueConstraint('token', name=op.f('uq_attendance_upload_token'))
    )
    with op.batch_alter_table('attendance_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_upload_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_upload_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('attendance_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_upload_session_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_upload_created_by_id'))

    op.drop_table('attendance_upload')
