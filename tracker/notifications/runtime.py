"""Starting the background machinery with the app (the embedded worker, the relay, the timer)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the outbox relay and, in the embedded mode, the in-process worker.

    Filled in by the background-work package; until then side effects stay in the outbox.
    """
    app.extensions.setdefault("tracker.runtime", None)
