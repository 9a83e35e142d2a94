"""Real pages for the page checks: a local HTTP server (and a self-signed HTTPS one), and a network
spy that records every connection the probe opens."""
from __future__ import annotations

import ipaddress
import ssl
import subprocess
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpcore
import pytest

GBK_TITLE = "广州市人民政府门户网站"
BIG_BYTES = 50 * 1024 * 1024


class Pages:
    """What the local server answers; ``changing`` can be rewritten between two checks."""

    def __init__(self):
        self.changing = "<html><head><title>通知公告</title></head><body><p>2019年办事指南</p></body></html>"
        self.user_agents: list[str] = []
        self.big_sent = 0


class Handler(BaseHTTPRequestHandler):
    pages: Pages

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", **headers):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: C901, N802 - one branch per test page
        self.pages.user_agents.append(self.headers.get("User-Agent", ""))
        path = self.path.split("?", 1)[0]
        if path == "/ok":
            self._send(200, "<html><head><title>测试页面</title></head><body>正常内容</body></html>".encode())
        elif path == "/missing":
            self._send(404, b"<html><head><title>404</title></head><body>Not here</body></html>")
        elif path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            self._send(302, b"", Location="/ok" if left == 0 else f"/hop/{left - 1}")
        elif path == "/gbk":
            body = f"<html><head><title>{GBK_TITLE}</title></head><body>政务公开</body></html>".encode("gbk")
            self._send(200, body, "text/html; charset=GBK")
        elif path == "/gb2312-meta":
            body = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
                    f"<title>{GBK_TITLE}</title></head><body>镕</body></html>").encode("gb18030")
            self._send(200, body, "text/html")
        elif path == "/slow":
            time.sleep(3)
            self._send(200, b"<title>late</title>")
        elif path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(30):
                    self.wfile.write(b"<p>x</p>")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
        elif path == "/big":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(BIG_BYTES))
            self.end_headers()
            chunk = b"<p>" + b"a" * 65529 + b"</p>"
            try:
                while self.pages.big_sent < BIG_BYTES:
                    self.wfile.write(chunk)
                    self.pages.big_sent += len(chunk)
            except OSError:  # the probe stopped reading at its cap and closed
                pass
        elif path == "/to-private":
            self._send(302, b"", Location="http://10.0.0.1/admin")
        elif path == "/bad-location":
            self._send(302, b"", Location="http://[::1/oops")
        elif path == "/loop":
            self._send(302, b"", Location="/loop")
        elif path == "/changing":
            self._send(200, self.pages.changing.encode())
        else:
            self._send(404, b"no such page")


@contextmanager
def serve(pages: Pages, context: ssl.SSLContext | None = None):
    handler = type("BoundHandler", (Handler,), {"pages": pages})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture()
def pages():
    return Pages()


@pytest.fixture()
def site_server(pages):
    """``(base URL, port)`` of a local HTTP server of the test pages."""
    with serve(pages) as port:
        yield f"http://127.0.0.1:{port}", port


@pytest.fixture(scope="session")
def self_signed(tmp_path_factory):
    """A self-signed certificate and key for 127.0.0.1 (made with the openssl command)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.fixture()
def tls_server(pages, self_signed):
    cert, key = self_signed
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with serve(pages, context) as port:
        yield f"https://127.0.0.1:{port}", port


LOCAL = (ipaddress.ip_network("127.0.0.1/32"),)


class NetworkSpy(httpcore.NetworkBackend):
    """Records every connection asked for; connects for real only when ``real`` is set."""

    def __init__(self, real: bool = False):
        self.calls: list[tuple[str, int]] = []
        self.real = httpcore.SyncBackend() if real else None

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.calls.append((host, port))
        if self.real is None:
            raise httpcore.ConnectError("the spy does not connect")
        return self.real.connect_tcp(host, port, timeout=timeout, local_address=local_address,
                                     socket_options=socket_options)

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise AssertionError("no unix sockets")

    def sleep(self, seconds):
        time.sleep(seconds)


class ResolverStub:
    """A resolver with fixed answers (a list per name: one answer per call, the last repeated)."""

    def __init__(self, answers: dict[str, list[list[str]]] | None = None):
        self.answers = answers or {}
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        queue = self.answers.get(host.lower().rstrip("."))
        if not queue:
            raise OSError(f"stub: no such name {host}")
        return queue.pop(0) if len(queue) > 1 else queue[0]
