"""evaluations: templates and items, a workshop's evaluation, who answered apart from what was answered; workshop.evaluation_required

Revision ID: 0007_evaluations
Revises: 0006_quizzes
Create Date: 2026-11-23 18:08:49.799390

"""
from alembic import op
import sqlalchemy as sa

import lga.db_types


# revision identifiers, used by Alembic.
revision = '0007_evaluations'
down_revision = '0006_quizzes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluation_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_template')),
    sa.UniqueConstraint('code', name=op.f('uq_evaluation_template_code'))
    )
    op.create_table('evaluation_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('dimension', sa.String(length=20), nullable=True),
    sa.Column('text', sa.JSON(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.CheckConstraint("dimension IS NULL OR dimension IN ('relevance', 'content', 'trainers', 'organisation', 'usefulness', 'overall')", name=op.f('ck_evaluation_item_known_dimension')),
    sa.CheckConstraint("kind IN ('likert', 'comment')", name=op.f('ck_evaluation_item_known_kind')),
    sa.ForeignKeyConstraint(['template_id'], ['evaluation_template.id'], name=op.f('fk_evaluation_item_template_id_evaluation_template'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_item')),
    sa.UniqueConstraint('template_id', 'position', name=op.f('uq_evaluation_item_template_id_position'))
    )
    with op.batch_alter_table('evaluation_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_item_template_id'), ['template_id'], unique=False)

    op.create_table('evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('opens_at', lga.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closes_at', lga.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at', name=op.f('ck_evaluation_closes_after_opening')),
    sa.ForeignKeyConstraint(['template_id'], ['evaluation_template.id'], name=op.f('fk_evaluation_template_id_evaluation_template')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_evaluation_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation')),
    sa.UniqueConstraint('workshop_id', name=op.f('uq_evaluation_workshop_id'))
    )
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_template_id'), ['template_id'], unique=False)

    op.create_table('evaluation_response',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_response_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_response'))
    )
    with op.batch_alter_table('evaluation_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_response_evaluation_id'), ['evaluation_id'], unique=False)

    op.create_table('evaluation_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', lga.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_submission_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_evaluation_submission_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_submission')),
    sa.UniqueConstraint('evaluation_id', 'user_id', name='one_evaluation_per_person')
    )
    with op.batch_alter_table('evaluation_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_submission_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_submission_user_id'), ['user_id'], unique=False)

    op.create_table('evaluation_answer',
    sa.Column('response_id', sa.String(length=32), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.CheckConstraint('value IS NULL OR (value BETWEEN 1 AND 5)', name=op.f('ck_evaluation_answer_likert_scale')),
    sa.ForeignKeyConstraint(['item_id'], ['evaluation_item.id'], name=op.f('fk_evaluation_answer_item_id_evaluation_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['evaluation_response.id'], name=op.f('fk_evaluation_answer_response_id_evaluation_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', 'item_id', name=op.f('pk_evaluation_answer'))
    )
    with op.batch_alter_table('evaluation_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_answer_item_id'), ['item_id'], unique=False)

    # The new NOT NULL column is filled for the workshops that already exist, then tightened.
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evaluation_required', sa.Boolean(), nullable=True))
    op.execute(sa.text("UPDATE workshop SET evaluation_required = :no").bindparams(no=False))
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.alter_column('evaluation_required', existing_type=sa.Boolean(), nullable=False)



def downgrade():
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_column('evaluation_required')

    with op.batch_alter_table('evaluation_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_answer_item_id'))

    op.drop_table('evaluation_answer')
    with op.batch_alter_table('evaluation_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_submission_user_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_submission_evaluation_id'))

    op.drop_table('evaluation_submission')
    with op.batch_alter_table('evaluation_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_response_evaluation_id'))

    op.drop_table('evaluation_response')
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_template_id'))

    op.drop_table('evaluation')
    with op.batch_alter_table('evaluation_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_item_template_id'))

    op.drop_table('evaluation_item')
    op.drop_table('evaluation_template')
