"""The catalog: the OCOP category tree, products and their images."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import today, utcnow
from shop.extensions import db
from shop.models.types import UTCDateTime

if TYPE_CHECKING:
    from shop.models.cooperative import Certification, Cooperative
    from shop.models.rating import OcopRating


class Category(db.Model):
    """An OCOP product group (parent is None) or one of its sub-groups."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(
        back_populates="parent", order_by="Category.position"
    )

    @property
    def group(self) -> Category:
        """The top-level OCOP group this category belongs to."""
        return self.parent or self


LABEL_FIELDS = (
    "label_origin",
    "label_net_quantity",
    "label_ingredients",
    "label_storage_use",
    "label_shelf_life",
)


class Product(db.Model):
    """A product a cooperative sells, identified worldwide by its GTIN-14."""

    __tablename__ = "product"
    __table_args__ = (
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
        sa.CheckConstraint("price > 0", name="price_positive"),
        # No index starts with `active`: nearly every product is active, so it narrows
        # nothing, and SQLite, which has no statistics, takes `active = 1` on an index
        # prefix for a few rows, reads every product through it and sorts them all,
        # instead of walking the index of the sort column and stopping after a page.
        sa.Index("ix_product_created", "created_at"),
        sa.Index("ix_product_price", "price"),
        # Stars then date: the top-rated order. The other columns let the star filter
        # count its products from the index alone.
        sa.Index(
            "ix_product_stars",
            "ocop_stars",
            "created_at",
            "ocop_valid_until",
            "cooperative_id",
            "active",
        ),
        # Serves the cooperative's products, and counts the visible ones from the index.
        sa.Index("ix_product_cooperative_active", "cooperative_id", "active"),
        # A sub-group in each sort order: read a page in order and stop, where the category
        # index found all its products and sorted them (74 ms for 5 % of a million; 2.6 ms).
        sa.Index("ix_product_category_price", "category_id", "price", "id"),
        sa.Index("ix_product_category_created", "category_id", "created_at", "id"),
        sa.Index("ix_product_category_stars", "category_id", "ocop_stars", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(sa.ForeignKey("cooperative.id"))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(160), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    description_vi: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    unit: Mapped[str] = mapped_column(sa.String(60))
    price: Mapped[int] = mapped_column(sa.BigInteger, comment="whole đồng")
    stock: Mapped[int] = mapped_column(default=0)
    gtin: Mapped[str] = mapped_column(sa.String(14), unique=True)
    # Set when the OCOP office takes the listing down (it is then inactive, and stays so until
    # the office restores it); the reason is shown to the cooperative.
    taken_down_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    taken_down_reason: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    # Whether the cooperative had it on sale when it was taken down: restoring the listing
    # gives back the cooperative's own choice, not a sale it had stopped.
    on_sale_before_take_down: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # A package size of another product (its "family"): e.g. the 1 kg gift box of the 200 g
    # pack. Each size is a trade item of its own (GTIN, price, stock, lots, labels); listings
    # show the family once, by the product whose family_id is empty.
    family_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product.id"), index=True)
    # One package's shipping weight; delivery is priced from it (0: not given, base fee).
    weight_grams: Mapped[int] = mapped_column(default=0, server_default="0")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # What the package's label says (Decree 43/2017/NĐ-CP on goods labels), published so a
    # buyer reads it before buying. Goods need all of it before they go on sale; a service
    # (a homestay, a tour) has no label. The producer is the cooperative.
    label_origin: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    label_net_quantity: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")
    label_ingredients: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    label_storage_use: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    label_shelf_life: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")

    # Copy of the current OCOP rating, kept by services.ratings so that the
    # catalog can filter and sort 100,000 products by stars through an index.
    # 0 when no stars may be shown. Nullable in the schema only because SQLite would have to
    # rebuild the table (and lose its search triggers) to say otherwise; nothing writes NULL.
    ocop_stars: Mapped[int] = mapped_column(nullable=True, default=0)
    ocop_valid_until: Mapped[date | None]
    # Set when a lot of this product is recalled; cleared when the cooperative confirms the
    # stock on hand is from other lots. Paused products are shown but cannot be bought.
    sales_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Accent-folded text for search; kept by services.search on every flush.
    search_name: Mapped[str] = mapped_column(sa.Text, default="")
    search_body: Mapped[str] = mapped_column(sa.Text, default="")

    cooperative: Mapped[Cooperative] = relationship(back_populates="products")
    category: Mapped[Category] = relationship()
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", order_by="ProductImage.position", cascade="all, delete-orphan"
    )
    uploads: Mapped[list[PhotoUpload]] = relationship(
        back_populates="product", order_by="PhotoUpload.id", cascade="all, delete-orphan"
    )
    ratings: Mapped[list[OcopRating]] = relationship(
        back_populates="product", order_by="OcopRating.decision_date.desc()"
    )
    certifications: Mapped[list[Certification]] = relationship(back_populates="product")
    family: Mapped[Product | None] = relationship(remote_side=[id], back_populates="sizes")
    sizes: Mapped[list[Product]] = relationship(back_populates="family", order_by="Product.price")

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_vi

    @property
    def needs_label(self) -> bool:
        """Goods carry a label; community tourism is a service and has none."""
        return self.category.group.slug != "tourism"

    def label_gaps(self) -> list[str]:
        """The label fields still empty, by column name (none for a service)."""
        if not self.needs_label:
            return []
        return [name for name in LABEL_FIELDS if not (getattr(self, name) or "").strip()]

    def description(self, locale: str) -> str:
        return (
            self.description_en if locale == "en" and self.description_en else self.description_vi
        )

    def current_stars(self, on: date | None = None) -> int | None:
        """The OCOP stars shown today, or None when unrated or the rating has expired."""
        if not self.ocop_stars or self.ocop_valid_until is None:
            return None
        return self.ocop_stars if self.ocop_valid_until >= (on or today()) else None

    @property
    def main(self) -> Product:
        """The product a family is listed by (itself when it is not a size of another)."""
        return self.family or self

    def family_members(self) -> list[Product]:
        """Every active size of this product's family, cheapest first."""
        main = self.main
        return sorted((p for p in (main, *main.sizes) if p.active), key=lambda p: p.price)

    def from_price(self) -> int | None:
        """The lowest price of the family when it has several sizes, else None."""
        members = [self] + [s for s in self.sizes if s.active]
        return min(p.price for p in members) if len(members) > 1 else None

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def for_sale(self) -> bool:
        """In stock, and not paused by a recall."""
        return self.in_stock and self.sales_paused_at is None

    def __repr__(self) -> str:
        return f"<Product {self.slug}>"


class ProductImage(db.Model):
    """A picture of a product; ``path`` is relative to the static or media folder."""

    __tablename__ = "product_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(sa.String(300))
    width: Mapped[int] = mapped_column(default=800)
    height: Mapped[int] = mapped_column(default=800)
    position: Mapped[int] = mapped_column(default=0)
    # What the photo shows, for people who cannot see it ("Hộp quà 1 kg, mở nắp").
    alt: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")

    product: Mapped[Product] = relationship(back_populates="images")


class PhotoUpload(db.Model):
    """A photo sent for a product, kept until the worker has made its sizes.

    The request only checks the file (type, size, pixels, structure); decoding and
    re-encoding take a quarter of a second a photo and happen on the worker, which turns
    the upload into a ``ProductImage`` and deletes it. The bytes live in the database, so
    any worker on any machine can read them, and no file is left behind by a rollback.
    """

    __tablename__ = "photo_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    alt: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # Set when the worker could not read the photo after all: the cooperative is told.
    failed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="uploads")
