"""The app that actors run in: bound by the embedded runtime, or created once per worker process."""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_app = None
_pid: int | None = None


def bind_app(app) -> None:
    """Run this process's actors in ``app`` (the embedded worker, tests)."""
    global _app, _pid
    with _lock:
        _app, _pid = app, os.getpid()


def job_app():
    """The bound app, or a new ``create_app()`` made once in this process (a forked child makes its own)."""
    global _app, _pid
    with _lock:
        if _app is None or _pid != os.getpid():
            from tracker import create_app

            _app, _pid = create_app({"EMBEDDED_WORKER": False}), os.getpid()
        return _app


@contextmanager
def app_context():
    with job_app().app_context():
        yield
