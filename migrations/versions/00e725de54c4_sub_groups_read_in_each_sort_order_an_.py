"""sub-groups read in each sort order: an index per sort led by the category

Revision ID: 00e725de54c4
Revises: 52b244810767
Create Date: 2026-12-02 10:20:04.703870

"""

from alembic import op

import shop.models.types  # noqa: F401

# revision identifiers, used by Alembic.
revision = "00e725de54c4"
down_revision = "52b244810767"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index(
            "ix_product_category_created", ["category_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_product_category_price", ["category_id", "price", "id"], unique=False
        )
        batch_op.create_index(
            "ix_product_category_stars",
            ["category_id", "ocop_stars", "created_at", "id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index("ix_product_category_stars")
        batch_op.drop_index("ix_product_category_price")
        batch_op.drop_index("ix_product_category_created")
