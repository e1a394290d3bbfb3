"""What a person may take away of their own data (Law 91/2025/QH15), as JSON and as CSV.

The export holds their account, every order placed with the account or with its email (a
guest order typed in capitals too), each parcel with its lines, their reviews, cart and
consents, and each time the office looked at their data, newest first. Nothing of another
person's is in it, lists keep the order things happened in, and the CSV is safe to open in a
spreadsheet."""

from __future__ import annotations

import csv
import io
import json

from shop.extensions import db
from shop.models import (
    CartItem,
    ConsentPurpose,
    Order,
    PartStatus,
    PaymentMethod,
    Review,
    User,
)
from shop.services import accounts, consents, orders, personal_data
from tests import factories
from tests.services.test_orders import HOLDS, RULE


def customer(email: str, name: str) -> User:
    """A customer with a phone who chose every channel."""
    person = factories.user(email=email, name=name)
    accounts.set_notifications(person, "0912 345 678", email=True, zalo=True, sms=True)
    db.session.commit()
    return person


def delivery_to(email: str, note: str = "") -> orders.Delivery:
    return orders.Delivery(
        "Nguyễn Thị Lan", "0912345678", email, "Hà Nội", "Phường Ba Đình", "1 Hùng Vương", note
    )


def order_of(items: dict, email: str, user: User | None = None, note: str = "") -> Order:
    order = orders.place_order(
        items,
        delivery_to(email, note),
        PaymentMethod.COD,
        RULE,
        HOLDS,
        user_id=user.id if user else None,
    )
    db.session.commit()
    return order


def part_of(order: Order, coop) -> object:
    return next(part for part in order.parts if part.cooperative_id == coop.id)


def address() -> dict:
    return {"street": "1 Hùng Vương", "ward": "Phường Ba Đình", "province": "Hà Nội"}


def order_summary(order: Order, email: str, note: str, total: int, parcels: list) -> dict:
    return {
        "number": order.number,
        "placed_at": order.placed_at.isoformat(),
        "full_name": "Nguyễn Thị Lan",
        "phone": "0912345678",
        "email": email,
        "address": address(),
        "note": note,
        "payment_method": "cod",
        "payment_status": "on_delivery",
        "total_vnd": total,
        "parcels": parcels,
    }


def banana_line(quantity: int) -> dict:
    return {
        "name": "Chuối sấy dẻo Viba",
        "unit": "gói 500 g",
        "quantity": quantity,
        "unit_price_vnd": 85_000,
    }


def tea_line(quantity: int) -> dict:
    return {
        "name": "Chè xanh Mỹ Tân",
        "unit": "gói 500 g",
        "quantity": quantity,
        "unit_price_vnd": 120_000,
    }


def a_buyer_with_a_history(catalog):
    """Lan, her orders, reviews, cart, consents and the office's looks; Hoa's beside them."""
    lan = customer("lan@example.vn", "Nguyễn Thị Lan")
    hoa = customer("hoa@example.vn", "Trần Thị Hoa")
    office = factories.user("admin")

    mine = order_of({catalog.banana.id: 2, catalog.tea.id: 1}, "lan@example.vn", lan, "Gọi trước")
    shipped = part_of(mine, catalog.thai_son)
    shipped.status, shipped.carrier, shipped.tracking_number = PartStatus.SHIPPED, "GHN", "GHN123"
    as_guest = order_of({catalog.tea.id: 3}, "LAN@Example.VN")
    theirs = order_of({catalog.banana.id: 1}, "hoa@example.vn", hoa)

    db.session.add_all(
        [
            Review(product=catalog.tea, user=lan, stars=4, text="Thơm"),
            Review(product=catalog.banana, user=lan, stars=5, text="Ngon"),
            Review(product=catalog.banana, user=hoa, stars=1, text="Dở"),
            CartItem(user_id=lan.id, product_id=catalog.longan.id, quantity=3),
            CartItem(user_id=hoa.id, product_id=catalog.herb.id, quantity=9),
            CartItem(user_id=lan.id, product_id=catalog.banana.id, quantity=1),
        ]
    )
    terms = consents.record(ConsentPurpose.TERMS, "lan@example.vn", "checkout", order=mine)
    news = consents.record(ConsentPurpose.MARKETING, "Lan@Example.vn", "registration", user=lan)
    consents.record(ConsentPurpose.MARKETING, "hoa@example.vn", "registration", user=hoa)
    consents.withdraw_marketing("lan@example.vn")
    personal_data.log_access(office, "account", subject=lan)
    personal_data.log_access(office, "order", order=as_guest)
    personal_data.log_access(office, "order", order=theirs)
    personal_data.log_access(office, "account", subject=hoa)
    db.session.commit()
    return lan, mine, as_guest, terms, news


