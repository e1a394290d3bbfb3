"""Loading demo data: idempotent for the named cooperatives, bulk for synthetic scale data."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from shop import demo_data
from shop.clock import VIETNAM, today, utcnow
from shop.extensions import db
from shop.models import (
    BizStep,
    Category,
    Certification,
    CertificationKind,
    Cooperative,
    CooperativeKind,
    Lot,
    OcopLevel,
    OcopRating,
    Product,
    Unit,
)
from shop.services import gs1, ratings, recalls, tracing
from shop.services.text import fold
from shop.services.weights import grams_from_unit

SYNTHETIC_SLUG_PREFIX = "sp-"
SYNTHETIC_COOPERATIVES = 60
BATCH = 5000


def seed_categories() -> dict[str, Category]:
    """Create the OCOP group tree if missing; return categories by slug."""
    existing = {c.slug: c for c in db.session.scalars(sa.select(Category))}
    for position, (slug, parent, name_vi, name_en) in enumerate(demo_data.CATEGORIES):
        if slug not in existing:
            existing[slug] = Category(
                slug=slug,
                name_vi=name_vi,
                name_en=name_en,
                position=position,
                parent=existing[parent] if parent else None,
            )
            db.session.add(existing[slug])
    db.session.flush()
    return existing


# The demo data's dates are written as of this day. Seeding moves them by the days since,
# so the demo looks the same whenever it is seeded: the same ratings valid, expiring soon
# or lapsed, the same certificates current. (Fixed dates would lapse one day by themselves.)
DEMO_WRITTEN_ON = date(2026, 11, 30)


def demo_date(written: str) -> date:
    """A date of the demo data, moved forward by the days since it was written."""
    return date.fromisoformat(written) + (today() - DEMO_WRITTEN_ON)


def _certification(kind, number, issuer, valid_from, valid_to) -> Certification:
    return Certification(
        kind=CertificationKind(kind),
        number=number,
        issuer=issuer,
        valid_from=demo_date(valid_from),
        valid_to=demo_date(valid_to) if valid_to else None,
        verified_at=utcnow(),
    )


def _label(slug: str, coop: Cooperative) -> dict[str, str]:
    """What a demo product's label says (nothing for a tourism service)."""
    if slug not in demo_data.LABELS:
        return {}
    net, ingredients, storage, shelf_life = demo_data.LABELS[slug]
    return {
        "label_origin": f"{coop.address}, Việt Nam",
        "label_net_quantity": net,
        "label_ingredients": ingredients,
        "label_storage_use": storage,
        "label_shelf_life": shelf_life,
    }


def seed_cooperative(data: dict, categories: dict[str, Category], age_days: int) -> Cooperative:
    """Create one demo cooperative with its products and ratings, unless it exists."""
    coop = db.session.scalar(sa.select(Cooperative).where(Cooperative.slug == data["slug"]))
    if coop is not None:
        return coop
    fields = {
        k: v for k, v in data.items() if k not in ("prefix", "certifications", "products", "kind")
    }
    coop = Cooperative(
        **fields,
        kind=CooperativeKind(data["kind"]),
        approved=True,
        # A made-up 10-digit registration number, unique per demo cooperative.
        registration_number=f"5{data['prefix'][2:]}001",
    )
    coop.certifications = [_certification(*c) for c in data["certifications"]]
    db.session.add(coop)
    for index, row in enumerate(data["products"], start=1):
        slug, cat, name_vi, name_en, unit, price, stock, desc_vi, desc_en, history = row
        product = Product(
            cooperative=coop,
            category=categories[cat],
            slug=slug,
            name_vi=name_vi,
            name_en=name_en,
            unit=unit,
            weight_grams=grams_from_unit(unit),
            price=price,
            stock=stock,
            description_vi=desc_vi,
            description_en=desc_en,
            gtin=gs1.make_gtin14(data["prefix"], index),
            created_at=utcnow() - timedelta(days=age_days + index),
            **_label(slug, coop),
        )
        db.session.add(product)
        for number, (score, level, decided) in enumerate(history, start=1):
            council = "Trung ương" if level == "national" else f"tỉnh {coop.province}"
            ratings.record_rating(
                product,
                score=score,
                level=OcopLevel(level),
                council=f"Hội đồng đánh giá OCOP {council}",
                certificate_number=f"OCOP-{decided[:4]}-{data['prefix'][-4:]}{index}{number}",
                decision_date=demo_date(decided),
            )
    db.session.flush()
    return coop


