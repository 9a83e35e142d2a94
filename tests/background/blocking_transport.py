"""A test-only mail transport for the worker-kill test: ``blockfile:///folder`` announces the message
(``<folder>/../sending-<outbox id>``) and then blocks forever, so the worker can be killed mid-job.

Loaded into a worker with ``dramatiq tracker.jobs tests.background.blocking_transport``.
"""
from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import unquote

from tracker.notifications.transport import register_transport


class BlockingTransport:
    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, message) -> None:
        marker = self.folder.parent / f"sending-{message['X-Tracker-Outbox']}"
        marker.write_text(message["To"])
        threading.Event().wait()  # until the process is killed


register_transport("blockfile", lambda url, _timeout: BlockingTransport(Path(unquote(url.path))))
