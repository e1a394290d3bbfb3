"""Where the current visitor's cart lives: the signed session, or the database once signed in."""

from __future__ import annotations

from flask import session
from flask_login import current_user

from shop.services import cart

SESSION_KEY = "cart"


def read() -> cart.Items:
    if current_user.is_authenticated:
        return cart.load_user_cart(current_user.id)
    return cart.clean(session.get(SESSION_KEY))


def write(items: cart.Items) -> None:
    if current_user.is_authenticated:
        cart.save_user_cart(current_user.id, items)
    else:
        session[SESSION_KEY] = {str(pid): qty for pid, qty in items.items()}


def clear() -> None:
    write({})


def merge_guest_cart_into(user_id: int) -> None:
    """On sign-in, the guest's cart joins the stored one (call before committing the login)."""
    guest = cart.clean(session.pop(SESSION_KEY, None))
    if guest:
        cart.save_user_cart(user_id, cart.merge(guest, cart.load_user_cart(user_id)))
