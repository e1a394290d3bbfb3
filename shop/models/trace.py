"""Origin tracing: lots (batches), their trace events, serialized units and scans."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import today, utcnow
from shop.extensions import db
from shop.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from shop.models.catalog import Product
    from shop.models.cooperative import Certification

lot_certification = sa.Table(
    "lot_certification",
    db.metadata,
    sa.Column("lot_id", sa.ForeignKey("lot.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "certification_id", sa.ForeignKey("certification.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Lot(db.Model):
    """A batch of one product: what was grown or made together, and where."""

    __tablename__ = "lot"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "code", name="uq_lot_product_code"),
        sa.CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(20))
    produced_on: Mapped[date | None] = mapped_column(comment="production or harvest date")
    packed_on: Mapped[date | None]
    best_before: Mapped[date | None]
    quantity: Mapped[int] = mapped_column(default=0)
    area_name: Mapped[str] = mapped_column(sa.String(200), default="")
    area_commune: Mapped[str] = mapped_column(sa.String(120), default="")
    area_province: Mapped[str] = mapped_column(sa.String(80), default="")
    latitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    recalled: Mapped[bool] = mapped_column(default=False)
    recall_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
    events: Mapped[list[TraceEvent]] = relationship(
        back_populates="lot", order_by="TraceEvent.occurred_at", cascade="all, delete-orphan"
    )
    certifications: Mapped[list[Certification]] = relationship(secondary=lot_certification)

    recalls: Mapped[list[Recall]] = relationship(
        back_populates="lot", order_by="Recall.started_at.desc()"
    )

    def is_past_best_before(self, on: date | None = None) -> bool:
        return self.best_before is not None and self.best_before < (on or today())

    @property
    def open_recall(self) -> Recall | None:
        return next((r for r in self.recalls if r.closed_at is None), None)


class Recall(db.Model):
    """A lot taken back: why, what buyers should do, whom to call; closed with a resolution.

    While open, the lot's trace pages warn, its product's sales are paused until the
    cooperative confirms the stock on hand is from other lots, and every buyer who received
    the lot is told (through the outbox)."""

    __tablename__ = "recall"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    instructions: Mapped[str] = mapped_column(sa.String(1000))
    contact: Mapped[str] = mapped_column(sa.String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str] = mapped_column(sa.String(1000), default="")
    closed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    buyers_notified: Mapped[int] = mapped_column(default=0)

    lot: Mapped[Lot] = relationship(back_populates="recalls")

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ShippedLot(db.Model):
    """Which lot the units of an order line came from, recorded when the part ships."""

    __tablename__ = "shipped_lot"
    __table_args__ = (sa.UniqueConstraint("line_id", "lot_id", name="uq_shipped_lot_line_lot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(
        sa.ForeignKey("order_line.id", ondelete="CASCADE"), index=True
    )
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id", ondelete="CASCADE"), index=True)
    shipped_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lot: Mapped[Lot] = relationship()


class BizStep(enum.StrEnum):
    """Steps of a lot's journey, aligned with EPCIS 2.0 business steps."""

    PLANTING = "planting"
    GROWING = "growing"
    INSPECTING = "inspecting"
    HARVESTING = "harvesting"
    PROCESSING = "processing"
    PACKING = "packing"
    SHIPPING = "shipping"
    RECEIVING = "receiving"


class TraceEvent(db.Model):
    """Something that happened to a lot: when (with its zone), where, by whom, what.

    A transformation (fresh leaves into packed tea) records its input and output.
    """

    __tablename__ = "trace_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id", ondelete="CASCADE"), index=True)
    biz_step: Mapped[BizStep] = mapped_column(str_enum(BizStep))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    utc_offset: Mapped[str] = mapped_column(sa.String(6), default="+07:00")
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    responsible: Mapped[str] = mapped_column(sa.String(200), default="")
    description_vi: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    photo_path: Mapped[str] = mapped_column(sa.String(300), default="")
    is_transformation: Mapped[bool] = mapped_column(default=False)
    input_description: Mapped[str] = mapped_column(sa.String(200), default="")
    input_quantity_kg: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lot: Mapped[Lot] = relationship(back_populates="events")

    def description(self, locale: str) -> str:
        return (
            self.description_en if locale == "en" and self.description_en else self.description_vi
        )


class Unit(db.Model):
    """One serialized package: the serial printed in its QR code, unique per GTIN."""

    __tablename__ = "unit"
    __table_args__ = (sa.UniqueConstraint("product_id", "serial", name="uq_unit_product_serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"))
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id", ondelete="CASCADE"), index=True)
    serial: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lot: Mapped[Lot] = relationship()


class Scan(db.Model):
    """One person's scan of a unit's code. No IP address is kept, only its network."""

    __tablename__ = "scan"
    __table_args__ = (
        sa.Index("ix_scan_unit_time", "unit_id", "scanned_at"),
        sa.Index("ix_scan_unit_device", "unit_id", "device"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"))
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id", ondelete="CASCADE"), index=True)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    network: Mapped[str] = mapped_column(
        sa.String(50), default="", comment="IP truncated to /24 or /48"
    )
    language: Mapped[str] = mapped_column(sa.String(10), default="")
    device: Mapped[str] = mapped_column(
        sa.String(32), default="", comment="hash of a first-party cookie: one phone, one scan"
    )


class LabelRunState(enum.StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class LabelRun(db.Model):
    """A large label order, made in the background: new serials and their PDF sheet."""

    __tablename__ = "label_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id", ondelete="CASCADE"), index=True)
    count: Mapped[int]
    level: Mapped[str] = mapped_column(sa.String(1), default="M")
    state: Mapped[LabelRunState] = mapped_column(
        str_enum(LabelRunState, 20), default=LabelRunState.PENDING
    )
    path: Mapped[str] = mapped_column(sa.String(300), default="")
    error: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lot: Mapped[Lot] = relationship()


class CounterfeitReport(db.Model):
    """A shopper's report of a package whose code the producer never issued."""

    __tablename__ = "counterfeit_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    lot_code: Mapped[str] = mapped_column(sa.String(20), default="")
    serial: Mapped[str] = mapped_column(sa.String(20), default="")
    place: Mapped[str] = mapped_column(sa.String(200), comment="where it was bought")
    contact: Mapped[str] = mapped_column(sa.String(200), default="")
    network: Mapped[str] = mapped_column(sa.String(50), default="")
    photo_path: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
