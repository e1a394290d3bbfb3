"""Typed SQLAlchemy models, one module per aggregate."""

from shop.models.catalog import Category, Product, ProductImage
from shop.models.cooperative import Certification, CertificationKind, Cooperative, CooperativeKind
from shop.models.rating import OcopLevel, OcopRating
from shop.models.user import Role, User

__all__ = [
    "Category",
    "Certification",
    "CertificationKind",
    "Cooperative",
    "CooperativeKind",
    "OcopLevel",
    "OcopRating",
    "Product",
    "ProductImage",
    "Role",
    "User",
]
