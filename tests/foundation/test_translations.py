"""One translation system: gettext catalogues, with the Chinese text as the message id.

Every message that ``tracker/`` and ``templates/`` mark (babel's own extraction, the python and
jinja2 extractors) has a non-empty English translation in some catalogue; catalogues that hold
the same message agree on it; placeholders format; and no ``(zh, en)`` pair or ``pick(`` is left.
"""
from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from tracker import ROOT

TRACKER = ROOT / "tracker"
TEMPLATES = ROOT / "templates"
#: babel's defaults plus flask-babel's lazy forms, under the names the code imports them as
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2)}
METHODS = {
    TRACKER: [("**.py", "python")],
    TEMPLATES: [("**.html", "jinja2.ext:babel_extract")],
}
CJK = re.compile(r"[\u4e00-\u9fff]")
#: English words: a capital letter or a space (a host name or a slug is neither)
ENGLISH = re.compile(r"[A-Za-z].*(?:[A-Z]|\s)|[A-Z]")

Key = tuple  # (context or None, message id)


def extracted_messages() -> dict[Key, list[str]]:
    """(context, id) -> where it is used, ``path:line``."""
    found: dict[Key, list[str]] = defaultdict(list)
    for directory, method_map in METHODS.items():
        for filename, lineno, message, _comments, context in extract_from_dir(
                directory, method_map, keywords=KEYWORDS):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found[(context, msgid)].append(f"{directory.name}/{filename}:{lineno}")
    return found


def catalogue_files() -> list[Path]:
    return sorted(TRACKER.glob("**/translations/en/LC_MESSAGES/messages.po"))


def catalogue_entries(paths: list[Path]) -> dict[Key, list[tuple[str, str]]]:
    """(context, id) -> [(catalogue, English)] over every English catalogue."""
    entries: dict[Key, list[tuple[str, str]]] = defaultdict(list)
    for path in paths:
        with path.open("rb") as handle:
            catalogue = read_po(handle)
        for message in catalogue:
            if message.id:
                name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
                entries[(message.context, message.id)].append((name, message.string))
    return entries


def missing_english(used: dict[Key, list[str]], entries: dict[Key, list[tuple[str, str]]]) -> list[str]:
    return [f"{where[0]}: {key[1]!r}" + (f" (context {key[0]!r})" if key[0] else "")
            for key, where in sorted(used.items(), key=lambda item: item[1][0])
            if not any(english.strip() for _path, english in entries.get(key, []))]


def test_every_message_has_english():
    used = extracted_messages()
    assert len(used) > 300, "the extraction found too little: are the keywords right?"
    missing = missing_english(used, catalogue_entries(catalogue_files()))
    assert not missing, "no English for:\n" + "\n".join(missing)


def test_a_missing_english_entry_is_reported(tmp_path):
    """The check above fails when a catalogue loses an entry (here: the name of a state)."""
    cases = TRACKER / "cases/translations/en/LC_MESSAGES/messages.po"
    with cases.open("rb") as handle:
        catalogue = read_po(handle)
    assert catalogue.get("待审核", context="state") is not None
    catalogue.delete("待审核", context="state")
    shortened = tmp_path / "messages.po"
    with shortened.open("wb") as handle:
        write_po(handle, catalogue)
    others = [path for path in catalogue_files() if path != cases]
    missing = missing_english(extracted_messages(), catalogue_entries([*others, shortened]))
    assert len(missing) == 1 and "'待审核' (context 'state')" in missing[0], missing


def test_catalogues_agree():
    """Catalogues are merged into one at run time, the last one winning: a message held by two must
    say the same in both (a word that means two things gets a context: ``pgettext("state", …)``)."""
    disagreements = [f"{key}: {sorted(set(entries))}" for key, entries in catalogue_entries(catalogue_files()).items()
                     if len({english for _path, english in entries}) > 1]
    assert not disagreements, "\n".join(disagreements)


def test_placeholders_format():
    """Messages with values are %-formatted (templates format every message): a literal % is %%."""
    used = extracted_messages()
    entries = catalogue_entries(catalogue_files())
    broken = []
    for key, where in used.items():
        formatted = any(place.startswith("templates/") for place in where)
        for text in [key[1]] + [english for _path, english in entries.get(key, [])]:
            if formatted or "%(" in text or "%%" in text:
                try:
                    text % defaultdict(int)
                except (ValueError, TypeError, KeyError) as exc:
                    broken.append(f"{where[0]}: {text!r}: {exc}")
    assert not broken, "\n".join(broken)


def _literal(node) -> str | None:
    """The text of a string literal or f-string (its fixed parts), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value for part in node.values if isinstance(part, ast.Constant))
    return None


def _is_pair(first, second) -> bool:
    zh, en = _literal(first), _literal(second)
    return (zh is not None and en is not None and bool(CJK.search(zh))
            and bool(ENGLISH.search(en)) and not CJK.search(en))


def inline_pairs() -> list[str]:
    """``("中文", "English")`` side by side, in a tuple, a list or a call's arguments."""
    found = []
    for path in sorted(TRACKER.glob("**/*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            items = node.elts if isinstance(node, (ast.Tuple, ast.List)) else (
                node.args if isinstance(node, ast.Call) else [])
            if any(_is_pair(a, b) for a, b in zip(items, items[1:], strict=False)):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    quoted_pair = re.compile(r"""(['"])[^'"]*[\u4e00-\u9fff][^'"]*\1\s*,\s*(['"])[^'"\u4e00-\u9fff]*[A-Za-z]""")
    for path in sorted(TEMPLATES.glob("**/*.html")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if quoted_pair.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}")
    return found


def test_no_inline_pairs_and_no_pick():
    pairs = inline_pairs()
    assert not pairs, "(zh, en) pairs left; use gettext:\n" + "\n".join(pairs)
    picks = [f"{path.relative_to(ROOT)}:{number}"
             for path in [*TRACKER.glob("**/*.py"), *TEMPLATES.glob("**/*.html")]
             for number, line in enumerate(path.read_text().splitlines(), start=1)
             if re.search(r"\bpick\(", line)]
    assert not picks, "pick( left:\n" + "\n".join(picks)
