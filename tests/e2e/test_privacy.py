"""A buyer's personal data in a browser: consent when the account is made, news and offers
stopped from the email's link, everything downloaded, then the account deleted."""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from shop.models import Consent, ConsentPurpose

EMAIL = "minh.anh@example.vn"
PASSWORD = "banh-chung-tet-2027"


def test_consent_download_and_deletion(page: Page, e2e_app, e2e_db, screenshot):
    mails = e2e_app.extensions["mailman"].outbox = []
    page.goto("/account/register")
    page.get_by_label("Họ và tên").fill("Trần Minh Anh")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("main").get_by_role("button", name="Tạo tài khoản").click()
    link = re.search(r"https?://\S+/account/register/\S+", mails[-1].body).group(0)

    # The terms and privacy policy must be accepted; news and offers are a separate choice.
    page.goto(link)
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Tạo tài khoản của tôi").click()
    expect(page.locator(".field-error")).to_have_text(
        "Vui lòng đọc và đồng ý với điều khoản sử dụng và chính sách bảo mật."
    )
    expect(
        page.get_by_role("main").get_by_role("link", name="chính sách bảo mật")
    ).to_have_attribute("href", "/policies/privacy")
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_label("Tôi đã đọc và đồng ý").check()
    page.get_by_label("Gửi cho tôi tin tức và ưu đãi").check()
    page.get_by_role("button", name="Tạo tài khoản của tôi").click()
    expect(page.get_by_role("status")).to_have_text("Chào mừng! Tài khoản của bạn đã sẵn sàng.")

    page.goto("/account/")
    expect(page.get_by_text("Bạn đang nhận tin tức và ưu đãi qua email.")).to_be_visible()
    expect(page.locator("#privacy ~ ul li")).to_have_count(2)

    # Any email stops news and offers with one click on its link's page.
    mails.clear()
    with e2e_app.app_context():
        from shop import mail

        unsubscribe = mail.unsubscribe_url(EMAIL)
    page.goto(unsubscribe)
    page.get_by_role("button", name="Dừng nhận tin tức và ưu đãi").click()
    expect(page.get_by_role("status")).to_contain_text("sẽ không nhận tin tức hay ưu đãi nữa")
    with e2e_db() as session:
        marketing = session.scalars(
            sa.select(Consent).where(
                Consent.email == EMAIL, Consent.purpose == ConsentPurpose.MARKETING
            )
        ).one()
        assert marketing.withdrawn_at is not None

    # Everything the shop keeps about me, as a file.
    page.goto("/account/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải dạng JSON").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["account"]["email"] == EMAIL
    assert [(c["purpose"], c["withdrawn_at"] is None) for c in data["consents"]] == [
        ("terms", True),
        ("marketing", False),
    ]
    screenshot(page, "account-privacy")

    # Deleting the account: the password and a tick, then it is gone and I am signed out.
    page.get_by_label("Mật khẩu của bạn").fill(PASSWORD)
    page.get_by_label("Tôi hiểu rằng tài khoản").check()
    page.get_by_role("button", name="Xóa tài khoản của tôi").click()
    expect(page.get_by_role("status")).to_contain_text("Tài khoản của bạn đã được xóa.")
    expect(page.get_by_role("link", name="Đăng nhập")).to_be_visible()

    page.goto("/account/login")
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".field-error")).to_have_text("Email hoặc mật khẩu không đúng.")
