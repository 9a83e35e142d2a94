"""Translations. Message ids are the Simplified Chinese text; English lives in .po catalogues.

Each area keeps its own catalogue (``tracker/<area>/translations``) so that they can grow
independently; strings of a package without a catalogue of its own go to the shared one,
``tracker/translations``. Catalogues are compiled to .mo on start-up when missing or stale.

Strings are marked with flask-babel: ``gettext`` (``_``) where a request is rendering,
``lazy_gettext`` (``_l``) for module-level names and for messages rendered later (a refusal is
shown in the language of whoever reads it), ``pgettext``/``lazy_pgettext`` where one Chinese word
means different things (a state, a queue, an action). Values go in as named placeholders:
``_("内容不能超过%(n)s字。", n=max_length)``. A message is %-formatted when it is given values, and
in templates always: there a literal ``%`` is ``%%``, as in any message with placeholders.
Where both languages are needed at once (a bilingual line, a Chinese-only file, a language chosen
by the caller), :func:`in_language` renders a lazy string in the language asked for.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_app_context
from flask_babel import Babel, force_locale, get_locale
from flask_babel.speaklater import LazyString

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


def in_language(text, language: str) -> str:
    """``text`` (a lazy string, or a plain one) rendered in ``language``.

    In an app context (every request, command and job has one) the app's catalogues are used;
    outside any (a document built when a module is imported), those of a bare app that knows only
    the catalogues.
    """
    if has_app_context():
        with force_locale(language):
            return str(text)
    with _catalogues_only().app_context(), force_locale(language):
        return str(text)


@cache
def _catalogues_only() -> Flask:
    compile_catalogues()
    app = Flask(__name__)
    app.config.update(BABEL_DEFAULT_LOCALE="zh",
                      BABEL_TRANSLATION_DIRECTORIES=";".join(translation_directories()))
    Babel(app)
    return app


def lowercase(text) -> LazyString:
    """``text`` lower-cased when it is rendered: an English name used inside a sentence."""
    return LazyString(lambda: str(text).lower())


def joined(separator, items) -> LazyString:
    """``items`` joined with ``separator`` (a lazy string: "；" in Chinese, "; " in English)."""
    return LazyString(lambda: str(separator).join(str(item) for item in items))
