"""search: FTS5 prefix index

Every search word is matched as a word prefix. Without a prefix index, FTS5 merges the
lists of every indexed word that starts with it: "co" reaches "cooperative", which every
synthetic product has, and "che huu co" took 35 ms at 100,000 products; with prefix
indexes for two and three letters, 1.5 ms (one letter would match nearly everything
anyway; four or more letters start few words). SQLite only: PostgreSQL searches the
GIN-indexed tsvector made in 38d1d52d980c.

Revision ID: 49408702caaa
Revises: cc1e85e6edbb
Create Date: 2026-11-28 11:20:01.258343

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '49408702caaa'
down_revision = 'cc1e85e6edbb'
branch_labels = None
depends_on = None


def upgrade():
    recreate_fts(", prefix='2 3'")


def downgrade():
    recreate_fts("")


def recreate_fts(options: str) -> None:
    """Make product_fts again with ``options`` and index every product into it.

    The triggers that keep it name the table, not its definition, so they stay as they are.
    """
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE product_fts")
    op.execute(
        "CREATE VIRTUAL TABLE product_fts USING fts5("
        f"search_name, search_body, content='product', content_rowid='id'{options})"
    )
    op.execute("INSERT INTO product_fts(product_fts) VALUES ('rebuild')")
