"""Every CLI command of ``tracker``, grouped by area; :mod:`tracker.cli` adds them."""
from __future__ import annotations

import json

import click


def echo_json(data) -> None:
    """One line of JSON (Chinese kept readable)."""
    click.echo(json.dumps(data, ensure_ascii=False))
