"""Language choice and locale-aware formatting of money, dates and stars."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from urllib.parse import urlencode

from babel.numbers import format_currency, get_group_symbol
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_translations
from markupsafe import Markup

from shop.clock import today

LANG_PARAM = "lang"


def select_locale() -> str:
    """?lang= (remembered in the session), then the remembered choice, then Accept-Language."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get(LANG_PARAM)
    if asked in languages:
        session["lang"] = asked
        return asked
    if session.get("lang") in languages:
        return session["lang"]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def current_language() -> str:
    return str(get_locale() or "vi").split("_")[0]


def money(amount: int, language: str | None = None) -> str:
    """Whole đồng as people read them: ``125.000 ₫`` in Vietnamese, ``₫125,000`` in English.

    Babel's pattern for each language is read once; a listing formats dozens of prices and
    Babel parses its pattern at every call (14 µs, a tenth of a product card)."""
    locale = "vi_VN" if (language or current_language()) == "vi" else "en_US"
    if not isinstance(amount, int):
        return format_currency(amount, "VND", locale=locale)
    before, after, group = _vnd_pattern(locale, amount < 0)
    return f"{before}{abs(amount):,}{after}".replace(",", group)


MONEY_PROBE = 1_000_000


@cache
def _vnd_pattern(locale: str, negative: bool) -> tuple[str, str, str]:
    """What Babel writes before and after the digits of whole đồng, and between groups."""
    group = get_group_symbol(locale)
    digits = f"{MONEY_PROBE:,}".replace(",", group)
    sample = format_currency(-MONEY_PROBE if negative else MONEY_PROBE, "VND", locale=locale)
    before, found, after = sample.partition(digits)
    if not found or "," in before + after:
        raise ValueError(f"Unexpected money format for {locale}: {sample!r}")
    return before, after, group


def short_date(value: date | None) -> str:
    """Day first with a four-digit year in both languages, as Vietnam writes dates: 30/08/2027."""
    return format_date(value, "dd/MM/yyyy") if value else ""


def long_date(value: date | None) -> str:
    return format_date(value, "long") if value else ""


def short_datetime(value) -> str:
    """A moment in Vietnam time, e.g. ``12/03/2026 07:30``."""
    return format_datetime(value, "dd/MM/yyyy HH:mm") if value else ""


# The packaging words cooperatives write on their units, for English pages ("hộp 500 g" is a
# "box, 500 g"); a unit with other words keeps them as written.
PACKAGING_EN = {
    "hộp quà": ("gift box", "gift boxes"),
    "hộp": ("box", "boxes"),
    "gói": ("pack", "packs"),
    "chai": ("bottle", "bottles"),
    "túi": ("bag", "bags"),
    "hũ": ("jar", "jars"),
    "lọ": ("jar", "jars"),
    "bình": ("jar", "jars"),
    "bộ": ("set", "sets"),
    "thùng": ("case", "cases"),
    "cái": ("piece", "pieces"),
    "chén": ("cup", "cups"),
    "bó": ("bunch", "bunches"),
    "khay": ("tray", "trays"),
}
_PACKAGING = re.compile(
    r"(?:(?<=\s)|^)(\d+\s+)?("
    + "|".join(sorted(PACKAGING_EN, key=len, reverse=True))
    + r")(?=\s|$)",
    re.IGNORECASE,
)


def unit_label(unit: str, language: str | None = None) -> str:
    """A unit as written ("hộp 10 gói x 20 g"), in English words on English pages
    ("Box of 10 packs × 20 g") when every word has an English one."""
    if (language or current_language()) != "en" or not unit:
        return unit

    def english(match: re.Match) -> str:
        count, word = match.group(1), match.group(2).lower()
        one, many = PACKAGING_EN[word]
        if count:
            return f"of {count}{one if count.strip() == '1' else many}"
        return one

    text = _PACKAGING.sub(english, unit.strip()).replace(" x ", " × ")
    text = re.sub(r"(\d),(\d)", r"\1.\2", text)  # 1,5 kg -> 1.5 kg
    vietnamese_left = any(ch.isalpha() and not ch.isascii() for ch in text)
    if text == unit.strip() or vietnamese_left:  # half translated reads worse than none
        return unit
    return text[:1].upper() + text[1:]


def nowrap(text: str) -> Markup:
    """``text`` kept on one line (an order number must not break at its hyphens)."""
    return Markup('<span class="nowrap">%s</span>') % text


def _translations():
    """The translations of the current locale, found once per request and locale. Flask-Babel
    looks them up again at every call (5 µs; a page has some seventy); an email rendered in
    its reader's language has a locale of its own, so it gets its own."""
    locale = get_locale()
    kept = g.get("_shop_translations")
    if kept is None or kept[0] is not locale:
        kept = g._shop_translations = (locale, get_translations())
    return kept[1]


def _install_template_gettext(app: Flask) -> None:
    """Templates' ``_()`` and ``ngettext()`` through ``_translations`` (Flask-Babel's own
    callables, replaced, did the lookup each time)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


def register_i18n(app: Flask) -> None:
    _install_template_gettext(app)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["short_date"] = short_date
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["short_datetime"] = short_datetime
    app.jinja_env.filters["unit"] = unit_label
    app.jinja_env.filters["decimal"] = lambda value: format_decimal(value, "#,##0.00")
    app.jinja_env.filters["count"] = lambda value: format_decimal(value, "#,##0")
    app.jinja_env.filters["nowrap"] = nowrap
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["url_with_lang"] = url_with_lang
    app.context_processor(lambda: {"today": today()})


def url_with_lang(language: str) -> str:
    """The current page's URL with ``?lang=`` set, for the language switcher."""
    args = request.args.to_dict(flat=False)
    args[LANG_PARAM] = [language]
    return request.path + "?" + urlencode(args, doseq=True)
