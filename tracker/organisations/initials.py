"""The pinyin initials of a site's name (广州市人力资源和社会保障局 -> gzsrlzyhshbzj), stored with the
site so that the public site lookup finds it by what people type (``gzrs``)."""
from __future__ import annotations

from pypinyin import Style, lazy_pinyin

MAX_LENGTH = 300


def name_initials(name: str) -> str:
    """The first letter of each Chinese character's reading, letters and digits kept, lower case."""
    letters = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors=lambda text: list(text))
    return "".join(ch for part in letters for ch in part.lower() if ch.isascii() and ch.isalnum())[:MAX_LENGTH]
