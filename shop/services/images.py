"""Product photos: verified and re-encoded with Pillow (EXIF and all metadata dropped)."""

from __future__ import annotations

import io
import secrets
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from shop.extensions import db
from shop.models import PhotoUpload, Product, ProductImage
from shop.services import outbox
from shop.services.errors import InvalidInput, NotFound

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50-megapixel photo; anything larger is refused, not decoded
# JPEGs are decoded straight at a reduced scale (1/2 to 1/8); PNG and WebP cannot be, so
# they are decoded in full only up to this size (about 48 MB of pixels).
MAX_FULL_DECODE = 12_000_000
ALLOWED = {"JPEG", "PNG", "WEBP"}
SIZES = {"large": 1200, "thumb": 400}
DECODE_EDGE = 2 * max(SIZES.values())  # enough pixels for the largest size we keep


@dataclass(frozen=True)
class Saved:
    path: str
    width: int
    height: int


def _probe(data: bytes) -> None:
    """Refuse what is not a photo we take, without decoding its pixels: the type, the size,
    the pixel count and the file's structure (cheap enough for the request)."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(_l("The photo is larger than 5 MB."))
    with _readable():
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED:
                raise InvalidInput(_l("Send a JPEG, PNG or WebP photo."))
            if probe.width * probe.height > MAX_PIXELS:
                raise InvalidInput(_l("The photo has too many pixels."))
            if probe.format != "JPEG" and probe.width * probe.height > MAX_FULL_DECODE:
                raise InvalidInput(
                    _l("The photo has too many pixels: send a JPEG or a smaller photo.")
                )
        probe.verify()  # checks the file's structure without decoding it all


def _open(data: bytes) -> Image.Image:
    _probe(data)
    with _readable():
        image = Image.open(io.BytesIO(data))
        if image.format == "JPEG":  # memory bounded before decoding: 1/2 to 1/8 scale
            scale = DECODE_EDGE / max(image.size)
            image.draft("RGB", (int(image.width * scale), int(image.height * scale)))
        image.load()
    return ImageOps.exif_transpose(image).convert("RGB")


@contextmanager
def _readable() -> Iterator[None]:
    """Pillow's complaints about a file, as the message a cooperative or shopper reads."""
    try:
        yield
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise InvalidInput(_l("The photo has too many pixels.")) from error
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise InvalidInput(_l("This file is not a photo we can read.")) from error


def _save_in_sizes(data: bytes, name: str, upload_dir: Path) -> Saved:
    """Re-encode the upload as WebP in every size of SIZES (only clean pixels are kept);
    the large one is returned, its thumbnail sits beside it as "-thumb"."""
    image = _open(data)
    upload_dir.mkdir(parents=True, exist_ok=True)
    saved = {}
    for label, edge in SIZES.items():
        copy = image.copy()
        copy.thumbnail((edge, edge))
        filename = f"{name}-{label}.webp"
        copy.save(upload_dir / filename, "WEBP", quality=82, method=4)
        saved[label] = Saved(f"uploads/{filename}", copy.width, copy.height)
    return saved["large"]


def add_photo(product: Product, data: bytes, upload_dir: Path) -> ProductImage:
    """A product photo in two sizes, made now (the demo data, and the worker's part of
    ``receive_photo``)."""
    large = _save_in_sizes(data, f"p{product.id}-{secrets.token_hex(6)}", upload_dir)
    photo = ProductImage(
        product=product,
        path=large.path,
        width=large.width,
        height=large.height,
        position=len(product.images),
    )
    db.session.add(photo)
    db.session.flush()
    return photo


def receive_photo(product: Product, data: bytes) -> PhotoUpload:
    """A product photo checked now and made on the worker (a quarter of a second of
    decoding and re-encoding each, which no cooperative should wait for)."""
    _probe(data)
    upload = PhotoUpload(product=product, data=data)
    db.session.add(upload)
    db.session.flush()
    outbox.enqueue("images.product_photo", upload_id=upload.id)
    return upload


@outbox.handler("images.product_photo")
def make_product_photo(message: dict) -> None:
    """The upload's sizes on disk and a photo in its place (the outbox commits both)."""
    upload = db.session.get(PhotoUpload, message["upload_id"])
    if upload is None or upload.failed:
        return
    try:
        photo = add_photo(upload.product, upload.data, Path(current_app.config["UPLOAD_DIR"]))
    except InvalidInput:  # passed the request's checks, yet its pixels cannot be read
        upload.failed = True
        upload.data = b""
        return
    photo.alt = upload.alt
    db.session.delete(upload)


def forget_upload(product: Product, upload_id: int) -> None:
    """Delete a photo the worker could not read (the cooperative was told)."""
    upload = next((u for u in product.uploads if u.id == upload_id and u.failed), None)
    if upload is None:
        raise NotFound(_l("No such photo."))
    product.uploads.remove(upload)


