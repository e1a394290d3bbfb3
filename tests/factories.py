"""Small builders for test data; each flushes and returns the object."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from shop.clock import today, utcnow
from shop.extensions import db
from shop.models import Category, Certification, CertificationKind, Cooperative, OcopLevel, Product
from shop.services import demo, gs1, ratings

_seq = itertools.count(1)


def cooperative(**fields) -> Cooperative:
    n = next(_seq)
    values = {
        "name": f"Hợp tác xã Thử {n}",
        "slug": f"htx-thu-{n}",
        "province": "Phú Thọ",
        "commune": "Xã Liên Sơn",
        "address": "Xóm 1",
        "approved": True,
    } | fields
    coop = Cooperative(**values)
    db.session.add(coop)
    db.session.flush()
    return coop


def product(coop: Cooperative, category: Category, **fields) -> Product:
    n = next(_seq)
    values = {
        "cooperative": coop,
        "category": category,
        "slug": f"san-pham-{n}",
        "name_vi": f"Sản phẩm {n}",
        "name_en": f"Product {n}",
        "unit": "gói 500 g",
        "price": 100_000,
        "stock": 10,
        # The prefix leaves four digits: a run of the whole suite twice in one process
        # (mutmut's statistics, then its clean run) makes more products than that.
        "gtin": gs1.make_gtin14("89399999", n % 10_000),
        "label_origin": "Xã Liên Sơn, tỉnh Phú Thọ, Việt Nam",
        "label_net_quantity": "500 g",
        "label_ingredients": "Chuối tiêu hồng 100 %.",
        "label_storage_use": "Nơi khô ráo, thoáng mát.",
        "label_shelf_life": "6 tháng kể từ ngày sản xuất",
    } | fields
    item = Product(**values)
    db.session.add(item)
    db.session.flush()
    return item


def rate(item: Product, score: int, decided: date, level=OcopLevel.PROVINCIAL):
    return ratings.record_rating(
        item,
        score=score,
        level=level,
        council="Hội đồng OCOP tỉnh Phú Thọ",
        certificate_number=f"OCOP-T-{next(_seq)}",
        decision_date=decided,
    )


@dataclass
class DemoCatalog:
    categories: dict[str, Category]
    viba: Cooperative
    thai_son: Cooperative
    banana: Product
    tea: Product
    longan: Product
    herb: Product
    expired: Product


def demo_catalog() -> DemoCatalog:
    cats = demo.seed_categories()
    viba = cooperative(name="Hợp tác xã Chuối Viba", slug="viba", province="Phú Thọ")
    thai_son = cooperative(name="Hợp tác xã Thái Sơn", slug="thai-son", province="Lào Cai")
    recent = today() - timedelta(days=100)
    banana = product(
        viba,
        cats["processed-food"],
        name_vi="Chuối sấy dẻo Viba",
        name_en="Viba dried banana",
        slug="chuoi-say",
        price=85_000,
        description_vi="Chuối tiêu hồng sấy dẻo.",
    )
    rate(banana, 64, recent)
    tea = product(
        thai_son,
        cats["tea"],
        name_vi="Chè xanh Mỹ Tân",
        name_en="My Tan green tea",
        slug="che-my-tan",
        price=120_000,
        description_vi="Chè búp sao tay.",
    )
    rate(tea, 58, date(2019, 9, 12))
    rate(tea, 75, recent)
    longan = product(
        viba,
        cats["fresh-produce"],
        name_vi="Nhãn chín muộn",
        name_en="Late longan",
        slug="nhan",
        price=90_000,
        description_vi="Quả to, ngọt.",
    )
    herb = product(
        thai_son,
        cats["herbs"],
        name_vi="Cao xạ đen",
        name_en="Celastrus extract",
        slug="cao-xa-den",
        price=350_000,
        description_vi="Nấu từ cây xạ đen, giống chè.",
    )
    db.session.add(
        Certification(
            kind=CertificationKind.VIETGAP,
            number="VG-1",
            issuer="VietGAP",
            valid_from=recent,
            valid_to=recent + timedelta(days=900),
            cooperative=viba,
            verified_at=utcnow(),
        )
    )
    expired = product(
        viba, cats["spices"], name_vi="Muối ớt", name_en="Chilli salt", slug="muoi-ot", price=30_000
    )
    rate(expired, 95, date(2021, 1, 5), level=OcopLevel.NATIONAL)
    db.session.commit()
    return DemoCatalog(cats, viba, thai_son, banana, tea, longan, herb, expired)


def lot(item: Product, code: str = "L2611-A", **fields):
    """A lot with a harvest, a transformation and a packing event."""
    from datetime import datetime, time

    from shop.clock import VIETNAM
    from shop.models import BizStep
    from shop.services import tracing

    packed = today() - timedelta(days=5)
    values = {
        "produced_on": packed - timedelta(days=2),
        "packed_on": packed,
        "best_before": packed + timedelta(days=180),
        "quantity": 120,
        "area_name": "Đồi chè Mỹ Tân",
        "area_commune": "Xã Cao Dương",
        "area_province": "Phú Thọ",
    } | fields
    batch = tracing.create_lot(item, code, **values)
    moments = [datetime.combine(packed - timedelta(days=d), time(7), VIETNAM) for d in (2, 1, 0)]
    tracing.add_event(
        batch,
        BizStep.HARVESTING,
        moments[0],
        place="Đồi chè",
        description_vi="Hái chè búp",
        description_en="Buds picked",
    )
    tracing.add_event(
        batch,
        BizStep.PROCESSING,
        moments[1],
        is_transformation=True,
        input_description="Chè búp tươi",
        place="Xưởng chè",
    )
    tracing.add_event(batch, BizStep.PACKING, moments[2], place="Xưởng chè")
    db.session.commit()
    return batch


PASSWORD = "mat-khau-rat-dai"


def user(role="customer", cooperative=None, email=None, name="Người Dùng"):
    """An account with the test password (sign in with ``sign_in``)."""
    from shop.models import Role
    from shop.services import accounts

    account = accounts.register(
        email or f"user{next(_seq)}@example.vn",
        PASSWORD,
        name,
        role=Role(role),
        cooperative=cooperative,
    )
    db.session.commit()
    return account


def sign_in(client, account, password=PASSWORD, **extra):
    return client.post(
        "/account/login", data={"email": account.email, "password": password} | extra
    )


def checkout_key() -> str:
    """A fresh one-time key, as the checkout form carries (one per form shown)."""
    import secrets

    return secrets.token_urlsafe(24)


# What a buyer types at checkout (add "payment_method" and a fresh "checkout_key").
CHECKOUT_FORM = {
    "full_name": "Nguyễn Văn An",
    "phone": "0912 345 678",
    "email": "an@example.vn",
    "province": "ho_chi_minh",
    "ward": "phuong ben thanh",
    "street": "12 Lê Lợi",
    "agree": "y",  # the terms and privacy policy
}
