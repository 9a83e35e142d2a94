"""Benchmarks: ``make bench`` runs every ``tests/bench/bench_*.py`` module's ``run() -> dict``."""
