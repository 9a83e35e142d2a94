"""Screenshots: prove a file is an image, refuse bombs, drop metadata, re-encode. Pure functions.

Only PNG, JPEG and WebP are taken, at most 5 MB each and 12 megapixels (a 4000×3000 screen is
the largest a screenshot needs). The size is read from the header before any pixel is decoded, so a
small file that claims a huge image costs nothing. The file is decoded by Pillow (so a renamed
script or an SVG is refused whatever its name), the EXIF orientation is applied, and the pixels are
written into a fresh file of the same format without any metadata, without the slow ``optimize``
passes. At most ``DECODE_SLOTS`` images are decoded at once in one process; a request that waits
longer than ``DECODE_WAIT_SECONDS`` for a slot is refused as busy.
"""
from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from tracker.cases.validation import MAX_SCREENSHOTS, Invalid

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 12_000_000
DECODE_SLOTS = 2
DECODE_WAIT_SECONDS = 10
_decode_slots = threading.BoundedSemaphore(DECODE_SLOTS)
# Pillow warns above this and raises above twice this, at open, before decoding any pixels
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

FORMATS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "WEBP": ("image/webp", "webp")}


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded screenshot, ready to store as an Attachment."""

    data: bytes
    content_type: str
    filename: str
    width: int
    height: int


def safe_filename(name: str | None, extension: str) -> str:
    """A display name without directories or odd characters, with the real extension."""
    stem = PurePath((name or "").replace("\\", "/")).stem
    stem = "".join(ch for ch in stem if ch.isalnum() or ch in "-_ .")[:80].strip() or "screenshot"
    return f"{stem}.{extension}"


class Busy(Invalid):
    """Every decode slot of this process stayed taken: try again shortly."""


def process_screenshot(data: bytes, filename: str | None = None) -> CleanImage:
    """Decode, check and re-encode one uploaded image; raise :class:`Invalid` when refused."""
    if not _decode_slots.acquire(timeout=DECODE_WAIT_SECONDS):
        raise Busy(_l("服务器正忙，请稍后重新提交。"))
    try:
        return _process(data, filename)
    finally:
        _decode_slots.release()


def _process(data: bytes, filename: str | None) -> CleanImage:
    name = safe_filename(filename, "")[:-1] or "screenshot"
    if len(data) > MAX_BYTES:
        raise Invalid(_l("“%(name)s”超过5MB（%(size).1fMB），请压缩后再上传。", name=name, size=len(data) / 1048576))
    if not data:
        raise Invalid(_l("“%(name)s”是空文件。", name=name))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in FORMATS:
                    raise Invalid(_l("“%(name)s”不是 PNG、JPEG 或 WebP 图片。", name=name))
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise Invalid(_l("“%(name)s”尺寸过大，不能作为截图接收。", name=name))
                content_type, extension = FORMATS[image.format]
                image.seek(0)  # the first frame of an animation
                image.load()
                clean = ImageOps.exif_transpose(image)
                return _encode(clean, image.format, content_type, safe_filename(filename, extension))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid(_l("“%(name)s”尺寸过大，不能作为截图接收。", name=name)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        if isinstance(exc, Invalid):
            raise
        raise Invalid(_l("“%(name)s”不是有效的图片文件（仅接收 PNG、JPEG、WebP）。", name=name)) from None


def _encode(image: Image.Image, fmt: str, content_type: str, filename: str) -> CleanImage:
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif fmt in ("PNG", "WEBP") and image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    # a fresh image holds pixels only: no EXIF, XMP, ICC or text chunks travel across
    fresh = Image.new(image.mode, image.size)
    if image.mode == "P":
        fresh.putpalette(image.getpalette())
    fresh.paste(image)
    out = io.BytesIO()
    # no ``optimize``: its extra passes cost seconds on a large image, inside the request
    options = {"JPEG": {"quality": 85}, "WEBP": {"quality": 85, "method": 0}, "PNG": {"compress_level": 6}}[fmt]
    fresh.save(out, fmt, **options)
    return CleanImage(out.getvalue(), content_type, filename, fresh.width, fresh.height)


def process_screenshots(files: list[tuple[str | None, bytes]]) -> tuple[list[CleanImage], list[str | Invalid]]:
    """Process up to three ``(filename, data)`` pairs: ``(images, errors)``; empty uploads are skipped."""
    files = [(name, data) for name, data in files if data or name]
    errors: list = []
    if len(files) > MAX_SCREENSHOTS:
        errors.append(Invalid(_l("最多上传%(n)s张截图。", n=MAX_SCREENSHOTS)))
        return [], errors
    images = []
    for name, data in files:
        try:
            images.append(process_screenshot(data, name))
        except Invalid as exc:
            errors.append(exc)
    return images, errors
