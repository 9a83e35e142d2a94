"""Attacks on the report form: replayed captchas, and image work that a failed submission costs.

The gunicorn test serves the app with 2 sync workers and posts large screenshots from 4 clients at
once while a fifth client keeps loading the home page; the home page must keep answering.
"""
from __future__ import annotations

import io
import os
import threading
import time
from datetime import timedelta

import httpx
import pytest
import redis
from PIL import Image

from tests.conftest import BASE_CONFIG, fresh_database_url, gunicorn_serving, require_service
from tests.factories import Factory
from tracker import create_app
from tracker.cases import images
from tracker.cases.images import MAX_PIXELS, process_screenshot
from tracker.cases.validation import Invalid
from tracker.db import frozen_clock, utcnow
from tracker.extensions import db


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (250, 250, 250)).save(out, "PNG")
    return out.getvalue()


def report_data(site, **overrides):
    data = {"site_code": site.code, "page_url": "https://www.example.gd.gov.cn/zwgk/a.html", "category": "2",
            "description": "页面上的办事指南已过期。", "contact_phone": "13800000000", "consent": "y"}
    data.update(overrides)
    return data


@pytest.fixture()
def site(factory, session):
    site = factory.site(host="www.example.gd.gov.cn")
    session.commit()
    return site


def test_a_captcha_is_used_up_by_its_first_check_and_the_cookie_cannot_be_replayed(
        app, client, site, monkeypatch):
    app.config["CAPTCHA"] = True
    monkeypatch.setattr("tracker.public.captcha.new_answer", lambda: "ARP6")
    client.get("/captcha.png")
    cookie = client.get_cookie("session").value
    assert "ARP6" not in cookie and "captcha_answer" not in cookie  # the answer never leaves the server

    first = client.post("/report", data=report_data(site, captcha="ARP6"))
    assert first.status_code == 303
    for _ in range(2):  # the same cookie and the same answer again
        client.set_cookie("session", cookie)
        replay = client.post("/report", data=report_data(site, captcha="ARP6"))
        assert replay.status_code == 422 and "验证码不正确" in replay.text


def test_a_wrong_answer_uses_the_captcha_up_too(app, client, site, monkeypatch):
    app.config["CAPTCHA"] = True
    monkeypatch.setattr("tracker.public.captcha.new_answer", lambda: "KX7M")
    client.get("/captcha.png")
    cookie = client.get_cookie("session").value
    assert client.post("/report", data=report_data(site, captcha="ZZZZ")).status_code == 422
    client.set_cookie("session", cookie)
    assert client.post("/report", data=report_data(site, captcha="KX7M")).status_code == 422


def test_an_expired_captcha_is_refused(app, client, site, monkeypatch):
    app.config["CAPTCHA"] = True
    monkeypatch.setattr("tracker.public.captcha.new_answer", lambda: "MN4P")
    client.get("/captcha.png")
    with frozen_clock(utcnow() + timedelta(minutes=6)):
        late = client.post("/report", data=report_data(site, captcha="MN4P"))
    assert late.status_code == 422 and "验证码不正确" in late.text


def test_a_failed_submission_decodes_no_image(app, client, site, monkeypatch):
    app.config["CAPTCHA"] = True
    decoded = []
    real = images._process
    monkeypatch.setattr(images, "_process", lambda data, name: decoded.append(name) or real(data, name))
    big = png(3999, 3000)
    files = [(io.BytesIO(big), f"big{i}.png") for i in range(3)]
    started = time.perf_counter()
    wrong = client.post("/report", data={**report_data(site, captcha="ZZZZ"), "screenshots": files},
                        content_type="multipart/form-data")
    elapsed = time.perf_counter() - started
    assert wrong.status_code == 422 and decoded == []
    print(f"wrong captcha with 3 large screenshots refused in {elapsed * 1000:.0f} ms")

    app.config["CAPTCHA"] = False
    files = [(io.BytesIO(big), "big.png")]
    no_description = client.post("/report", data={**report_data(site, description=""), "screenshots": files},
                                 content_type="multipart/form-data")
    assert no_description.status_code == 422 and decoded == []


def test_screenshots_are_capped_at_twelve_megapixels():
    assert MAX_PIXELS == 12_000_000
    assert process_screenshot(png(4000, 3000), "full.png").width == 4000
    with pytest.raises(Invalid) as refused:
        process_screenshot(png(4001, 3000), "wide.png")
    assert "pixels" in refused.value.message("en")
    huge = png(8000, 5000)  # 40 MP: refused from the header, before any pixel is decoded
    started = time.perf_counter()
    with pytest.raises(Invalid):
        process_screenshot(huge, "huge.png")
    print(f"an 8000×5000 PNG ({len(huge) // 1024} KB) refused in {(time.perf_counter() - started) * 1000:.1f} ms")


def _site_in_fresh_database(db_kind, tmp_path) -> tuple[str, str]:
    url = fresh_database_url(db_kind, tmp_path)
    app = create_app({**BASE_CONFIG, "DATABASE_URL": url})
    with app.app_context():
        site = Factory(db.session).site(host="www.example.gd.gov.cn")
        db.session.commit()
        code = site.code
        app.extensions["tracker.db"].session.remove()
    app.extensions["tracker.db"].engine.dispose()
    return url, code


