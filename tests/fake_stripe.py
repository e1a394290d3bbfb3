"""A local, Stripe-compatible API for tests: the real ``stripe`` library talks to it over HTTP.

It implements what the shop uses (Checkout Sessions, refunds), a hosted payment page
that a browser can "pay", and signs webhooks with Stripe's real scheme.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import urllib.request
from dataclasses import dataclass, field

from flask import Flask, abort, jsonify, redirect, request
from werkzeug.serving import make_server

WEBHOOK_SECRET = "whsec_test_secret"
_ids = itertools.count(1)


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for ``payload``: t=<time>,v1=<HMAC-SHA256 of "t.payload">."""
    timestamp = timestamp or int(time.time())
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def _slot(node: list, index: int, default):
    while len(node) <= index:
        node.append(None)
    if node[index] is None:
        node[index] = default
    return node[index]


def _nest(form) -> dict:
    """Stripe's form encoding (a[b][0][c]=v) back into nested dicts and lists."""
    root: dict = {}
    for key, value in form.items(multi=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part, following in itertools.pairwise(parts):
            default = [] if following.isdigit() else {}
            node = (
                _slot(node, int(part), default)
                if isinstance(node, list)
                else node.setdefault(part, default)
            )
        if isinstance(node, list):
            _slot(node, int(parts[-1]), None)
            node[int(parts[-1])] = value
        else:
            node[parts[-1]] = value
    return root


@dataclass
class FakeStripe:
    base_url: str = ""
    webhook_url: str = ""
    sessions: dict = field(default_factory=dict)
    refunds: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    fail_with: int | None = None  # answer every API call with this HTTP status
    _idempotent: dict = field(default_factory=dict)

    def event(self, type_: str, obj: dict, event_id: str | None = None) -> tuple[bytes, str]:
        """A signed event body and its signature header."""
        body = json.dumps(
            {
                "id": event_id or f"evt_{next(_ids)}",
                "object": "event",
                "type": type_,
                "api_version": "2025-01-01",
                "created": int(time.time()),
                "livemode": False,
                "data": {"object": obj},
            }
        ).encode()
        return body, sign(body)

    def pay(self, session_id: str, amount: int | None = None) -> dict:
        session = self.sessions[session_id]
        session.update(
            status="complete",
            payment_status="paid",
            payment_intent=f"pi_{session_id}",
            amount_total=amount if amount is not None else session["amount_total"],
        )
        return session

    def deliver(self, type_: str, obj: dict) -> int:
        """POST a signed event to the shop's webhook, as Stripe would."""
        body, signature = self.event(type_, obj)
        req = urllib.request.Request(
            self.webhook_url,
            data=body,
            method="POST",
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status


def create_app(state: FakeStripe) -> Flask:
    app = Flask("fake_stripe")

    @app.before_request
    def record_and_maybe_fail():
        state.requests.append(
            (request.method, request.path, request.headers.get("Idempotency-Key"))
        )
        if state.fail_with and request.path.startswith("/v1/"):
            return jsonify(
                error={"type": "api_error", "message": "Stripe is down"}
            ), state.fail_with
        return None

    @app.post("/v1/checkout/sessions")
    def create_session():
        key = request.headers.get("Idempotency-Key")
        if key and key in state._idempotent:
            return jsonify(state._idempotent[key])
        params = _nest(request.form)
        amount = sum(
            int(i["price_data"]["unit_amount"]) * int(i["quantity"]) for i in params["line_items"]
        )
        session_id = f"cs_test_{next(_ids)}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params["mode"],
            "url": f"{state.base_url}/pay/{session_id}",
            "amount_total": amount,
            "currency": params["line_items"][0]["price_data"]["currency"],
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "payment_status": "unpaid",
            "status": "open",
            "payment_intent": None,
            "success_url": params["success_url"],
            "cancel_url": params["cancel_url"],
            "line_items_sent": params["line_items"],
            "expires_at": int(params["expires_at"]),
        }
        state.sessions[session_id] = session
        if key:
            state._idempotent[key] = session
        return jsonify(session)

    @app.get("/v1/checkout/sessions/<session_id>")
    def get_session(session_id):
        return jsonify(state.sessions.get(session_id) or abort(404))

    @app.post("/v1/checkout/sessions/<session_id>/expire")
    def expire_session(session_id):
        session = state.sessions[session_id]
        if session["status"] != "open":  # as Stripe: only an open session can be expired
            return jsonify(
                error={
                    "type": "invalid_request_error",
                    "message": f"Only Checkout Sessions with a status of open can be expired; "
                    f"this one is {session['status']}.",
                }
            ), 400
        session.update(status="expired")
        return jsonify(session)

    @app.post("/v1/refunds")
    def refund():
        key = request.headers.get("Idempotency-Key")
        if key and key in state._idempotent:
            return jsonify(state._idempotent[key])
        params = _nest(request.form)
        intent, amount = params["payment_intent"], int(params["amount"])
        paid = sum(
            s["amount_total"] for s in state.sessions.values() if s["payment_intent"] == intent
        )
        already = sum(r["amount"] for r in state.refunds if r["payment_intent"] == intent)
        if amount > paid - already:  # as Stripe: never more than the charge
            return jsonify(
                error={"type": "invalid_request_error", "message": "Refund exceeds the charge."}
            ), 400
        item = {
            "id": f"re_{next(_ids)}",
            "object": "refund",
            "amount": amount,
            "payment_intent": intent,
            "status": "succeeded",
            "metadata": params.get("metadata", {}),
        }
        state.refunds.append(item)
        if key:
            state._idempotent[key] = item
        return jsonify(item)

    @app.get("/pay/<session_id>")
    def hosted_page(session_id):
        session = state.sessions[session_id]
        return (
            f'<!doctype html><html lang="en"><title>Fake Stripe Checkout</title>'
            f'<h1>Pay {session["amount_total"]} VND</h1><form method="post">'
            f'<button type="submit">Pay</button></form></html>'
        )

    @app.post("/pay/<session_id>")
    def hosted_pay(session_id):
        session = state.pay(session_id)
        state.deliver("checkout.session.completed", session)
        return redirect(session["success_url"], code=303)

    return app


class Silent:
    """A server that accepts connections and never answers (a hanging API)."""

    def __init__(self):
        import socket

        self.socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.held: list = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        with contextlib.suppress(OSError):
            while True:
                self.held.append(self.socket.accept()[0])

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.socket.close()
        for connection in self.held:
            connection.close()


class Server:
    """Serve a WSGI app on 127.0.0.1 on a free port in a background thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)


@contextlib.contextmanager
def card_payments_on(app, webhook_url: str = ""):
    """Run a fake Stripe and switch ``app`` to card payments through it, restored afterwards."""
    state = FakeStripe(webhook_url=webhook_url)
    with Server(create_app(state)) as server:
        state.base_url = server.url
        keys = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE")
        saved = {key: app.config[key] for key in keys}
        app.config.update(
            STRIPE_SECRET_KEY="sk_test_local",
            STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            STRIPE_API_BASE=server.url,
        )
        try:
            yield state
        finally:
            app.config.update(saved)
