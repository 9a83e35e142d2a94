"""Hostile targets are refused before any connection is opened.

Every probe here runs with the default settings (no ``allow``, ports 80 and 443), a resolver stub
with fixed answers, and a network spy that records each connection asked for (and never opens
one): a refusal must leave the spy untouched.
"""
from __future__ import annotations

import pytest

from tests.evidence.conftest import LOCAL, NetworkSpy, ResolverStub
from tracker.evidence.probe import ProbeSettings, probe

PUBLIC = "93.184.216.34"

#: name -> answers of the resolver stub
NAMES = {
    "intranet.example.gov.cn": [["192.168.1.10"]],  # a public-looking name that resolves to a private address
    "mixed.example.gov.cn": [[PUBLIC, "10.1.2.3"]],  # one public and one private answer
    "metadata.example.gov.cn": [["169.254.169.254"]],
    "v6.example.gov.cn": [["fd12:3456::1"]],
    "localhost": [["127.0.0.1", "::1"]],
    "www.example.gov.cn": [[PUBLIC]],
}

HOSTILE = [
    ("loopback", "http://127.0.0.1/"),
    ("loopback, elsewhere in 127/8", "http://127.9.8.7/admin"),
    ("IPv6 loopback", "http://[::1]/"),
    ("cloud metadata (link-local)", "http://169.254.169.254/latest/meta-data/"),
    ("private 10/8", "http://10.0.0.1/"),
    ("private 172.16/12", "https://172.16.5.4/"),
    ("private 192.168/16", "http://192.168.0.1/"),
    ("unspecified", "http://0.0.0.0/"),
    ("decimal form of 127.0.0.1", "http://2130706433/"),
    ("octal form of 127.0.0.1", "http://0177.0.0.1/"),
    ("hexadecimal form of 127.0.0.1", "http://0x7f000001/"),
    ("short form 127.1", "http://127.1/"),
    ("IPv4-mapped IPv6 loopback", "http://[::ffff:127.0.0.1]/"),
    ("IPv4-mapped IPv6 metadata", "http://[::ffff:a9fe:a9fe]/"),
    ("6to4 of 127.0.0.1", "http://[2002:7f00:1::]/"),
    ("NAT64 of 10.0.0.1", "http://[64:ff9b::a00:1]/"),
    ("IPv6 link-local", "http://[fe80::1]/"),
    ("IPv6 unique local", "http://[fc00::1]/"),
    ("multicast", "http://224.0.0.1/"),
    ("shared address space (CGNAT)", "http://100.64.0.1/"),
    ("reserved 240/4", "http://240.0.0.1/"),
    ("broadcast", "http://255.255.255.255/"),
    ("public name, private address", "http://intranet.example.gov.cn/"),
    ("public name, one private address among public ones", "https://mixed.example.gov.cn/"),
    ("public name, metadata address", "http://metadata.example.gov.cn/"),
    ("public name, IPv6 unique local address", "http://v6.example.gov.cn/"),
    ("localhost", "http://localhost/"),
    ("localhost with a trailing dot", "http://localhost./"),
    ("user info before a private host", "http://www.example.gov.cn@127.0.0.1/"),
    ("file:", "file:///etc/passwd"),
    ("gopher:", "gopher://127.0.0.1:70/_INFO"),
    ("ftp:", "ftp://www.example.gov.cn/"),
    ("non-standard port", "http://www.example.gov.cn:8080/"),
    ("non-standard port on https", "https://www.example.gov.cn:8443/"),
    ("SMTP port", "http://www.example.gov.cn:25/"),
]


@pytest.mark.parametrize("label, url", HOSTILE, ids=[label for label, _url in HOSTILE])
def test_hostile_target_is_refused_without_a_connection(label, url):
    spy = NetworkSpy()
    resolver = ResolverStub({name: [list(a) for a in answers] for name, answers in NAMES.items()})
    result = probe(url, ProbeSettings(resolver=resolver, network=spy))
    assert result.error == "refused", (label, result.error, result.error_detail)
    assert result.status is None and result.title is None
    assert spy.calls == [], f"{label}: a connection was asked for: {spy.calls}"


def test_the_table_is_long_enough():
    assert len(HOSTILE) >= 15


def test_a_public_address_is_connected_to():
    """The control: the same stubs let a public name through, to the address it resolved to."""
    spy = NetworkSpy()
    result = probe("http://www.example.gov.cn/", ProbeSettings(resolver=ResolverStub(NAMES), network=spy))
    assert spy.calls == [(PUBLIC, 80)]
    assert result.error == "connect_error"  # the spy does not connect


def test_dns_rebinding_cannot_reach_a_private_address():
    """A name that answers public first and private next: the connection goes to the address that
    was checked, and the next answer is checked again before any other connection."""
    spy = NetworkSpy()
    resolver = ResolverStub({"rebind.example.gov.cn": [[PUBLIC], ["127.0.0.1"]]})
    settings = ProbeSettings(resolver=resolver, network=spy)
    first = probe("http://rebind.example.gov.cn/", settings)
    assert spy.calls == [(PUBLIC, 80)] and first.error == "connect_error"
    second = probe("http://rebind.example.gov.cn/", settings)
    assert second.error == "refused" and spy.calls == [(PUBLIC, 80)]


def test_a_redirect_from_an_allowed_host_to_a_private_one_is_refused(site_server):
    base, port = site_server
    spy = NetworkSpy(real=True)
    result = probe(f"{base}/to-private", ProbeSettings(allow=LOCAL, ports=frozenset({80, port}), network=spy))
    assert result.error == "refused"
    assert result.hops == [f"{base}/to-private"] and result.final_url == "http://10.0.0.1/admin"
    assert spy.calls == [("127.0.0.1", port)]  # the local server only, never 10.0.0.1


def test_the_local_server_is_refused_without_the_allow_list(site_server):
    base, port = site_server
    spy = NetworkSpy(real=True)
    result = probe(f"{base}/ok", ProbeSettings(ports=frozenset({port}), network=spy))
    assert result.error == "refused" and spy.calls == []


@pytest.mark.parametrize("address, public", [
    ("93.184.216.34", True), ("114.114.114.114", True), ("2400:3200::1", True), ("2001:4860:4860::8888", True),
    ("198.18.0.1", False), ("192.0.2.1", False), ("::ffff:93.184.216.34", False), ("::", False),
])
def test_which_addresses_count_as_public(address, public):
    import ipaddress

    from tracker.evidence.probe import is_permitted, is_public

    assert is_public(ipaddress.ip_address(address)) is public
    assert is_permitted(ipaddress.ip_address("10.1.2.3"), (ipaddress.ip_network("10.1.0.0/16"),))
    assert not is_permitted(ipaddress.ip_address("10.2.0.1"), (ipaddress.ip_network("10.1.0.0/16"),))
