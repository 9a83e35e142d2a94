"""Translations. Message ids are the Simplified Chinese text; English lives in .po catalogues.

Each area keeps its own catalogue (``tracker/<area>/translations``) so that they can grow
independently. Catalogues are compiled to .mo on start-up when missing or stale.
"""
from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import get_locale

PACKAGE_DIR = Path(__file__).resolve().parent


def translation_directories() -> list[str]:
    return sorted(str(p) for p in PACKAGE_DIR.glob("**/translations") if p.is_dir())


def compile_catalogues() -> None:
    """Write each ``messages.mo`` that is older than its ``messages.po``."""
    for po_path in PACKAGE_DIR.glob("**/translations/*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        try:
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
        except OSError:  # a read-only install: the ids (Chinese) still show
            pass


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "zh"


def pick(pair: tuple[str, str]) -> str:
    """Choose from a ``(zh, en)`` pair by the current language."""
    return pair[1] if current_language() == "en" else pair[0]
