"""Screenshots: prove a file is an image, refuse bombs, drop metadata, re-encode. Pure functions.

Only PNG, JPEG and WebP are taken, at most 5 MB each and 40 megapixels. The file is decoded by
Pillow (so a renamed script or an SVG is refused whatever its name), the EXIF orientation is
applied, and the pixels are written into a fresh file of the same format without any metadata.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from tracker.cases.validation import MAX_SCREENSHOTS, Invalid

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
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


def process_screenshot(data: bytes, filename: str | None = None) -> CleanImage:
    """Decode, check and re-encode one uploaded image; raise :class:`Invalid` when refused."""
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
    options = {"JPEG": {"quality": 85, "optimize": True}, "WEBP": {"quality": 85}, "PNG": {"optimize": True}}[fmt]
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
