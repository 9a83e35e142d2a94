"""What comes in from outside: text both databases can store, and whole numbers they can hold.

PostgreSQL refuses the NUL character in text, and a lone surrogate (``"\\ud800"`` in JSON) cannot
be encoded as UTF-8 by either driver. Requests are checked against these rules once, as they arrive
(:mod:`tracker.web`); imported lines in :func:`tracker.cases.imports.parse_record`.
"""
from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

#: the largest id or code the database holds (a 32-bit signed integer)
MAX_INT = 2**31 - 1
#: the last page a list offers (its offset stays far within the database's integers)
MAX_PAGE = 100_000

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> bool:
    """True when ``text`` holds neither NUL nor a lone surrogate."""
    return _UNSTORABLE.search(text) is None


def first_unstorable(value, name: str = "") -> str | None:
    """The name of the first string or key in ``value`` (parsed JSON: dicts, lists, scalars) that is
    not :func:`storable`, as ``"description"`` or ``"items.2"``; None when every one is."""
    stack = [(name, value)]
    while stack:  # no recursion: the value may be nested as deep as the parser allowed
        where, item = stack.pop()
        if isinstance(item, str):
            if not storable(item):
                return where or "_schema"
        elif isinstance(item, dict):
            for key, child in item.items():
                key_name = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and not storable(key):
                    return where or "_schema"
                stack.append((key_name, child))
        elif isinstance(item, list):
            stack.extend((f"{where}.{index}" if where else str(index), child) for index, child in enumerate(item))
    return None


def utf8_form_encoded(raw: bytes) -> bool:
    """True when ``raw`` (a query string or a form body) and its %-escapes are UTF-8."""
    try:
        raw.decode("utf-8")
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def whole_number(raw: str | None, maximum: int = MAX_INT) -> int | None:
    """``raw`` as a whole number from 0 to ``maximum`` (ASCII digits only); None for anything else."""
    text = (raw or "").strip()
    if not text or len(text) > len(str(maximum)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= maximum else None
