"""QR codes of the shop's links: what a phone reads back, the quiet zone ISO/IEC 18004 asks
for, the two error-correction levels and two formats offered, a cache validator that
changes with each of them, and label batches worked out in forked processes only when the
command line asks for it on a large batch."""

from __future__ import annotations

import io
import multiprocessing
import os
import re

import pytest
import zxingcpp
from PIL import Image

from shop.services import qr
from shop.services.errors import InvalidInput
from tests.services.test_refusals import refused

URI = "https://id.gs1.org/01/08936010300018"
PIXELS_PER_MODULE = 8


def read_png(data: bytes) -> list[tuple[str, str]]:
    image = Image.open(io.BytesIO(data))
    return [(code.text, code.ec_level) for code in zxingcpp.read_barcodes(image)]


def png_size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


@pytest.mark.parametrize("level", ["M", "Q"])
def test_a_png_reads_back_as_its_link_at_the_level_asked(level):
    image = qr.render(URI, "png", level)
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    assert read_png(image) == [(URI, level)]


def test_a_png_is_the_default_with_level_m_and_eight_pixels_a_module():
    image = qr.render(URI)
    assert read_png(image) == [(URI, "M")]
    side = len(qr.matrix(URI)) * PIXELS_PER_MODULE
    assert png_size(image) == (side, side)


def test_an_svg_is_a_vector_image_of_the_same_symbol():
    image = qr.render(URI, "svg", "Q")
    assert image.startswith(b"<?xml") and b"<svg" in image and b"<path" in image
    assert b"PNG" not in image[:8]


def test_the_symbol_has_four_light_modules_of_quiet_zone_on_every_side():
    modules = qr.matrix(URI)
    side = len(modules)
    assert side == 4 * 3 + 17 + 2 * qr.QUIET_ZONE  # version 3 holds this link at level M
    assert all(len(row) == side for row in modules)
    edge = [*range(qr.QUIET_ZONE), *range(side - qr.QUIET_ZONE, side)]
    assert not any(modules[r][c] for r in edge for c in range(side))
    assert not any(modules[r][c] for r in range(side) for c in edge)
    assert modules[qr.QUIET_ZONE][qr.QUIET_ZONE]  # the finder pattern's corner


def test_level_m_is_the_default_and_q_is_another_symbol():
    assert qr.matrix(URI) == qr.matrix(URI, "M")
    assert qr.matrix(URI, "Q") != qr.matrix(URI, "M")
    assert qr.matrix(URI) != qr.matrix(URI + "1")


@pytest.mark.parametrize("level", ["L", "H", "m", ""])
def test_other_error_correction_levels_are_refused(level):
    message = "Error correction is M or Q."
    refused(InvalidInput, lambda: qr.matrix(URI, level), message)
    refused(InvalidInput, lambda: qr.render(URI, "png", level), message)


@pytest.mark.parametrize("fmt", ["gif", "PNG", "SVG", ""])
def test_other_image_formats_are_refused(fmt):
    refused(InvalidInput, lambda: qr.render(URI, fmt, "M"), "QR images are PNG or SVG.")


def test_the_cache_validator_changes_with_the_link_the_format_and_the_level():
    tag = qr.etag(URI, "png", "M")
    assert re.fullmatch(r"[0-9a-f]{32}", tag)
    assert qr.etag(URI, "png", "M") == tag
    others = {qr.etag(URI + "1", "png", "M"), qr.etag(URI, "svg", "M"), qr.etag(URI, "png", "Q")}
    assert len(others) == 3 and tag not in others


class RecordingPool:
    """Stands in for the process pool: records how it was set up and maps in this process."""

    made: list[dict] = []

    def __init__(self, max_workers=None, mp_context=None):
        self.made.append({"max_workers": max_workers, "mp_context": mp_context})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, fn, items, chunksize=1):
        self.made[-1]["chunksize"] = chunksize
        return map(fn, items)


@pytest.fixture
def pool(monkeypatch):
    RecordingPool.made = []
    monkeypatch.setattr(qr, "ProcessPoolExecutor", RecordingPool)
    return RecordingPool.made


def links(n: int) -> list[str]:
    return [f"https://ocop.vn/{i}" for i in range(n)]


def ends(items: list) -> list:
    assert len(items) in (199, 200)
    return [items[0], items[-1]]


def cores(monkeypatch, count) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: count)


def test_a_large_batch_is_split_over_forked_processes_only_when_asked(monkeypatch, pool):
    cores(monkeypatch, 4)
    uris = links(200)
    one_by_one = qr.matrices(uris, "Q")
    assert pool == []
    assert ends(one_by_one) == [qr.matrix(uris[0], "Q"), qr.matrix(uris[-1], "Q")]
    assert qr.matrices(uris, "Q", parallel=True) == one_by_one
    [made] = pool
    assert made["max_workers"] == 4 and made["chunksize"] == 50
    assert made["mp_context"].get_start_method() == "fork"


def test_a_batch_under_two_hundred_links_stays_in_one_process(monkeypatch, pool):
    cores(monkeypatch, 4)
    uris = links(199)
    assert ends(qr.matrices(uris, parallel=True)) == [qr.matrix(uris[0]), qr.matrix(uris[-1])]
    assert pool == []


@pytest.mark.parametrize(("count", "workers"), [(2, 2), (8, 8), (16, 8)])
def test_at_most_eight_processes_are_forked_and_at_least_two(monkeypatch, pool, count, workers):
    cores(monkeypatch, count)
    assert len(qr.matrices(links(200), parallel=True)) == 200
    assert [made["max_workers"] for made in pool] == [workers]


@pytest.mark.parametrize("count", [1, None])
def test_a_single_core_works_the_batch_in_one_process(monkeypatch, pool, count):
    cores(monkeypatch, count)
    uris = links(200)
    assert ends(qr.matrices(uris, parallel=True)) == [qr.matrix(uris[0]), qr.matrix(uris[-1])]
    assert pool == []


@pytest.fixture
def spawning_by_default():
    """A platform whose processes do not fork by default (spawn on macOS and Windows)."""
    before = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method("spawn", force=True)
    yield
    multiprocessing.set_start_method(before, force=True)


def test_the_batch_forks_even_where_processes_spawn_by_default(
    monkeypatch, pool, spawning_by_default
):
    cores(monkeypatch, 2)
    qr.matrices(links(200), parallel=True)
    assert [made["mp_context"].get_start_method() for made in pool] == ["fork"]
