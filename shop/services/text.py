"""Folding Vietnamese text so that "nhan" finds "Nhãn" and "cao xa den" finds "Cao xạ đen"."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")
# đ does not decompose under NFD: it is a letter of its own, not d plus a mark.
_LETTERS = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower-case ASCII words: accents and marks removed, đ made d, punctuation made spaces."""
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTERS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.lower()).strip()


# Words people type for what products spell otherwise: "cafe" is "cà phê", "htx" a
# "hợp tác xã" (cooperative).
SPELLED_OUT = {"cafe": "ca phe", "caphe": "ca phe", "htx": "hop tac xa", "tp": "thanh pho"}


def search_terms(query: str, limit: int = 8) -> list[str]:
    """The folded words of a search query (common short forms spelled out), at most ``limit``."""
    words = " ".join(SPELLED_OUT.get(word, word) for word in fold(query).split())
    return words.split()[:limit]


def slugify(text: str) -> str:
    return fold(text).replace(" ", "-")


def free_slug(column, text: str, fallback: str) -> str:
    """A slug of ``text`` not yet used in ``column`` (a model's slug column): "mat-ong-2"..."""
    import sqlalchemy as sa

    from shop.extensions import db

    base = slugify(text) or fallback
    taken = set(db.session.scalars(sa.select(column).where(column.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
