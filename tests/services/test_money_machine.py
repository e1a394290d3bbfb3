"""A stateful property test of the money lifecycle.

Hypothesis drives random sequences of buyer, cooperative, office and Stripe actions
(place, pay, switch, transfer, cancel, ship, deliver, refund, duplicate, late and
out-of-order events, stock changes) through the real services, the real ``stripe``
library and the local fake Stripe API. After every step:

- ``reconcile`` finds nothing wrong with any order;
- stock is conserved: each product's stock is what it started with, plus what the
  cooperative added, less what live order parts hold;
- no outbox message is stuck (every Stripe refund went through, none over-refunded).

``HYPOTHESIS_PROFILE=deep`` (``make test-deep``) runs many more sequences.
"""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from shop import transaction
from shop.extensions import db
from shop.models import (
    EntryKind,
    LedgerEntry,
    Order,
    OrderPart,
    OutboxMessage,
    OutboxState,
    PartStatus,
    Payment,
    PaymentMethod,
    PaymentState,
    Product,
    Provider,
    RefundState,
)
from shop.services import inventory, orders, payments, reconcile
from shop.services.errors import DomainError
from shop.services.payments.cod import record_cash_received
from shop.services.pricing import DeliveryRule
from tests import factories
from tests.fake_stripe import card_payments_on

HOLDS = {"card": 30, "vietqr": 1440}
HANOI = orders.Delivery("Khách", "0912345678", "k@example.vn", "Hà Nội", "Phường Ba Đình", "1 Phố")
URLS = payments.Urls("http://shop.test/ok", "http://shop.test/back")
METHODS = st.sampled_from([PaymentMethod.COD, PaymentMethod.VIETQR, PaymentMethod.CARD])


