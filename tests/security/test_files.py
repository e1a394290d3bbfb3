"""Files in and out: photos decoded within bounded memory, CSV cells that stay text."""

import csv
import io

import pytest
from PIL import Image

from shop.extensions import db
from shop.services import images, products
from shop.services.errors import InvalidInput


def encoded(fmt: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (180, 120, 40)).save(out, fmt, quality=30)
    return out.getvalue()


def test_a_large_jpeg_is_decoded_at_a_reduced_scale():
    data = encoded("JPEG", (6000, 4000))  # 24 megapixels, a phone photo
    image = images._open(data)
    assert max(image.size) <= 2 * images.DECODE_EDGE  # a quarter of the pixels, or fewer, in memory
    assert image.width * image.height <= 6000 * 4000 // 4


def test_a_large_png_is_refused_before_it_is_decoded():
    data = encoded("PNG", (4500, 3000))  # 13.5 megapixels: PNG cannot be decoded at a scale
    with pytest.raises(InvalidInput, match="JPEG"):
        images._open(data)


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tx"])
def test_csv_cells_never_start_a_formula(member_client, catalog, text):
    catalog.banana.description_vi = text
    catalog.banana.name_en = text
    db.session.commit()
    exported = member_client.get("/coop/products.csv").get_data(as_text=True).lstrip("\ufeff")
    [row] = [r for r in csv.DictReader(io.StringIO(exported)) if r["gtin"] == catalog.banana.gtin]
    assert row["description_vi"] == "'" + text and row["name_en"] == "'" + text
    assert products.neutral(85_000) == 85_000  # numbers stay numbers


@pytest.fixture
def member_client(app, catalog):
    from tests import factories

    client = app.test_client()
    factories.sign_in(client, factories.user("member", cooperative=catalog.viba))
    return client
