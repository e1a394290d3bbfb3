"""Reviews: only buyers who received the product, once each; replies, hiding, the average."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.models import Order, PartStatus, Review, Role, User
from shop.services import orders
from tests import factories

PASSWORD = factories.PASSWORD
ADDRESS = factories.CHECKOUT_FORM


def account(email: str, role: Role = Role.CUSTOMER, cooperative=None, name="Bình") -> User:
    return factories.user(role.value, cooperative, email, name=name)


def signed_in(app, email: str):
    """A new client signed in as ``email``, reading the pages in English."""
    client = app.test_client()
    response = client.post("/account/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    client.get("/?lang=en")
    return client


def buy(client, product) -> Order:
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    response = client.post(
        "/checkout",
        data=ADDRESS | {"payment_method": "cod", "checkout_key": factories.checkout_key()},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return db.session.scalars(sa.select(Order).order_by(Order.id.desc())).first()


def deliver(order: Order) -> None:
    db.session.expire_all()
    for part in db.session.get(Order, order.id).parts:
        for status in (PartStatus.PROCESSING, PartStatus.SHIPPED, PartStatus.DELIVERED):
            orders.transition(part, status, "test")
    db.session.commit()


def buyer_who_received(app, product, email="binh@example.vn", name="Bình"):
    account(email, name=name)
    client = signed_in(app, email)
    deliver(buy(client, product))
    return client


def review(client, product, stars="4", text="Chuối dẻo, ngọt vừa."):
    return client.post(f"/products/{product.slug}/reviews", data={"stars": stars, "text": text})


def page(client, product) -> str:
    return client.get(f"/products/{product.slug}").get_data(as_text=True)


def json_ld(html: str) -> dict:
    [body] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(body)


def test_visitors_are_sent_to_sign_in(client, catalog):
    response = review(client, catalog.banana)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")
    assert "Publish review" not in page(client, catalog.banana)


def test_a_buyer_whose_parcel_has_not_arrived_cannot_review(app, catalog):
    account("binh@example.vn")
    client = signed_in(app, "binh@example.vn")
    buy(client, catalog.banana)  # confirmed, not delivered
    assert "Publish review" not in page(client, catalog.banana)
    response = review(client, catalog.banana)
    assert response.status_code == 403
    assert "Only buyers who have received this product" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0


def test_someone_who_never_bought_it_cannot_review(app, catalog):
    client = buyer_who_received(app, catalog.tea)
    assert review(client, catalog.banana).status_code == 403


def test_a_delivered_buyer_reviews_once(app, catalog):
    client = buyer_who_received(app, catalog.banana)
    before = page(client, catalog.banana)
    assert "Publish review" in before and "No reviews yet" in before
    response = review(client, catalog.banana, "4", "Chuối dẻo, ngọt vừa.")
    assert response.status_code == 303
    after = page(client, catalog.banana)
    assert "Chuối dẻo, ngọt vừa." in after and "Bình" in after
    assert "4.0 out of 5" in after and "1 review" in after
    assert "Publish review" not in after
    again = review(client, catalog.banana, "1", "Đổi ý")
    assert again.status_code == 409
    assert "already reviewed" in again.get_data(as_text=True)
    saved = db.session.scalars(sa.select(Review)).one()
    assert saved.stars == 4 and saved.order_part_id is not None


@pytest.mark.parametrize(
    ("stars", "text", "message"),
    [
        ("6", "Tốt", "Not a valid choice"),
        ("", "Tốt", "Choose from 1 to 5 stars"),
        ("5", "x" * 2001, "2000"),
    ],
)
def test_review_input_is_checked(app, catalog, stars, text, message):
    client = buyer_who_received(app, catalog.banana)
    response = review(client, catalog.banana, stars, text)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0


def test_the_text_is_escaped(app, catalog):
    client = buyer_who_received(app, catalog.banana)
    review(client, catalog.banana, "5", "<script>alert(1)</script>")
    html = page(client, catalog.banana)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_the_cooperative_replies_and_others_get_404(app, catalog):
    buyer = buyer_who_received(app, catalog.banana)
    review(buyer, catalog.banana, "3", "Hơi ngọt quá.")
    written = db.session.scalars(sa.select(Review)).one()

    account("tam@viba.vn", Role.MEMBER, catalog.viba)
    member = signed_in(app, "tam@viba.vn")
    assert "Reply from the cooperative" in page(member, catalog.banana)
    response = member.post(f"/reviews/{written.id}/reply", data={"reply": "Cảm ơn anh chị!"})
    assert response.status_code == 303
    html = page(buyer, catalog.banana)
    assert "Cảm ơn anh chị!" in html and "Reply from Hợp tác xã Chuối Viba" in html

    account("son@thaison.vn", Role.MEMBER, catalog.thai_son)
    other = signed_in(app, "son@thaison.vn")
    assert "Reply from the cooperative" not in page(other, catalog.banana)
    assert other.post(f"/reviews/{written.id}/reply", data={"reply": "Spam"}).status_code == 404
    assert buyer.post(f"/reviews/{written.id}/reply", data={"reply": "Tôi"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Review, written.id).reply == "Cảm ơn anh chị!"


def test_a_member_cannot_review_their_own_products(app, catalog):
    account("tam@viba.vn", Role.MEMBER, catalog.viba)
    member = signed_in(app, "tam@viba.vn")
    deliver(buy(member, catalog.banana))
    response = review(member, catalog.banana)
    assert response.status_code == 403
    assert "your own cooperative" in response.get_data(as_text=True)


def test_hidden_reviews_leave_the_page_and_the_average(app, catalog):
    happy = buyer_who_received(app, catalog.banana, "an@example.vn", "An")
    review(happy, catalog.banana, "5", "Tuyệt vời")
    angry = buyer_who_received(app, catalog.banana, "cuong@example.vn", "Cường")
    review(angry, catalog.banana, "2", "Lời lẽ xúc phạm")
    html = page(happy, catalog.banana)
    assert "3.5 out of 5" in html and "2 reviews" in html
    assert json_ld(html)["aggregateRating"]["ratingValue"] == 3.5

    rude = db.session.scalars(sa.select(Review).where(Review.stars == 2)).one()
    assert happy.post(f"/admin/reviews/{rude.id}/hide").status_code == 403
    account("office@ocop.vn", Role.ADMIN)
    office = signed_in(app, "office@ocop.vn")
    assert "Hide this review" in page(office, catalog.banana)
    response = office.post(
        f"/admin/reviews/{rude.id}/hide", data={"next": f"/products/{catalog.banana.slug}"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/products/{catalog.banana.slug}"

    html = page(happy, catalog.banana)
    assert "Lời lẽ xúc phạm" not in html and "Tuyệt vời" in html
    assert "5.0 out of 5" in html and "1 review" in html
    assert json_ld(html)["aggregateRating"] == {
        "@type": "AggregateRating",
        "ratingValue": 5.0,
        "reviewCount": 1,
        "bestRating": 5,
        "worstRating": 1,
    }
    listing = office.get("/admin/reviews").get_data(as_text=True)
    assert "Lời lẽ xúc phạm" in listing and ">Unhide<" in listing
    office.post(f"/admin/reviews/{rude.id}/show")
    assert "Lời lẽ xúc phạm" in page(happy, catalog.banana)


def test_aggregate_rating_only_with_visible_reviews(app, client, catalog):
    assert "aggregateRating" not in json_ld(page(client, catalog.banana))
    buyer = buyer_who_received(app, catalog.banana)
    review(buyer, catalog.banana, "4")
    data = json_ld(page(client, catalog.banana))
    assert data["aggregateRating"]["ratingValue"] == 4.0
    assert data["aggregateRating"]["reviewCount"] == 1
    assert data["@type"] == "Product"
    assert "aggregateRating" not in json_ld(page(client, catalog.tea))


def test_review_block_query_count_does_not_grow(app, client, catalog, count_queries):
    for n in range(2):
        buyer = buyer_who_received(app, catalog.banana, f"b{n}@example.vn", f"B{n}")
        review(buyer, catalog.banana, "5", f"Ngon {n}")
    with count_queries() as few:
        client.get(f"/products/{catalog.banana.slug}")
    for n in range(2, 6):
        buyer = buyer_who_received(app, catalog.banana, f"b{n}@example.vn", f"B{n}")
        review(buyer, catalog.banana, "4", f"Ngon {n}")
    with count_queries() as many:
        html = client.get(f"/products/{catalog.banana.slug}").get_data(as_text=True)
    assert "Ngon 5" in html
    assert len(many) == len(few)
