"""search knows the former names of each producer's commune

Revision ID: d34683017f63
Revises: 329b7ddb5c66
Create Date: 2026-12-02 01:42:58.131398

"""
from alembic import op
import sqlalchemy as sa

from shop.services.places import former_names
from shop.services.text import fold

import shop.models.types  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'd34683017f63'
down_revision = '329b7ddb5c66'
branch_labels = None
depends_on = None


BATCH = 2000


def _reindex(with_former_names: bool) -> None:
    """Refold every product's searched text (the triggers or the generated column follow)."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT p.id, p.description_vi, p.description_en, p.unit, p.label_origin,"
        " c.name, c.address, c.commune, c.province"
        " FROM product p JOIN cooperative c ON c.id = p.cooperative_id ORDER BY p.id"
    )).all()
    update = sa.text("UPDATE product SET search_body = :body WHERE id = :id")
    for start in range(0, len(rows), BATCH):
        batch = []
        for row in rows[start:start + BATCH]:
            former = " ".join(former_names(row.province, row.commune)) if with_former_names else ""
            text = (
                f"{row.description_vi} {row.description_en} {row.unit} {row.label_origin or ''}"
                f" {row.name} {row.address} {row.commune} {row.province} {former}"
            )
            batch.append({"id": row.id, "body": fold(text)})
        if batch:
            bind.execute(update, batch)


def upgrade():
    _reindex(with_former_names=True)


def downgrade():
    _reindex(with_former_names=False)
