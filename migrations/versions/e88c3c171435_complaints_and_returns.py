"""complaints and returns: complaints about delivered parts, their photos, refunds of one part

Revision ID: e88c3c171435
Revises: 6b345a403bd1
Create Date: 2026-12-01 11:00:55.889670

"""
from alembic import op
import sqlalchemy as sa

import shop.models.types  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'e88c3c171435'
down_revision = '6b345a403bd1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('damaged', 'wrong_item', 'missing', 'not_as_described', 'other', name='complaintreason', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('remedy', sa.Enum('refund', 'return', name='remedy', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('message', sa.String(length=2000), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False, comment='đồng asked for'),
    sa.Column('status', sa.Enum('open', 'returning', 'refused', 'escalated', 'refunded', 'rejected', name='complaintstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('opened_at', shop.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', shop.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', shop.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('seller_accepted', sa.Boolean(), nullable=True),
    sa.Column('answer', sa.String(length=2000), nullable=False),
    sa.Column('answered_at', shop.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('escalated_at', shop.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('escalation_note', sa.String(length=1000), nullable=False),
    sa.Column('decision', sa.String(length=2000), nullable=False),
    sa.Column('decided_at', shop.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('refunded', sa.BigInteger(), nullable=False, comment='đồng given back'),
    sa.Column('goods_received_at', shop.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_complaint_amount_positive')),
    sa.CheckConstraint('refunded >= 0', name=op.f('ck_complaint_refunded_not_negative')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_complaint_answered_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_complaint_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['part_id'], ['order_part.id'], name=op.f('fk_complaint_part_id_order_part'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint')),
    sa.UniqueConstraint('part_id', name=op.f('uq_complaint_part_id'))
    )
    op.create_index(op.f('ix_complaint_status'), 'complaint', ['status'], unique=False)
    op.create_index('ix_complaint_status_due', 'complaint', ['status', 'due_at'], unique=False)

    op.create_table('complaint_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_complaint_photo_complaint_id_complaint'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_photo'))
    )
    op.create_index(op.f('ix_complaint_photo_complaint_id'), 'complaint_photo', ['complaint_id'], unique=False)

    # SQLite rebuilds the refund table (it has no triggers to lose): a reference added in place
    # with ALTER TABLE would not show its ON DELETE when the schema is read back.
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.add_column(sa.Column('part_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_refund_part_id'), ['part_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_refund_part_id_order_part'), 'order_part', ['part_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_refund_part_id_order_part'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_refund_part_id'))
        batch_op.drop_column('part_id')

    op.drop_index(op.f('ix_complaint_photo_complaint_id'), table_name='complaint_photo')
    op.drop_table('complaint_photo')
    op.drop_index('ix_complaint_status_due', table_name='complaint')
    op.drop_index(op.f('ix_complaint_status'), table_name='complaint')
    op.drop_table('complaint')
