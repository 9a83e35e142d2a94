"""What every browser test does on each page state it visits: run axe-core (vendored under
tests/vendor/axe-core, from the npm registry) and require 0 violations, check that nothing sticks
out sideways, and save a screenshot, at a desktop's width (1280 px) and a phone's (390 px).

Besides the states a test checks by name, every document that loads in a tab made here is audited
by axe-core as it loads (at the tab's width); the ``browser`` tests fail at teardown on any
violation found that way (``tests/conftest.py``), so no page a test passes through goes unchecked.

    from tests.browser import check_page, new_tab, log_in
    check_page(page, "citizen-track-open")   # -> test-artifacts/citizen-track-open-1280.png, -390.png
"""
from __future__ import annotations

import json

from tracker import ROOT

ARTIFACTS = ROOT / "test-artifacts"
AXE_SCRIPT = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 390)
PASSWORD = "correct horse battery"  # the factories' default password
# WCAG 2.1 A and AA, and axe's best practices (landmarks, one h1, headings in order, ...)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


#: the tabs made since the current test began, whose loaded documents were audited
TABS: list = []


def new_tab(browser, width: int = 1280, locale: str = "zh-CN", **options):
    """A fresh context and page that records dialogs (dismissed) and console errors, and audits
    every document it loads with axe-core (``tab.axe_findings``)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=locale, **options)
    tab = context.new_page()
    tab.axe_findings = []
    tab.on("load", _audit_loaded)
    TABS.append(tab)
    tab.dialogs = []
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    tab.console_errors = []
    tab.on("console", lambda msg: msg.type == "error" and tab.console_errors.append(msg.text))
    return tab


def log_in(browser, base: str, email: str, password: str = PASSWORD, width: int = 1280):
    """A new tab signed in as ``email`` through the login form (keyboard only)."""
    tab = new_tab(browser, width)
    tab.goto(base + "/login")
    tab.focus("#email")
    tab.keyboard.type(email)
    tab.keyboard.press("Tab")
    tab.keyboard.type(password)
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    return tab


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it stands (injected once per document)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluated over the DevTools protocol, so the page's Content-Security-Policy stays as served
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return result["violations"]


def _audit_loaded(tab) -> None:
    from playwright.sync_api import Error

    try:
        violations = axe_violations(tab)
    except Error:  # the document was left (a redirect, a submit) before it could be read
        return
    if violations:
        tab.axe_findings.append(f"{tab.url}:\n{_describe(violations)}")


def loaded_page_findings() -> list[str]:
    """The axe-core violations found on the documents loaded in the tabs since the test began."""
    return [finding for tab in TABS for finding in tab.axe_findings]


def _describe(violations: list[dict]) -> str:
    return json.dumps([{"id": v["id"], "impact": v["impact"], "help": v["help"],
                        "nodes": [n["target"] for n in v["nodes"]][:5]} for v in violations],
                      ensure_ascii=False, indent=1)


def check_page(page, name: str, widths=WIDTHS) -> None:
    """axe-core finds 0 violations, nothing is wider than the viewport, and a full-page screenshot is
    saved as test-artifacts/<name>-<width>.png, at each width; the viewport is restored afterwards."""
    ARTIFACTS.mkdir(exist_ok=True)
    before = page.viewport_size
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        violations = axe_violations(page)
        assert violations == [], f"axe-core on {name} at {width}px ({page.url}):\n{_describe(violations)}"
        # nothing may stick out sideways: a table scrolls inside its own box, not the page
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} is wider than {width}px"
    if before:
        page.set_viewport_size(before)
