"""Reviews, by the shop's rules: only a buyer whose parcel holding the product arrived may
review it, once; stars from 1 to 5 and words up to the limit; the cooperative answers
reviews of its own products only; hidden reviews count nowhere; lists are newest first."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from shop.clock import utcnow
from shop.extensions import db
from shop.models import PartStatus, PaymentMethod, Review, User
from shop.models.review import MAX_TEXT
from shop.services import orders, reviews
from shop.services.errors import Conflict, InvalidInput, NotFound
from tests import factories
from tests.services.test_orders import HANOI, HOLDS, RULE
from tests.services.test_refusals import refused


def received(user: User, *products):
    """An order of ``user`` holding ``products``, every parcel delivered."""
    order = orders.place_order(
        {item.id: 1 for item in products}, HANOI, PaymentMethod.COD, RULE, HOLDS, user_id=user.id
    )
    for part in order.parts:
        for step in (PartStatus.PROCESSING, PartStatus.SHIPPED, PartStatus.DELIVERED):
            orders.transition(part, step)
    db.session.commit()
    return order


def buyer_who_received(*products, name="Bình") -> User:
    account = factories.user(name=name)
    received(account, *products)
    return account


def people(count: int) -> list[User]:
    """Accounts written straight to the database (many reviewers, quickly)."""
    accounts = [
        User(email=f"reader{n}@example.vn", name=f"Người đọc {n}", password_hash="-")
        for n in range(count)
    ]
    db.session.add_all(accounts)
    db.session.flush()
    return accounts


def stored(product, author: User, stars=4, text="", hidden=False, at=None) -> Review:
    review = Review(product=product, user=author, stars=stars, text=text, hidden=hidden)
    if at is not None:
        review.created_at = at
    db.session.add(review)
    db.session.flush()
    return review


def count_reviews() -> int:
    return db.session.scalar(sa.select(sa.func.count(Review.id)))


# --- Who may review -------------------------------------------------------------------------


def test_a_buyer_whose_parcel_arrived_reviews_once_and_the_review_holds_what_was_written(
    catalog,
):
    buyer = buyer_who_received(catalog.banana)
    assert reviews.can_review(buyer, catalog.banana) is True
    review = reviews.write(buyer, catalog.banana, 5, "  Chuối dẻo, ngọt vừa.  ")
    db.session.commit()
    part = reviews.delivered_part(buyer, catalog.banana)
    assert (review.product_id, review.user_id, review.order_part_id) == (
        catalog.banana.id,
        buyer.id,
        part.id,
    )
    assert (review.stars, review.text, review.reply, review.replied_at, review.hidden) == (
        5,
        "Chuối dẻo, ngọt vừa.",
        "",
        None,
        False,
    )
    assert reviews.review_of(buyer, catalog.banana) is review
    assert reviews.can_review(buyer, catalog.banana) is False
    refused(
        Conflict,
        lambda: reviews.write(buyer, catalog.banana, 1, "Đổi ý"),
        "You have already reviewed this product.",
    )
    assert count_reviews() == 1


def test_someone_else_s_delivered_parcel_gives_no_right_to_review(catalog):
    buyer_who_received(catalog.banana)
    stranger = factories.user(name="Người lạ")
    assert reviews.delivered_part(stranger, catalog.banana) is None
    assert reviews.can_review(stranger, catalog.banana) is False
    refused(
        reviews.NotAllowed,
        lambda: reviews.check_can_review(stranger, catalog.banana),
        "Only buyers who have received this product can review it.",
    )
    assert count_reviews() == 0


def test_a_parcel_not_yet_delivered_gives_no_right_to_review(catalog):
    buyer = factories.user()
    order = orders.place_order(
        {catalog.banana.id: 1}, HANOI, PaymentMethod.COD, RULE, HOLDS, user_id=buyer.id
    )
    orders.transition(order.parts[0], PartStatus.PROCESSING)
    orders.transition(order.parts[0], PartStatus.SHIPPED)
    db.session.commit()
    refused(
        reviews.NotAllowed,
        lambda: reviews.write(buyer, catalog.banana, 4, "Chưa nhận"),
        "Only buyers who have received this product can review it.",
    )


def test_the_review_is_tied_to_the_latest_delivered_parcel_holding_the_product(catalog):
    buyer = factories.user()
    first = received(buyer, catalog.banana)
    received(buyer, catalog.tea)
    latest = received(buyer, catalog.banana)
    assert first.parts[0].id < latest.parts[0].id
    assert reviews.delivered_part(buyer, catalog.banana) is latest.parts[0]
    review = reviews.write(buyer, catalog.banana, 4, "")
    assert review.order_part_id == latest.parts[0].id


def test_a_review_of_one_product_does_not_stop_a_review_of_another(catalog):
    buyer = buyer_who_received(catalog.banana, catalog.longan)
    reviews.write(buyer, catalog.banana, 4, "Chuối ngon")
    assert reviews.review_of(buyer, catalog.longan) is None
    assert reviews.can_review(buyer, catalog.longan) is True
    second = reviews.write(buyer, catalog.longan, 3, "Nhãn hơi nhỏ")
    first = reviews.review_of(buyer, catalog.banana)
    assert [(r.product_id, r.stars) for r in (first, second)] == [
        (catalog.banana.id, 4),
        (catalog.longan.id, 3),
    ]


def test_a_member_may_not_review_their_own_cooperative_s_products(catalog):
    member = factories.user("member", cooperative=catalog.viba)
    received(member, catalog.banana)
    assert reviews.can_review(member, catalog.banana) is False
    refused(
        reviews.NotAllowed,
        lambda: reviews.write(member, catalog.banana, 5, "Tuyệt"),
        "You cannot review your own cooperative's products.",
    )
    assert count_reviews() == 0


def test_a_member_of_another_cooperative_reviews_like_any_buyer(catalog):
    neighbour = factories.user("member", cooperative=catalog.thai_son)
    received(neighbour, catalog.banana)
    assert reviews.can_review(neighbour, catalog.banana) is True
    assert reviews.write(neighbour, catalog.banana, 4, "Ngon").user_id == neighbour.id


def test_two_tabs_sending_the_same_review_keep_one(catalog, monkeypatch):
    buyer = buyer_who_received(catalog.banana)
    reviews.write(buyer, catalog.banana, 5, "Tab thứ nhất")
    db.session.commit()
    monkeypatch.setattr(reviews, "review_of", lambda user, product: None)  # not yet seen
    refused(
        Conflict,
        lambda: reviews.write(buyer, catalog.banana, 2, "Tab thứ hai"),
        "You have already reviewed this product.",
    )
    db.session.commit()
    assert [(r.stars, r.text) for r in db.session.scalars(sa.select(Review))] == [
        (5, "Tab thứ nhất")
    ]


# --- What a review may say ------------------------------------------------------------------


def test_stars_go_from_one_to_five_and_nothing_else(catalog):
    buyer = buyer_who_received(catalog.banana)
    for stars in (0, 6, -1, "5", 4.0, None):
        refused(
            InvalidInput,
            lambda s=stars: reviews.write(buyer, catalog.banana, s, "Tốt"),
            "Choose from 1 to 5 stars.",
        )
    assert count_reviews() == 0


def test_one_star_and_five_stars_are_both_allowed(catalog):
    low = buyer_who_received(catalog.banana, name="An")
    high = buyer_who_received(catalog.banana, name="Cường")
    assert reviews.write(low, catalog.banana, 1, "Tệ").stars == 1
    assert reviews.write(high, catalog.banana, 5, "Tốt").stars == 5


def test_a_review_may_have_stars_and_no_words(catalog):
    buyer = buyer_who_received(catalog.banana)
    assert reviews.write(buyer, catalog.banana, 3, None).text == ""


def test_a_review_is_at_most_two_thousand_characters_once_trimmed(catalog):
    buyer = buyer_who_received(catalog.banana)
    refused(
        InvalidInput,
        lambda: reviews.write(buyer, catalog.banana, 4, "x" * (MAX_TEXT + 1)),
        "A review is at most %(n)s characters.",
        n=MAX_TEXT,
    )
    assert count_reviews() == 0
    longest = "x" * MAX_TEXT
    assert reviews.write(buyer, catalog.banana, 4, f"  {longest}\n").text == longest


# --- The average and the lists -------------------------------------------------------------


def test_the_average_has_one_decimal_and_counts_only_visible_reviews(catalog):
    readers = people(4)
    for author, stars in zip(readers[:3], (5, 4, 4), strict=True):
        stored(catalog.banana, author, stars)
    stored(catalog.banana, readers[3], 1, hidden=True)
    stored(catalog.tea, readers[0], 1)
    assert reviews.summary(catalog.banana) == reviews.Summary(4.3, 3)
    assert reviews.summary(catalog.longan) == reviews.Summary(None, 0)


def test_visible_reviews_are_the_product_s_own_newest_first(catalog):
    first, second, third, fourth = people(4)
    now = utcnow()
    stored(catalog.banana, first, 5, "Cũ", at=now - timedelta(days=2))
    newest = stored(catalog.banana, second, 4, "Mới", at=now)
    same_moment = stored(catalog.banana, fourth, 3, "Cùng lúc", at=now)
    stored(catalog.banana, third, 1, "Bị ẩn", hidden=True, at=now)
    stored(catalog.tea, first, 2, "Chè", at=now)
    assert [r.text for r in reviews.visible(catalog.banana)] == ["Cùng lúc", "Mới", "Cũ"]
    assert reviews.visible(catalog.banana, limit=1) == [same_moment]
    assert newest in reviews.visible(catalog.banana, limit=2)


def test_reviews_written_later_come_first_whatever_their_number(catalog):
    first, second = people(2)
    late = stored(catalog.banana, first, 5, "Viết sau", at=utcnow())
    early = stored(catalog.banana, second, 4, "Viết trước", at=utcnow() - timedelta(days=1))
    assert reviews.visible(catalog.banana) == [late, early]
    assert db.session.scalars(reviews.latest()).all() == [late, early]


def test_a_product_page_shows_at_most_its_hundred_newest_reviews(catalog):
    readers = people(101)
    start = utcnow() - timedelta(days=1)
    for n, author in enumerate(readers):
        stored(catalog.banana, author, 4, f"Đánh giá {n}", at=start + timedelta(minutes=n))
    shown = reviews.visible(catalog.banana)
    assert len(shown) == 100
    assert [shown[0].text, shown[-1].text] == ["Đánh giá 100", "Đánh giá 1"]


# --- The cooperative's reply ----------------------------------------------------------------


def test_a_cooperative_finds_only_reviews_of_its_own_products(catalog):
    first, second = people(2)
    banana = stored(catalog.banana, first, 4)
    longan = stored(catalog.longan, second, 3)
    tea = stored(catalog.tea, first, 2)
    assert reviews.of_cooperative(catalog.viba.id, banana.id) is banana
    assert reviews.of_cooperative(catalog.viba.id, longan.id) is longan
    assert reviews.of_cooperative(catalog.thai_son.id, tea.id) is tea
    for coop_id, review_id in (
        (catalog.thai_son.id, banana.id),
        (catalog.viba.id, tea.id),
        (None, banana.id),
        (catalog.viba.id, tea.id + 1000),
    ):
        refused(
            NotFound,
            lambda c=coop_id, r=review_id: reviews.of_cooperative(c, r),
            "No such review of your products.",
        )


def test_a_review_that_does_not_exist_is_not_found(catalog):
    review = stored(catalog.banana, people(1)[0])
    assert reviews.get(review.id) is review
    refused(NotFound, lambda: reviews.get(review.id + 1), "No such review.")


def test_the_cooperative_answers_changes_its_answer_and_removes_it(catalog):
    review = stored(catalog.banana, people(1)[0])
    before = utcnow()
    reviews.reply(review, "  Cảm ơn anh chị!  ")
    assert review.reply == "Cảm ơn anh chị!"
    assert before <= review.replied_at <= utcnow()
    reviews.reply(review, "Cảm ơn, chúng tôi sẽ sửa.")
    assert review.reply == "Cảm ơn, chúng tôi sẽ sửa."
    reviews.reply(review, "   ")
    assert (review.reply, review.replied_at) == ("", None)
    reviews.reply(review, "Lại trả lời")
    reviews.reply(review, None)
    assert (review.reply, review.replied_at) == ("", None)


def test_a_reply_is_at_most_two_thousand_characters_and_a_longer_one_changes_nothing(catalog):
    review = stored(catalog.banana, people(1)[0])
    reviews.reply(review, "Cảm ơn")
    answered_at = review.replied_at
    refused(
        InvalidInput,
        lambda: reviews.reply(review, "y" * (reviews.MAX_REPLY + 1)),
        "A reply is at most %(n)s characters.",
        n=reviews.MAX_REPLY,
    )
    assert (review.reply, review.replied_at) == ("Cảm ơn", answered_at)
    longest = "y" * reviews.MAX_REPLY
    reviews.reply(review, f"\n{longest} ")
    assert review.reply == longest


# --- The office's list ------------------------------------------------------------------------


def test_the_office_sees_every_review_newest_first_or_only_the_hidden_ones(catalog):
    first, second, third = people(3)
    now = utcnow()
    old_hidden = stored(catalog.banana, first, 1, "Xúc phạm", hidden=True, at=now - timedelta(1))
    shown = stored(catalog.tea, second, 5, "Ngon", at=now)
    new_hidden = stored(catalog.longan, third, 2, "Quảng cáo", hidden=True, at=now)
    everything = db.session.scalars(reviews.latest()).all()
    assert everything == [new_hidden, shown, old_hidden]
    assert db.session.scalars(reviews.latest(hidden_only=True)).all() == [new_hidden, old_hidden]
    assert db.session.scalars(reviews.latest(hidden_only=False)).all() == everything


def test_the_office_s_list_loads_authors_and_products_in_a_fixed_number_of_queries(
    catalog, count_queries
):
    readers = people(4)
    stored(catalog.banana, readers[0])

    def queries_to_read_the_list() -> int:
        db.session.commit()
        db.session.expunge_all()
        db.session.scalar(sa.select(1))
        with count_queries() as statements:
            rows = db.session.scalars(reviews.latest()).all()
            assert all(row.user.name and row.product.name_vi for row in rows)
        return len(statements)

    few = queries_to_read_the_list()
    for author, item in zip(readers[1:], ("tea", "longan", "herb"), strict=True):
        stored(db.session.merge(getattr(catalog, item)), db.session.merge(author))
    assert queries_to_read_the_list() == few
