"""Builders for the public-side tests: images, forms and closed cases."""
from __future__ import annotations

import io
import re
import struct
import zlib

from PIL import Image
from sqlmodel import select

from tracker.cases import operations as ops
from tracker.cases.models import Case
from tracker.organisations.models import Organisation


def png_bytes(width: int = 64, height: int = 48, color: str = "red", exif: bool = False, fmt: str = "PNG") -> bytes:
    image = Image.new("RGB", (width, height), color)
    out = io.BytesIO()
    options = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCamera"  # Make
        data[0x8825] = {2: (39.0, 54.0, 0.0)}  # GPS latitude
        options["exif"] = data.tobytes()
    image.save(out, fmt, **options)
    return out.getvalue()


def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A valid 1-bit greyscale PNG of ``width`` x ``height`` black pixels: its zero rows compress to
    tens of kilobytes on disk, and it is 400 megapixels once decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    compressor = zlib.compressobj(9)
    rows = b"\x00" * ((width + 7) // 8 + 1) * 1000
    body = b"".join(compressor.compress(rows) for _ in range(height // 1000)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def report_data(**overrides) -> dict:
    data = {
        "page_url": "https://www.example.gov.cn/zwgk/notice.html",
        "category": "2",
        "description": "通知中的办理时间写错了，应为工作日9:00-17:00。",
        "contact_name": "王小明",
        "contact_phone": "13912345678",
        "contact_email": "",
        "consent": "y",
    }
    data.update(overrides)
    return data


def case_count(session) -> int:
    return len(session.exec(select(Case.id)).all())


_ACTORS: dict = {}


def _actors(factory, session, site):
    """One organiser and one supervisor per site and session (creating users hashes passwords: slow)."""
    key = (id(session), site.id)
    if key not in _ACTORS:
        _ACTORS.clear()
        _ACTORS[key] = (factory.actor("organiser", org=session.get(Organisation, site.organiser_id)),
                        factory.actor("supervisor", org=session.get(Organisation, site.supervisor_id)))
    return _ACTORS[key]


def close_case(factory, session, *, description: str, answer: str, contact_name: str = "", site=None,
               category: int = 2, page_url: str | None = None) -> Case:
    """A case taken through the real operations: submitted, accepted, answered, approved."""
    site = site or factory.site()
    case = factory.case(site=site, description=description, contact_name=contact_name, category=category,
                        contact_phone="13900000000", **({"page_url": page_url} if page_url else {}))
    organiser, supervisor = _actors(factory, session, site)
    ops.accept(session, case, organiser)
    ops.answer(session, case, organiser, text=answer)
    ops.approve(session, case, supervisor)
    session.flush()
    return case


#: contact emails that are not one plain address: lists, display names, quoted or bracketed parts
BAD_EMAILS = [
    "victim@evil.example,x",
    "victim@evil.example,attacker@evil.example",
    "victim@evil.example;attacker@evil.example",
    "Victim <victim@evil.example>",
    "<victim@evil.example>",
    "victim@evil.example attacker@evil.example",
    '"victim,x"@evil.example',
    "victim(comment)@evil.example",
    "victim@@evil.example",
    "victim@[127.0.0.1]",
    "victim@localhost",
    "victim@evil.example\nBcc: attacker@evil.example",
]


def submit_form(client, session, **overrides) -> tuple[Case, str]:
    """Send the report form; the stored case and its query code, as the confirmation page shows it."""
    response = client.post("/report", data=report_data(**overrides))
    assert response.status_code == 303, response.get_data(as_text=True)
    html = client.get("/report/received").get_data(as_text=True)
    number = re.search(r'id="tracking-number"[^>]*>([^<]+)<', html).group(1)
    code = re.search(r'id="query-code"[^>]*>([^<]+)<', html).group(1)
    return session.exec(select(Case).where(Case.tracking_number == number)).one(), code


def answer_and_close(factory, session, case: Case, answer: str) -> None:
    organiser = factory.actor("organiser", org=session.get(Organisation, case.organiser_id))
    ops.accept(session, case, organiser)
    ops.answer(session, case, organiser, text=answer)
    ops.approve(session, case, factory.actor("admin"))
    session.flush()
