"""Masking sees through disguised personal data, leaves ordinary text alone, and publishes page
addresses without their query. Invisible characters are written as escapes so that they show here."""
from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tracker.cases.masking import mask_personal_data, public_page_url
from tracker.cases.validation import INVISIBLE

#: (what a citizen or an answer wrote, the reporter's name, what is published)
DISGUISES = [
    # mobiles
    ("电话１３９１２３４５６７８", (), "电话１３９****５６７８"),  # full-width digits
    ("电话139\u200b1234\u200b5678", (), "电话139****5678"),  # zero-width space
    ("电话139\u200c12345678", (), "电话139****5678"),  # zero-width non-joiner
    ("电话139\u200d12345678", (), "电话139****5678"),  # zero-width joiner
    ("电话139\u206012345678", (), "电话139****5678"),  # word joiner
    ("电话139\ufeff12345678", (), "电话139****5678"),  # byte order mark
    ("电话139\u202e12345678", (), "电话139****5678"),  # right-to-left override
    ("电话139\u00ad12345678", (), "电话139****5678"),  # soft hyphen
    ("电话139.1234.5678", (), "电话139.****.5678"),
    ("电话(139)12345678", (), "电话(139)****5678"),
    ("电话（139）12345678", (), "电话（139）****5678"),
    ("电话139 1234 5678", (), "电话139 **** 5678"),
    ("电话139 - 1234 - 5678", (), "电话139 - **** - 5678"),
    ("电话1 3 9 1 2 3 4 5 6 7 8", (), "电话1 3 9 * * * * 5 6 7 8"),
    ("电话+86 139 1234 5678", (), "电话+86 139 **** 5678"),
    ("电话0086-13912345678", (), "电话0086-139****5678"),
    ("电话139—1234—5678", (), "电话139—****—5678"),  # em dashes
    ("电话139－1234－5678", (), "电话139－****－5678"),  # full-width hyphens
    ("电话139\u30001234\u30005678", (), "电话139\u3000****\u30005678"),  # ideographic spaces
    ("电话１３９.１２３４.５６７８", (), "电话１３９.****.５６７８"),
    ("电话\u0661\u0663\u0669\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668", (),
     "电话\u0661\u0663\u0669****\u0665\u0666\u0667\u0668"),  # Arabic-Indic digits
    ("电话𝟏𝟑𝟗𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖", (), "电话𝟏𝟑𝟗****𝟓𝟔𝟕𝟖"),  # mathematical bold digits
    # ID card numbers
    ("身份证110101 19900101 1234", (), "身份证1101** ******** 1234"),
    ("身份证1101 0119 9001 0112 34", (), "身份证1101 **** **** **12 34"),
    ("身份证１１０１０１１９９００１０１１２３Ｘ", (), "身份证１１０１**********１２３Ｘ"),
    ("身份证110101-1990-0101-123x", (), "身份证1101**-****-****-123x"),
    ("身份证11010119900101\u200b1234", (), "身份证1101**********1234"),
    # email addresses
    ("邮箱name(at)163.com", (), "邮箱n***(at)163.com"),
    ("邮箱name[at]163.com", (), "邮箱n***[at]163.com"),
    ("邮箱name ＠ 163.com", (), "邮箱n*** ＠ 163.com"),
    ("邮箱name＠163．com", (), "邮箱n***＠163．com"),
    ("邮箱name@163。com", (), "邮箱n***@163。com"),
    ("邮箱name (at) 163 (dot) com", (), "邮箱n*** (at) 163 (dot) com"),
    ("邮箱 name at 163 dot com", (), "邮箱 n*** at 163 dot com"),
    ("邮箱ｎａｍｅ@163.com", (), "邮箱ｎ***@163.com"),
    ("邮箱na\u200bme@163.com", (), "邮箱n***@163.com"),
    # landlines, with or without area code
    ("电话86360500", (), "电话****0500"),
    ("电话：8636 0500", (), "电话：**** 0500"),
    ("请拨打8636-0500", (), "请拨打****-0500"),
    ("座机 6360500", (), "座机 ***0500"),
    ("Tel: 86360500", (), "Tel: ****0500"),
    ("电话(029)86360500", (), "电话(029)****0500"),
    ("电话029 8636 0500", (), "电话029 **** 0500"),
    ("电话０２９－８６３６０５００", (), "电话０２９－****０５００"),
    ("电话0755.8636.0500", (), "电话0755.****.0500"),
    # names
    ("联系人王小明", (), "联系人王**"),
    ("请联系李四", (), "请联系李*"),
    ("联系人：张三，电话13912345678", (), "联系人：张*，电话139****5678"),
    ("请联系李四处理", (), "请联系李*处理"),
    ("联系王\u200b小明", (), "联系王**"),
    ("张\u200b平网友：您好！", (), "张*网友：您好！"),
    ("我是王\u200b小明。", ("王小明",), "我是王**。"),
    ("我是王小明。", ("王\u202e小明",), "我是王**。"),
    # what was masked before stays masked the same way
    ("如有疑问请致电029-86360500。", (), "如有疑问请致电029-****0500。"),
    ("请发邮件至hbxxzx12369@163.com", (), "请发邮件至h***@163.com"),
    ("张平网友：您好！", (), "张*网友：您好！"),
]

