"""Routing: the pure decision (tracker.organisations.routing.route) and its database feed."""
from __future__ import annotations

from tracker.cases.states import State
from tracker.organisations.routing import HostEntry, SiteEntry, region_code, route, split_url
from tracker.organisations.util import resolve_route

GD = SiteEntry(1, "4400000001", True)
GD_CLOSED = SiteEntry(2, "4400000002", False)


def host(site_id, code, name, prefix="", running=True):
    return HostEntry(site_id, code, name, prefix, running)


HOSTS = [
    host(10, "4401000010", "www.gz.gov.cn"),
    host(11, "4401000011", "www.gz.gov.cn", "/gzsrmzfxxgk"),
    host(12, "4401000012", "www.gz.gov.cn", "/gzsrmzfxxgk/zfxxgkml/"),
    host(13, "4403000013", "sz.gov.cn"),
]


def test_valid_code_of_a_running_site_wins():
    decided = route("4400000001", "https://www.gz.gov.cn/gzsrmzfxxgk/x.html", GD, HOSTS)
    assert (decided.site_id, decided.reason, decided.region_code) == (1, "code", "440000")


def test_code_of_a_site_not_running_falls_back_to_the_url():
    decided = route("4400000002", "https://www.gz.gov.cn/gzsrmzfxxgk/x.html", GD_CLOSED, HOSTS)
    assert (decided.site_id, decided.reason) == (11, "url")


def test_unknown_code_falls_back_to_the_url():
    decided = route("4400009999", "http://sz.gov.cn/cn/xxgk/", None, HOSTS)
    assert (decided.site_id, decided.reason) == (13, "url")


def test_longest_path_prefix_wins():
    assert route(None, "https://www.gz.gov.cn/gzsrmzfxxgk/zfxxgkml/a.html", None, HOSTS).site_id == 12
    assert route(None, "https://www.gz.gov.cn/gzsrmzfxxgk/zfxxgkml", None, HOSTS).site_id == 12
    assert route(None, "https://www.gz.gov.cn/gzsrmzfxxgk/other.html", None, HOSTS).site_id == 11
    # a prefix matches whole path segments only
    assert route(None, "https://www.gz.gov.cn/gzsrmzfxxgkzz/a.html", None, HOSTS).site_id == 10
    assert route(None, "https://www.gz.gov.cn/", None, HOSTS).site_id == 10


def test_www_variants():
    # registered without www., visited with it, and the other way round
    assert route(None, "https://www.sz.gov.cn/cn/", None, HOSTS).site_id == 13
    assert route(None, "https://gz.gov.cn/gzsrmzfxxgk/zfxxgkml/a.html", None, HOSTS).site_id == 12
    # host case, port, trailing dot and a missing scheme do not matter
    assert route(None, "HTTPS://SZ.GOV.CN.:8443/x", None, HOSTS).site_id == 13
    assert route(None, "sz.gov.cn/cn/xxgk/", None, HOSTS).site_id == 13


def test_exact_host_beats_its_www_twin():
    hosts = [host(20, "4400000020", "example.gd.gov.cn"), host(21, "4400000021", "www.example.gd.gov.cn")]
    assert route(None, "https://www.example.gd.gov.cn/", None, hosts).site_id == 21
    assert route(None, "https://example.gd.gov.cn/", None, hosts).site_id == 20
    # the twin still answers when the exact host's registrations do not cover the path
    hosts = [host(22, "4400000022", "www.x.gd.gov.cn", "/only"), host(23, "4400000023", "x.gd.gov.cn")]
    assert route(None, "https://www.x.gd.gov.cn/other", None, hosts).site_id == 23


def test_ambiguous_host_goes_to_triage_in_its_region():
    hosts = [host(30, "4406000030", "shared.fs.gov.cn"), host(31, "4406000031", "shared.fs.gov.cn")]
    decided = route(None, "https://shared.fs.gov.cn/a", None, hosts)
    assert (decided.site_id, decided.reason, decided.region_code) == (None, "ambiguous", "440000")
    assert decided.candidates == ("4406000030", "4406000031")
    assert not decided.is_unique
    # a valid code given with the report names the region
    assert route("4500000001", "https://shared.fs.gov.cn/a", None, hosts).region_code == "450000"


def test_unknown_host_goes_nowhere_in_particular():
    decided = route(None, "https://unknown.example.com/", None, HOSTS)
    assert (decided.site_id, decided.reason, decided.region_code) == (None, "no_match", None)
    assert route("4400009999", "https://unknown.example.com/", None, HOSTS).region_code == "440000"
    # an invalid code names no region
    assert route("44abc", "https://unknown.example.com/", None, HOSTS).region_code is None
    assert route(None, "not a url at all", None, HOSTS).reason == "no_match"
    assert route(None, "", None, HOSTS).reason == "no_match"


def test_sites_not_running_are_not_matched_by_url():
    hosts = [host(40, "4400000040", "old.gd.gov.cn", running=False)]
    assert route(None, "https://old.gd.gov.cn/", None, hosts).reason == "no_match"


def test_region_codes_and_url_parts():
    assert region_code("4401000001") == "440000"
    assert region_code("bm14000001") == "bm"
    assert region_code("BT12345678") == "BT"
    assert region_code("123") is None
    assert region_code("12BM010004") == "120000"  # one of the platform's other shapes
    assert split_url("http://Www.GD.gov.cn") == ("www.gd.gov.cn", "/")


# --- with the database: who gets the case


def test_resolve_route_on_the_database(app, session, factory):
    province = factory.province()
    other = factory.org("450000", kind="supervisor", name="广西")
    site = factory.site("4400000101", host="www.resolve.gd.gov.cn", supervisor=province)
    # unique match by URL
    routed = resolve_route(session, None, "https://resolve.gd.gov.cn/a")
    assert routed.site.id == site.id and routed.supervisor.id == province.id
    # unknown host with a Guangxi code: triage at Guangxi
    routed = resolve_route(session, "4500000009", "https://unknown.example.cn/")
    assert routed.site is None and routed.supervisor.id == other.id
    # unknown host, no code: the configured default supervisor
    app.config["DEFAULT_SUPERVISOR"] = "450000"
    assert resolve_route(session, None, "https://unknown.example.cn/").supervisor.id == other.id
    # the case itself: routed to the organiser, or to triage
    assert factory.case(site=site).state == State.assigned
    assert factory.case(site_code=None, page_url="https://unknown.example.cn/").state == State.triage


def test_ambiguous_host_on_the_database_goes_to_the_region(app, session, factory):
    province = factory.province()
    factory.org("450000", kind="supervisor", name="广西")
    app.config["DEFAULT_SUPERVISOR"] = "450000"  # so that landing in Guangdong proves the region won
    city = factory.org("440600", kind="supervisor", parent=province, name="佛山市")
    factory.site("4406000201", host="shared.fs.gov.cn", supervisor=city)
    factory.site("4406000202", host="shared.fs.gov.cn", supervisor=city)
    routed = resolve_route(session, None, "https://shared.fs.gov.cn/page")
    assert routed.route.reason == "ambiguous" and routed.site is None
    assert routed.supervisor.code == "440000"
    case = factory.case(site_code=None, page_url="https://shared.fs.gov.cn/page")
    assert case.state == State.triage and case.supervisor_id == province.id
