"""Published policies: bundled texts in both languages, versions the office publishes, old
versions readable, Markdown without raw HTML, links in every page's footer."""

import pytest

from shop.extensions import db
from shop.models import PolicyVersion
from shop.services import policies
from tests import factories
from tests.factories import sign_in


def test_every_policy_is_published_in_both_languages_and_linked_from_the_footer(client):
    home = client.get("/").get_data(as_text=True)
    for slug in policies.SLUGS:
        assert f'href="/policies/{slug}"' in home
        assert "Phiên bản 1" in client.get(f"/policies/{slug}").get_data(as_text=True)
    assert "Nghị định 52/2013/NĐ-CP" in client.get("/policies/operating-regulations").get_data(
        as_text=True
    )
    for slug in policies.SLUGS:  # ?lang=en is remembered from the first
        assert "Version 1" in client.get(f"/policies/{slug}?lang=en").get_data(as_text=True)
    assert "Law 91/2025/QH15" in client.get("/policies/privacy").get_data(as_text=True)
    assert client.get("/policies/").status_code == 200
    assert client.get("/policies/cookies").status_code == 404
    assert client.get("/policies/terms/v9").status_code == 404


def test_the_office_publishes_a_new_version_and_the_old_one_stays(client):
    sign_in(client, factories.user("admin"))
    current = policies.get("returns")
    form = {
        "title_vi": current.title_vi,
        "body_vi": current.body_vi.replace("**7 ngày**", "**10 ngày**")
        + "\n\n<script>alert(1)</script>",
        "title_en": current.title_en,
        "body_en": current.body_en,
    }
    assert client.post("/admin/policies/returns", data=form).status_code == 303
    assert client.post("/admin/policies/returns", data=form).status_code == 303  # unchanged
    assert db.session.query(PolicyVersion).filter_by(slug="returns").count() == 2
    page = client.get("/policies/returns").get_data(as_text=True)
    assert "<strong>10 ngày</strong>" in page and "Phiên bản 2" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    old = client.get("/policies/returns/v1").get_data(as_text=True)
    assert "<strong>7 ngày</strong>" in old and "phiên bản cũ" in old.lower()


@pytest.mark.parametrize(
    ("form", "status"),
    [({"title_vi": "", "body_vi": "x"}, 400), ({"title_vi": "T", "body_vi": ""}, 400)],
)
def test_a_policy_needs_its_vietnamese_title_and_text(client, form, status):
    sign_in(client, factories.user("admin"))
    assert client.post("/admin/policies/terms", data=form).status_code == status
    assert client.post("/admin/policies/nope", data=form).status_code == 404
    assert db.session.query(PolicyVersion).filter_by(slug="terms").count() == 1


def test_only_the_office_edits_policies(client):
    sign_in(client, factories.user())
    assert client.get("/admin/policies").status_code == 403


def test_a_new_release_updates_bundled_texts_but_never_the_offices_own(app, monkeypatch):
    assert policies.seed() == 0  # the migration published the bundled texts
    real_read = policies._read

    def changed(slug, language):
        title, body = real_read(slug, language)
        return title, body + "\n\nThêm một đoạn."

    office = factories.user("admin")
    policies.publish("terms", "Điều khoản", "Terms", "Văn bản của Văn phòng", "", office)
    monkeypatch.setattr(policies, "_read", changed)
    assert policies.seed() == len(policies.SLUGS) - 1  # all but the one the office wrote
    assert policies.get("privacy").version == 2
    assert policies.get("privacy").body_vi.endswith("Thêm một đoạn.")
    assert policies.get("terms").body_vi == "Văn bản của Văn phòng"
    assert policies.seed() == 0
