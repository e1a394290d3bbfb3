"""Typed SQLAlchemy models, one module per aggregate."""

from shop.models.catalog import Category, Product, ProductImage
from shop.models.cooperative import Certification, CertificationKind, Cooperative, CooperativeKind
from shop.models.orders import (
    CartItem,
    Order,
    OrderLine,
    OrderPart,
    PartStatus,
    PartStatusChange,
    PaymentMethod,
    PaymentStatus,
)
from shop.models.payments import Payment, Provider, ProviderEvent, Refund
from shop.models.rating import OcopLevel, OcopRating
from shop.models.review import Review
from shop.models.trace import BizStep, Lot, Scan, TraceEvent, Unit
from shop.models.user import Role, User

__all__ = [
    "BizStep",
    "CartItem",
    "Category",
    "Certification",
    "CertificationKind",
    "Cooperative",
    "CooperativeKind",
    "Lot",
    "OcopLevel",
    "OcopRating",
    "Order",
    "OrderLine",
    "OrderPart",
    "PartStatus",
    "PartStatusChange",
    "Payment",
    "PaymentMethod",
    "PaymentStatus",
    "Product",
    "ProductImage",
    "Provider",
    "ProviderEvent",
    "Refund",
    "Review",
    "Role",
    "Scan",
    "TraceEvent",
    "Unit",
    "User",
]