def production_env(url: str, tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update({"TRACKER_DATABASE_URL": url, "TRACKER_SECRET_KEY": "k" * 40, "TRACKER_EMBEDDED_WORKER": "0",
                "TRACKER_SESSION_COOKIE_SECURE": "0", "TRACKER_INSTANCE_PATH": str(tmp_path / "instance")})
    env.update(extra)
    return env


def csrf_token(http: httpx.Client) -> str:
    page = http.get("/report").text
    return page.split('name="csrf_token" type="hidden" value="')[-1].split('"')[0]


@pytest.mark.services
def test_four_large_uploads_leave_the_site_answering(db_kind, tmp_path):
    """The reported attack on gunicorn with 2 sync workers: 4 clients post 3 large screenshots each
    (8000×5000 claimed by a 123 KB file, or 4000×3000 to decode) over and over, with the captcha
    unsolved, while another client loads the home page. No image is decoded for them: the home page
    keeps answering within a second, and every upload gets a 422."""
    url, site_code = _site_in_fresh_database(db_kind, tmp_path)
    env = production_env(url, tmp_path, TRACKER_RATE_LIMITS_ENABLED="0")
    shots = {"12mp": png(4000, 3000), "40mp": png(8000, 5000)}
    stop = threading.Event()
    statuses: list[int] = []

    def attacker(base: str, kind: str):
        with httpx.Client(base_url=base, timeout=60) as http:
            while not stop.is_set():
                files = [("screenshots", (f"s{i}.png", shots[kind], "image/png")) for i in range(3)]
                data = {**report_data_for(site_code), "csrf_token": csrf_token(http), "captcha": "ZZZZ"}
                statuses.append(http.post("/report", data=data, files=files).status_code)

    with gunicorn_serving(env, workers=2) as base:
        threads = [threading.Thread(target=attacker, args=(base, kind), daemon=True)
                   for kind in ("12mp", "12mp", "40mp", "40mp")]
        for thread in threads:
            thread.start()
        time.sleep(1)
        latencies = []
        with httpx.Client(base_url=base, timeout=30) as http:
            for _ in range(30):
                started = time.perf_counter()
                assert http.get("/").status_code == 200
                latencies.append(time.perf_counter() - started)
                time.sleep(0.1)
        stop.set()
        for thread in threads:
            thread.join(60)
    latencies.sort()
    assert not any(thread.is_alive() for thread in threads)
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    print(f"GET / during the attack: p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, "
          f"p99 {p99 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms; {len(statuses)} uploads answered "
          f"{sorted(set(statuses))}")
    assert p99 < 1.0
    assert statuses and set(statuses) == {422}


@pytest.mark.services
def test_wrong_codes_are_counted_across_four_workers_in_redis(db_kind, tmp_path):
    """The documented production setup: 4 gunicorn workers, counters in Redis. 10 wrong codes,
    then 429, whichever worker answers; the right code is refused too once the budget is spent."""
    redis_url = require_service("TRACKER_TEST_REDIS_URL")
    redis.Redis.from_url(redis_url).flushdb()
    url, site_code = _site_in_fresh_database(db_kind, tmp_path)
    env = production_env(url, tmp_path, TRACKER_CAPTCHA="0", TRACKER_RATELIMIT_STORAGE_URI=redis_url,
                         TRACKER_TRACK_RATE_LIMIT="10 per 10 minutes", TRACKER_REPORT_RATE_LIMIT="100 per minute")
    with gunicorn_serving(env, workers=4) as base, httpx.Client(base_url=base, timeout=30) as http:
        data = {**report_data_for(site_code), "csrf_token": csrf_token(http)}
        received = http.post("/report", data=data, follow_redirects=True).text
        number = received.split('id="tracking-number"')[1].split(">", 1)[1].split("<", 1)[0]
        code = received.split('id="query-code"')[1].split(">", 1)[1].split("<", 1)[0]
        wrong = []
        for i in range(12):
            with httpx.Client(base_url=base, timeout=30) as fresh:  # new connections: any worker answers
                route = "/track" if i % 2 else f"/api/v1/cases/{number}"
                query = {"number": number, "code": "WRONGCODE"} if i % 2 else {"code": "WRONGCODE"}
                wrong.append(fresh.get(route, params=query).status_code)
        assert wrong == [404] * 10 + [429, 429]
        assert http.get(f"/api/v1/cases/{number}", params={"code": code}).status_code == 429
        assert http.get("/track", params={"number": number, "code": code}).status_code == 429
    redis.Redis.from_url(redis_url).flushdb()


def report_data_for(site_code: str) -> dict:
    return {"site_code": site_code, "page_url": "https://www.example.gd.gov.cn/zwgk/a.html", "category": "2",
            "description": "页面上的办事指南已过期。", "contact_phone": "13800000000", "consent": "y"}
