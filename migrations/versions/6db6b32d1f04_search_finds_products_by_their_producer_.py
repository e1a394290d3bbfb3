"""search finds products by their producer and origin

Revision ID: 6db6b32d1f04
Revises: ae20e208d632
Create Date: 2026-12-01 11:05:48.483784

"""
from alembic import op
import sqlalchemy as sa

from shop.services.text import fold

import shop.models.types  # noqa: F401


# revision identifiers, used by Alembic.
revision = '6db6b32d1f04'
down_revision = 'ae20e208d632'
branch_labels = None
depends_on = None


BATCH = 2000


def _reindex(with_producer: bool) -> None:
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
            text = f"{row.description_vi} {row.description_en} {row.unit}"
            if with_producer:
                text += f" {row.label_origin} {row.name} {row.address} {row.commune} {row.province}"
            batch.append({"id": row.id, "body": fold(text)})
        bind.execute(update, batch)


def upgrade():
    _reindex(with_producer=True)


def downgrade():
    _reindex(with_producer=False)
