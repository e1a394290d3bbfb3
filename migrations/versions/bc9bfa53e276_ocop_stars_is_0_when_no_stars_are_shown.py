"""ocop_stars is 0 when no stars are shown

Revision ID: bc9bfa53e276
Revises: 49408702caaa
Create Date: 2026-11-28 12:15:18.916879

"""
from alembic import op



# revision identifiers, used by Alembic.
revision = 'bc9bfa53e276'
down_revision = '49408702caaa'
branch_labels = None
depends_on = None


def upgrade():
    # Stars the catalog may not show (none, revoked, expired) become 0, so that sorting by
    # stars is a plain index walk. The column stays nullable in the schema: on SQLite a
    # NOT NULL would rebuild the table and drop the triggers that keep the search index.
    op.execute(
        "UPDATE product SET ocop_stars = 0"
        " WHERE ocop_stars IS NULL OR ocop_valid_until IS NULL OR ocop_valid_until < CURRENT_DATE"
    )


def downgrade():
    op.execute("UPDATE product SET ocop_stars = NULL WHERE ocop_stars = 0")