def money_machine(app, stripe_state):
    config = app.config

    class MoneyMachine(RuleBasedStateMachine):
        placed = Bundle("orders")

        @initialize()
        def catalog(self):
            coops = [factories.cooperative(), factories.cooperative()]
            category = _category()
            self.products = [
                factories.product(coops[i % 2], category, price=40_000 + 15_000 * i, stock=0)
                for i in range(3)
            ]
            self.supplied = {}  # the opening stock plus what the cooperative added or removed
            for product in self.products:
                inventory.opening(product, 6)
                self.supplied[product.id] = 6
            self.orders: list[int] = []
            self.events: list[tuple[str, dict]] = []
            self.refunds_before = len(stripe_state.refunds)  # the fake outlives one sequence
            self.fixed_event_id = f"evt_again_{factories.checkout_key()}"
            transaction.commit()

        # --- helpers ------------------------------------------------------------------

        def attempt(self, action) -> None:
            """Run one action as one request would: commit it, or roll back a refusal."""
            try:
                action()
            except DomainError:
                transaction.rollback()
            else:
                transaction.commit()
            db.session.expire_all()

        def order(self, order_id: int) -> Order:
            return db.session.get(Order, order_id)

        def stripe(self):
            return payments.stripe_checkout(config)

        def send(self, kind: str, obj: dict, event_id: str | None = None) -> None:
            body, signature = stripe_state.event(kind, obj, event_id)
            self.events.append((kind, obj))
            self.attempt(lambda: self.stripe().handle_event(body, signature))

        def sessions_of(self, order: Order) -> list[Payment]:
            return [p for p in order.payments if p.provider is Provider.STRIPE]

        # --- buyers -------------------------------------------------------------------

        @rule(
            target=placed,
            method=METHODS,
            quantities=st.lists(st.integers(0, 3), min_size=3, max_size=3).filter(any),
        )
        def place(self, method, quantities):
            items = {p.id: q for p, q in zip(self.products, quantities, strict=True) if q}
            result = {}

            def act():
                order = orders.place_order(items, HANOI, method, DeliveryRule(), HOLDS)
                if method is not PaymentMethod.CARD:
                    payments.provider_for(method, config).start(order, URLS)
                result["id"] = order.id

            self.attempt(act)
            if "id" not in result:
                return multiple()  # refused (empty cart, sold out): nothing to remember
            self.orders.append(result["id"])
            if method is PaymentMethod.CARD:
                self.attempt(lambda: self.stripe().start(self.order(result["id"]), URLS))
            return result["id"]

        @rule(order_id=placed, amount=st.sampled_from(["due", "short", "over"]))
        def pay_by_card(self, order_id, amount):
            order = self.order(order_id)
            for payment in self.sessions_of(order):
                session = stripe_state.sessions.get(payment.reference)
                if session and session["status"] == "open":
                    total = session["amount_total"]
                    paid = {"due": total, "short": total - 1000, "over": total + 1000}[amount]
                    self.send("checkout.session.completed", stripe_state.pay(session["id"], paid))
                    return

        @rule(order_id=placed)
        def card_session_expires(self, order_id):
            for payment in self.sessions_of(self.order(order_id)):
                session = stripe_state.sessions.get(payment.reference)
                if session and session["status"] == "open":
                    session["status"] = "expired"
                    self.send("checkout.session.expired", dict(session))
                    return

        @rule(data=st.data())
        def event_again(self, data):
            if self.events:
                kind, obj = data.draw(st.sampled_from(self.events))
                same_id = data.draw(st.booleans())
                self.send(kind, obj, self.fixed_event_id if same_id else None)

        @rule(order_id=placed, whole=st.booleans())
        def refunded_in_stripes_dashboard(self, order_id, whole):
            """Someone refunds a card payment in Stripe's dashboard, outside the shop."""
            for payment in self.sessions_of(self.order(order_id)):
                if payment.state is not PaymentState.RECEIVED or not payment.payment_intent:
                    continue
                intent = payment.payment_intent
                done = sum(
                    r["amount"] for r in stripe_state.refunds if r["payment_intent"] == intent
                )
                left = payment.amount_received - done
                if left <= 0:
                    continue
                amount = left if whole else max(left // 2, 1)
                stripe_state.refunds.append(
                    {
                        "id": f"re_dash_{len(stripe_state.refunds)}",
                        "amount": amount,
                        "payment_intent": intent,
                    }
                )
                charge = {
                    "id": f"ch_{intent}",
                    "object": "charge",
                    "payment_intent": intent,
                    "amount_refunded": done + amount,
                }
                self.send("charge.refunded", charge)
                return

        @rule(order_id=placed)
        def pay_again_by_card(self, order_id):
            order = self.order(order_id)
            if order.payment_method is PaymentMethod.CARD:
                self.attempt(lambda: self.stripe().start(order, URLS))

        @rule(order_id=placed, method=METHODS)
        def switch(self, order_id, method):
            def act():
                order = self.order(order_id)
                orders.switch_method(order, method, HOLDS)
                payments.provider_for(method, config).start(order, URLS)

            self.attempt(act)

        @rule(order_id=consumes(placed))
        def buyer_cancels(self, order_id):
            self.attempt(lambda: orders.cancel_order(self.order(order_id), "buyer"))

        @rule(order_id=placed)
        def hold_expires(self, order_id):
            self.attempt(lambda: orders.expire(self.order(order_id), "payment time expired"))

        # --- the office ---------------------------------------------------------------

        @rule(order_id=placed, amount=st.sampled_from(["missing", "one", "total", "over"]))
        def transfer_arrives(self, order_id, amount):
            order = self.order(order_id)
            value = {
                "missing": order.amount_missing or 1,
                "one": 1,
                "total": order.total,
                "over": order.total + 5000,
            }[amount]
            self.attempt(lambda: orders.receive_transfer(self.order(order_id), value))

        @rule(order_id=placed, whole=st.booleans())
        def office_refunds(self, order_id, whole):
            order = self.order(order_id)
            left = orders.refundable(order)
            amount = left if whole else max(left // 3, 1)
            self.attempt(lambda: orders.office_refund(self.order(order_id), amount, "office"))

        # --- cooperatives -------------------------------------------------------------

        @rule(
            order_id=placed,
            index=st.integers(0, 2),
            step=st.sampled_from(["cancel", "prepare", "ship", "deliver", "cash"]),
        )
        def cooperative_acts(self, order_id, index, step):
            order = self.order(order_id)
            if not order.parts:
                return
            part = order.parts[index % len(order.parts)]
            part_id = part.id

            def act():
                part = db.session.get(OrderPart, part_id)
                if step == "cancel":
                    orders.cancel_part(part, "cooperative")
                elif step == "cash":
                    record_cash_received(part)
                else:
                    to = {
                        "prepare": PartStatus.PROCESSING,
                        "ship": PartStatus.SHIPPED,
                        "deliver": PartStatus.DELIVERED,
                    }[step]
                    orders.transition(part, to, step)

            self.attempt(act)

        @rule(
            order_id=placed,
            index=st.integers(0, 2),
            whole=st.booleans(),
            goods_back=st.booleans(),
        )
        def buyer_complains(self, order_id, index, whole, goods_back):
            """A complaint about one parcel: part of its price back (the buyer keeps the
            goods), or all of it, maybe with the goods returned to the shelf."""
            order = self.order(order_id)
            if not order.parts:
                return
            part_id = order.parts[index % len(order.parts)].id

            def act():
                part = db.session.get(OrderPart, part_id)
                amount = None if whole else max(orders.part_refundable(part) // 3, 1)
                if orders.refund_part(part, amount, "complaint") and goods_back:
                    inventory.release(part, "returned by the buyer")

            self.attempt(act)

        @rule(index=st.integers(0, 2), delta=st.integers(-8, 8))
        def stock_changes(self, index, delta):
            product = self.products[index]
            before = db.session.scalar(sa.select(Product.stock).where(Product.id == product.id))
            self.attempt(lambda: inventory.adjust(db.session.get(Product, product.id), delta, "t"))
            after = db.session.scalar(sa.select(Product.stock).where(Product.id == product.id))
            self.supplied[product.id] += after - before

        # --- invariants ---------------------------------------------------------------

        @invariant()
        def every_order_reconciles(self):
            if not getattr(self, "orders", None):
                return
            db.session.expire_all()
            problems = {self.order(i).number: reconcile.check(self.order(i)) for i in self.orders}
            assert {k: v for k, v in problems.items() if v} == {}

        @invariant()
        def stock_is_conserved(self):
            if not getattr(self, "products", None):
                return
            held = {p.id: 0 for p in self.products}
            for order_id in self.orders:
                for part in self.order(order_id).parts:
                    if not part.stock_returned:
                        for line in part.lines:
                            held[line.product_id] += line.quantity
            for product in self.products:
                stock = db.session.scalar(sa.select(Product.stock).where(Product.id == product.id))
                assert stock == self.supplied[product.id] - held[product.id], product.id

        @invariant()
        def each_cooperative_pays_back_only_its_own_parcels(self):
            """The ledger charges a part at most its total, and all parts together at most
            what the buyer got back."""
            if not getattr(self, "orders", None):
                return
            for order_id in self.orders:
                order = self.order(order_id)
                charged = {
                    part.id: -sum(
                        e.amount
                        for e in db.session.scalars(
                            sa.select(LedgerEntry).where(
                                LedgerEntry.part_id == part.id,
                                LedgerEntry.kind == EntryKind.REFUND,
                            )
                        )
                    )
                    for part in order.parts
                }
                for part in order.parts:
                    assert 0 <= charged[part.id] <= part.total, (order.number, part.id)
                assert sum(charged.values()) <= orders.refunded(order), order.number

        @invariant()
        def no_message_is_stuck(self):
            stuck = db.session.scalars(
                sa.select(OutboxMessage).where(OutboxMessage.state != OutboxState.DONE)
            ).all()
            assert [(m.kind, m.last_error) for m in stuck] == []

        @invariant()
        def card_money_matches_stripe(self):
            """What the shop believes it refunded by card is what Stripe refunded."""
            if not getattr(self, "orders", None):
                return
            ours = sum(
                r.amount
                for i in self.orders
                for r in self.order(i).refunds
                if r.provider is Provider.STRIPE and r.state is RefundState.SENT
            )
            stripes = stripe_state.refunds[self.refunds_before :]
            assert ours == sum(r["amount"] for r in stripes)

    return MoneyMachine


def _category():
    from shop.models import Category

    category = db.session.scalar(sa.select(Category).where(Category.slug == "machine"))
    if category is None:
        category = Category(slug="machine", name_vi="Thử", name_en="Test")
        db.session.add(category)
        db.session.flush()
    return category


def test_money_and_stock_add_up_whatever_happens(app):
    with card_payments_on(app) as stripe_state:
        machine = money_machine(app, stripe_state)
        run_state_machine_as_test(machine)
