"""The cooperative's Money page and statements; the office's Payouts page."""

import pytest

from shop.clock import today
from shop.services import coop_ledger
from tests import factories
from tests.factories import sign_in
from tests.services.test_coop_ledger import sold_to_a_confirmed_account


@pytest.fixture
def sold(catalog):
    return sold_to_a_confirmed_account(catalog)


def test_the_office_pays_out_and_the_cooperative_sees_it(client, catalog, sold):
    order, owed = sold
    sign_in(client, factories.user("admin"))
    page = client.get("/admin/payouts").get_data(as_text=True)
    assert "Agribank 3100205012345" in page and f'value="{owed}"' in page
    form = {"amount": str(owed + 1), "paid_on": today().isoformat(), "reference": "FT26335"}
    assert (
        client.post(f"/admin/cooperatives/{catalog.viba.id}/payouts", data=form).status_code == 409
    )
    assert (
        client.post(
            f"/admin/cooperatives/{catalog.viba.id}/payouts", data=form | {"amount": "abc"}
        ).status_code
        == 400
    )
    response = client.post(
        f"/admin/cooperatives/{catalog.viba.id}/payouts", data=form | {"amount": str(owed)}
    )
    assert response.status_code == 303
    assert coop_ledger.balance(catalog.viba.id) == 0

    client.post("/account/logout")
    sign_in(client, factories.user("member", cooperative=catalog.viba))
    page = client.get("/coop/money").get_data(as_text=True)
    assert order.number in page and "FT26335" in page
    month = today().strftime("%Y-%m")
    csv = client.get(f"/coop/money/{month}/statement.csv")
    assert csv.mimetype == "text/csv" and "FT26335" in csv.get_data(as_text=True)
    pdf = client.get(f"/coop/money/{month}/statement.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert client.get("/coop/money/2026-13").status_code == 400
    assert client.get("/coop/money/1900-01").status_code == 400


def test_a_cooperative_sees_only_its_own_money(client, catalog, sold):
    sign_in(client, factories.user("member", cooperative=catalog.thai_son))
    page = client.get("/coop/money").get_data(as_text=True)
    order, _ = sold
    assert order.number not in page
