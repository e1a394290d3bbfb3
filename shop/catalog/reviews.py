"""Reviews on the product page: buyers write them, the product's cooperative replies.

Routes are registered on the public ``catalog`` blueprint; the rules live in
``services.reviews``. ``review_context`` gives the product page what its review
block needs (summary, visible reviews, and the forms this visitor may use).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from shop.catalog import bp
from shop.extensions import limiter, login_manager
from shop.forms import ShopForm
from shop.models import Product, Role
from shop.models.review import MAX_TEXT
from shop.security import roles_required
from shop.services import catalog, reviews
from shop.services.errors import InvalidInput

STAR_CHOICES = [(n, str(n)) for n in (5, 4, 3, 2, 1)]
REVIEW_LIMIT = "10 per hour"  # reviews and replies, per address


class ReviewForm(ShopForm):
    stars = RadioField(
        _l("Your stars"),
        choices=STAR_CHOICES,
        coerce=int,
        validators=[InputRequired(message=_l("Choose from 1 to 5 stars."))],
    )
    text = TextAreaField(_l("Your review"), validators=[Optional(), Length(max=MAX_TEXT)])


class ReplyForm(ShopForm):
    reply = TextAreaField(
        _l("Reply from the cooperative"), validators=[Optional(), Length(max=reviews.MAX_REPLY)]
    )


def _viewer_is_member_of(product: Product) -> bool:
    return (
        current_user.is_authenticated
        and current_user.role is Role.MEMBER
        and current_user.cooperative_id == product.cooperative_id
    )


def review_context(product: Product, form: ReviewForm | None = None) -> dict:
    """What the product page's review block shows to the current visitor."""
    can_write = current_user.is_authenticated and reviews.can_review(current_user, product)
    summary = reviews.summary(product)
    return {
        "review_summary": summary,
        "review_average": format_decimal(summary.average, "0.0") if summary.count else "",
        "reviews": reviews.visible(product) if summary.count else [],  # most have none
        "review_form": (form or ReviewForm(formdata=None)) if can_write else None,
        "can_reply": _viewer_is_member_of(product),
        "can_hide": current_user.is_authenticated and current_user.role is Role.ADMIN,
    }


@bp.post("/products/<slug>/reviews")
@limiter.limit(REVIEW_LIMIT)
def review_write(slug: str):
    """A buyer whose parcel was delivered reviews the product, once."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    product = catalog.product_page(slug)
    user = current_user._get_current_object()
    reviews.check_can_review(user, product)  # 403 or 409 with the reason
    form = ReviewForm()
    if not form.validate():
        from shop.catalog.views import product_context

        return render_template(
            "catalog/product.html", **product_context(product), **review_context(product, form)
        ), 400
    review = reviews.write(user, product, form.stars.data, form.text.data or "")
    flash(_("Thank you for your review!"), "success")
    return redirect(
        url_for("catalog.product_detail", slug=slug, _anchor=f"review-{review.id}"), code=303
    )


@bp.post("/reviews/<int:review_id>/reply")
@limiter.limit(REVIEW_LIMIT)
@roles_required(Role.MEMBER)
def review_reply(review_id: int):
    """The product's cooperative answers a review; anyone else's review is a 404."""
    review = reviews.of_cooperative(current_user.cooperative_id, review_id)
    form = ReplyForm()
    if not form.validate():
        raise InvalidInput(_("A reply is at most %(n)s characters.", n=reviews.MAX_REPLY))
    reviews.reply(review, form.reply.data or "")
    flash(_("Your reply is published."), "success")
    return redirect(
        url_for("catalog.product_detail", slug=review.product.slug, _anchor=f"review-{review.id}"),
        code=303,
    )