def seed_demo() -> int:
    """Load the demo catalog; returns how many cooperatives were checked."""
    categories = seed_categories()
    for age, data in enumerate(demo_data.COOPERATIVES):
        coop = seed_cooperative(data, categories, age_days=age * 7)
        for product in coop.products:
            seed_lot(product, data["commune"], data["province"])
    _seed_special_lots()
    db.session.flush()
    return len(demo_data.COOPERATIVES)


def _journey(product: Product) -> str:
    slug = product.category.slug
    if slug == "tea":
        return "tea"
    if slug in ("fresh-produce",):
        return "fruit"
    if product.category.group.slug in ("handicrafts", "ornamental", "tourism"):
        return "craft"
    return "processed"


def seed_lot(
    product: Product, commune: str, province: str, packed_days_ago: int = 20
) -> Lot | None:
    """One lot with a realistic journey, unless the product already has lots."""
    if db.session.scalar(sa.select(Lot.id).where(Lot.product_id == product.id).limit(1)):
        return None
    packed = today() - timedelta(days=packed_days_ago)
    initials = "".join(word[0] for word in product.slug.split("-"))[:4].upper()
    code = f"{initials}-{packed:%y%m%d}"
    lot = tracing.create_lot(
        product,
        code,
        packed_on=packed,
        produced_on=packed - timedelta(days=2),
        best_before=packed + timedelta(days=365),
        quantity=200,
        area_name=f"Vùng trồng {commune.removeprefix('Xã ')}",
        area_commune=commune,
        area_province=province,
        latitude=Decimal("20.85") + Decimal(product.id % 50) / 100,
        longitude=Decimal("105.50") + Decimal(product.id % 30) / 100,
    )
    lot.certifications = list(product.cooperative.certifications)
    for step, offset, hour, text_vi, text_en, material in demo_data.JOURNEYS[_journey(product)]:
        moment = datetime.combine(packed + timedelta(days=offset), time(hour), VIETNAM)
        tracing.add_event(
            lot,
            BizStep(step),
            moment,
            place=lot.area_name if offset < 0 else product.cooperative.name,
            responsible=product.cooperative.name,
            description_vi=text_vi,
            description_en=text_en,
            is_transformation=bool(material),
            input_description=material,
            input_quantity_kg=Decimal(lot.quantity) * Decimal("0.6") if material else None,
        )
    return lot


DEMO_SERIALS = 300


def _seed_special_lots() -> None:
    """A recalled lot, an expired lot, and a lot with serialized packages to scan."""
    by_slug = {
        p.slug: p
        for p in db.session.scalars(
            sa.select(Product).where(
                Product.slug.in_(["mang-ot-thai-son", "long-nhan-say-vai-dao", "che-xanh-my-tan"])
            )
        )
    }
    chilli = by_slug.get("mang-ot-thai-son")
    if chilli and not any(lot.recalled for lot in _lots(chilli)):
        lot = seed_lot(chilli, "Xã Lục Yên", "Lào Cai", packed_days_ago=60) or _lots(chilli)[0]
        recalls.start(
            lot,
            "Một số hũ bị hở nắp, có thể bị hỏng.",
            "Vui lòng không sử dụng; mang hũ đến nơi mua hoặc liên hệ hợp tác xã để được đổi.",
            chilli.cooperative.phone or chilli.cooperative.email or chilli.cooperative.name,
            None,
        )
        # The cooperative has checked that the jars on sale come from other lots.
        recalls.resume_sales(chilli)
    longan = by_slug.get("long-nhan-say-vai-dao")
    if longan:
        for lot in _lots(longan):
            lot.best_before = min(lot.best_before or today(), today() - timedelta(days=10))
    tea = by_slug.get("che-xanh-my-tan")
    if tea and (lots := _lots(tea)):
        lot = lots[0]
        have = db.session.scalar(sa.select(sa.func.count(Unit.id)).where(Unit.lot_id == lot.id))
        if have < DEMO_SERIALS:
            tracing.generate_units(lot, DEMO_SERIALS - have)


