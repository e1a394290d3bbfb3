"""What a cooperative's dashboard shows: its own parcels newest first (those still to send
apart), its own products running low, its verified certificates and live OCOP ratings that
lapse within the warning window, and its sales per Vietnam day drawn as a chart."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from shop.clock import VIETNAM, today, utcnow
from shop.extensions import db
from shop.models import (
    Certification,
    CertificationKind,
    Cooperative,
    OrderPart,
    PartStatus,
    PaymentMethod,
    Product,
)
from shop.services import dashboard, orders, ratings
from tests import factories
from tests.services.test_orders import HANOI, HOLDS, RULE

S = PartStatus


def vietnam_time(days_ago: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(today() - timedelta(days=days_ago), time(hour, minute), VIETNAM)


def sale(product: Product, quantity: int, placed_at: datetime, status=S.CONFIRMED) -> OrderPart:
    """A parcel of ``quantity`` of ``product``, placed at ``placed_at`` and now at ``status``."""
    product.stock = 1_000
    order = orders.place_order({product.id: quantity}, HANOI, PaymentMethod.COD, RULE, HOLDS)
    order.placed_at = placed_at
    [part] = order.parts
    part.status = status
    db.session.commit()
    return part


def ids(items) -> list[int]:
    return [item.id for item in items]


def test_parcels_are_listed_newest_first_and_only_the_cooperative_s_own(catalog):
    three_days = sale(catalog.banana, 1, vietnam_time(3, 9))
    yesterday = sale(catalog.longan, 2, vietnam_time(1, 9), S.PAID)
    four_days = sale(catalog.banana, 1, vietnam_time(4, 9), S.SHIPPED)
    two_days = sale(catalog.banana, 1, vietnam_time(2, 9), S.CANCELLED)
    processing = sale(catalog.longan, 1, vietnam_time(5, 9), S.PROCESSING)
    theirs = sale(catalog.tea, 1, vietnam_time(0, 9))
    assert ids(dashboard.parts(catalog.viba)) == ids(
        [yesterday, two_days, three_days, four_days, processing]
    )
    assert ids(dashboard.parts(catalog.viba, dashboard.TO_FULFIL)) == ids(
        [yesterday, three_days, processing]
    )
    assert ids(dashboard.parts(catalog.viba, [S.CANCELLED])) == ids([two_days])
    assert ids(dashboard.parts(catalog.thai_son)) == ids([theirs])


def test_the_parcel_list_loads_lines_and_orders_without_a_query_per_parcel(catalog, count_queries):
    for days_ago in (1, 2, 3):
        sale(catalog.banana, days_ago, vietnam_time(days_ago, 9))
    viba_id = catalog.viba.id
    db.session.expunge_all()
    listed = dashboard.parts(db.session.get(Cooperative, viba_id))
    with count_queries() as statements:
        seen = [(part.order.number[:5], [line.quantity for line in part.lines]) for part in listed]
    assert seen == [("OCOP-", [1]), ("OCOP-", [2]), ("OCOP-", [3])]
    assert statements == []


def test_a_cooperative_opens_only_its_own_parcels(catalog):
    first = sale(catalog.banana, 1, vietnam_time(1, 9))
    second = sale(catalog.longan, 1, vietnam_time(2, 9))
    theirs = sale(catalog.tea, 1, vietnam_time(1, 9))
    assert dashboard.owned_part(catalog.viba, first.id) is first
    assert dashboard.owned_part(catalog.viba, second.id) is second
    assert dashboard.owned_part(catalog.viba, theirs.id) is None
    assert dashboard.owned_part(catalog.thai_son, first.id) is None
    assert dashboard.owned_part(catalog.thai_son, theirs.id) is theirs
    assert dashboard.owned_part(catalog.viba, theirs.id + 1_000) is None


def test_low_stock_lists_active_products_at_five_or_fewer_lowest_first(catalog):
    def item(coop, stock, active=True):
        return factories.product(coop, catalog.categories["tea"], stock=stock, active=active)

    at_edge = item(catalog.viba, dashboard.LOW_STOCK)
    item(catalog.viba, dashboard.LOW_STOCK + 1)
    empty = item(catalog.viba, 0)
    two = item(catalog.viba, 2)
    item(catalog.viba, 1, active=False)
    theirs = item(catalog.thai_son, 1)
    db.session.commit()
    assert ids(dashboard.low_stock(catalog.viba)) == ids([empty, two, at_edge])
    assert ids(dashboard.low_stock(catalog.thai_son)) == ids([theirs])


def certificate(number, until, *, coop=None, product=None, verified=True, kind=None):
    cert = Certification(
        kind=kind or CertificationKind.VIETGAP,
        number=number,
        issuer="Chi cục Quản lý chất lượng",
        valid_from=until - timedelta(days=700),
        valid_to=until,
        cooperative=coop,
        product=product,
        verified_at=utcnow() if verified else None,
    )
    db.session.add(cert)
    return cert


def rating_until(product: Product, until: date, score: int = 64):
    rating = factories.rate(product, score, today() - timedelta(days=30))
    rating.valid_until = until
    return rating


def soon(days: int) -> date:
    return today() + timedelta(days=days)


def test_verified_papers_and_live_ratings_lapsing_within_sixty_days_are_listed_by_date(catalog):
    viba, thai_son = catalog.viba, catalog.thai_son
    certificate("GG-EDGE", soon(60), coop=viba, kind=CertificationKind.GLOBALGAP)
    certificate("VG-SOON", soon(10), coop=viba)
    certificate("HC-TODAY", soon(0), product=catalog.longan, kind=CertificationKind.ORGANIC)
    certificate("VG-LATER", soon(61), coop=viba)
    certificate("VG-LAPSED", soon(-1), coop=viba)
    certificate("VG-PENDING", soon(5), coop=viba, verified=False)
    certificate("VG-THEIRS", soon(5), coop=thai_son)
    certificate("VG-THEIR-TEA", soon(5), product=catalog.tea)
    live = rating_until(catalog.longan, soon(30))
    revoked = rating_until(catalog.expired, soon(20), score=75)
    ratings.revoke_rating(revoked, "Hồ sơ sai")
    rating_until(catalog.tea, soon(15))
    rating_until(catalog.banana, soon(61))
    db.session.commit()
    Expiring = dashboard.Expiring
    assert dashboard.expiring(viba) == [
        Expiring("organic", "HC-TODAY", soon(0)),
        Expiring("vietgap", "VG-SOON", soon(10)),
        Expiring("OCOP 3★ · Nhãn chín muộn", live.certificate_number, soon(30)),
        Expiring("globalgap", "GG-EDGE", soon(60)),
    ]
    assert dashboard.expiring(viba, days=10) == [
        Expiring("organic", "HC-TODAY", soon(0)),
        Expiring("vietgap", "VG-SOON", soon(10)),
    ]
    assert [item.number for item in dashboard.expiring(thai_son)] == [
        "VG-THEIRS",
        "VG-THEIR-TEA",
        ratings.current_rating(catalog.tea).certificate_number,
    ]


def test_nothing_lapsing_soon_leaves_the_list_empty(catalog):
    assert dashboard.expiring(catalog.viba) == []


def test_sales_are_added_up_per_vietnam_day_leaving_unpaid_and_cancelled_parcels_out(catalog):
    banana, longan = catalog.banana, catalog.longan
    sale(banana, 1, vietnam_time(0, 0, 30))  # still yesterday in UTC
    sale(longan, 1, vietnam_time(1, 23, 30), S.DELIVERED)
    sale(banana, 2, vietnam_time(2, 12), S.PAID)
    sale(longan, 1, vietnam_time(2, 18), S.SHIPPED)
    sale(banana, 1, vietnam_time(3, 8), S.PROCESSING)
    for status in (S.PENDING_PAYMENT, S.CANCELLED, S.REFUNDED):
        sale(banana, 1, vietnam_time(2, 9), status)
    sale(catalog.tea, 1, vietnam_time(2, 9))
    sale(banana, 1, vietnam_time(6, 12))
    sale(banana, 3, vietnam_time(8, 12))
    assert dashboard.sales_by_day(catalog.viba, days=7) == [
        (soon(-6), 85_000),
        (soon(-5), 0),
        (soon(-4), 0),
        (soon(-3), 85_000),
        (soon(-2), 2 * 85_000 + 90_000),
        (soon(-1), 90_000),
        (soon(0), 85_000),
    ]
    month = dashboard.sales_by_day(catalog.viba)
    assert [day for day, _ in month] == [soon(-29 + i) for i in range(30)]
    assert sum(amount for _, amount in month) == 8 * 85_000 + 2 * 90_000
    assert dashboard.sales_by_day(catalog.thai_son, days=3) == [
        (soon(-2), 120_000),
        (soon(-1), 0),
        (soon(0), 0),
    ]


def week(amounts: list[int]) -> list[tuple[date, int]]:
    return [(date(2026, 3, 1) + timedelta(days=i), amount) for i, amount in enumerate(amounts)]


def test_the_chart_scales_each_day_to_the_best_day_of_the_window():
    series = week([0, 700_000, 100_000, 0, 350_000, 0, 0])
    xs = [0.0, 42.9, 85.7, 128.6, 171.4, 214.3, 257.1]
    hs = [0.0, 78.0, 11.1, 0.0, 39.0, 0.0, 0.0]
    ys = [80.0, 2.0, 68.9, 80.0, 41.0, 80.0, 80.0]
    assert dashboard.sales_chart(series) == {
        "bars": [
            {"x": x, "w": 34.3, "h": h, "y": y, "day": day, "amount": amount}
            for x, h, y, (day, amount) in zip(xs, hs, ys, series, strict=True)
        ],
        "width": 300,
        "height": 80,
        "peak": 700_000,
        "total": 1_150_000,
    }


def test_a_chart_of_its_own_size_with_one_day_fills_the_width():
    [day] = week([2])
    assert dashboard.sales_chart([day], width=100, height=40) == {
        "bars": [{"x": 0.0, "w": 80.0, "h": 38.0, "y": 2.0, "day": day[0], "amount": 2}],
        "width": 100,
        "height": 40,
        "peak": 2,
        "total": 2,
    }


def test_a_window_without_sales_draws_flat_bars_and_no_peak():
    series = week([0, 0, 0])
    chart = dashboard.sales_chart(series)
    assert chart == {
        "bars": [
            {"x": x, "w": 80.0, "h": 0.0, "y": 80.0, "day": day, "amount": 0}
            for x, (day, _) in zip([0.0, 100.0, 200.0], series, strict=True)
        ],
        "width": 300,
        "height": 80,
        "peak": 0,
        "total": 0,
    }
    assert dashboard.sales_chart([]) == {
        "bars": [],
        "width": 300,
        "height": 80,
        "peak": 0,
        "total": 0,
    }
