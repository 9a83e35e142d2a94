"""Fetching real pages from a local server: statuses, redirects, Chinese encodings, time and size
limits, a TLS failure. The server is let through by ``allow`` (127.0.0.1/32) and its port."""
from __future__ import annotations

import hashlib
import time

import pytest

from tests.evidence.conftest import BIG_BYTES, GBK_TITLE, LOCAL, NetworkSpy
from tracker.evidence.probe import ProbeSettings, page_text, probe


def local(port: int, **overrides) -> ProbeSettings:
    return ProbeSettings(allow=LOCAL, ports=frozenset({port}), **overrides)


def test_a_page_that_answers(site_server, pages):
    base, port = site_server
    result = probe(f"{base}/ok", local(port, user_agent="TrackerPageCheck/test"))
    assert (result.status, result.error, result.title) == (200, None, "测试页面")
    assert result.final_url == f"{base}/ok" and result.hops == [f"{base}/ok"]
    assert result.content_type == "text/html; charset=utf-8"
    assert result.text_hash == hashlib.sha256("测试页面 正常内容".encode()).hexdigest()
    assert result.size == len("<html><head><title>测试页面</title></head><body>正常内容</body></html>".encode())
    assert pages.user_agents == ["TrackerPageCheck/test"]


def test_a_404_is_a_status_not_an_error(site_server):
    base, port = site_server
    result = probe(f"{base}/missing", local(port))
    assert (result.status, result.reason, result.error) == (404, "Not Found", None)
    assert result.title == "404"


def test_a_redirect_chain_is_followed_to_its_end(site_server):
    base, port = site_server
    result = probe(f"{base}/hop/4", local(port))  # 5 redirects: the most allowed
    assert result.status == 200 and result.title == "测试页面"
    assert result.final_url == f"{base}/ok"
    assert result.hops == [f"{base}/hop/{n}" for n in (4, 3, 2, 1, 0)] + [f"{base}/ok"]


def test_more_than_five_redirects_is_an_error(site_server):
    base, port = site_server
    assert probe(f"{base}/hop/5", local(port)).error == "too_many_redirects"
    looping = probe(f"{base}/loop", local(port))
    assert looping.error == "too_many_redirects" and len(looping.hops) == 6 and looping.status is None


def test_a_gbk_page_keeps_its_chinese_title(site_server):
    base, port = site_server
    result = probe(f"{base}/gbk", local(port))
    assert result.title == GBK_TITLE
    assert result.text_hash == hashlib.sha256(f"{GBK_TITLE} 政务公开".encode()).hexdigest()


def test_a_gb2312_label_in_the_page_is_read_as_gb18030(site_server):
    """镕 is not in GB2312 but is in GB18030: pages labelled GB2312 often hold it."""
    base, port = site_server
    result = probe(f"{base}/gb2312-meta", local(port))
    assert result.title == GBK_TITLE
    assert result.text_hash == hashlib.sha256(f"{GBK_TITLE} 镕".encode()).hexdigest()


def test_a_slow_page_times_out_within_the_total_time(site_server):
    base, port = site_server
    started = time.monotonic()
    result = probe(f"{base}/slow", local(port, total_timeout=1.0))
    assert result.error == "timeout" and result.status is None
    assert time.monotonic() - started < 2.5


def test_a_trickling_body_is_stopped_at_the_total_time(site_server):
    base, port = site_server
    started = time.monotonic()
    result = probe(f"{base}/trickle", local(port, total_timeout=1.0))
    assert result.error == "timeout"
    assert time.monotonic() - started < 2.5


def test_a_50_mb_body_is_cut_at_the_cap(site_server, pages):
    base, port = site_server
    result = probe(f"{base}/big", local(port))
    assert result.status == 200 and result.error is None
    assert result.size == 2 * 1024 * 1024 and result.truncated
    assert pages.big_sent < BIG_BYTES  # the probe stopped reading; the server did not send it all


def test_a_self_signed_certificate_is_a_tls_error(tls_server):
    base, port = tls_server
    result = probe(f"{base}/ok", local(port))
    assert result.error == "tls_error" and result.status is None
    assert "CERTIFICATE_VERIFY_FAILED" in result.error_detail


def test_the_connection_goes_to_the_checked_address(site_server):
    base, port = site_server
    spy = NetworkSpy(real=True)
    result = probe(f"{base}/hop/1", local(port, network=spy))
    assert result.status == 200
    assert spy.calls and set(spy.calls) == {("127.0.0.1", port)}


@pytest.mark.parametrize("markup, text", [
    ("<p>一</p><script>var x = '二';</script><!-- 三 --><style>p{}</style><p>四&amp;五</p>", "一 四&五"),
    ("<title> 标题 </title>\n\n<div>正文</div>", "标题 正文"),
])
def test_the_text_compared_is_what_a_reader_sees(markup, text):
    assert page_text(markup) == text
