"""Published policies: the office publishes a new version only when the text changed, each
version numbered after the last, every earlier version readable; a policy needs its
Vietnamese title and text, each text at most 60,000 characters; only the shop's six policies
exist; Markdown is shown with raw HTML as text."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from markupsafe import Markup

from shop.extensions import db
from shop.models import PolicyVersion
from shop.services import policies
from shop.services.errors import InvalidInput, NotFound
from tests import factories
from tests.services.test_refusals import refused

NO_SUCH_POLICY = "No such policy."
NEEDS_VIETNAMESE = "A policy needs its Vietnamese title and text."
TOO_LONG = "A policy's text is at most 60,000 characters."
BUNDLED_TERMS_TITLE = ("Điều khoản sử dụng", "Terms of use")


def texts(version: PolicyVersion) -> tuple:
    return (version.title_vi, version.title_en, version.body_vi, version.body_en)


def versions_of(slug: str) -> list[int]:
    return [row.version for row in policies.history(slug)]


def newest() -> dict[str, tuple]:
    return {slug: (row.version, row.title_vi) for slug, row in policies.latest_versions().items()}


def publish_terms(title_vi="Điều khoản", title_en="Terms", body_vi="Văn bản", body_en="Text"):
    return policies.publish("terms", title_vi, title_en, body_vi, body_en, None)


def test_each_published_change_is_a_new_version_and_the_old_ones_stay():
    office = factories.user("admin")
    first = policies.get("terms")

    second = policies.publish(
        "terms", " Điều khoản ", " Terms ", "\n Văn bản 2 \n", "  Text 2 ", office
    )
    third = policies.publish("terms", "Điều khoản", "Terms", "Văn bản 3", "", None)

    assert (second.slug, second.version, second.published_by_id) == ("terms", 2, office.id)
    assert texts(second) == ("Điều khoản", "Terms", "Văn bản 2", "Text 2")
    assert (third.version, third.published_by_id, texts(third)) == (
        3,
        None,
        ("Điều khoản", "Terms", "Văn bản 3", ""),
    )
    assert versions_of("terms") == [3, 2, 1]
    assert policies.history("terms") == [third, second, first]
    assert policies.get("terms") == third
    assert policies.get("terms", 2) == second
    assert policies.get("terms", 1) == first
    assert (first.version, first.published_by_id) == (1, None)


def test_the_newest_version_of_every_policy_in_one_query(count_queries):
    publish_terms(title_vi="Điều khoản 2")
    publish_terms(title_vi="Điều khoản 3")
    policies.publish("privacy", "Riêng tư 2", "", "Văn bản", "", None)

    with count_queries() as statements:
        found = newest()

    assert len(statements) == 1
    assert found == {
        "operating-regulations": (1, policies.get("operating-regulations", 1).title_vi),
        "terms": (3, "Điều khoản 3"),
        "privacy": (2, "Riêng tư 2"),
        "returns": (1, policies.get("returns", 1).title_vi),
        "delivery": (1, policies.get("delivery", 1).title_vi),
        "payment": (1, policies.get("payment", 1).title_vi),
    }


def test_the_same_text_again_publishes_nothing_but_any_one_change_does():
    current = publish_terms()
    assert publish_terms(" Điều khoản ", "Terms ", " Văn bản", "Text\n") is None
    assert versions_of("terms") == [2, 1]

    changes = [
        {"title_vi": "Điều khoản mới"},
        {"title_en": "New terms"},
        {"body_vi": "Văn bản mới"},
        {"body_en": "New text"},
    ]
    for number, change in enumerate(changes, start=current.version + 1):
        fields = ("title_vi", "title_en", "body_vi", "body_en")
        args = dict(zip(fields, texts(current), strict=True)) | change
        current = publish_terms(**args)
        assert current.version == number
    assert versions_of("terms") == [6, 5, 4, 3, 2, 1]


def test_a_policy_never_published_starts_at_version_one():
    db.session.execute(sa.delete(PolicyVersion).where(PolicyVersion.slug == "payment"))
    refused(NotFound, lambda: policies.get("payment"), NO_SUCH_POLICY)

    first = policies.publish("payment", "Thanh toán", "Payment", "Văn bản", "Text", None)

    assert (first.version, policies.get("payment")) == (1, first)


def test_a_policy_needs_its_vietnamese_title_and_text():
    for title_vi, body_vi in (("", "Văn bản"), ("  ", "Văn bản"), ("Tên", ""), ("Tên", " \n ")):
        refused(
            InvalidInput,
            lambda t=title_vi, b=body_vi: policies.publish("terms", t, "Terms", b, "Text", None),
            NEEDS_VIETNAMESE,
        )
    assert publish_terms(title_en="", body_en="").version == 2  # English is optional
    assert versions_of("terms") == [2, 1]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_policy_text_is_at_most_60000_characters(language):
    def with_body(length: int, padding: str = ""):
        body = padding + "x" * length + padding
        bodies = {"body_vi": "Văn bản", "body_en": "Text"} | {f"body_{language}": body}
        return lambda: publish_terms(**bodies)

    refused(InvalidInput, with_body(60_001), TOO_LONG)
    assert versions_of("terms") == [1]
    assert with_body(60_000, padding="  \n")().version == 2  # spaces around do not count


def test_only_the_shop_s_policies_exist_and_only_their_versions():
    for slug in ("cookies", "Terms", ""):
        refused(NotFound, lambda s=slug: policies.get(s), NO_SUCH_POLICY)
        refused(
            NotFound,
            lambda s=slug: policies.publish(s, "Tên", "", "Văn bản", "", None),
            NO_SUCH_POLICY,
        )
    for version in (0, 2, -1):
        refused(NotFound, lambda v=version: policies.get("terms", v), NO_SUCH_POLICY)
    assert db.session.scalar(sa.select(sa.func.count(PolicyVersion.id))) == len(policies.SLUGS)


def test_markdown_is_shown_with_tables_and_raw_html_as_text():
    shown = policies.render("**7 ngày**\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n<b>x</b>")

    assert isinstance(shown, Markup)
    assert shown == Markup(
        "<p><strong>7 ngày</strong></p>\n<table>\n<thead>\n<tr>\n<th>A</th>\n<th>B</th>\n"
        "</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>\n"
        "<p>&lt;b&gt;x&lt;/b&gt;</p>\n"
    )


def test_a_bundled_text_s_title_is_its_first_line():
    title_vi, body_vi = policies._read("terms", "vi")
    title_en, body_en = policies._read("terms", "en")

    assert (title_vi, title_en) == BUNDLED_TERMS_TITLE
    assert body_vi.startswith("1. Khi dùng Chợ OCOP, bạn đồng ý")
    assert body_en.startswith("1. By using the OCOP Shop you accept these terms")
    assert texts(policies.get("terms", 1)) == (title_vi, title_en, body_vi, body_en)


def stored_version(slug: str, number: int) -> PolicyVersion:
    row = PolicyVersion(
        slug=slug,
        version=number,
        title_vi=f"Phiên bản {number}",
        title_en=f"Version {number}",
        body_vi="Văn bản",
        body_en="Text",
    )
    db.session.add(row)
    db.session.flush()
    return row


def test_the_newest_version_is_the_highest_number_whatever_order_they_were_stored_in():
    third = stored_version("terms", 3)
    second = stored_version("terms", 2)

    assert policies.latest_versions()["terms"] == third
    assert policies.get("terms") == third
    assert policies.history("terms") == [third, second, policies.get("terms", 1)]
    assert newest()["terms"] == (3, "Phiên bản 3")
