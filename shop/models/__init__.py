"""Typed SQLAlchemy models, one module per aggregate."""

from shop.models.catalog import Category, PhotoUpload, Product, ProductImage
from shop.models.complaints import (
    Complaint,
    ComplaintPhoto,
    ComplaintReason,
    ComplaintStatus,
    Remedy,
)
from shop.models.cooperative import (
    BankAccount,
    BankAccountState,
    Certification,
    CertificationKind,
    Cooperative,
    CooperativeKind,
    CooperativePhoto,
)
from shop.models.inventory import StockMovement
from shop.models.ledger import EntryKind, LedgerEntry
from shop.models.moderation import ModerationAction, ModerationEntry
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
from shop.models.outbox import OutboxMessage, OutboxState
from shop.models.payments import (
    Payment,
    PaymentState,
    Provider,
    ProviderEvent,
    Refund,
    RefundKind,
    RefundState,
)
from shop.models.policy import PolicyVersion
from shop.models.privacy import Consent, ConsentPurpose, DataAccess
from shop.models.rating import OcopLevel, OcopRating
from shop.models.review import Review
from shop.models.search_log import SearchMiss
from shop.models.trace import (
    BizStep,
    CounterfeitReport,
    LabelRun,
    LabelRunState,
    Lot,
    Recall,
    Scan,
    ShippedLot,
    TraceEvent,
    Unit,
)
from shop.models.user import Role, User

__all__ = [
    "BankAccount",
    "BankAccountState",
    "BizStep",
    "CartItem",
    "Category",
    "Certification",
    "CertificationKind",
    "Complaint",
    "ComplaintPhoto",
    "ComplaintReason",
    "ComplaintStatus",
    "Consent",
    "ConsentPurpose",
    "Cooperative",
    "CooperativeKind",
    "CooperativePhoto",
    "CounterfeitReport",
    "DataAccess",
    "EntryKind",
    "LabelRun",
    "LabelRunState",
    "LedgerEntry",
    "Lot",
    "ModerationAction",
    "ModerationEntry",
    "OcopLevel",
    "OcopRating",
    "Order",
    "OrderLine",
    "OrderPart",
    "OutboxMessage",
    "OutboxState",
    "PartStatus",
    "PartStatusChange",
    "Payment",
    "PaymentMethod",
    "PaymentState",
    "PaymentStatus",
    "PhotoUpload",
    "PolicyVersion",
    "Product",
    "ProductImage",
    "Provider",
    "ProviderEvent",
    "Recall",
    "Refund",
    "RefundKind",
    "RefundState",
    "Remedy",
    "Review",
    "Role",
    "Scan",
    "SearchMiss",
    "ShippedLot",
    "StockMovement",
    "TraceEvent",
    "Unit",
    "User",
]