def save_report_photo(data: bytes, upload_dir: Path) -> Saved:
    """A shopper's photo of a suspect package: re-encoded, metadata (and location) dropped."""
    image = _open(data)
    image.thumbnail((SIZES["large"], SIZES["large"]))
    upload_dir.mkdir(parents=True, exist_ok=True)
    filename = f"r-{secrets.token_hex(8)}-large.webp"
    image.save(upload_dir / filename, "WEBP", quality=80, method=4)
    return Saved(f"uploads/{filename}", image.width, image.height)


def save_event_photo(lot_id: int, data: bytes, upload_dir: Path) -> Saved:
    """A photo of a trace event (a harvest, a packing line), re-encoded like product photos."""
    image = _open(data)
    image.thumbnail((SIZES["large"], SIZES["large"]))
    upload_dir.mkdir(parents=True, exist_ok=True)
    filename = f"e{lot_id}-{secrets.token_hex(6)}-large.webp"
    image.save(upload_dir / filename, "WEBP", quality=80, method=4)
    thumb = image.copy()
    thumb.thumbnail((SIZES["thumb"], SIZES["thumb"]))
    thumb.save(upload_dir / filename.replace("-large.", "-thumb."), "WEBP", quality=80, method=4)
    return Saved(f"uploads/{filename}", image.width, image.height)


def save_logo(cooperative_id: int, data: bytes, upload_dir: Path) -> Saved:
    """A cooperative's logo: square-ish, small, re-encoded like product photos."""
    image = _open(data)
    image.thumbnail((SIZES["thumb"], SIZES["thumb"]))
    upload_dir.mkdir(parents=True, exist_ok=True)
    filename = f"c{cooperative_id}-{secrets.token_hex(6)}-logo.webp"
    image.save(upload_dir / filename, "WEBP", quality=85, method=4)
    return Saved(f"uploads/{filename}", image.width, image.height)


def save_cooperative_photo(cooperative_id: int, data: bytes, upload_dir: Path) -> Saved:
    """A photo of a cooperative's place or people, in the two sizes product photos have."""
    return _save_in_sizes(data, f"c{cooperative_id}-{secrets.token_hex(6)}", upload_dir)


def save_document_image(data: bytes, document_dir: Path) -> Saved:
    """A photo or scan of a certificate: re-encoded, large enough to read its small print.
    Documents live outside the public media folder: they are served only once verified."""
    image = _open(data)
    image.thumbnail((2000, 2000))
    document_dir.mkdir(parents=True, exist_ok=True)
    filename = f"d-{secrets.token_hex(8)}.webp"
    image.save(document_dir / filename, "WEBP", quality=85, method=4)
    return Saved(filename, image.width, image.height)


def save_complaint_photo(data: bytes, directory: Path) -> Saved:
    """A buyer's photo of a parcel they complain about: re-encoded, metadata dropped, and
    kept in a private folder (a parcel's label shows the buyer's name and address)."""
    image = _open(data)
    image.thumbnail((SIZES["large"], SIZES["large"]))
    directory.mkdir(parents=True, exist_ok=True)
    filename = f"k-{secrets.token_hex(8)}.webp"
    image.save(directory / filename, "WEBP", quality=80, method=4)
    return Saved(filename, image.width, image.height)


MAX_PHOTOS = 8


def check_room(product: Product, adding: int) -> None:
    waiting = sum(not upload.failed for upload in product.uploads)
    if len(product.images) + waiting + adding > MAX_PHOTOS:
        raise InvalidInput(_l("A product has at most 8 photos."))


def clean_alt(alt: str) -> str:
    """What a photo shows, read aloud to people who cannot see it: one line, 200 at most."""
    alt = " ".join((alt or "").split())
    if len(alt) > 200:
        raise InvalidInput(_l("Describe the photo in 200 characters at most."))
    return alt


def describe(photo: ProductImage, alt: str) -> None:
    photo.alt = clean_alt(alt)


def move(photo: ProductImage, step: int) -> None:
    """Move a photo one place earlier (-1) or later (+1); the first is the one cards show."""
    photos = list(photo.product.images)
    index = photos.index(photo)
    other = index + step
    if 0 <= other < len(photos):
        photos[index], photos[other] = photos[other], photos[index]
    for position, item in enumerate(photos):
        item.position = position


def remove(photo: ProductImage, upload_dir: Path) -> None:
    """Delete a photo and its files (both sizes); the others close up."""
    product = photo.product
    if photo.path.startswith("uploads/"):
        for size in SIZES:
            name = photo.path.removeprefix("uploads/").replace("-large.", f"-{size}.")
            (upload_dir / name).unlink(missing_ok=True)
    product.images.remove(photo)
    db.session.delete(photo)
    for position, item in enumerate(product.images):
        item.position = position
