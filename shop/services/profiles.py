"""A cooperative's public profile and the bank account its payouts go to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from shop.clock import utcnow
from shop.extensions import db
from shop.models import BankAccount, BankAccountState, Cooperative, CooperativePhoto, User
from shop.services import banks, images, search
from shop.services.errors import Conflict, InvalidInput, NotFound

REGISTRATION_NUMBER = re.compile(r"\d{10}(-\d{3})?|[0-9A-Z]{6,13}")
# The pages a cooperative may link, by the hosts each link must point at.
LINK_HOSTS = {
    "zalo_url": ("zalo.me", "oa.zalo.me"),
    "facebook_url": ("facebook.com", "www.facebook.com", "m.facebook.com", "fb.com"),
}


@dataclass(frozen=True)
class ProfileData:
    story_vi: str
    story_en: str
    address: str
    commune: str
    phone: str
    registration_number: str
    zalo_url: str
    facebook_url: str
    website_url: str
    latitude: Decimal | None
    longitude: Decimal | None


def clean_registration_number(value: str) -> str:
    """A business registration or tax number: 10 digits (13 with a branch suffix), or a
    cooperative's registration code; spaces dropped, letters upper-cased."""
    number = re.sub(r"\s", "", value or "").upper()
    if not REGISTRATION_NUMBER.fullmatch(number):
        raise InvalidInput(_l("A registration or tax number has 10 digits (or 10-3 for a branch)."))
    return number


def clean_link(field: str, url: str) -> str:
    """An https link; Zalo and Facebook links must point at Zalo and Facebook."""
    url = (url or "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed IPv6 bracket, say
        parts = None
    if parts is None or parts.scheme != "https" or not parts.hostname:
        raise InvalidInput(_l("Links start with https://."))
    allowed = LINK_HOSTS.get(field)
    if allowed and parts.hostname.lower() not in allowed:
        raise InvalidInput(_l("This link does not point at %(site)s.", site=allowed[0]))
    return url


def update_profile(coop: Cooperative, data: ProfileData) -> None:
    """Save what buyers see about the cooperative; every field checked again here."""
    if (data.latitude is None) != (data.longitude is None):
        raise InvalidInput(_l("Give both latitude and longitude, or neither."))
    coop.story_vi, coop.story_en = data.story_vi.strip(), data.story_en.strip()
    coop.address, coop.commune = data.address.strip(), data.commune.strip()
    coop.phone = data.phone.strip()
    coop.registration_number = clean_registration_number(data.registration_number)
    coop.zalo_url = clean_link("zalo_url", data.zalo_url)
    coop.facebook_url = clean_link("facebook_url", data.facebook_url)
    coop.website_url = clean_link("website_url", data.website_url)
    coop.latitude, coop.longitude = data.latitude, data.longitude
    search.refresh_products_of(coop)


def set_logo(coop: Cooperative, data: bytes, upload_dir: Path) -> None:
    """A logo, re-encoded like product photos (metadata dropped)."""
    coop.logo_path = images.save_logo(coop.id, data, upload_dir).path


def request_bank_account(
    coop: Cooperative, by: User, bin_: str, number: str, name: str
) -> BankAccount:
    """A new payout account; it takes effect when the office confirms it. A pending request
    is replaced by the newer one."""
    bin_, number, name = banks.clean_account(bin_, number, name)
    current = coop.bank_account
    if current and (current.bank_bin, current.account_number) == (bin_, number):
        raise Conflict(_l("Payouts already go to this account."))
    pending = coop.pending_bank_account
    if pending is not None:
        pending.state, pending.decided_at, pending.decided_by_id = (
            BankAccountState.REPLACED,
            utcnow(),
            by.id,
        )
        pending.reason = "replaced by a newer request"
    account = BankAccount(
        cooperative=coop,
        bank_bin=bin_,
        account_number=number,
        account_name=name,
        requested_by_id=by.id,
    )
    db.session.add(account)
    db.session.flush()
    db.session.refresh(coop, ["bank_accounts"])
    return account


def _pending(account_id: int) -> BankAccount:
    account = db.session.get(BankAccount, account_id)
    if account is None or account.state is not BankAccountState.PENDING:
        raise Conflict(_l("This bank account is not waiting for confirmation."))
    return account


def confirm_bank_account(account_id: int, by: User) -> BankAccount:
    """The office checked the account (a call to the cooperative's known phone, a statement):
    payouts now go there, and the previous account is kept on record as replaced."""
    account = _pending(account_id)
    previous = account.cooperative.bank_account
    if previous is not None:
        previous.state = BankAccountState.REPLACED
    account.state, account.decided_at, account.decided_by_id = (
        BankAccountState.CONFIRMED,
        utcnow(),
        by.id,
    )
    return account


def reject_bank_account(account_id: int, by: User, reason: str) -> BankAccount:
    account = _pending(account_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Give the reason; the cooperative will read it."))
    account.state, account.decided_at, account.decided_by_id = (
        BankAccountState.REJECTED,
        utcnow(),
        by.id,
    )
    account.reason = reason[:300]
    return account


def pending_bank_accounts() -> list[BankAccount]:
    """New payout accounts waiting for the office, oldest first."""
    return list(
        db.session.scalars(
            sa.select(BankAccount)
            .where(BankAccount.state == BankAccountState.PENDING)
            .options(joinedload(BankAccount.cooperative))
            .order_by(BankAccount.requested_at, BankAccount.id)
        )
    )


MAX_PHOTOS = 8


def add_photos(coop: Cooperative, uploads: list[bytes], upload_dir: Path) -> None:
    """Pictures of the place and people, re-encoded like product photos (up to 8)."""
    if len(coop.photos) + len(uploads) > MAX_PHOTOS:
        raise InvalidInput(_l("A cooperative shows at most 8 photos."))
    for data in uploads:
        saved = images.save_cooperative_photo(coop.id, data, upload_dir)
        coop.photos.append(CooperativePhoto(path=saved.path, position=len(coop.photos)))


def change_photo(coop: Cooperative, photo_id: int, alt: str | None, delete: bool) -> None:
    """Describe (alt text) or delete one of the cooperative's photos; NotFound if not its own."""
    photo = next((p for p in coop.photos if p.id == photo_id), None)
    if photo is None:
        raise NotFound(_l("No such photo."))
    if delete:
        coop.photos.remove(photo)
        for position, item in enumerate(coop.photos):
            item.position = position
        return
    photo.alt = images.clean_alt(alt)
