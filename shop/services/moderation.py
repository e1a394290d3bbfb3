"""Take-downs: the office hides a listing or suspends a cooperative with a reason, tells the
seller, logs the action, and can put it back. Every action is a row in the moderation log."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from shop.clock import utcnow
from shop.extensions import db
from shop.models import Cooperative, ModerationAction, ModerationEntry, Product, User
from shop.services import admin
from shop.services.errors import Conflict, InvalidInput
from shop.services.notify import events
from shop.templating import external_url


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(_l("Give the reason; the seller will read it."))
    return reason[:500]


def _log(action: ModerationAction, coop: Cooperative, reason: str, by: User, product=None):
    db.session.add(
        ModerationEntry(
            action=action,
            cooperative_id=coop.id,
            product_id=product.id if product else None,
            reason=reason,
            by_id=by.id,
        )
    )


def _tell(coop: Cooperative, subject: str, text: str) -> None:
    events.notify.send(
        events.cooperative(coop), "moderation", subject, text, external_url("coop.product_list")
    )


def take_down(product: Product, reason: str, by: User) -> None:
    """Hide a listing (it cannot be put back on sale by the cooperative) and say why."""
    reason = _reason(reason)
    if product.taken_down_at is not None:
        raise Conflict(_l("This listing is already taken down."))
    product.on_sale_before_take_down = product.active
    product.active, product.taken_down_at, product.taken_down_reason = False, utcnow(), reason
    _log(ModerationAction.TAKE_DOWN, product.cooperative, reason, by, product)
    _tell(
        product.cooperative,
        f"Sản phẩm {product.name_vi} ({product.unit}) bị gỡ khỏi Chợ OCOP",
        f"Văn phòng OCOP đã gỡ {product.name_vi} ({product.unit}). Lý do: {reason}",
    )


def restore(product: Product, reason: str, by: User) -> None:
    """Lift a take-down: the listing goes back on sale if the cooperative had it on sale."""
    reason = _reason(reason)
    if product.taken_down_at is None:
        raise Conflict(_l("This listing is not taken down."))
    product.active = product.on_sale_before_take_down
    product.taken_down_at, product.taken_down_reason = None, ""
    _log(ModerationAction.RESTORE, product.cooperative, reason, by, product)
    name = f"{product.name_vi} ({product.unit})"
    if product.active:
        subject = f"Sản phẩm {name} được bán lại"
        text = f"Văn phòng OCOP đã cho bán lại {name}. {reason}"
    else:
        subject = f"Sản phẩm {name} không còn bị gỡ"
        text = (
            f"Văn phòng OCOP đã bỏ lệnh gỡ {name}. Sản phẩm vẫn ngừng bán như hợp tác xã "
            f"đã chọn; hợp tác xã có thể mở bán lại khi muốn. {reason}"
        )
    _tell(product.cooperative, subject, text)


def suspend(coop: Cooperative, reason: str, by: User) -> None:
    reason = _reason(reason)
    admin.suspend(coop, reason)
    _log(ModerationAction.SUSPEND, coop, reason, by)
    _tell(coop, "Gian hàng bị tạm ngừng", f"Văn phòng OCOP tạm ngừng {coop.name}. Lý do: {reason}")


def reinstate(coop: Cooperative, by: User) -> None:
    admin.reinstate(coop)
    _log(ModerationAction.REINSTATE, coop, "reinstated", by)
    _tell(coop, "Gian hàng hoạt động trở lại", f"Văn phòng OCOP cho {coop.name} bán trở lại.")


def log(limit: int = 200) -> list[ModerationEntry]:
    """The newest actions first."""
    return list(
        db.session.scalars(
            sa.select(ModerationEntry).order_by(ModerationEntry.id.desc()).limit(limit)
        )
    )


def taken_down() -> list[Product]:
    return list(
        db.session.scalars(
            sa.select(Product)
            .where(Product.taken_down_at.is_not(None))
            .options(joinedload(Product.cooperative))
            .order_by(Product.taken_down_at.desc())
        )
    )