def test_the_export_holds_everything_of_the_person_and_nothing_of_anyone_else(catalog):
    lan, mine, as_guest, terms, news = a_buyer_with_a_history(catalog)
    reviews = sorted(lan_reviews(lan), key=lambda review: review.id)
    views = personal_data.accesses_of(lan)

    assert personal_data.export(lan) == {
        "account": {
            "email": "lan@example.vn",
            "name": "Nguyễn Thị Lan",
            "phone": "0912345678",
            "language": "vi",
            "role": "customer",
            "created_at": lan.created_at.isoformat(),
            "notifications": ["email", "sms", "zalo"],
        },
        "orders": [
            order_summary(
                mine,
                "lan@example.vn",
                "Gọi trước",
                2 * 85_000 + 120_000 + 2 * 25_000,
                [
                    parcel("confirmed", "", "", [banana_line(2)]),
                    parcel("shipped", "GHN", "GHN123", [tea_line(1)]),
                ],
            ),
            order_summary(
                as_guest,
                "LAN@Example.VN",
                "",
                3 * 120_000 + 25_000,
                [parcel("confirmed", "", "", [tea_line(3)])],
            ),
        ],
        "reviews": [
            {
                "product_id": catalog.tea.id,
                "stars": 4,
                "text": "Thơm",
                "created_at": reviews[0].created_at.isoformat(),
            },
            {
                "product_id": catalog.banana.id,
                "stars": 5,
                "text": "Ngon",
                "created_at": reviews[1].created_at.isoformat(),
            },
        ],
        "cart": [
            {"product_id": catalog.longan.id, "quantity": 3},
            {"product_id": catalog.banana.id, "quantity": 1},
        ],
        "consents": [
            {
                "purpose": "terms",
                "policies": "terms v1, privacy v1",
                "source": "checkout",
                "given_at": terms.given_at.isoformat(),
                "withdrawn_at": None,
            },
            {
                "purpose": "marketing",
                "policies": "terms v1, privacy v1",
                "source": "registration",
                "given_at": news.given_at.isoformat(),
                "withdrawn_at": news.withdrawn_at.isoformat(),
            },
        ],
        "viewed_by_the_office": [
            {"what": "order", "at": views[0].at.isoformat()},
            {"what": "account", "at": views[1].at.isoformat()},
        ],
    }
    assert [view.order_id for view in views] == [as_guest.id, None]


def lan_reviews(lan: User) -> list[Review]:
    return list(db.session.query(Review).filter_by(user_id=lan.id))


def parcel(status: str, carrier: str, tracking: str, lines: list[dict]) -> dict:
    return {"status": status, "carrier": carrier, "tracking_number": tracking, "lines": lines}


def test_a_person_with_nothing_yet_exports_an_empty_history():
    quiet = factories.user(email="an@example.vn", name="An")

    assert personal_data.export(quiet) == {
        "account": {
            "email": "an@example.vn",
            "name": "An",
            "phone": "",
            "language": "vi",
            "role": "customer",
            "created_at": quiet.created_at.isoformat(),
            "notifications": ["email"],
        },
        "orders": [],
        "reviews": [],
        "cart": [],
        "consents": [],
        "viewed_by_the_office": [],
    }


def test_the_json_export_is_readable_vietnamese_indented_by_two():
    person = factories.user(email="an@example.vn", name="Nguyễn Văn An")

    text = personal_data.export_json(person)

    assert json.loads(text) == personal_data.export(person)
    assert text.startswith(
        '{\n  "account": {\n    "email": "an@example.vn",\n    "name": "Nguyễn Văn An",\n'
    )
    assert text.endswith('\n  "viewed_by_the_office": []\n}')


def csv_rows(person: User) -> list[list[str]]:
    return list(csv.reader(io.StringIO(personal_data.export_csv(person))))


def test_the_csv_export_is_one_field_a_row_with_its_path(catalog):
    person = factories.user(email="an@example.vn", name="=HYPERLINK(1)")
    news = consents.record(ConsentPurpose.MARKETING, "an@example.vn", "account", user=person)
    db.session.add(CartItem(user_id=person.id, product_id=catalog.tea.id, quantity=2))
    db.session.commit()

    assert csv_rows(person) == [
        ["field", "value"],
        ["account.email", "an@example.vn"],
        ["account.name", "'=HYPERLINK(1)"],
        ["account.phone", ""],
        ["account.language", "vi"],
        ["account.role", "customer"],
        ["account.created_at", person.created_at.isoformat()],
        ["account.notifications[0]", "email"],
        ["cart[0].product_id", str(catalog.tea.id)],
        ["cart[0].quantity", "2"],
        ["consents[0].purpose", "marketing"],
        ["consents[0].policies", "terms v1, privacy v1"],
        ["consents[0].source", "account"],
        ["consents[0].given_at", news.given_at.isoformat()],
        ["consents[0].withdrawn_at", ""],
    ]


def test_the_csv_export_names_each_parcel_and_line_by_its_place(catalog):
    person = factories.user(email="an@example.vn", name="An")
    order_of({catalog.banana.id: 1, catalog.tea.id: 2}, "an@example.vn", person)

    fields = dict(row for row in csv_rows(person)[1:] if row[0].startswith("orders[0].parcels"))

    assert sorted(fields) == sorted(
        f"orders[0].parcels[{n}].{field}"
        for n in (0, 1)
        for field in (
            "status",
            "carrier",
            "tracking_number",
            "lines[0].name",
            "lines[0].unit",
            "lines[0].quantity",
            "lines[0].unit_price_vnd",
        )
    )
    assert {fields[f"orders[0].parcels[{n}].lines[0].name"] for n in (0, 1)} == {
        "Chuối sấy dẻo Viba",
        "Chè xanh Mỹ Tân",
    }


def numbers_exported(person: User) -> list[str]:
    return [order["number"] for order in personal_data.export(person)["orders"]]


def test_orders_of_the_account_are_exported_whatever_email_they_were_placed_with(catalog):
    lan = factories.user(email="lan@example.vn")
    hoa = factories.user(email="hoa@example.vn")
    before_the_change = order_of({catalog.banana.id: 1}, "lan.old@example.vn", lan)
    as_guest = order_of({catalog.tea.id: 1}, "lan@example.vn")
    with_hoa_s_email = order_of({catalog.tea.id: 1}, "hoa@example.vn", lan)
    order_of({catalog.tea.id: 1}, "hoa@example.vn", hoa)

    before_the_change.note = "Giao giờ hành chính"  # changed after the others were placed
    db.session.commit()

    assert numbers_exported(lan) == [
        before_the_change.number,
        as_guest.number,
        with_hoa_s_email.number,
    ]
