"""The SMTP transport against a minimal SMTP server (plain, with login)."""
from __future__ import annotations

import base64
import socketserver
import threading

from sqlmodel import select

from tracker.notifications import delivery
from tracker.outbox.models import Outbox


class _Handler(socketserver.StreamRequestHandler):
    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        server = self.server
        self._say("220 test ESMTP")
        envelope = {"rcpt": []}
        while True:
            line = self.rfile.readline().decode().rstrip("\r\n")
            if not line:
                return
            verb = line.split(" ", 1)[0].upper()
            if verb in {"EHLO", "HELO"}:
                self._say("250-test")
                self._say("250 AUTH PLAIN")
            elif verb == "AUTH":
                server.auth.append(base64.b64decode(line.split()[2]).split(b"\0")[1:])
                self._say("235 ok")
            elif verb == "MAIL":
                envelope["from"] = line
                self._say("250 ok")
            elif verb == "RCPT":
                envelope["rcpt"].append(line.split(":", 1)[1].strip("<> "))
                self._say("250 ok")
            elif verb == "DATA":
                self._say("354 go")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk)
                server.messages.append((envelope["rcpt"], b"".join(data)))
                envelope = {"rcpt": []}
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 ok")


def test_smtp_transport_logs_in_and_sends_one_message_per_recipient(app, session, factory):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.messages, server.auth = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        organiser = factory.org(parent=factory.province())
        site = factory.site(organiser=organiser)
        factory.user("organiser", org=organiser, email="o1@example.gov.cn")
        case = factory.case(site=site)
        session.commit()
        app.config["MAIL_URL"] = f"smtp://mailer:s%40cret@127.0.0.1:{server.server_address[1]}"
        row = session.exec(select(Outbox).where(Outbox.case_id == case.id, Outbox.topic == "case_assigned")).one()
        assert delivery.deliver(row.id) == "sent"
    finally:
        server.shutdown()
        server.server_close()
    assert server.auth == [[b"mailer", b"s@cret"]]
    [(rcpt, data)] = server.messages
    assert rcpt == ["o1@example.gov.cn"]
    assert f"X-Tracker-Outbox: {row.id}".encode() in data and b"Message-ID: <outbox-" in data
