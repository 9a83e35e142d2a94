"""The browser tests' page check can fail: axe-core reports a missing alt text and a missing label,
and a page wider than the phone fails the width check."""
from __future__ import annotations

import pytest

from tests.browser import axe_violations, check_page, new_tab

pytestmark = pytest.mark.browser


def test_axe_finds_what_is_wrong_and_check_page_refuses_it(chromium):
    tab = new_tab(chromium)
    tab.set_content('<!doctype html><html lang="zh-CN"><head><title>t</title></head><body><main>'
                    '<h1>t</h1><img src="data:,x"><input type="text"></main></body></html>')
    # a document that loads is audited as it loads, whether or not the test names it
    tab.wait_for_timeout(300)
    assert any("image-alt" in finding for finding in tab.axe_findings)
    tab.axe_findings.clear()  # this test's bad pages are meant to be bad
    found = {v["id"] for v in axe_violations(tab)}
    assert {"image-alt", "label"} <= found
    with pytest.raises(AssertionError, match="image-alt"):
        check_page(tab, "kit-bad")
    tab.set_content('<!doctype html><html lang="zh-CN"><head><title>t</title></head><body><main>'
                    '<h1>t</h1><div style="width:2000px">wide</div></main></body></html>')
    with pytest.raises(AssertionError, match="wider than"):
        check_page(tab, "kit-wide")
    tab.context.close()
