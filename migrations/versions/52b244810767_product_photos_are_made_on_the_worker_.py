"""product photos are made on the worker: uploads waiting for it

Revision ID: 52b244810767
Revises: d34683017f63
Create Date: 2026-12-02 09:54:34.071833

"""

import sqlalchemy as sa
from alembic import op

import shop.models.types

# revision identifiers, used by Alembic.
revision = "52b244810767"
down_revision = "d34683017f63"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "photo_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("alt", sa.String(length=200), server_default="", nullable=False),
        sa.Column("failed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", shop.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_photo_upload_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_upload")),
    )
    with op.batch_alter_table("photo_upload", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_photo_upload_product_id"), ["product_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("photo_upload", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photo_upload_product_id"))

    op.drop_table("photo_upload")
