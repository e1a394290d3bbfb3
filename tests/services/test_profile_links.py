"""A link a cooperative types that cannot even be read as an address (an unclosed IPv6
bracket) is refused like any link not starting with https://, on its profile page too."""

from __future__ import annotations

import pytest

from shop.extensions import db
from shop.models import Cooperative
from shop.services import profiles
from shop.services.errors import InvalidInput
from tests import factories
from tests.services.test_refusals import refused
from tests.web.test_profiles import profile_form

MALFORMED = ["https://[2001:db8::1/gioi-thieu", "https://zalo.me]/x[", "https://[/"]


@pytest.mark.parametrize("url", MALFORMED)
@pytest.mark.parametrize("field", ["zalo_url", "facebook_url", "website_url"])
def test_a_link_that_is_not_an_address_is_refused(field, url):
    refused(InvalidInput, lambda: profiles.clean_link(field, url), "Links start with https://.")


def test_the_profile_page_refuses_such_a_link_and_keeps_the_profile(client, catalog):
    owner = factories.user("member", cooperative=catalog.viba)
    owner.is_owner = True
    db.session.commit()
    factories.sign_in(client, owner)
    response = client.post("/coop/profile", data=profile_form(website_url=MALFORMED[0]))
    assert response.status_code == 400
    assert "https://" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Cooperative, catalog.viba.id).website_url == ""
