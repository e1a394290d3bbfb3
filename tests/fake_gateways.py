"""Local Zalo Notification Service and SMS gateway APIs: the shop's real HTTP client talks to
them. They check what the real APIs check (token, keys, phone format) and keep what they got.

Served by the standard library's HTTP server, not Werkzeug's: Zalo's token travels in an
``access_token`` header, and Werkzeug drops headers whose names hold an underscore."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ZALO_TOKEN = "zalo-oa-access-token"
SMS_KEY, SMS_SECRET = "sms-api-key", "sms-secret"
_ids = itertools.count(1000)


@dataclass
class Gateways:
    zalo: list[dict] = field(default_factory=list)
    sms: list[dict] = field(default_factory=list)
    refuse_zalo: bool = False  # answer as Zalo does when the user has no Zalo account
    delay: float = 0.0  # seconds before hanging up unanswered: a gateway that does not answer


def zalo_answer(state: Gateways, token: str | None, body: dict) -> dict:
    if token != ZALO_TOKEN:
        return {"error": -124, "message": "Access token is invalid"}
    if not re.fullmatch(r"84\d{9}", body.get("phone", "")) or not body.get("template_id"):
        return {"error": -108, "message": "Phone number is invalid"}
    if state.refuse_zalo:
        return {"error": -118, "message": "Zalo account not existed"}
    state.zalo.append(body)
    return {"error": 0, "message": "Success", "data": {"msg_id": str(next(_ids))}}


def sms_answer(state: Gateways, body: dict) -> dict:
    if (body.get("ApiKey"), body.get("SecretKey")) != (SMS_KEY, SMS_SECRET):
        return {"CodeResult": "101", "ErrorMessage": "Authorize Failed"}
    if not re.fullmatch(r"0\d{9}", body.get("Phone", "")):
        return {"CodeResult": "99", "ErrorMessage": "Phone invalid"}
    state.sms.append(body)
    return {"CodeResult": "100", "SMSID": str(next(_ids))}


def handler_for(state: Gateways) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if state.delay:
                time.sleep(state.delay)
                return  # hangs up without an answer: the client gave up long ago
            if self.headers.get("Content-Type") != "application/json":
                self.send_error(415)  # both APIs take JSON only
                return
            if self.path == "/message/template":
                answer = zalo_answer(state, self.headers.get("access_token"), body)
            elif self.path == "/sms":
                answer = sms_answer(state, body)
            else:
                self.send_error(404)
                return
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # quiet
            pass

    return Handler


@contextlib.contextmanager
def gateways_on(app):
    """Run both fake gateways and point ``app`` at them, restored afterwards."""
    state = Gateways()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    settings = {
        "ZALO_ZNS_URL": f"{url}/message/template",
        "ZALO_ZNS_ACCESS_TOKEN": ZALO_TOKEN,
        "ZALO_ZNS_TEMPLATES": {"default": "231456", "part.shipped": "231457"},
        "SMS_API_URL": f"{url}/sms",
        "SMS_API_KEY": SMS_KEY,
        "SMS_SECRET_KEY": SMS_SECRET,
    }
    saved = {key: app.config[key] for key in settings}
    app.config.update(settings)
    try:
        yield state
    finally:
        app.config.update(saved)
        server.shutdown()
        thread.join(timeout=5)
