"""a restored listing keeps its cooperative's choice to sell it or not

Revision ID: 5c1e7a9d2b40
Revises: e39cb063e264
Create Date: 2026-12-03 21:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5c1e7a9d2b40"
down_revision = "e39cb063e264"
branch_labels = None
depends_on = None


def upgrade():
    # Listings taken down before this column existed were on sale when taken down, as far as
    # anyone can now tell: the default puts them back on sale when restored, as before. A
    # plain ADD COLUMN, not a batch: SQLite's batch copies the table and would drop the
    # triggers that keep the search index (product_fts) up to date.
    op.add_column(
        "product",
        sa.Column(
            "on_sale_before_take_down", sa.Boolean(), nullable=False, server_default=sa.true()
        ),
    )


def downgrade():
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("on_sale_before_take_down")