#: not personal data: published as written
ORDINARY = [
    "许可证号JY22101010000431。",
    "2023年12月1日",
    "于2023-12-01办结",
    "2020-2023年度",
    "20231201",
    "拨打12345热线",
    "联系电话：20231201",
    "服务器192.168.1.10无法访问",
    "编号202401021815175179",
    "联系方式如下",
    "请联系我们",
    "联系黄浦区政府",
    "已与您电话联系解决",
    "look at www.gov.cn",
    "尊敬的网友：您好！",
    "办理时间为工作日9:00-17:00",
    "https://www.gd.gov.cn/attach/P020160122452849811812.pdf",
    "第1.2.3条",
    "联系王老师",
    "增长０．５％",
]


def test_the_table_is_long_enough():
    assert len(DISGUISES) >= 40 and len(ORDINARY) >= 5


@pytest.mark.parametrize(("text", "names", "published"), DISGUISES, ids=[f"row{i}" for i in range(len(DISGUISES))])
def test_disguised_personal_data_is_masked(text, names, published):
    assert mask_personal_data(text, names) == published


@pytest.mark.parametrize("text", ORDINARY, ids=[f"row{i}" for i in range(len(ORDINARY))])
def test_what_is_not_personal_data_is_left_alone(text):
    assert mask_personal_data(text) == text


IPV4_SHAPED = re.compile(r"(?<![0-9.])[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?![0-9]|\.[0-9])")


def _digits_read(text: str) -> str:
    return "".join(str(unicodedata.decimal(ch)) for ch in text if unicodedata.decimal(ch, None) is not None)


@settings(max_examples=300, deadline=None)
@given(number=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
       gaps=st.lists(st.sampled_from(["", "", " ", "-", ".", "\u200b", "\u202e", "\ufeff", " - ", "\u3000"]),
                     min_size=10, max_size=10),
       wide=st.lists(st.booleans(), min_size=11, max_size=11),
       before=st.sampled_from(["", "电话", "手机：", "请联系"]), after=st.sampled_from(["", "。", "，谢谢"]))
def test_a_mobile_in_any_disguise_keeps_only_its_first_3_and_last_4_digits(number, gaps, wide, before, after):
    digits = [chr(ord(d) + 0xFEE0) if w else d for d, w in zip(number, wide, strict=True)]  # full-width
    text = before + "".join(d + g for d, g in zip(digits, [*gaps, ""], strict=True)) + after
    reading = unicodedata.normalize("NFKC", "".join(ch for ch in text if ch not in INVISIBLE))
    assume(not IPV4_SHAPED.search(reading))  # 139.123.123.45 is taken for an IPv4 address and shown
    published = mask_personal_data(text)
    assert _digits_read(published) == number[:3] + number[-4:], (text, published)
    assert not set(published) & set(INVISIBLE)


SECRET_URL = ("https://citizen:hunter2@WWW.Example.gov.cn:443/login;jsessionid=A1B2?phone=13912345678"
              "&idno=110101199001011234&email=victim%40example.com#top")

#: (the page address a citizen gave, its reporter's name, what is published)
PAGE_URLS = [
    (SECRET_URL, (), "https://www.example.gov.cn/login"),
    ("http://www.example.gov.cn:8080/a/b.html?x=1", (), "http://www.example.gov.cn:8080/a/b.html"),
    ("http://www.example.gov.cn:80/", (), "http://www.example.gov.cn/"),
    ("https://www.example.gov.cn", (), "https://www.example.gov.cn"),
    ("https://www.example.gov.cn/u/13912345678/profile", (), "https://www.example.gov.cn/u/139****5678/profile"),
    ("https://www.example.gov.cn/u/zhangsan@163.com", (), "https://www.example.gov.cn/u/z***@163.com"),
    ("https://www.example.gov.cn/%E7%8E%8B%E5%B0%8F%E6%98%8E/13912345678", ("王小明",),
     "https://www.example.gov.cn/王**/139****5678"),
    ("https://www.example.gov.cn/a%0A%E2%80%AEb.html", (), "https://www.example.gov.cn/ab.html"),
    ("https://www.example.gov.cn/a.html#/user?phone=13912345678", (), "https://www.example.gov.cn/a.html"),
    ("https://[2001:db8::1]:8443/x?y=1", (), "https://[2001:db8::1]:8443/x"),
    ("www.example.gov.cn/login?phone=13912345678", (), "www.example.gov.cn/login"),
    ("http://www.example.gov.cn:port/x?y=1", (), "http://www.example.gov.cn:port/x"),
    ("", (), ""),
]


@pytest.mark.parametrize(("url", "names", "published"), PAGE_URLS, ids=[row[0][:60] for row in PAGE_URLS])
def test_page_addresses_are_published_without_query_fragment_or_user(url, names, published):
    assert public_page_url(url, names) == published
