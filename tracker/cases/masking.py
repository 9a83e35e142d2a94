"""Masking personal data in published texts: :func:`mask_personal_data` for a text, and
:func:`public_page_url` for the address of the page a citizen reported.

What is masked, wherever it appears in a citizen's text or an answer:
- mobile numbers (``139****7501``), landlines (``029-****0500``; a 7- or 8-digit number without
  area code too, when a word such as 电话 or 拨打 stands just before it), email addresses
  (``h***@163.com``, ``h***(at)163.com``) and 18-digit ID card numbers (``3501**********1408``);
- the reporter's own name, given as ``names`` (``张平`` -> ``张*``);
- names in salutations, as answers often start: ``张平网友：``, ``李先生：``, ``王芳同志``,
  ``网友“鄢华容”``, ``韩旭：您好`` (the surname stays, the given name becomes ``*``);
- names after 联系 that start with a common surname: ``联系人王小明``, ``请联系李四``.

Disguises are seen through. The patterns are matched on a reading of the text without invisible
characters (:data:`tracker.cases.validation.INVISIBLE`) and with each character NFKC-normalised
(full-width ``１３９`` and ``＠`` read as ``139`` and ``@``); a number may have spaces, dots,
hyphens, dashes or brackets between its digits (``139.1234.5678``,
``(139)12345678``, ``1101 0119 9001 0112 34``). What is shown is the text as it was written, less
its invisible characters, with only the masked digits and letters replaced by ``*``.

Left alone: digits that are part of a longer number or of a letter-and-digit code
(``JY22101010000431``), dates and years, IPv4 addresses, and 18 digits whose birth-date part is
not a date (an enterprise's credit code, a document number).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from tracker.cases.validation import INVISIBLE

if TYPE_CHECKING:
    from tracker.cases.models import Case

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"
#: what may stand between two digits of one number: at most 3 of space, dot, hyphen, dash, brackets
_SEP = r"[ \t.\-()\u2010-\u2015]{0,3}"
#: the same without brackets, for landlines (whose brackets go round the area code only)
_SEP_FLAT = r"[ \t.\-\u2010-\u2015]{0,3}"


def _digits(count: int, sep: str = _SEP) -> str:
    """``count`` digits, separators allowed between them."""
    return sep.join(["[0-9]"] * count)


MOBILE_RE = re.compile(
    _NOT_ALNUM_BEFORE + rf"(?P<country>(?:\+|00)?86{_SEP})?(?P<number>1{_SEP}[3-9]{_SEP}{_digits(9)})"
    + _NOT_ALNUM_AFTER)
#: area code (010 and 02x, or 0 and 3 digits; perhaps in brackets) and a 7- or 8-digit number
LANDLINE_RE = re.compile(
    _NOT_ALNUM_BEFORE + rf"(?P<area>\(?0{_SEP_FLAT}(?:[12]{_SEP_FLAT}[0-9]|[3-9]{_SEP_FLAT}[0-9]{_SEP_FLAT}[0-9])"
    rf"{_SEP_FLAT}\)?){_SEP_FLAT}"
    rf"(?P<number>[0-9](?:{_SEP_FLAT}[0-9]){{6,7}})" + _NOT_ALNUM_AFTER)
_PHONE_WORDS = "电话|座机|固话|热线|拨打|致电|手机|传真|联系|(?i:tel|phone)"
#: a 7- or 8-digit number without area code, right after a phone word
LOCAL_PHONE_RE = re.compile(
    rf"(?P<lead>(?:{_PHONE_WORDS})[^0-9A-Za-z\n]{{0,8}})(?P<number>[2-9](?:{_SEP}[0-9]){{6,7}})"
    + _NOT_ALNUM_AFTER + rf"(?!{_SEP}[0-9])")
ID_CARD_RE = re.compile(_NOT_ALNUM_BEFORE + _digits(17) + _SEP + "[0-9Xx]" + _NOT_ALNUM_AFTER)
_AT = r"(?:[ \t]*@[ \t]*|[ \t]*[(\[{<][ \t]*(?i:at)[ \t]*[)\]}>][ \t]*)"
_DOT = r"(?:\.|。|[ \t]*[(\[{<][ \t]*(?i:dot)[ \t]*[)\]}>][ \t]*)"
_LABEL = r"[A-Za-z0-9-]+"
EMAIL_RE = re.compile(  # starts where its run of letters starts: one try per run, not one per letter
    r"(?<![A-Za-z0-9._%+-])(?P<first>[A-Za-z0-9._%+-])(?P<rest>[A-Za-z0-9._%+-]*)"
    rf"(?P<domain>{_AT}{_LABEL}(?:{_DOT}{_LABEL})+|[ \t]+(?i:at)[ \t]+{_LABEL}(?:[ \t]+(?i:dot)[ \t]+{_LABEL})+)"
    + _NOT_ALNUM_AFTER)

_CJK = "\u4e00-\u9fff"
# what shows the "name" before a title is not a name: "尊敬的网友", "感谢网友", "各位考生" ...
_STOP_CHARS = "的您你我他她们这那此该各请经对"
_STOP_WORDS = ("感谢", "谢谢", "热心", "广大", "亲爱", "尊敬", "网民", "网友", "市民", "群众", "用户", "考生",
               "留言", "来信", "来电", "来话", "回复", "答复", "相关", "有关", "本市", "全市", "本人", "联系")
_NAME = rf"(?:[{_CJK}](?:\*+|[{_CJK}]{{1,2}}))"
_TITLES = "先生|女士|同志|网友|老师|同学|市民|考生"
SALUTATION_RE = re.compile(
    rf"(?:^|(?<=[\s。！!；;，,：:>的]))(?P<name>{_NAME})(?P<title>(?:{_TITLES})(?:[（(/]女士[）)]?)?)"
    rf"(?=[\s：:，,！!。、（(/]|您好|你好|$)"
)
QUOTED_NAME_RE = re.compile(
    rf"(?P<lead>(?:网友|网民|市民|留言人)\s*[“\"「『])(?P<name>[{_CJK}]{{2,4}})(?P<tail>[”\"」』])")
LEADING_NAME_RE = re.compile(rf"^(?P<space>\s*)(?P<name>[{_CJK}]{{2,3}})(?=\s*[：:，,]?\s*(?:您好|你好))")

#: common surnames: a name after 联系 must start with one
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕"
             "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱"
             "严覃武戴莫孔汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿焦俞左柳甘祝包宁尚符舒"
             "阮柯纪梅童凌毕季裴霍涂成苗谷盛曲翁冉骆蓝游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤穆卓古吉缪简"
             "连麦褚娄窦戚岑景费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬卞姬仇栾隋刁沙荣巫寇桑郎甄丛仲虞敖巩佘池查"
             "麻苑迟邝于")
#: what follows 联系 and starts with a surname but is no name
_NOT_NAMES = ("方式", "方法", "方面", "方便", "管理", "成员", "安排", "文件", "高校", "常用", "石油", "金融",
              "于是", "江苏", "江西", "黄河", "龙江", "解决", "解释", "解答")
#: after the name: anything but a Chinese character, or one of these words
_AFTER_NAME = (r"[^" + _CJK + r"]|$|电话|手机|邮箱|座机|先生|女士|老师|同志|反映|核实|处理|了解|咨询|办理|确认"
               r"|沟通|反馈|查询|协商|联系|说明|告知|即可|解决|等|或|和|及")
CONTACT_NAME_RE = re.compile(
    rf"(?P<lead>联系(?:人)?[:\s]*)(?P<name>[{_SURNAMES}][{_CJK}]{{1,2}})(?={_AFTER_NAME})")
_PLACE_ENDS = "省市区县镇乡村街路局处厅委办所站院部科室队组馆司"


def mask_name(name: str) -> str:
    """``张平`` -> ``张*``, ``欧阳娜娜`` -> ``欧***``; a single character or an already masked name stays."""
    if len(name) <= 1 or set(name[1:]) == {"*"}:
        return name
    return name[0] + "*" * (len(name) - 1)


def _is_name(candidate: str) -> bool:
    return not any(ch in _STOP_CHARS for ch in candidate) and not any(w in candidate for w in _STOP_WORDS)


# ---------------------------------------------------------------- reading through disguises


def _reading(char: str) -> str:
    """How the patterns read one character: invisible ones not at all, others NFKC-normalised,
    any decimal digit (Arabic-Indic, full-width ...) as its ASCII digit."""
    if char in INVISIBLE:
        return ""
    if char.isascii():
        return char
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return str(digit)
    return unicodedata.normalize("NFKC", char)


class _Text:
    """A text as the patterns read it, tied back to the characters as written.

    ``src[i]`` is the index in ``original`` of the character that ``text[i]`` was read from, or
    None for a character put in by a replacement. A written character whose reading is untouched
    is shown as written; the masked parts show their replacement.
    """

    def __init__(self, original: str):
        self.original = original
        pieces: list[str] = []
        self.src: list[int | None] = []
        for index, char in enumerate(original):
            reading = _reading(char)
            pieces.append(reading)
            self.src.extend([index] * len(reading))
        self.text = "".join(pieces)
        self.width = self._count(self.src)

    @staticmethod
    def _count(src: list[int | None]) -> dict[int, int]:
        counts: dict[int, int] = {}
        for index in src:
            if index is not None:
                counts[index] = counts.get(index, 0) + 1
        return counts

    def sub(self, pattern: re.Pattern, replace: Callable[[re.Match], str]) -> None:
        """Replace each match of ``pattern`` in the reading; only what changes is marked as replaced."""
        text, src = [], []
        last = 0
        for match in pattern.finditer(self.text):
            old, new = match.group(0), replace(match)
            if new == old:
                continue
            head = 0
            while head < min(len(old), len(new)) and old[head] == new[head]:
                head += 1
            tail = 0
            while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
                tail += 1
            start, end = match.start() + head, match.end() - tail
            text.append(self.text[last:start])
            src.extend(self.src[last:start])
            middle = new[head:len(new) - tail]
            text.append(middle)
            src.extend([None] * len(middle))
            last = end
        if not text:
            return
        text.append(self.text[last:])
        src.extend(self.src[last:])
        self.text, self.src = "".join(text), src

    def shown(self) -> str:
        """The text as written, less its invisible characters, with the replacements in place."""
        left = self._count(self.src)
        out, done = [], set()
        for char, index in zip(self.text, self.src, strict=True):
            if index is None or left[index] != self.width[index]:
                out.append(char)  # put in, or what is left of a partly replaced character
            elif index not in done:
                out.append(self.original[index])
                done.add(index)
        return "".join(out)


# ---------------------------------------------------------------- replacements


def _star_digits(text: str, keep_head: int, keep_tail: int, digits: str = "0123456789") -> str:
    """``text`` with its digits (``digits``) turned to ``*`` but the first ``keep_head`` and the last
    ``keep_tail``; separators stay where they are."""
    positions = [i for i, ch in enumerate(text) if ch in digits]
    hidden = set(positions[keep_head:len(positions) - keep_tail])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(text))


def _only_digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit() or ch in "Xx")


def _is_date(digits: str) -> bool:
    """``YYYYMMDD`` with a year from 1900 to 2099, a month and a day of month."""
    return (len(digits) == 8 and digits[:2] in ("19", "20") and "01" <= digits[4:6] <= "12"
            and "01" <= digits[6:8] <= "31")


_DOTTED = re.compile(r"[0-9.]*")
_IP_ADDRESS = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
                         r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])")


def _is_ip_address(match: re.Match) -> bool:
    """Whether the match lies within an IPv4 address (``171.221.172.78``): the run of digits and
    dots around it, less a full stop at its end."""
    text = match.string
    start = match.start()
    while start > 0 and text[start - 1] in "0123456789.":
        start -= 1
    run = _DOTTED.match(text, start).group(0).rstrip(".")
    return match.end() <= start + len(run) and _IP_ADDRESS.fullmatch(run) is not None


def _mask_id_card(match: re.Match) -> str:
    written = match.group(0)
    digits = _only_digits(written)
    if not _is_date(digits[6:14]) or _is_ip_address(match):
        return written  # no birth date, no ID card number
    return _star_digits(written, 4, 4, "0123456789Xx")


def _mask_mobile(match: re.Match) -> str:
    if _is_ip_address(match):
        return match.group(0)
    return (match.group(0)[:match.start("number") - match.start()]
            + _star_digits(match.group("number"), 3, 4))


def _mask_landline(match: re.Match) -> str:
    if _is_ip_address(match):
        return match.group(0)
    return match.group(0)[:match.start("number") - match.start()] + _star_digits(match.group("number"), 0, 4)


def _mask_local_phone(match: re.Match) -> str:
    number = match.group("number")
    if _is_date(_only_digits(number)) or _is_ip_address(match):
        return match.group(0)
    return match.group("lead") + _star_digits(number, 0, 4)


def _mask_email(match: re.Match) -> str:
    return f"{match.group('first')}***{match.group('domain')}"


def _mask_salutation(match: re.Match) -> str:
    name = match.group("name")
    if not _is_name(name):
        return match.group(0)
    return mask_name(name) + match.group("title")


def _mask_leading(match: re.Match) -> str:
    name = match.group("name")
    return match.group("space") + (mask_name(name) if _is_name(name) else name)


def _mask_contact_name(match: re.Match) -> str:
    name = match.group("name")
    if (not _is_name(name) or name.startswith(_NOT_NAMES) or name[-1] in _PLACE_ENDS
            or re.match(_TITLES, name[1:])):
        return match.group(0)
    return match.group("lead") + mask_name(name)


def _read(text: str) -> str:
    return "".join(_reading(ch) for ch in text)


def mask_personal_data(text: str | None, names: tuple[str, ...] | list[str] = ()) -> str:
    """``text`` with phone numbers, email addresses, ID numbers and personal names masked.

    ``names`` are names known to be personal (the reporter's own ``contact_name``); each is
    masked wherever it appears.
    """
    if not text:
        return ""
    work = _Text(text)
    work.sub(EMAIL_RE, _mask_email)
    work.sub(ID_CARD_RE, _mask_id_card)
    work.sub(MOBILE_RE, _mask_mobile)
    work.sub(LANDLINE_RE, _mask_landline)
    work.sub(LOCAL_PHONE_RE, _mask_local_phone)
    for name in sorted({_read(n).strip() for n in names if n}, key=len, reverse=True):
        if len(name) >= 2:
            work.sub(re.compile(re.escape(name)), lambda m: mask_name(m.group(0)))
    work.sub(QUOTED_NAME_RE, lambda m: m.group("lead") + mask_name(m.group("name")) + m.group("tail"))
    work.sub(SALUTATION_RE, _mask_salutation)
    work.sub(LEADING_NAME_RE, _mask_leading)
    work.sub(CONTACT_NAME_RE, _mask_contact_name)
    return work.shown()


_DEFAULT_PORTS = {"http": 80, "https": 443}
_PATH_PARAMS = re.compile(r";[^/]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def public_page_url(url: str | None, names: tuple[str, ...] | list[str] = ()) -> str:
    """The address of a reported page as it may be published: scheme, host, port when it is not
    the scheme's default, and path, with personal data masked as in :func:`mask_personal_data`.

    Dropped: the query (``?phone=...``), the fragment, user name and password, ``;`` path parameters
    (``;jsessionid=...``). The path is shown decoded (``%E5%BC%A0`` as ``张``) so that what is
    encoded in it is masked too. Anything that is not an http(s) address keeps only its part
    before the first ``?`` or ``#``.
    """
    text = _CONTROL.sub("", (url or "").strip())
    try:
        parts = urlsplit(text)
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
        parts = None
    if parts is None or not host or parts.scheme.lower() not in _DEFAULT_PORTS:
        shown = re.split(r"[?#]", text, maxsplit=1)[0]
    else:
        scheme = parts.scheme.lower()
        if ":" in host:
            host = f"[{host}]"
        if port is not None and port != _DEFAULT_PORTS[scheme]:
            host = f"{host}:{port}"
        path = _CONTROL.sub("", unquote(_PATH_PARAMS.sub("", parts.path), errors="replace"))
        shown = f"{scheme}://{host}{path}"
    return mask_personal_data(shown, names)


@dataclass(frozen=True)
class PublicTexts:
    """A case's texts as every public surface shows them (the published answers, the tracking page
    and its API counterpart): page address by :func:`public_page_url`, description and answer by
    :func:`mask_personal_data`, the reporter's own name masked throughout."""

    page_url: str
    description: str
    answer: str

    @classmethod
    def of(cls, case: Case) -> PublicTexts:
        names = (case.contact_name,) if case.contact_name else ()
        return cls(page_url=public_page_url(case.page_url, names),
                   description=mask_personal_data(case.description, names),
                   answer=mask_personal_data(case.answer, names))
