"""Zalo and SMS messages as the gateways receive them: the shop's real HTTP client against
local fakes of the ZNS and SMS APIs. A number is sent the way each gateway wants it, a long
text is cut to what the gateway takes, an event has its own Zalo template (or the default), a
refusal or an HTTP error fails the attempt (the outbox retries it), and without credentials a
message goes to the log."""

from __future__ import annotations

import pytest
from flask import current_app

from shop.extensions import db
from shop.services import outbox
from shop.services.notify import Contact, send
from shop.services.notify import channels as notify_channels
from shop.services.notify.channels import (
    ConsoleNotifier,
    NotifierError,
    SmsNotifier,
    ZaloNotifier,
    international,
    notifier,
)
from tests.fake_gateways import gateways_on


@pytest.fixture
def gateways(app):
    with gateways_on(app) as state:
        yield state


@pytest.mark.parametrize(
    ("phone", "sent_as"),
    [
        ("0912345678", "84912345678"),
        ("0912 345 678", "84912345678"),
        ("091.234.5678", "84912345678"),
        ("+84 912 345 678", "84912345678"),
        ("84912345678", "84912345678"),
    ],
)
def test_zalo_gets_the_number_with_the_country_code(phone, sent_as):
    assert international(phone) == sent_as


def test_a_zalo_message_fills_the_events_template_with_the_text_and_link(app, gateways):
    sender = notifier("zalo")
    assert isinstance(sender, ZaloNotifier)
    msg_id = sender.send("0912345678", "part.shipped", "Đã gửi " + "x" * 500, "https://l.vn")
    assert gateways.zalo == [
        {
            "phone": "84912345678",
            "template_id": "231457",
            "template_data": {
                "event": "part.shipped",
                "content": ("Đã gửi " + "x" * 500)[:400],
                "link": "https://l.vn",
            },
            "tracking_id": "part.shipped-5678",
        }
    ]
    assert msg_id.isdigit()


def test_an_event_without_its_own_template_uses_the_default(app, gateways):
    notifier("zalo").send("0912345678", "order.paid", "Đã nhận", "")
    [sent] = gateways.zalo
    assert (sent["template_id"], sent["template_data"]["content"]) == ("231456", "Đã nhận")


@pytest.mark.parametrize(
    ("setting", "value", "error", "words"),
    [
        (None, None, NotifierError, "Zalo refused the message: Zalo account not existed"),
        ("ZALO_ZNS_ACCESS_TOKEN", "expired-token", NotifierError, "Access token is invalid"),
        ("ZALO_ZNS_URL", "/nowhere", notify_channels.requests.HTTPError, "404"),
    ],
)
def test_a_zalo_refusal_or_error_fails_the_attempt(app, gateways, setting, value, error, words):
    gateways.refuse_zalo = setting is None
    if setting == "ZALO_ZNS_URL":
        value = app.config["ZALO_ZNS_URL"].rsplit("/message", 1)[0] + value
    if setting:
        app.config[setting] = value
    with pytest.raises(error, match=words):
        notifier("zalo").send("0912345678", "order.paid", "Đã nhận", "")
    assert gateways.zalo == []


def test_an_sms_carries_the_text_and_link_under_the_shops_brand(app, gateways):
    app.config["SMS_BRANDNAME"] = "OCOPSHOP"
    sender = notifier("sms")
    assert isinstance(sender, SmsNotifier)
    sms_id = sender.send("0912 345 678", "part.shipped", "Đã gửi " + "x" * 400, "https://l.vn")
    assert gateways.sms == [
        {
            "ApiKey": "sms-api-key",
            "SecretKey": "sms-secret",
            "Phone": "0912345678",
            "Content": ("Đã gửi " + "x" * 400)[:300],
            "Brandname": "OCOPSHOP",
            "SmsType": "2",
        }
    ]
    assert sms_id.isdigit()
    sender.send("0912345678", "order.paid", "Đã nhận", "https://l.vn/d")
    sender.send("0912345678", "application.rejected", "Chưa duyệt", "")
    assert [m["Content"] for m in gateways.sms[1:]] == ["Đã nhận https://l.vn/d", "Chưa duyệt"]


@pytest.mark.parametrize(
    ("setting", "value", "error", "words"),
    [
        ("SMS_SECRET_KEY", "wrong", NotifierError, "Authorize Failed"),
        ("SMS_API_URL", "/nowhere", notify_channels.requests.HTTPError, "404"),
    ],
)
def test_an_sms_refusal_or_error_fails_the_attempt(app, gateways, setting, value, error, words):
    if setting == "SMS_API_URL":
        value = app.config["SMS_API_URL"].rsplit("/sms", 1)[0] + value
    app.config[setting] = value
    with pytest.raises(error, match=words):
        notifier("sms").send("0912345678", "order.paid", "Đã nhận", "")
    assert gateways.sms == []


@pytest.mark.parametrize(
    ("settings", "zalo", "sms"),
    [
        ({}, ConsoleNotifier, ConsoleNotifier),
        ({"ZALO_ZNS_ACCESS_TOKEN": "t"}, ZaloNotifier, ConsoleNotifier),
        ({"SMS_API_KEY": "k"}, ConsoleNotifier, SmsNotifier),
        ({"ZALO_ZNS_ACCESS_TOKEN": "t", "SMS_API_KEY": "k"}, ZaloNotifier, SmsNotifier),
    ],
)
def test_a_channel_without_credentials_writes_to_the_log(app, settings, zalo, sms, caplog):
    app.config.update({"ZALO_ZNS_ACCESS_TOKEN": "", "SMS_API_KEY": ""} | settings)
    assert (type(notifier("zalo")), type(notifier("sms"))) == (zalo, sms)
    assert type(notifier("email")) is ConsoleNotifier
    if sms is ConsoleNotifier:
        with caplog.at_level("INFO", logger=current_app.logger.name):
            assert notifier("sms").send("0912345678", "recall", "Thu hồi", "https://l") == (
                "console"
            )
        logged = [r.getMessage() for r in caplog.records]
        assert logged[-1] == "[sms to 0912345678] recall: Thu hồi https://l"


def test_the_outbox_delivers_each_channels_message_to_its_gateway(app, gateways):
    contact = Contact("", "0912345678", "vi", frozenset({"zalo", "sms"}))
    send(contact, "part.delivered", "S", "Đã giao", "https://l.vn/o")
    db.session.commit()
    assert outbox.deliver_due() == (2, 0)
    assert [(m["phone"], m["template_data"]) for m in gateways.zalo] == [
        ("84912345678", {"event": "part.delivered", "content": "Đã giao", "link": "https://l.vn/o"})
    ]
    assert [(m["Phone"], m["Content"]) for m in gateways.sms] == [
        ("0912345678", "Đã giao https://l.vn/o")
    ]


@pytest.mark.parametrize("channel", ["zalo", "sms"])
def test_a_gateway_that_does_not_answer_in_time_fails_the_attempt(
    app, gateways, monkeypatch, channel
):
    """The worker never waits on a gateway for ever: the attempt fails, the outbox retries."""
    monkeypatch.setattr(notify_channels, "TIMEOUT", 0.2)
    gateways.delay = 1.0
    with pytest.raises(notify_channels.requests.Timeout):
        notifier(channel).send("0912345678", "order.paid", "Đã nhận", "")
