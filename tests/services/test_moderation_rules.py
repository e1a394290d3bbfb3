"""Take-downs, by the shop's rules: the office hides a listing or suspends a cooperative only
with a reason the seller reads; the seller is told by email and on the channels its owner
chose; every action is a row of the moderation log, newest first; a refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from shop.extensions import db
from shop.models import ModerationAction, ModerationEntry, OutboxMessage
from shop.services import moderation
from shop.services.errors import Conflict, InvalidInput
from tests import factories
from tests.services.test_refusals import refused

A = ModerationAction
GIVE_REASON = "Give the reason; the seller will read it."


@pytest.fixture
def office():
    return factories.user("admin", name="Văn phòng OCOP")


@pytest.fixture
def seller(catalog):
    """Viba with a shop email, and an owner who chose Zalo on their phone."""
    catalog.viba.email = "viba@example.vn"
    owner = factories.user("member", cooperative=catalog.viba, email="chu@viba.vn")
    owner.is_owner, owner.phone, owner.notify_zalo = True, "0912000111", True
    catalog.thai_son.email = "thaison@example.vn"
    db.session.commit()
    return catalog.viba


def entries() -> list[tuple]:
    return [
        (e.action, e.cooperative_id, e.product_id, e.reason, e.by_id)
        for e in db.session.scalars(sa.select(ModerationEntry).order_by(ModerationEntry.id))
    ]


def told(to: str) -> list[tuple[str, str]]:
    """(subject, body before the unsubscribe footer) of each email queued to ``to``."""
    found = []
    for message in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)):
        if message.kind == "email" and message.payload["to"] == to:
            found.append((message.payload["subject"], message.payload["body"].split("\n\n-- ")[0]))
    return found


def on_zalo() -> list[dict]:
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == "notify.zalo")
    return [m.payload for m in db.session.scalars(query.order_by(OutboxMessage.id))]


def product_list_link() -> str:
    return current_app.config["PUBLIC_BASE_URL"] + "/coop/products"


def messages_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))


# --- Taking a listing down and putting it back ---------------------------------------------


def test_a_listing_taken_down_leaves_sale_is_logged_and_the_seller_is_told_why(
    catalog, seller, office
):
    item = catalog.longan
    moderation.take_down(item, "  Nhãn ghi sai\n  khối lượng  ", office)
    reason = "Nhãn ghi sai khối lượng"
    assert (item.active, item.taken_down_reason) == (False, reason)
    assert item.taken_down_at is not None
    assert entries() == [(A.TAKE_DOWN, seller.id, item.id, reason, office.id)]
    text = f"Văn phòng OCOP đã gỡ Nhãn chín muộn (gói 500 g). Lý do: {reason}"
    assert told("viba@example.vn") == [
        (
            "Sản phẩm Nhãn chín muộn (gói 500 g) bị gỡ khỏi Chợ OCOP",
            f"{text}\n\n{product_list_link()}",
        )
    ]
    assert on_zalo() == [
        {"phone": "0912000111", "event": "moderation", "text": text, "link": product_list_link()}
    ]
    assert told("thaison@example.vn") == []


def test_a_listing_already_taken_down_cannot_be_taken_down_again(catalog, seller, office):
    moderation.take_down(catalog.banana, "Hàng giả", office)
    taken_at, sent = catalog.banana.taken_down_at, messages_count()
    refused(
        Conflict,
        lambda: moderation.take_down(catalog.banana, "Lý do khác", office),
        "This listing is already taken down.",
    )
    assert (catalog.banana.taken_down_at, catalog.banana.taken_down_reason) == (
        taken_at,
        "Hàng giả",
    )
    assert [e[0] for e in entries()] == [A.TAKE_DOWN]
    assert messages_count() == sent


@pytest.mark.parametrize("reason", ["", "   \n\t ", None])
def test_a_take_down_without_a_reason_is_refused_and_changes_nothing(
    catalog, seller, office, reason
):
    refused(InvalidInput, lambda: moderation.take_down(catalog.banana, reason, office), GIVE_REASON)
    assert (catalog.banana.active, catalog.banana.taken_down_at) == (True, None)
    assert entries() == [] and messages_count() == 0


def test_a_reason_is_kept_to_five_hundred_characters(catalog, seller, office):
    moderation.take_down(catalog.banana, "a" * 500, office)
    moderation.take_down(catalog.longan, "b" * 501, office)
    assert [len(e[3]) for e in entries()] == [500, 500]
    assert catalog.longan.taken_down_reason == "b" * 500


def test_a_restored_listing_is_on_sale_again_logged_and_the_seller_told(catalog, seller, office):
    item = catalog.banana
    moderation.take_down(item, "Nhãn sai", office)
    moderation.restore(item, "  Đã sửa   nhãn ", office)
    assert (item.active, item.taken_down_at, item.taken_down_reason) == (True, None, "")
    assert entries() == [
        (A.TAKE_DOWN, seller.id, item.id, "Nhãn sai", office.id),
        (A.RESTORE, seller.id, item.id, "Đã sửa nhãn", office.id),
    ]
    assert told("viba@example.vn")[1] == (
        "Sản phẩm Chuối sấy dẻo Viba (gói 500 g) được bán lại",
        "Văn phòng OCOP đã cho bán lại Chuối sấy dẻo Viba (gói 500 g). Đã sửa nhãn"
        f"\n\n{product_list_link()}",
    )
    assert [p["text"] for p in on_zalo()][1] == (
        "Văn phòng OCOP đã cho bán lại Chuối sấy dẻo Viba (gói 500 g). Đã sửa nhãn"
    )


def test_a_listing_its_cooperative_had_taken_off_sale_stays_off_sale_when_restored(
    catalog, seller, office
):
    item = catalog.banana
    item.active = False
    moderation.take_down(item, "Nhãn sai", office)
    moderation.restore(item, "Đã sửa nhãn", office)
    assert (item.active, item.taken_down_at, item.taken_down_reason) == (False, None, "")
    text = (
        "Văn phòng OCOP đã bỏ lệnh gỡ Chuối sấy dẻo Viba (gói 500 g). Sản phẩm vẫn ngừng bán "
        "như hợp tác xã đã chọn; hợp tác xã có thể mở bán lại khi muốn. Đã sửa nhãn"
    )
    assert told("viba@example.vn")[1] == (
        "Sản phẩm Chuối sấy dẻo Viba (gói 500 g) không còn bị gỡ",
        f"{text}\n\n{product_list_link()}",
    )
    assert [p["text"] for p in on_zalo()][1] == text

    # Taken down again while on sale, it goes back on sale: each take-down keeps its own.
    item.active = True
    moderation.take_down(item, "Nhãn sai", office)
    moderation.restore(item, "Đã sửa", office)
    assert item.active is True


def test_only_a_listing_taken_down_can_be_restored(catalog, seller, office):
    refused(
        Conflict,
        lambda: moderation.restore(catalog.banana, "Cho bán lại", office),
        "This listing is not taken down.",
    )
    moderation.take_down(catalog.banana, "Nhãn sai", office)
    refused(InvalidInput, lambda: moderation.restore(catalog.banana, " ", office), GIVE_REASON)
    assert catalog.banana.active is False
    assert [e[0] for e in entries()] == [A.TAKE_DOWN]


def test_the_take_down_list_holds_only_listings_taken_down_latest_first(catalog, seller, office):
    moderation.take_down(catalog.banana, "Nhãn sai", office)
    moderation.take_down(catalog.tea, "Hàng giả", office)
    moderation.take_down(catalog.longan, "Hết hạn", office)
    catalog.longan.taken_down_at = catalog.banana.taken_down_at - timedelta(hours=1)
    catalog.tea.taken_down_at = catalog.banana.taken_down_at + timedelta(hours=1)
    moderation.restore(catalog.longan, "Đã sửa", office)
    moderation.take_down(catalog.longan, "Lại sai", office)
    catalog.longan.taken_down_at = catalog.banana.taken_down_at - timedelta(hours=2)
    db.session.commit()
    db.session.expunge_all()
    listed = moderation.taken_down()
    assert [(p.name_vi, p.cooperative.name) for p in listed] == [
        ("Chè xanh Mỹ Tân", "Hợp tác xã Thái Sơn"),
        ("Chuối sấy dẻo Viba", "Hợp tác xã Chuối Viba"),
        ("Nhãn chín muộn", "Hợp tác xã Chuối Viba"),
    ]


# --- Suspending a cooperative ---------------------------------------------------------------


def test_a_suspension_stops_the_cooperative_is_logged_and_the_seller_told(seller, office):
    moderation.suspend(seller, "  Bán   hàng giả ", office)
    assert (seller.approved, seller.suspended_reason) == (False, "Bán hàng giả")
    assert entries() == [(A.SUSPEND, seller.id, None, "Bán hàng giả", office.id)]
    text = "Văn phòng OCOP tạm ngừng Hợp tác xã Chuối Viba. Lý do: Bán hàng giả"
    assert told("viba@example.vn") == [
        ("Gian hàng bị tạm ngừng", f"{text}\n\n{product_list_link()}")
    ]
    assert on_zalo() == [
        {"phone": "0912000111", "event": "moderation", "text": text, "link": product_list_link()}
    ]


def test_a_suspension_without_a_reason_is_refused_and_the_cooperative_keeps_selling(seller, office):
    refused(InvalidInput, lambda: moderation.suspend(seller, "  ", office), GIVE_REASON)
    assert (seller.approved, seller.suspended_at) == (True, None)
    assert entries() == [] and messages_count() == 0


def test_a_reinstated_cooperative_sells_again_is_logged_and_told(seller, office):
    moderation.suspend(seller, "Bán hàng giả", office)
    moderation.reinstate(seller, office)
    assert (seller.approved, seller.suspended_at, seller.suspended_reason) == (True, None, "")
    assert entries() == [
        (A.SUSPEND, seller.id, None, "Bán hàng giả", office.id),
        (A.REINSTATE, seller.id, None, "reinstated", office.id),
    ]
    text = "Văn phòng OCOP cho Hợp tác xã Chuối Viba bán trở lại."
    assert told("viba@example.vn")[1] == (
        "Gian hàng hoạt động trở lại",
        f"{text}\n\n{product_list_link()}",
    )
    assert on_zalo()[1] == {
        "phone": "0912000111",
        "event": "moderation",
        "text": text,
        "link": product_list_link(),
    }


# --- The log ----------------------------------------------------------------------------------


def test_the_log_shows_the_two_hundred_newest_actions_newest_first(catalog, office):
    db.session.add_all(
        ModerationEntry(
            action=A.SUSPEND, cooperative_id=catalog.viba.id, reason=f"#{n}", by_id=office.id
        )
        for n in range(201)
    )
    db.session.flush()
    shown = moderation.log()
    assert len(shown) == 200
    assert [shown[0].reason, shown[1].reason, shown[-1].reason] == ["#200", "#199", "#1"]
    assert [e.reason for e in moderation.log(limit=3)] == ["#200", "#199", "#198"]
