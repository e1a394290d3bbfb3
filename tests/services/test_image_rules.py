"""Photos in: what is refused before decoding (size, type, pixels, a broken file) and with
which message, how large a photo is decoded, and the WebP files each kind of photo leaves
(the sizes, the names, the folder); a product's photos counted, described, moved and deleted."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from PIL import Image

from shop.extensions import db
from shop.models import OutboxMessage, PhotoUpload, ProductImage
from shop.services import images
from shop.services.errors import InvalidInput, NotFound
from tests.services.test_refusals import refused

TOO_LARGE = "The photo is larger than 5 MB."
NOT_A_TYPE_WE_TAKE = "Send a JPEG, PNG or WebP photo."
TOO_MANY_PIXELS = "The photo has too many pixels."
SEND_A_JPEG = "The photo has too many pixels: send a JPEG or a smaller photo."
UNREADABLE = "This file is not a photo we can read."


def encoded(size: tuple[int, int], fmt: str = "JPEG", mode: str = "RGB", **params) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 160, 40, 255)[: len(mode)]).save(out, fmt, **params)
    return out.getvalue()


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose header says it is width x height (nothing is decoded to refuse it)."""
    data = bytearray(encoded((16, 16)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header (with a valid checksum) says it is width x height."""
    data = bytearray(encoded((16, 16), "PNG"))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def padded_to(data: bytes, length: int) -> bytes:
    """A PNG padded after its end chunk to exactly ``length`` bytes (readers ignore it)."""
    return data + b"\0" * (length - len(data))


def webp(path) -> Image.Image:
    image = Image.open(path)
    assert image.format == "WEBP"
    return image


# --- What is refused, and with which message --------------------------------------------


def test_five_megabytes_are_taken_one_byte_more_is_not():
    images._probe(padded_to(encoded((40, 30), "PNG"), images.MAX_BYTES))
    refused(
        InvalidInput,
        lambda: images._probe(padded_to(encoded((40, 30), "PNG"), images.MAX_BYTES + 1)),
        TOO_LARGE,
    )


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_a_gif_bmp_or_tiff_is_refused_by_its_type(fmt):
    refused(InvalidInput, lambda: images._probe(encoded((10, 10), fmt)), NOT_A_TYPE_WE_TAKE)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_jpeg_png_or_webp_is_taken(fmt):
    images._probe(encoded((10, 10), fmt))


def test_fifty_megapixels_are_taken_one_row_more_is_not():
    images._probe(jpeg_claiming(10_000, 5_000))
    refused(InvalidInput, lambda: images._probe(jpeg_claiming(10_000, 5_001)), TOO_MANY_PIXELS)
    refused(InvalidInput, lambda: images._probe(jpeg_claiming(5_001, 10_000)), TOO_MANY_PIXELS)


def test_a_png_is_taken_up_to_twelve_megapixels_a_jpeg_beyond():
    images._probe(png_claiming(4_000, 3_000))
    refused(InvalidInput, lambda: images._probe(png_claiming(4_000, 3_001)), SEND_A_JPEG)
    refused(InvalidInput, lambda: images._probe(png_claiming(3_001, 4_000)), SEND_A_JPEG)
    images._probe(jpeg_claiming(4_000, 3_001))  # a JPEG is decoded at a reduced scale


@pytest.mark.parametrize(
    "data",
    [b"this is a text file, not a photo", b"", encoded((64, 48), "PNG")[:60]],
    ids=["text", "empty", "cut-short-png"],
)
def test_what_is_no_photo_is_refused_as_unreadable(data):
    refused(InvalidInput, lambda: images._probe(data), UNREADABLE)


def test_a_png_with_a_broken_chunk_is_refused_before_its_pixels_are_decoded():
    data = bytearray(encoded((64, 48), "PNG"))
    data[29] ^= 0xFF  # the header's checksum no longer matches
    refused(InvalidInput, lambda: images._probe(bytes(data)), UNREADABLE)


def test_a_refused_photo_is_never_stored_nor_sent_to_the_worker(catalog):
    refused(InvalidInput, lambda: images.receive_photo(catalog.banana, b"not a photo"), UNREADABLE)
    assert db.session.query(PhotoUpload).count() == 0
    assert db.session.query(OutboxMessage).count() == 0


def test_a_photo_taken_is_stored_and_handed_to_the_worker(catalog):
    data = encoded((64, 48))
    upload = images.receive_photo(catalog.banana, data)
    db.session.commit()
    db.session.expire_all()
    assert (upload.product_id, upload.data, upload.failed) == (catalog.banana.id, data, False)
    [message] = db.session.query(OutboxMessage).all()
    assert (message.kind, message.payload) == ("images.product_photo", {"upload_id": upload.id})


# --- How a photo is decoded -----------------------------------------------------------


def test_a_wide_jpeg_is_decoded_at_half_scale_enough_for_the_large_size():
    image = images._open(encoded((5_000, 1_000)))
    assert (image.size, image.mode) == ((2_500, 500), "RGB")


def test_a_jpeg_small_enough_is_decoded_whole():
    assert images._open(encoded((2_400, 600))).size == (2_400, 600)


def test_a_png_with_transparency_or_a_grey_jpeg_comes_out_rgb():
    assert images._open(encoded((30, 20), "PNG", "RGBA")).mode == "RGB"
    assert images._open(encoded((30, 20), "JPEG", "L")).mode == "RGB"


def test_a_phone_photo_is_turned_upright_by_its_orientation_tag():
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone on its side
    assert images._open(encoded((300, 200), exif=exif)).size == (200, 300)


def test_a_photo_refused_by_its_type_is_not_decoded():
    refused(InvalidInput, lambda: images._open(encoded((10, 10), "GIF")), NOT_A_TYPE_WE_TAKE)


# --- The files each kind of photo leaves ------------------------------------------------


def test_a_product_photo_is_kept_in_two_webp_sizes_numbered_after_the_others(catalog, tmp_path):
    folder = tmp_path / "new" / "uploads"  # made when missing
    first = images.add_photo(catalog.banana, encoded((3_000, 1_500)), folder)
    second = images.add_photo(catalog.banana, encoded((300, 600), "PNG"), folder)
    db.session.commit()
    assert re.fullmatch(rf"uploads/p{catalog.banana.id}-[0-9a-f]{{12}}-large\.webp", first.path)
    assert (first.width, first.height, first.position) == (1_200, 600, 0)
    assert (second.width, second.height, second.position) == (300, 600, 1)  # never enlarged
    large = folder / first.path.removeprefix("uploads/")
    assert webp(large).size == (1_200, 600)
    assert webp(str(large).replace("-large.", "-thumb.")).size == (400, 200)
    assert len(list(folder.iterdir())) == 4
    assert [p.id for p in catalog.banana.images] == [first.id, second.id]


def test_a_cooperative_s_photo_has_the_two_sizes_of_product_photos(tmp_path):
    saved = images.save_cooperative_photo(7, encoded((900, 1_800)), tmp_path / "u")
    assert re.fullmatch(r"uploads/c7-[0-9a-f]{12}-large\.webp", saved.path)
    assert (saved.width, saved.height) == (600, 1_200)
    name = saved.path.removeprefix("uploads/")
    assert webp(tmp_path / "u" / name).size == (600, 1_200)
    assert webp(tmp_path / "u" / name.replace("-large.", "-thumb.")).size == (200, 400)


def test_a_report_photo_is_kept_in_the_large_size_only(tmp_path):
    saved = images.save_report_photo(encoded((2_000, 1_000)), tmp_path / "u")
    assert re.fullmatch(r"uploads/r-[0-9a-f]{16}-large\.webp", saved.path)
    assert (saved.width, saved.height) == (1_200, 600)
    [file] = (tmp_path / "u").iterdir()
    assert file.name == saved.path.removeprefix("uploads/") and webp(file).size == (1_200, 600)


def test_an_event_photo_is_kept_large_and_as_a_thumbnail(tmp_path):
    saved = images.save_event_photo(42, encoded((1_000, 2_000)), tmp_path / "u")
    assert re.fullmatch(r"uploads/e42-[0-9a-f]{12}-large\.webp", saved.path)
    assert (saved.width, saved.height) == (600, 1_200)
    name = saved.path.removeprefix("uploads/")
    assert webp(tmp_path / "u" / name).size == (600, 1_200)
    assert webp(tmp_path / "u" / name.replace("-large.", "-thumb.")).size == (200, 400)
    assert len(list((tmp_path / "u").iterdir())) == 2


def test_a_logo_is_kept_small(tmp_path):
    saved = images.save_logo(9, encoded((1_000, 500), "PNG"), tmp_path / "u")
    assert re.fullmatch(r"uploads/c9-[0-9a-f]{12}-logo\.webp", saved.path)
    assert (saved.width, saved.height) == (400, 200)
    [file] = (tmp_path / "u").iterdir()
    assert file.name == saved.path.removeprefix("uploads/") and webp(file).size == (400, 200)


def test_a_certificate_scan_keeps_enough_pixels_to_read_and_stays_private(tmp_path):
    saved = images.save_document_image(encoded((3_000, 1_500)), tmp_path / "documents")
    assert re.fullmatch(r"d-[0-9a-f]{16}\.webp", saved.path)  # no public "uploads/" path
    assert (saved.width, saved.height) == (2_000, 1_000)
    assert webp(tmp_path / "documents" / saved.path).size == (2_000, 1_000)


def test_a_complaint_photo_is_kept_large_in_its_private_folder(tmp_path):
    saved = images.save_complaint_photo(encoded((1_800, 2_400)), tmp_path / "complaints")
    assert re.fullmatch(r"k-[0-9a-f]{16}\.webp", saved.path)
    assert (saved.width, saved.height) == (900, 1_200)
    assert webp(tmp_path / "complaints" / saved.path).size == (900, 1_200)


@pytest.mark.parametrize(
    "save",
    [
        lambda data, folder: images.save_report_photo(data, folder),
        lambda data, folder: images.save_event_photo(1, data, folder),
        lambda data, folder: images.save_logo(1, data, folder),
        lambda data, folder: images.save_cooperative_photo(1, data, folder),
        lambda data, folder: images.save_document_image(data, folder),
        lambda data, folder: images.save_complaint_photo(data, folder),
    ],
    ids=["report", "event", "logo", "cooperative", "document", "complaint"],
)
def test_every_kind_of_photo_is_checked_and_leaves_no_file_when_refused(save, tmp_path):
    folder = tmp_path / "media" / "u"  # neither exists yet: both are made
    refused(InvalidInput, lambda: save(encoded((10, 10), "GIF"), folder), NOT_A_TYPE_WE_TAKE)
    assert not (tmp_path / "media").exists()
    two = [save(encoded((60, 40)), folder) for _ in range(2)]
    assert two[0].path != two[1].path  # a fresh name each time
    assert (two[0].width, two[0].height) == (60, 40)
    assert all(webp(file).size == (60, 40) for file in folder.iterdir())


# --- A product's photos -----------------------------------------------------------------


@pytest.fixture
def three_photos(catalog, tmp_path) -> list[ProductImage]:
    made = [images.add_photo(catalog.banana, encoded((80, 60)), tmp_path) for _ in range(3)]
    db.session.commit()
    return made


def positions(product) -> list[int]:
    db.session.flush()
    db.session.expire_all()
    return [p.id for p in sorted(product.images, key=lambda p: p.position)]


def test_a_photo_moves_one_place_and_stays_put_at_either_end(catalog, three_photos):
    a, b, c = (p.id for p in three_photos)
    images.move(three_photos[1], -1)
    assert positions(catalog.banana) == [b, a, c]
    images.move(db.session.get(ProductImage, c), +1)  # already the last
    assert positions(catalog.banana) == [b, a, c]
    images.move(db.session.get(ProductImage, b), -1)  # already the first
    assert positions(catalog.banana) == [b, a, c]
    images.move(db.session.get(ProductImage, a), +1)
    assert positions(catalog.banana) == [b, c, a]
    assert [p.position for p in catalog.banana.images] == [0, 1, 2]


def test_removing_a_photo_deletes_both_its_files_and_closes_up(catalog, three_photos, tmp_path):
    a, b, c = three_photos
    keep = {f.name for f in tmp_path.iterdir()} - {
        b.path.removeprefix("uploads/"),
        b.path.removeprefix("uploads/").replace("-large.", "-thumb."),
    }
    images.remove(b, tmp_path)
    db.session.commit()
    assert {f.name for f in tmp_path.iterdir()} == keep and len(keep) == 4
    assert [(p.id, p.position) for p in catalog.banana.images] == [(a.id, 0), (c.id, 1)]
    assert db.session.get(ProductImage, b.id) is None


def test_removing_a_demo_photo_outside_uploads_touches_no_file(catalog, tmp_path):
    photo = ProductImage(product=catalog.banana, path="img/demo-large.webp", position=0)
    db.session.add(photo)
    db.session.flush()
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "demo-large.webp").write_bytes(b"kept")
    images.remove(photo, tmp_path)  # a file of the site's own, left alone
    assert (tmp_path / "img" / "demo-large.webp").read_bytes() == b"kept"
    assert catalog.banana.images == []


def test_eight_photos_with_those_waiting_and_no_more(catalog, three_photos):
    product = catalog.banana
    for _ in range(3):
        images.receive_photo(product, encoded((20, 20)))
    failed = images.receive_photo(product, encoded((20, 20)))
    failed.failed = True  # a photo the worker could not read takes no place
    db.session.flush()
    images.check_room(product, 2)  # 3 made + 3 waiting + 2
    refused(InvalidInput, lambda: images.check_room(product, 3), "A product has at most 8 photos.")


def test_only_a_failed_upload_of_the_product_can_be_forgotten(catalog):
    waiting = images.receive_photo(catalog.banana, encoded((20, 20)))
    failed = images.receive_photo(catalog.banana, encoded((20, 20)))
    failed.failed = True
    db.session.flush()
    for product, upload_id in ((catalog.banana, waiting.id), (catalog.tea, failed.id)):
        refused(
            NotFound,
            lambda product=product, upload_id=upload_id: images.forget_upload(product, upload_id),
            "No such photo.",
        )
    images.forget_upload(catalog.banana, failed.id)
    db.session.commit()
    assert [u.id for u in catalog.banana.uploads] == [waiting.id]


def test_a_photo_is_described_in_one_line_of_two_hundred_characters_at_most(three_photos):
    photo = three_photos[0]
    images.describe(photo, "  Gói chuối\n sấy  mở miệng ")
    assert photo.alt == "Gói chuối sấy mở miệng"
    assert images.clean_alt(None) == images.clean_alt("   ") == ""
    assert images.clean_alt(" " + "x" * 200 + " ") == "x" * 200
    refused(
        InvalidInput,
        lambda: images.describe(photo, "x" * 201),
        "Describe the photo in 200 characters at most.",
    )
    assert photo.alt == "Gói chuối sấy mở miệng"


def test_a_photo_whose_files_are_already_gone_is_still_removed(catalog, three_photos, tmp_path):
    for file in tmp_path.iterdir():
        file.unlink()  # another machine's disk, or removed by hand
    images.remove(three_photos[0], tmp_path)
    db.session.commit()
    assert [p.id for p in catalog.banana.images] == [p.id for p in three_photos[1:]]