def _lots(product: Product) -> list[Lot]:
    return list(
        db.session.scalars(sa.select(Lot).where(Lot.product_id == product.id).order_by(Lot.id))
    )


def seed_synthetic(total: int, seed: int = 20261128) -> int:
    """Make sure ``total`` synthetic products exist (bulk insert); returns how many were added."""
    categories = seed_categories()
    existing = db.session.scalar(
        sa.select(sa.func.count(Product.id)).where(Product.slug.like(f"{SYNTHETIC_SLUG_PREFIX}%"))
    )
    if existing >= total:
        return 0
    rng = random.Random(seed + existing)
    coop_ids = _synthetic_cooperatives()
    added = 0
    for start in range(existing, total, BATCH):
        rows = [
            _synthetic_row(i, rng, categories, coop_ids)
            for i in range(start, min(total, start + BATCH))
        ]
        db.session.execute(sa.insert(Product), rows)
        _synthetic_ratings(_inserted([row["slug"] for row in rows]))
        added += len(rows)
    db.session.flush()
    return added


def seed_synthetic_lots(total: int, units_per_lot: int = 3) -> int:
    """Give ``total`` synthetic products (spread over the catalog) a lot with its journey
    and a few serialised units, so that trace pages and scans can be loaded too."""
    existing = db.session.scalar(
        sa.select(sa.func.count(Lot.id))
        .join(Lot.product)
        .where(Product.slug.like(f"{SYNTHETIC_SLUG_PREFIX}%"))
    )
    ids = list(
        db.session.scalars(
            sa.select(Product.id)
            .where(Product.slug.like(f"{SYNTHETIC_SLUG_PREFIX}%"))
            .order_by(Product.id)
        )
    )
    if existing >= total or not ids:
        return 0
    step = max(1, len(ids) // total)
    added = 0
    for product_id in ids[existing * step :: step][: total - existing]:
        product = db.session.get(Product, product_id)
        packed = today() - timedelta(days=10 + product_id % 60)
        lot = tracing.create_lot(
            product,
            f"S{product_id}",
            produced_on=packed - timedelta(days=2),
            packed_on=packed,
            best_before=packed + timedelta(days=365),
            quantity=500,
            area_name=f"Vùng trồng {product.cooperative.province}",
            area_province=product.cooperative.province,
        )
        for days, step_ in ((2, BizStep.HARVESTING), (1, BizStep.PROCESSING), (0, BizStep.PACKING)):
            moment = datetime.combine(packed - timedelta(days=days), time(7), VIETNAM)
            tracing.add_event(lot, step_, moment, place=product.cooperative.province)
        tracing.generate_units(lot, units_per_lot)
        added += 1
        if added % 500 == 0:
            db.session.flush()
            db.session.expunge_all()
    db.session.flush()
    return added


def _synthetic_cooperatives() -> list[int]:
    """Approved producers that own the synthetic products, created once."""
    ids = list(
        db.session.scalars(
            sa.select(Cooperative.id)
            .where(Cooperative.slug.like("san-xuat-%"))
            .order_by(Cooperative.id)
        )
    )
    for n in range(len(ids), SYNTHETIC_COOPERATIVES):
        place = demo_data.SYNTHETIC_PLACES[n % len(demo_data.SYNTHETIC_PLACES)]
        coop = Cooperative(
            name=f"Hợp tác xã Sản xuất số {n + 1} {place}",
            slug=f"san-xuat-{n + 1}",
            province=place,
            commune="",
            address=place,
            approved=True,
            kind=CooperativeKind.COOPERATIVE,
        )
        db.session.add(coop)
        db.session.flush()
        ids.append(coop.id)
    return ids


def _synthetic_row(i: int, rng: random.Random, categories, coop_ids: list[int]) -> dict:
    noun_vi, noun_en, cat = rng.choice(demo_data.SYNTHETIC_NOUNS)
    adj_vi, adj_en = rng.choice(demo_data.SYNTHETIC_ADJECTIVES)
    place = rng.choice(demo_data.SYNTHETIC_PLACES)
    name_vi, name_en = (
        f"{noun_vi} {adj_vi} {place} {i + 1}",
        f"{adj_en.capitalize()} {noun_en.lower()} from {place} {i + 1}",
    )
    desc_vi = f"{noun_vi} {adj_vi} do hợp tác xã ở {place} sản xuất."
    desc_en = f"{adj_en.capitalize()} {noun_en.lower()} made by a cooperative in {place}."
    stars = rng.choice((None, 3, 3, 3, 4, 4, 5))
    decided = demo_date("2024-01-01") + timedelta(days=rng.randrange(0, 600))
    return {
        "cooperative_id": rng.choice(coop_ids),
        "category_id": categories[cat].id,
        "slug": f"{SYNTHETIC_SLUG_PREFIX}{i + 1}",
        "name_vi": name_vi,
        "name_en": name_en,
        "description_vi": desc_vi,
        "description_en": desc_en,
        "unit": "gói",
        "price": rng.randrange(20, 2000) * 1000,
        "stock": rng.randrange(0, 500),
        "gtin": gs1.make_gtin14("8939", i + 1),
        "active": True,
        "created_at": utcnow() - timedelta(minutes=rng.randrange(0, 500_000)),
        "ocop_stars": stars or 0,
        "ocop_valid_until": ratings.add_months(decided, 36) if stars else None,
        "search_name": fold(f"{name_vi} {name_en}"),
        "search_body": fold(f"{desc_vi} {desc_en} gói"),
    }


def _inserted(slugs: list[str]) -> list[sa.Row]:
    """(id, stars, valid until) of the products just inserted, in insertion order.

    Read back, not taken from INSERT ... RETURNING: SQLAlchemy sends a bulk insert with
    RETURNING in small statements and splices their results together, which took half of
    the time to seed 100,000 products.
    """
    query = (
        sa.select(Product.id, Product.ocop_stars, Product.ocop_valid_until)
        .where(Product.slug.in_(slugs))
        .order_by(Product.id)
    )
    return list(db.session.execute(query))


def _synthetic_ratings(rows) -> None:
    """One rating row per rated synthetic product, matching the copy on the product."""
    score_for = {3: 60, 4: 78, 5: 92}
    ratings_rows = [
        {
            "product_id": pid,
            "score": score_for[stars],
            "stars": stars,
            "level": (OcopLevel.NATIONAL if stars == 5 else OcopLevel.PROVINCIAL).value,
            "council": "Hội đồng OCOP trung ương" if stars == 5 else "Hội đồng OCOP tỉnh",
            "certificate_number": f"OCOP-S-{pid}",
            "valid_until": valid_until,
            "decision_date": ratings.add_months(valid_until, -36),
            "revoked_reason": "",
            "created_at": utcnow(),
        }
        for pid, stars, valid_until in rows
        if stars
    ]
    if ratings_rows:
        db.session.execute(sa.insert(OcopRating), ratings_rows)


DEMO_PASSWORD = "ocop-demo-2026"


def seed_accounts() -> list[tuple[str, str, str]]:
    """The OCOP office, one member per demo cooperative and a customer: (email, password, role)."""
    from shop.models import Role, User
    from shop.services import accounts

    wanted = [
        ("admin@ocop.example.vn", Role.ADMIN, None, "Văn phòng OCOP"),
        ("khach@ocop.example.vn", Role.CUSTOMER, None, "Khách hàng mẫu"),
    ]
    for data in demo_data.COOPERATIVES:
        wanted.append((f"{data['slug']}@ocop.example.vn", Role.MEMBER, data["slug"], data["name"]))
    made = []
    for email, role, coop_slug, name in wanted:
        if db.session.scalar(sa.select(User.id).where(User.email == email)) is None:
            coop = (
                db.session.scalar(sa.select(Cooperative).where(Cooperative.slug == coop_slug))
                if coop_slug
                else None
            )
            user = accounts.register(email, DEMO_PASSWORD, name, role=role, cooperative=coop)
            user.is_owner = role is Role.MEMBER
        made.append((email, DEMO_PASSWORD, role.value))
    db.session.flush()
    return made
