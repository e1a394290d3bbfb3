"""Product reviews: who may write one, the cooperative's reply, hiding, the average shown.

Only a buyer whose order part holding the product was delivered may review it, once.
Hidden reviews count nowhere: not on the page, not in the average.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from shop.clock import utcnow
from shop.extensions import db
from shop.models import Order, OrderLine, OrderPart, PartStatus, Product, Review, Role, User
from shop.models.review import MAX_TEXT
from shop.services.errors import Conflict, DomainError, InvalidInput, NotFound

MAX_REPLY = 2000


class NotAllowed(DomainError):
    """The signed-in person may not do this (HTTP 403)."""

    status_code = 403


@dataclass(frozen=True)
class Summary:
    """Average stars (one decimal) and number of the visible reviews of a product."""

    average: float | None
    count: int


def summary(product: Product) -> Summary:
    """The average and count of the product's visible reviews, in one query."""
    average, count = db.session.execute(
        sa.select(sa.func.avg(Review.stars), sa.func.count(Review.id)).where(
            Review.product_id == product.id, Review.hidden.is_(False)
        )
    ).one()
    return Summary(round(float(average), 1) if count else None, count)


def visible(product: Product, limit: int = 100) -> list[Review]:
    """The product's visible reviews, newest first, with their authors loaded."""
    return list(
        db.session.scalars(
            sa.select(Review)
            .where(Review.product_id == product.id, Review.hidden.is_(False))
            .options(selectinload(Review.user))
            .order_by(Review.created_at.desc(), Review.id.desc())
            .limit(limit)
        )
    )


def delivered_part(user: User, product: Product) -> OrderPart | None:
    """The latest delivered order part of ``user`` that holds ``product``, if any."""
    return db.session.scalar(
        sa.select(OrderPart)
        .join(OrderPart.order)
        .join(OrderLine, OrderLine.part_id == OrderPart.id)
        .where(
            Order.user_id == user.id,
            OrderLine.product_id == product.id,
            OrderPart.status == PartStatus.DELIVERED,
        )
        .order_by(OrderPart.id.desc())
        .limit(1)
    )


def review_of(user: User, product: Product) -> Review | None:
    return db.session.scalar(
        sa.select(Review).where(Review.user_id == user.id, Review.product_id == product.id)
    )


def _is_own_product(user: User, product: Product) -> bool:
    return user.role is Role.MEMBER and user.cooperative_id == product.cooperative_id


def check_can_review(user: User, product: Product) -> OrderPart:
    """The delivered part that allows ``user`` to review ``product``; raises otherwise.

    NotAllowed (403) without a delivered order or for the product's own cooperative;
    Conflict (409) when this buyer already reviewed the product.
    """
    if _is_own_product(user, product):
        raise NotAllowed(_l("You cannot review your own cooperative's products."))
    part = delivered_part(user, product)
    if part is None:
        raise NotAllowed(_l("Only buyers who have received this product can review it."))
    if review_of(user, product) is not None:
        raise Conflict(_l("You have already reviewed this product."))
    return part


def can_review(user: User, product: Product) -> bool:
    """Whether the review form should be offered to ``user`` (never raises)."""
    try:
        check_can_review(user, product)
    except DomainError:
        return False
    return True


def write(user: User, product: Product, stars: int, text: str) -> Review:
    """Record a buyer's review; a second one for the same product is a Conflict."""
    part = check_can_review(user, product)
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise InvalidInput(_l("Choose from 1 to 5 stars."))
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise InvalidInput(_l("A review is at most %(n)s characters.", n=MAX_TEXT))
    review = Review(product=product, user=user, order_part=part, stars=stars, text=text)
    try:
        with db.session.begin_nested():  # two tabs submitting at once: one wins
            db.session.add(review)
    except IntegrityError as error:
        raise Conflict(_l("You have already reviewed this product.")) from error
    return review


def get(review_id: int) -> Review:
    review = db.session.get(Review, review_id)
    if review is None:
        raise NotFound(_l("No such review."))
    return review


def of_cooperative(cooperative_id: int | None, review_id: int) -> Review:
    """A review of one of this cooperative's products; any other review is NotFound."""
    review = db.session.scalar(
        sa.select(Review)
        .join(Review.product)
        .where(Review.id == review_id, Product.cooperative_id == cooperative_id)
    )
    if review is None or cooperative_id is None:
        raise NotFound(_l("No such review of your products."))
    return review


def reply(review: Review, text: str) -> None:
    """The cooperative answers a review (again to change its answer, empty to remove it)."""
    text = (text or "").strip()
    if len(text) > MAX_REPLY:
        raise InvalidInput(_l("A reply is at most %(n)s characters.", n=MAX_REPLY))
    review.reply = text
    review.replied_at = utcnow() if text else None
    db.session.flush()


def set_hidden(review: Review, hidden: bool) -> None:
    """The OCOP office hides an abusive review (or shows it again)."""
    review.hidden = hidden
    db.session.flush()


def latest(*, hidden_only: bool = False) -> sa.Select:
    """All reviews for the office, newest first (for db.paginate)."""
    query = (
        sa.select(Review)
        .options(selectinload(Review.user), selectinload(Review.product))
        .order_by(Review.created_at.desc(), Review.id.desc())
    )
    return query.where(Review.hidden.is_(True)) if hidden_only else query
