"""Published policies (operating regulations, privacy, terms, returns, delivery, payment).

The office edits them in Markdown; publishing a change adds a version with its date, and
every earlier version stays readable at its own address. Markdown is rendered with raw HTML
switched off, so a policy cannot carry a script. The first versions are the texts in
``shop/policy_texts/``, loaded by ``flask seed-policies`` (and by ``seed-demo``)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markupsafe import Markup

from shop.extensions import db
from shop.models import PolicyVersion, User
from shop.services.errors import InvalidInput, NotFound

# The order the footer and the index list them in.
SLUGS = ("operating-regulations", "terms", "privacy", "returns", "delivery", "payment")
TEXTS = Path(__file__).resolve().parent.parent / "policy_texts"
MAX_BODY = 60_000
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render(text: str) -> Markup:
    """Markdown to HTML; raw HTML in the text is shown as text, never run."""
    return Markup(_markdown.render(text))


def latest_versions() -> dict[str, PolicyVersion]:
    """The current version of every published policy, by slug (one query)."""
    newest = (
        sa.select(PolicyVersion.slug, sa.func.max(PolicyVersion.version).label("version"))
        .group_by(PolicyVersion.slug)
        .subquery()
    )
    rows = db.session.scalars(
        sa.select(PolicyVersion).join(
            newest,
            sa.and_(PolicyVersion.slug == newest.c.slug, PolicyVersion.version == newest.c.version),
        )
    )
    return {row.slug: row for row in rows}


def get(slug: str, version: int | None = None) -> PolicyVersion:
    """A policy's latest version, or the version asked for; NotFound otherwise."""
    if slug not in SLUGS:
        raise NotFound(_l("No such policy."))
    query = sa.select(PolicyVersion).where(PolicyVersion.slug == slug)
    if version is not None:
        query = query.where(PolicyVersion.version == version)
    found = db.session.scalar(query.order_by(PolicyVersion.version.desc()).limit(1))
    if found is None:
        raise NotFound(_l("No such policy."))
    return found


def history(slug: str) -> list[PolicyVersion]:
    return list(
        db.session.scalars(
            sa.select(PolicyVersion)
            .where(PolicyVersion.slug == slug)
            .order_by(PolicyVersion.version.desc())
        )
    )


def publish(
    slug: str, title_vi: str, title_en: str, body_vi: str, body_en: str, by: User | None
) -> PolicyVersion | None:
    """A new version when the text changed; None when it is the same as the current one."""
    if slug not in SLUGS:
        raise NotFound(_l("No such policy."))
    title_vi, title_en = title_vi.strip(), title_en.strip()
    body_vi, body_en = body_vi.strip(), body_en.strip()
    if not title_vi or not body_vi:
        raise InvalidInput(_l("A policy needs its Vietnamese title and text."))
    if len(body_vi) > MAX_BODY or len(body_en) > MAX_BODY:
        raise InvalidInput(_l("A policy's text is at most 60,000 characters."))
    current = latest_versions().get(slug)
    if current and (current.title_vi, current.title_en, current.body_vi, current.body_en) == (
        title_vi,
        title_en,
        body_vi,
        body_en,
    ):
        return None
    version = PolicyVersion(
        slug=slug,
        version=(current.version + 1) if current else 1,
        title_vi=title_vi,
        title_en=title_en,
        body_vi=body_vi,
        body_en=body_en,
        published_by_id=by.id if by else None,
    )
    db.session.add(version)
    db.session.flush()
    return version


def _read(slug: str, language: str) -> tuple[str, str]:
    """The title (the first line, after "# ") and the text of a bundled policy."""
    text = (TEXTS / f"{slug}.{language}.md").read_text(encoding="utf-8").strip()
    first, _, rest = text.partition("\n")
    return first.removeprefix("# ").strip(), rest.strip()


def seed() -> int:
    """Publish the bundled texts of policies not published yet, and a new version of those
    the office never edited when the bundled text changed; how many were published."""
    published = latest_versions()
    count = 0
    for slug in SLUGS:
        current = published.get(slug)
        if current is not None and current.published_by_id is not None:
            continue  # the office wrote its own text: a new release never overwrites it
        title_vi, body_vi = _read(slug, "vi")
        title_en, body_en = _read(slug, "en")
        if publish(slug, title_vi, title_en, body_vi, body_en, None) is not None:
            count += 1
    return count
