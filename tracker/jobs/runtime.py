"""Starting the background machinery with the app (the embedded worker, the relay, the timer).

Embedded mode (``TRACKER_BROKER_URL`` unset, ``EMBEDDED_WORKER`` on): each serving process runs
``EMBEDDED_WORKER_THREADS`` dramatiq worker threads on the stub broker and a timer thread that sweeps
deadlines and relays the outbox at once (start-up: everything pending is delivered) and then every
``SWEEP_INTERVAL_SECONDS``.

The runtime starts after the fork: lazily on the first request of each process (so gunicorn, with or
without ``--preload``, starts it in each worker), or at once for ``tracker run`` / ``flask run`` (in
the reloader's child). For gunicorn you may also start it in a hook (``gunicorn.conf.py``)::

    def post_worker_init(worker):
        from tracker.jobs.runtime import start
        start(worker.wsgi)

CLI commands other than ``run`` never start it (``tracker sweep`` / ``relay`` deliver by themselves).
With a real broker nothing starts here: run ``dramatiq tracker.jobs`` and ``tracker scheduler``.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading

import click
from dramatiq import Worker
from flask import Flask

from tracker import jobs
from tracker.cases.sweep import sweep
from tracker.jobs import broker
from tracker.jobs.relay import relay

log = logging.getLogger(__name__)
_lock = threading.Lock()


class EmbeddedRuntime:
    """The in-process worker and timer of one app in one process."""

    def __init__(self, app: Flask):
        self.app = app
        self.pid = os.getpid()
        self.worker = None
        self.stopping = threading.Event()
        self.timer: threading.Thread | None = None

    def start(self) -> EmbeddedRuntime:
        jobs.bind_app(self.app)
        self.worker = Worker(broker.current(), worker_threads=self.app.config["EMBEDDED_WORKER_THREADS"])
        self.worker.start()
        self.timer = threading.Thread(target=self._tick, name="tracker-timer", daemon=True)
        self.timer.start()
        atexit.register(self.stop)
        return self

    def _tick(self) -> None:
        first = True
        while not self.stopping.is_set():
            with self.app.app_context():
                try:
                    sweep()
                    relay(grace_seconds=0 if first else None)
                except Exception:  # keep the timer alive; the next tick retries
                    log.exception("background tick failed")
            first = False
            self.stopping.wait(self.app.config["SWEEP_INTERVAL_SECONDS"])

    def stop(self) -> None:
        self.stopping.set()
        if self.worker is not None:
            self.worker.stop(timeout=5000)
            self.worker = None


def start(app: Flask) -> EmbeddedRuntime | None:
    """Start the embedded runtime for ``app`` in this process (idempotent). None with a real broker."""
    if not broker.is_embedded():
        return None
    with _lock:
        runtime = app.extensions.get("tracker.runtime")
        if runtime is None or runtime.pid != os.getpid():
            runtime = EmbeddedRuntime(app).start()
            app.extensions["tracker.runtime"] = runtime
    return runtime


def _serving_from_cli(app: Flask) -> bool:
    """True in the process that will serve requests under ``tracker run`` / ``flask run``."""
    context = click.get_current_context(silent=True)
    if context is None or context.info_name != "run":
        return False
    reload = context.params.get("reload")
    use_reloader = app.debug if reload is None else reload
    return not use_reloader or os.environ.get("WERKZEUG_RUN_MAIN") == "true"


def init_app(app: Flask) -> None:
    """Wire the embedded worker (only when ``EMBEDDED_WORKER`` is on and the broker is the stub)."""
    app.extensions.setdefault("tracker.runtime", None)
    if not app.config["EMBEDDED_WORKER"] or not broker.is_embedded():
        return

    @app.before_request
    def _start_after_fork():
        runtime = app.extensions.get("tracker.runtime")
        if runtime is None or runtime.pid != os.getpid():
            start(app)

    if _serving_from_cli(app):
        start(app)
