"""label information of each product

Revision ID: 6b345a403bd1
Revises: 1d83d97476f4
Create Date: 2026-12-01 10:56:13.949641

"""
from alembic import op
import sqlalchemy as sa

import shop.models.types  # noqa: F401


# revision identifiers, used by Alembic.
revision = '6b345a403bd1'
down_revision = '1d83d97476f4'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases: batch mode would rebuild the product table on SQLite
# and lose its search triggers (SQLite drops a plain column in place since 3.35).
COLUMNS = (
    ('label_origin', sa.String(length=200)),
    ('label_net_quantity', sa.String(length=60)),
    ('label_ingredients', sa.Text()),
    ('label_storage_use', sa.Text()),
    ('label_shelf_life', sa.String(length=200)),
)


def upgrade():
    for name, type_ in COLUMNS:
        op.add_column('product', sa.Column(name, type_, server_default='', nullable=False))


def downgrade():
    for name, _ in reversed(COLUMNS):
        op.drop_column('product', name)
