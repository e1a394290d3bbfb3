"""Typed SQLAlchemy models, one module per aggregate."""

from shop.models.catalog import Category, Product, ProductImage
from shop.models.cooperative import Certification, CertificationKind, Cooperative, CooperativeKind
from shop.models.rating import OcopLevel, OcopRating
from shop.models.trace import BizStep, Lot, Scan, TraceEvent, Unit
from shop.models.user import Role, User

__all__ = [
    "BizStep",
    "Category",
    "Certification",
    "CertificationKind",
    "Cooperative",
    "CooperativeKind",
    "Lot",
    "OcopLevel",
    "OcopRating",
    "Product",
    "ProductImage",
    "Role",
    "Scan",
    "TraceEvent",
    "Unit",
    "User",
]
