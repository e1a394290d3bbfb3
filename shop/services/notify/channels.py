"""The Zalo and SMS notifiers: each delivers one outbox message with a real HTTP call."""

from __future__ import annotations

import re
from typing import Protocol

import requests
from flask import current_app

from shop.services import outbox

TIMEOUT = 10  # seconds; a slow gateway fails the attempt and the outbox retries later


class NotifierError(RuntimeError):
    """The gateway answered, but refused the message."""


class Notifier(Protocol):
    def send(self, phone: str, event: str, text: str, link: str) -> str:
        """Deliver one message; the gateway's message id. Raises when it was not sent."""


def international(phone: str) -> str:
    """A Vietnamese mobile number as gateways want it: 84 and nine digits (0912... -> 84912...)."""
    digits = re.sub(r"\D", "", phone)
    return "84" + digits[1:] if digits.startswith("0") else digits


class ConsoleNotifier:
    """No gateway configured: the message goes to the log (development, demos)."""

    def __init__(self, channel: str):
        self.channel = channel

    def send(self, phone: str, event: str, text: str, link: str) -> str:
        current_app.logger.info("[%s to %s] %s: %s %s", self.channel, phone, event, text, link)
        return "console"


class ZaloNotifier:
    """Zalo Notification Service: a template message to a phone number's Zalo account.

    POST {ZALO_ZNS_URL} with the Official Account's access token; every event maps to a
    template the OA registered with Zalo (ZALO_ZNS_TEMPLATES), filled with the text and link.
    Zalo answers ``{"error": 0, "data": {"msg_id": ...}}`` on success."""

    def __init__(self, config):
        self.url = config["ZALO_ZNS_URL"]
        self.token = config["ZALO_ZNS_ACCESS_TOKEN"]
        self.templates = config["ZALO_ZNS_TEMPLATES"]

    def send(self, phone: str, event: str, text: str, link: str) -> str:
        template = self.templates.get(event) or self.templates["default"]
        response = requests.post(
            self.url,
            headers={"access_token": self.token, "Content-Type": "application/json"},
            json={
                "phone": international(phone),
                "template_id": template,
                "template_data": {"event": event, "content": text[:400], "link": link},
                "tracking_id": f"{event}-{phone[-4:]}",
            },
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        body = response.json()
        if body.get("error") != 0:
            raise NotifierError(f"Zalo refused the message: {body.get('message')}")
        return str(body["data"]["msg_id"])


class SmsNotifier:
    """An SMS gateway's JSON API (eSMS-style): a branded text message to a phone.

    Success is ``{"CodeResult": "100", "SMSID": ...}``; any other code is a refusal."""

    def __init__(self, config):
        self.url = config["SMS_API_URL"]
        self.key = config["SMS_API_KEY"]
        self.secret = config["SMS_SECRET_KEY"]
        self.brand = config["SMS_BRANDNAME"]

    def send(self, phone: str, event: str, text: str, link: str) -> str:
        content = f"{text} {link}".strip()[:300]
        response = requests.post(
            self.url,
            json={
                "ApiKey": self.key,
                "SecretKey": self.secret,
                "Phone": re.sub(r"\D", "", phone),
                "Content": content,
                "Brandname": self.brand,
                "SmsType": "2",  # a branded customer-care message
            },
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        body = response.json()
        if str(body.get("CodeResult")) != "100":
            raise NotifierError(f"the SMS gateway refused the message: {body}")
        return str(body.get("SMSID", ""))


def notifier(channel: str) -> Notifier:
    """The configured notifier of ``channel``, or the console one without credentials."""
    config = current_app.config
    if channel == "zalo" and config.get("ZALO_ZNS_ACCESS_TOKEN"):
        return ZaloNotifier(config)
    if channel == "sms" and config.get("SMS_API_KEY"):
        return SmsNotifier(config)
    return ConsoleNotifier(channel)


@outbox.handler("notify.zalo")
def deliver_zalo(message: dict) -> None:
    notifier("zalo").send(message["phone"], message["event"], message["text"], message["link"])


@outbox.handler("notify.sms")
def deliver_sms(message: dict) -> None:
    notifier("sms").send(message["phone"], message["event"], message["text"], message["link"])
