"""The dramatiq broker, chosen from ``TRACKER_BROKER_URL`` before any actor is declared.

Actors are declared when :mod:`tracker.jobs` is imported, which happens before any app exists, so
the choice reads the environment, not the app config:

- unset or empty: a :class:`~dramatiq.brokers.stub.StubBroker`; the web process runs the worker
  threads itself (the embedded mode, see :mod:`tracker.jobs.runtime`);
- ``redis://…`` (or ``rediss://``, ``unix://``): :class:`~dramatiq.brokers.redis.RedisBroker`;
- ``amqp://…`` (or ``amqps://``): :class:`~dramatiq.brokers.rabbitmq.RabbitmqBroker`.

Production workers run ``dramatiq tracker.jobs`` with the same ``TRACKER_*`` environment as the web.
"""
from __future__ import annotations

import os
from contextlib import contextmanager

import dramatiq
from dramatiq.brokers.stub import StubBroker

from tracker.config import ConfigError

#: seconds to wait for a broker connection before giving up (the outbox keeps the message)
CONNECT_TIMEOUT = 3


class BrokerConfigError(ConfigError):
    """``TRACKER_BROKER_URL`` names a broker this project cannot use."""


def make_broker(url: str | None) -> dramatiq.Broker:
    """A new broker for ``url`` ("" or None: the in-memory stub of the embedded mode)."""
    url = (url or "").strip()
    if not url:
        broker = StubBroker()
        broker.emit_after("process_boot")
        return broker
    scheme = url.split(":", 1)[0].lower()
    if scheme in {"redis", "rediss", "unix"}:
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=10)
    if scheme in {"amqp", "amqps"}:
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url)
    raise BrokerConfigError(
        f"TRACKER_BROKER_URL={url!r}: use redis://host:port/db, amqp://user:pass@host:port/vhost, "
        "or leave it empty for the embedded stub broker"
    )


def is_embedded(broker: dramatiq.Broker | None = None) -> bool:
    """True when messages live in this process only (the stub broker)."""
    return isinstance(broker or dramatiq.get_broker(), StubBroker)


def current() -> dramatiq.Broker:
    return dramatiq.get_broker()


def switch(new: dramatiq.Broker) -> dramatiq.Broker:
    """Make ``new`` the global broker and move every declared actor onto it; returns the old one.

    For tests and tools that need another broker than the one chosen at import.
    """
    old = dramatiq.get_broker()
    for name in list(old.actors):
        actor = old.actors[name]
        actor.broker = new
        new.declare_actor(actor)
    dramatiq.set_broker(new)
    return old


@contextmanager
def using(new: dramatiq.Broker):
    """Inside the block, actors send to ``new``; the previous broker comes back afterwards."""
    old = switch(new)
    try:
        yield new
    finally:
        switch(old)


broker = make_broker(os.environ.get("TRACKER_BROKER_URL"))
dramatiq.set_broker(broker)
