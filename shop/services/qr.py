"""QR codes of GS1 Digital Link URIs, as PNG or SVG: a pure function of the URI."""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from functools import partial

import qrcode
import qrcode.image.svg
from flask_babel import lazy_gettext as _l
from qrcode.constants import ERROR_CORRECT_M, ERROR_CORRECT_Q

from shop.services.errors import InvalidInput

QUIET_ZONE = 4  # modules, as ISO/IEC 18004 asks
ERROR_LEVELS = {"M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q}
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


def _code(uri: str, level: str) -> qrcode.QRCode:
    if level not in ERROR_LEVELS:
        raise InvalidInput(_l("Error correction is M or Q."))
    code = qrcode.QRCode(error_correction=ERROR_LEVELS[level], border=QUIET_ZONE, box_size=8)
    code.add_data(uri)
    code.make(fit=True)
    return code


def matrix(uri: str, level: str = "M") -> list[list[bool]]:
    """The modules of the symbol, quiet zone included (True is dark)."""
    return _code(uri, level).get_matrix()


def render(uri: str, fmt: str = "png", level: str = "M") -> bytes:
    """The QR image of ``uri`` as PNG or SVG bytes."""
    if fmt not in FORMATS:
        raise InvalidInput(_l("QR images are PNG or SVG."))
    code = _code(uri, level)
    buffer = io.BytesIO()
    if fmt == "svg":
        code.make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    else:
        code.make_image().save(buffer)
    return buffer.getvalue()


def etag(uri: str, fmt: str, level: str) -> str:
    """A strong validator: the image depends on nothing but these three values."""
    return hashlib.sha256(f"{uri}|{fmt}|{level}|v1".encode()).hexdigest()[:32]


def matrices(uris: list[str], level: str = "M", parallel: bool = False) -> list[list[list[bool]]]:
    """Matrices of many URIs. ``parallel`` (the command line only) forks a process per core
    for large batches; the web app never forks inside a request or a background thread."""
    workers = min(os.cpu_count() or 1, 8)
    if not parallel or len(uris) < 200 or workers < 2:
        return [matrix(uri, level) for uri in uris]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(partial(matrix, level=level), uris, chunksize=50))
