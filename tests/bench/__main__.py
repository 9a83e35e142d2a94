"""``python -m tests.bench [NAME ...] [-- OPTIONS]``: run the benchmark modules and print their results.

Each module ``tests/bench/bench_<name>.py`` exposes ``run() -> dict`` of named results (numbers or
short strings). Give names to run only those. Options (everything from the first argument that
starts with ``-``) go to the one module named, as ``run(options)``:
``python -m tests.bench national --only report,answers``. Exits non-zero when a benchmark raises.
"""
from __future__ import annotations

import importlib
import json
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover() -> list[str]:
    return sorted(path.stem for path in HERE.glob("bench_*.py"))


def main(argv: list[str]) -> int:
    names = discover()
    split = next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))
    argv, options = argv[:split], argv[split:]
    if options and len(argv) != 1:
        print("options go to one benchmark: python -m tests.bench NAME --option …")
        return 2
    wanted = [a if a.startswith("bench_") else f"bench_{a}" for a in argv]
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(names) or 'none'}")
        return 2
    names = wanted or names
    if not names:
        print(f"no benchmarks found (tests/bench/bench_*.py in {HERE})")
        return 0
    failed = 0
    for name in names:
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"tests.bench.{name}")
            results = module.run(options) if options else module.run()
        except Exception:  # report and go on with the others
            failed += 1
            print(f"{name}: FAILED")
            traceback.print_exc()
            continue
        elapsed = time.perf_counter() - started
        print(f"{name} ({elapsed:.1f}s)")
        for key, value in (results or {}).items():
            shown = f"{value:.3f}" if isinstance(value, float) else json.dumps(value, ensure_ascii=False) \
                if isinstance(value, (dict, list)) else str(value)
            print(f"  {key:<40} {shown}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
