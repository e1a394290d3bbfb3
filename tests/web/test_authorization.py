"""Every route of /coop/ and /admin/ against every kind of visitor.

Routes are read from the app's URL map, so a new route is checked the day it is added;
a route whose URL needs a value this test does not know fails loudly.
"""

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.models import (
    BankAccount,
    Certification,
    CertificationKind,
    Complaint,
    ComplaintPhoto,
    ComplaintReason,
    ComplaintStatus,
    CooperativePhoto,
    LabelRun,
    LabelRunState,
    OcopRating,
    Order,
    PhotoUpload,
    ProductImage,
    Provider,
    Recall,
    Refund,
    RefundState,
    Remedy,
    Review,
)
from shop.services import orders, outbox, tracing
from shop.services.pricing import DeliveryRule
from tests import factories
from tests.factories import sign_in

VISITORS = ("anonymous", "customer", "member_a", "member_b", "admin")
ACTIONS = {
    "/coop/": {"action": "prepare", "change": "describe"},
    "/admin/": {"action": "hide", "decision": "refuse", "step": "restore"},
}


@pytest.fixture
def world(catalog, app, tmp_path):
    """Cooperative A (Viba) with a product, a lot, an order part and a rating; B (Thái Sơn)."""
    lot = factories.lot(catalog.banana, code="A-LOT")
    order = orders.place_order(
        {catalog.banana.id: 1},
        orders.Delivery("Khách", "0912345678", "k@example.vn", "Hà Nội", "Phường Ba Đình", "1 Phố"),
        orders.PaymentMethod.VIETQR,
        DeliveryRule(),
        {"vietqr": 60},
    )
    db.session.commit()
    first_part = order.parts[0]
    accounts = {
        "customer": factories.user("customer"),
        "member_a": factories.user("member", cooperative=catalog.viba),
        "member_b": factories.user("member", cooperative=catalog.thai_son),
        "admin": factories.user("admin"),
    }
    review = Review(
        product_id=catalog.banana.id, user_id=accounts["customer"].id, stars=5, text="Ngon"
    )
    db.session.add(review)
    refund = Refund(order=order, amount=1000, provider=Provider.VIETQR, state=RefundState.OWED)
    db.session.add(refund)
    message = outbox.enqueue("email", to="k@example.vn", subject="s", body="b")
    app.config["LABEL_DIR"] = str(tmp_path)
    (tmp_path / "run.pdf").write_bytes(b"%PDF-1.4 labels")
    run = LabelRun(lot=lot, count=300, state=LabelRunState.READY, path="run.pdf")
    db.session.add(run)
    recalled = factories.lot(catalog.banana, "L-RECALL")
    recall = Recall(lot=recalled, reason="Hỏng", instructions="Không dùng", contact="0912")
    db.session.add(recall)
    coop_photo = CooperativePhoto(cooperative_id=catalog.viba.id, path="img/place.webp")
    certificate = Certification(
        kind=CertificationKind.ORGANIC,
        number="HC-1",
        issuer="QUACERT",
        valid_from=recalled.created_at.date(),
        cooperative=catalog.viba,
        document_path="d-test.pdf",
    )
    account = BankAccount(
        cooperative=catalog.viba, bank_bin="970436", account_number="123456789", account_name="A"
    )
    photo = ProductImage(product=catalog.banana, path="img/demo.webp")
    unreadable = PhotoUpload(product=catalog.banana, data=b"", failed=True)
    app.config["COMPLAINT_PHOTO_DIR"] = str(tmp_path)
    (tmp_path / "k-test.webp").write_bytes(b"RIFF....WEBP")
    complaint = Complaint(
        part=first_part,
        reason=ComplaintReason.DAMAGED,
        remedy=Remedy.REFUND,
        message="Hỏng",
        amount=1000,
        status=ComplaintStatus.OPEN,
        photos=[ComplaintPhoto(path="k-test.webp")],
    )
    db.session.add_all([certificate, account, photo, unreadable, coop_photo, complaint])
    # Owners reach every page of their dashboard (staff may not change the bank account).
    accounts["member_a"].is_owner = accounts["member_b"].is_owner = True
    db.session.commit()
    rating = db.session.scalars(
        sa.select(OcopRating).where(OcopRating.product_id == catalog.banana.id)
    ).first()
    values = {
        "product_id": catalog.banana.id,
        "lot_id": lot.id,
        "part_id": order.parts[0].id,
        "cooperative_id": catalog.viba.id,
        "coop_id": catalog.viba.id,
        "order_id": order.id,
        "user_id": accounts["customer"].id,
        "rating_id": rating.id,
        "number": order.number,
        "review_id": review.id,
        "refund_id": refund.id,
        "message_id": message.id,
        "run_id": run.id,
        "recall_id": recall.id,
        "certificate_id": certificate.id,
        "account_id": account.id,
        "photo_id": photo.id,
        "upload_id": unreadable.id,
        "coop_photo_id": coop_photo.id,
        "complaint_id": complaint.id,
        "complaint_photo_id": complaint.photos[0].id,
        "month": "2026-12",
        "slug": "terms",
        "gtin": catalog.banana.gtin,
        "lot_code": lot.code,
    }
    return accounts, values


def routes(app, prefix: str):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def url_for_rule(app, rule, values) -> str:
    missing = rule.arguments - values.keys()
    assert not missing, f"{rule.rule}: the matrix needs a value for {missing}"
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, {name: values[name] for name in rule.arguments})


def expected(visitor: str, prefix: str, rule) -> set[int]:
    if visitor == "anonymous":
        return {302}
    owner = "member_a" if prefix == "/coop/" else "admin"
    if visitor == owner:
        return {200, 302, 303, 400, 409}
    if visitor == "member_b" and prefix == "/coop/":
        # B reaches its own lists and statements; A's objects do not exist for B.
        return {404} if rule.arguments - {"action", "change", "month"} else {200, 302, 303, 400}
    return {403}


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("prefix", ["/coop/", "/admin/"])
def test_authorization_matrix(app, client, world, visitor, prefix):
    accounts, values = world
    if visitor != "anonymous":
        assert sign_in(client, accounts[visitor]).status_code == 302
    checked = []
    for rule, method in routes(app, prefix):
        url = url_for_rule(app, rule, values | ACTIONS[prefix])
        response = client.open(url, method=method, data={})
        allowed = expected(visitor, prefix, rule)
        assert response.status_code in allowed, f"{visitor} {method} {url}: {response.status_code}"
        if visitor == "anonymous":
            assert "/account/login?next=" in response.headers["Location"]
        checked.append(url)
    assert len(checked) >= (8 if prefix == "/coop/" else 1)


def test_member_b_cannot_reach_a_through_form_fields(client, world, catalog):
    accounts, values = world
    sign_in(client, accounts["member_b"])
    # Hidden ids in forms lead nowhere either: the stock form of A's product, by its id.
    response = client.post(f"/coop/products/{values['product_id']}/stock", data={"stock": "0"})
    assert response.status_code == 404
    db.session.expire_all()
    assert catalog.banana.stock > 0
    lot = tracing.lot_of(catalog.banana, "A-LOT")
    assert client.post(f"/coop/lots/{lot.id}/labels", data={"count": "1"}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 1
