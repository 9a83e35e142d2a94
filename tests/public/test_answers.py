"""The published answers: masked, searchable, paginated; masking checked on the national records."""
from __future__ import annotations

import gzip
import json
import re

import pytest

from tests.public.helpers import close_case
from tracker.cases.masking import mask_personal_data
from tracker.public import util

MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]{2,}@[A-Za-z0-9-]+\.[A-Za-z.]{2,}")


def load_records(path) -> dict[int, dict]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return {r["id"]: r for r in map(json.loads, lines)}


@pytest.fixture(scope="module")
def records(records_path):
    return load_records(records_path)


@pytest.mark.records
def test_masking_on_real_records_with_names_phones_emails_and_id_numbers(records):
    reply = records[290296]["reply"]  # starts "张平网友："
    assert reply.startswith("张平网友") and mask_personal_data(reply).startswith("张*网友")
    assert "张平" not in mask_personal_data(reply)
    phone = records[290896]["description"]  # a citizen's own 199 number
    assert "19916737501" in phone and "19916737501" not in mask_personal_data(phone)
    assert "199****7501" in mask_personal_data(phone)
    id_card = records[292675]["description"]
    assert "350124199001251408" in id_card and "350124199001251408" not in mask_personal_data(id_card)
    email = records[291398]["reply"]
    assert "hbxxzx12369@163.com" in email and "@163.com" in mask_personal_data(email)
    assert "hbxxzx12369@" not in mask_personal_data(email)
    landline = records[289858]["reply"]
    assert "029-86360500" in landline and "029-86360500" not in mask_personal_data(landline)


@pytest.mark.records
def test_no_mobile_or_email_survives_in_any_record_and_salutations_are_masked(records):
    touched = salutations = 0
    for record in records.values():
        for text in (record.get("description") or "", record.get("reply") or ""):
            masked = mask_personal_data(text)
            assert not MOBILE.search(masked), masked
            assert not EMAIL.search(masked), masked
            touched += masked != text
            if re.match(r"^\s*[\u4e00-\u9fff]{2,3}(先生|女士|网友|同志)[：:，,]", text) and not text.startswith(
                    ("尊敬", "亲爱", "网民", "网友", "热心", "这位", "各位", "广大", "感谢")):
                salutations += 1
                assert re.match(r"^\s*[\u4e00-\u9fff]\*{0,2}(先生|女士|网友|同志)", masked), (text[:20], masked[:20])
    assert touched > 1000 and salutations >= 30


def test_ordinary_text_is_left_alone():
    text = "尊敬的网友：您好！请访问 https://www.gd.gov.cn/attach/P020160122452849811812.pdf 或拨打12345热线。"
    assert mask_personal_data(text) == text
    licence = "感谢网友的留言，许可证号JY22101010000431。"
    assert mask_personal_data(licence) == licence


def test_the_reporters_own_name_is_masked_wherever_it_appears(client, factory, session):
    close_case(factory, session, description="我是欧阳娜娜，电话13812345678，页面打不开。",
               answer="欧阳娜娜：您好！经核实已修复，如有问题请联系 help@example.gov.cn。", contact_name="欧阳娜娜")
    html = client.get("/answers").get_data(as_text=True)
    assert "欧阳娜娜" not in html and "13812345678" not in html and "help@example.gov.cn" not in html
    assert "欧***" in html and "138****5678" in html


@pytest.mark.records
def test_answers_page_masks_real_records(client, factory, session, records):
    picked = [290296, 290896, 291398, 292675]
    site = factory.site()
    for record_id in picked:
        record = records[record_id]
        close_case(factory, session, site=site, description=record["description"][:400], answer=record["reply"],
                   page_url=record["page_url"] if record["page_url"].startswith("http") else None)
    html = client.get("/answers").get_data(as_text=True)
    for secret in ("张平网友", "19916737501", "hbxxzx12369@163.com", "350124199001251408"):
        assert secret not in html
    assert "张*网友" in html and "199****7501" in html


def test_answers_are_searchable_by_site_and_category_and_paginated(client, factory, session):
    site_a = factory.site(name="甲市人民政府网站")
    site_b = factory.site(name="乙县人民政府网站")
    for i in range(util.PAGE_SIZE + 1):
        close_case(factory, session, site=site_a, category=4, description=f"错别字第{i}处", answer="已改正。")
    close_case(factory, session, site=site_b, category=0, description="附件无法下载", answer="已恢复。")
    everything = client.get("/answers").get_data(as_text=True)
    assert "共 22 条" in everything and "第 1 / 2 页" in everything and 'rel="next"' in everything
    assert everything.count('class="panel answer-item"') == util.PAGE_SIZE
    second = client.get("/answers?page=2").get_data(as_text=True)
    assert second.count('class="panel answer-item"') == 2
    by_site = client.get("/answers", query_string={"site": "乙县"}).get_data(as_text=True)
    assert "共 1 条" in by_site and "附件无法下载" in by_site and "错别字第" not in by_site
    by_code = client.get("/answers", query_string={"site": site_b.code}).get_data(as_text=True)
    assert "共 1 条" in by_code
    by_category = client.get("/answers", query_string={"category": "4"}).get_data(as_text=True)
    assert "共 21 条" in by_category and "附件无法下载" not in by_category
    assert client.get("/answers?page=abc&category=x").status_code == 200


def test_open_cases_are_not_published_and_text_is_escaped(client, factory, session):
    factory.case(description="尚未办结的留言")
    close_case(factory, session, description='<script>alert(1)</script>"><img src=x onerror=alert(2)>',
               answer="<b>已处理</b>")
    html = client.get("/answers").get_data(as_text=True)
    assert "尚未办结的留言" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;b&gt;已处理&lt;/b&gt;" in html
